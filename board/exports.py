"""Exports of an inquiry (CSV, pol.is comments CSV, JSON, Markdown) and the import of an exported JSON
file as a new inquiry. Formats are described in docs/exports.md.

The CSV and JSON exports are generators of text chunks: contributions are read with ``.iterator()`` in
chunks and written as they come, so an inquiry of any size exports with bounded memory."""

import csv
import heapq
import io
import json
import re
import secrets
import uuid
from collections import Counter

from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from inquiry.counting import count_of
from inquiry.models import Inquiry, Participant, Round, distinct_sectors, sector_key

from . import harvest
from .models import (
    DEFAULT_COLOUR,
    TEXT_LIMIT,
    THEME_COLOURS,
    THEME_NAME_LIMIT,
    Card,
    Dot,
    Reaction,
    Theme,
    Vote,
)
from .text import distinct_name, first_visible, name_key

FORMAT = "linewalk.inquiry"
VERSION = 1
CHUNK_ROWS = 1000
CHUNK_CHARS = 64 * 1024
BOM = "\ufeff"
UNPICKED_STATUS = "unpicked"  # the status of a card a table wrote and did not bring back to the room

CSV_COLUMNS = [
    "contribution", "round", "round_question", "theme", "text", "status", "featured", "sector",
    "participant", "author", "dots", "theme_dots", "reactions", "created", "edited", "table", "table_round",
]  # fmt: skip
POLIS_COLUMNS = [
    "timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated", "comment-body",
]  # fmt: skip
# A spreadsheet runs a cell as a formula when its first character that shows is one of these, also after
# spaces, tabs, line breaks or zero-width characters (CSV injection, OWASP); the full-width forms too,
# which some spreadsheets read as the ASCII ones. A cell starting with a tab or carriage return is
# neutralised whatever follows (OWASP's list).
FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")


def iso(value, seconds=False):
    if value is None:
        return None
    value = timezone.localtime(value)
    return value.isoformat(timespec="seconds") if seconds else value.isoformat()


def _buffered(pieces):
    """Join small strings into chunks of about CHUNK_CHARS: fewer, larger writes to the client."""
    buffer, size = [], 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _csv_rows(rows):
    """Each row as CSV text (RFC 4180: CRLF, quotes around fields with commas, quotes or newlines)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _counted(cards):
    """Cards with their dots and reactions counted (by participants not removed) in the same query."""

    return cards.annotate(
        dot_count=count_of(Dot.objects.filter(participant__removed=False), "card"),
        reaction_count=count_of(Reaction.objects.filter(participant__removed=False), "card"),
    )


def participant_refs(inquiry):
    """Pseudonymous ids, stable for an inquiry: p1, p2, ... in the order people joined."""
    pks = Participant.objects.filter(inquiry=inquiry).order_by("pk").values_list("pk", flat=True)
    return {pk: f"p{index}" for index, pk in enumerate(pks, 1)}


def _theme_dots(inquiry):
    """Dots given to each theme itself (not to its cards)."""
    rows = Dot.objects.filter(vote__inquiry=inquiry, theme__isnull=False, participant__removed=False)
    return Counter(rows.values_list("theme_id", flat=True))


def spreadsheet_safe(value):
    """Text someone wrote as a CSV cell no spreadsheet runs: one that could start a formula gets a
    leading ' (so "-5 degrees" reads "'-5 degrees"); anything else is left as written."""
    text = str(value)
    if text[:1] in ("\t", "\r") or first_visible(text) in FORMULA_START:
        return "'" + text
    return text


def csv_chunks(inquiry, *, include_all=False, bom=True):
    """A row per contribution, oldest first, and a row per card a table wrote and did not bring back to
    the room, marked "unpicked" (docs/exports.md)."""
    from .tables.report import places, unpicked_cards

    rounds = {r.pk: (i + 1, r.question) for i, r in enumerate(inquiry.rounds_in_order())}
    themes = {t.pk: t.name for t in Theme.objects.filter(inquiry=inquiry)}
    theme_dots = _theme_dots(inquiry)
    refs = participant_refs(inquiry)
    tables = places(inquiry)
    cards = _counted(harvest.cards_for(inquiry, include_all=include_all)).select_related("author")

    def by(author):
        """The sector, pseudonym and (where the inquiry shows names) name of who wrote a card."""
        name = spreadsheet_safe(author.display_name) if inquiry.show_names else ""
        return [spreadsheet_safe(author.sector), refs.get(author.pk, ""), name]

    def where(table_id):
        """The table a card came from and its round of tables (a room card from a table's picks too)."""
        if table_id not in tables:
            return ["", ""]
        label, number, _round = tables[table_id]
        return [spreadsheet_safe(label), number]

    def room_row(card):
        number, question = rounds.get(card.round_id, ("", ""))
        return [
            card.pk,
            number,
            spreadsheet_safe(question),
            spreadsheet_safe(themes.get(card.theme_id, "")),
            spreadsheet_safe(card.text),
            harvest.status_label(card),
            "yes" if card.featured else "",
            *by(card.author),
            card.dot_count,
            theme_dots[card.theme_id] if card.theme_id else 0,
            card.reaction_count,
            iso(card.created, seconds=True),
            iso(card.edited, seconds=True) or "",
            *where(card.table_id),
        ]

    def unpicked_row(card):
        # Never on the room's board: no id, theme, dots or reactions of the room's; the round is the one
        # the tables were for (none when they were for the room's round of the moment).
        number, question = rounds.get(tables[card.table_id][2], ("", ""))
        return [
            "", number, spreadsheet_safe(question), "", spreadsheet_safe(card.text), UNPICKED_STATUS, "",
            *by(card.author), 0, 0, 0, iso(card.created, seconds=True), "", *where(card.table_id),
        ]  # fmt: skip

    def rows():
        yield CSV_COLUMNS
        room = cards.order_by("created", "pk").iterator(chunk_size=CHUNK_ROWS)
        at_tables = unpicked_cards(inquiry, include_all).iterator(chunk_size=CHUNK_ROWS)
        for card in heapq.merge(room, at_tables, key=lambda card: card.created):
            yield room_row(card) if isinstance(card, Card) else unpicked_row(card)

    if bom:
        yield BOM
    yield from _buffered(_csv_rows(rows()))


POLIS_MODERATED = {Card.VISIBLE: 1, Card.HIDDEN: -1}  # pending and held: 0, not yet moderated


def polis_chunks(inquiry, *, include_all=False, bom=False):
    """Comments in the shape of a pol.is export's comments.csv, for other tools (docs/exports.md)."""
    refs = {pk: int(ref[1:]) for pk, ref in participant_refs(inquiry).items()}
    cards = _counted(harvest.cards_for(inquiry, include_all=include_all))

    def rows():
        yield POLIS_COLUMNS
        for card in cards.order_by("created", "pk").iterator(chunk_size=CHUNK_ROWS):
            yield [
                int(card.created.timestamp() * 1000),
                iso(card.created, seconds=True),
                card.pk,
                refs.get(card.author_id, ""),
                card.dot_count + card.reaction_count,
                0,
                POLIS_MODERATED.get(card.status, 0),
                spreadsheet_safe(card.text),
            ]

    if bom:
        yield BOM
    yield from _buffered(_csv_rows(rows()))


# JSON -----------------------------------------------------------------------------------------------------


def _dumps(value):
    return json.dumps(value, ensure_ascii=False)


def _array(name, items, last=False):
    """``"name": [item, item, ...]`` written an item at a time."""
    yield f'"{name}": ['
    for index, item in enumerate(items):
        yield ("\n  " if index == 0 else ",\n  ") + _dumps(item)
    yield "\n]" + ("" if last else ",\n")


def json_chunks(inquiry, *, include_all=False):
    """The whole inquiry (docs/exports.md), enough to rebuild it with ``import_inquiry``."""
    rounds = list(inquiry.rounds_in_order())
    round_refs = {r.pk: f"r{i}" for i, r in enumerate(rounds, 1)}
    themes = list(Theme.objects.filter(inquiry=inquiry).order_by("position", "pk"))
    theme_refs = {t.pk: f"t{i}" for i, t in enumerate(themes, 1)}
    people = participant_refs(inquiry)
    votes = list(Vote.objects.filter(inquiry=inquiry).order_by("created", "pk"))
    vote_refs = {v.pk: f"v{i}" for i, v in enumerate(votes, 1)}
    # Filled while the cards stream; dots and reactions on a card left out are left out too.
    card_refs = {}
    from .tables.transfer import export_tables
    from .tables.transfer import table_refs as refs_of_tables

    table_refs = refs_of_tables(inquiry)

    def participants():
        rows = Participant.objects.filter(inquiry=inquiry).order_by("pk")
        for p in rows.iterator(chunk_size=CHUNK_ROWS):
            yield {
                "ref": people[p.pk],
                "sector": p.sector,
                "display_name": p.display_name if inquiry.show_names else "",
                "removed": p.removed,
                "joined": iso(p.joined),
            }

    def cards():
        rows = harvest.cards_for(inquiry, include_all=include_all).order_by("pk")
        for card in rows.iterator(chunk_size=CHUNK_ROWS):
            card_refs[card.pk] = ref = f"c{len(card_refs) + 1}"
            # A card that came from a table's picks names the table (board/tables).
            yield ({"table": table_refs.get(card.table_id)} if card.table_id else {}) | {
                "ref": ref,
                "round": round_refs[card.round_id],
                "theme": theme_refs.get(card.theme_id),
                "author": people[card.author_id],
                "text": card.text,
                "status": card.status,
                "held_reason": card.held_reason,
                "silent": card.silent,
                "featured": card.featured,
                "position": card.position,
                "created": iso(card.created),
                "edited": iso(card.edited),
            }

    # The systems map and next steps (board/systemmap/transfer.py), read once the cards are known.
    parts = {}

    def mapped():
        from .systemmap.transfer import export_parts

        parts["map"], parts["next_steps"], parts["signups"], parts["links"], parts["steps"] = export_parts(
            inquiry, iso, theme_refs, card_refs, people, round_refs
        )
        yield f'"map": {_dumps(parts["map"])},\n'
        yield from _array("next_steps", parts["next_steps"])
        yield from _array("signups", parts["signups"])

    def dots():
        rows = Dot.objects.filter(vote__inquiry=inquiry).order_by("pk")
        for dot in rows.iterator(chunk_size=CHUNK_ROWS):
            if dot.card_id is not None and dot.card_id not in card_refs:
                continue
            if dot.link_id is not None and dot.link_id not in parts["links"]:
                continue
            item = {
                "vote": vote_refs[dot.vote_id],
                "participant": people[dot.participant_id],
                "card": card_refs.get(dot.card_id),
                "theme": theme_refs.get(dot.theme_id),
                "created": iso(dot.created),
            }
            if dot.link_id or dot.step_id:
                item["link"], item["step"] = parts["links"].get(dot.link_id), parts["steps"].get(dot.step_id)
            yield item

    def reactions():
        rows = Reaction.objects.filter(card__inquiry=inquiry).order_by("pk")
        for reaction in rows.iterator(chunk_size=CHUNK_ROWS):
            if reaction.card_id in card_refs:
                yield {
                    "card": card_refs[reaction.card_id],
                    "participant": people[reaction.participant_id],
                    "created": iso(reaction.created),
                }

    settings = {
        "title": inquiry.title,
        "question": inquiry.question,
        "sectors": inquiry.sectors,
        "show_names": inquiry.show_names,
        "k_threshold": inquiry.k_threshold,
        "premoderation": inquiry.premoderation,
        "safeguarding": inquiry.safeguarding,
        "harvest_note": inquiry.harvest_note,
        "current_round": round_refs.get(inquiry.current_round_id),
    }
    pieces = [
        "{\n",
        f'"format": "{FORMAT}",\n"version": {VERSION},\n',
        f'"exported_at": {_dumps(iso(timezone.now()))},\n',
        f'"contributions": {_dumps("all" if include_all else "visible")},\n',
        f'"inquiry": {_dumps(settings)},\n',
    ]
    yield "".join(pieces)
    round_rows = [
        {"ref": round_refs[r.pk], "position": r.position, "question": r.question, "guidance": r.guidance,
         "phase": r.phase, "kind": r.kind}
        for r in rounds
    ]  # fmt: skip
    theme_rows = [
        {"ref": theme_refs[t.pk], "name": t.name, "colour": t.colour, "position": t.position,
         "created": iso(t.created)}
        for t in themes
    ]  # fmt: skip
    vote_rows = [
        {"ref": vote_refs[v.pk], "round": round_refs.get(v.round_id),
         "opened_in": round_refs.get(v.opened_in_id), "target": v.target, "budget": v.budget,
         "per_item": v.per_item, "live_results": v.live_results, "revealed": v.revealed, "is_open": v.is_open,
         "created": iso(v.created)}
        for v in votes
    ]  # fmt: skip

    def body():
        yield from _array("rounds", round_rows)
        yield from _array("participants", participants())
        yield from _array("themes", theme_rows)
        yield from _array("cards", cards())
        yield from _array("votes", vote_rows)
        yield from mapped()
        # After the cards: what a table brought back goes with its room copy (board/tables/report.py).
        yield from _array("tables", export_tables(inquiry, iso, people, round_refs, table_refs, card_refs))
        yield from _array("dots", dots())
        yield from _array("reactions", reactions(), last=True)
        yield "\n}\n"

    yield from _buffered(body())


# Markdown -------------------------------------------------------------------------------------------------

# Characters that mark up text inside a line (CommonMark lets any ASCII punctuation be escaped).
MARKDOWN_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|&~"})
BLOCK_START = re.compile(r"^(\d+)([.)])|^([#>+=-])")


def md(text):
    """User text as literal Markdown on one line: what could mark it up is escaped."""
    return " ".join(str(text).split()).translate(MARKDOWN_SPECIAL)


def md_paragraphs(text):
    """User text as literal Markdown paragraphs, one per line of the text; none starts a list or heading."""
    lines = (md(line) for line in str(text).splitlines() if line.strip())
    return "\n\n".join(
        BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", line) for line in lines
    )


def counted(n, noun):
    """ "1 dot", "2 dots": a number and its noun, as the reports write them."""
    return f"{n} {noun}{pluralize(n)}"


def _md_lens_row(row, k):
    if row.support is None:
        return f"| {md(row.sector)} | {f'fewer than {k}' if row.small else 'withheld'} | — | — |"
    return f"| {md(row.sector)} | {row.participants} | {row.support} | {row.share:.2f} |"


def markdown(report):
    inquiry = report.inquiry
    k = report.k
    lines = [f"# {md(inquiry.title)}", "", f"**Date:** {report.event_dates}", ""]
    lines += [f"**Question:** {md(inquiry.question)}", ""]
    themes = len([t for t in report.themes if t.pk])
    people = counted(report.participants, "participant")
    lines += [
        f"{counted(report.contributions, 'contribution')} from {people}, "
        f"{counted(themes, 'theme')}, {counted(report.total_dots, 'dot')}.",
        "",
        "## Rounds",
        "",
    ]
    lines += [
        f"{number}. {md(r.question)} ({counted(n, 'contribution')}"
        + (f", {counted(a, 'action')} proposed" if a else "")
        + ")"
        for number, r, n, a in report.rounds
    ]
    lines += ["", "## Who took part", "", "| Sector | Participants | Contributions |", "| --- | --- | --- |"]
    for row in report.sectors:
        if row.participants is None:
            people = f"fewer than {k}" if row.small else "withheld"
            lines.append(f"| {md(row.sector)} | {people} | withheld |")
        else:
            lines.append(f"| {md(row.sector)} | {row.participants} | {row.contributions} |")
    if inquiry.harvest_note:
        lines += ["", "## Note from the facilitators", "", md_paragraphs(inquiry.harvest_note)]
    lines += ["", "## Bridging themes", ""]
    if report.bridging:
        lines.append("Ranked by the lowest support per participant across the sectors shown.")
        lines.append("")
        for index, entry in enumerate(report.bridging, 1):
            lines.append(f"{index}. {md(entry.name)}: {entry.bridging:.2f} (total support {entry.total})")
    else:
        lines.append(f"Not enough sectors with at least {k} participants to compare: it takes two.")
    lines += ["", "## The sector lens", ""]
    if report.lens and report.sectors_shown < 2 and report.left_out:
        lines += [
            f"One sector has fewer than {k} participants, so its figures are withheld, and the next "
            f"smallest sector's with them (the totals less the figures shown would give them away): that "
            f"leaves {'no sector' if report.sectors_shown == 0 else 'one sector'} to show, and nothing to "
            f"compare.",
            "",
        ]
    elif report.lens and report.sectors_shown < 2:
        lines += [
            f"{'No sector has' if report.sectors_shown == 0 else 'Only one sector has'} {k} or more "
            f"participants, so the figures of the others are withheld (from a group that small, support "
            f"could point to a person). Each sector's figures show once {k} or more of its people have "
            f"joined; sectors are compared once two have.",
            "",
        ]
    for entry in report.lens:
        lines += [f"### {md(entry.name)}", "", "| Sector | Participants | Support | Per participant |"]
        lines += ["| --- | --- | --- | --- |"] + [_md_lens_row(row, k) for row, _ in entry.bars] + [""]
    # The systems map and the next steps (board/systemmap, board/nextsteps).
    from .nextsteps.report import markdown as steps_markdown
    from .systemmap.report import markdown as map_markdown
    from .tables.report import markdown as tables_markdown

    lines += map_markdown(report.systems_map, md) + steps_markdown(report.next_steps, md)
    lines += tables_markdown(report.tables, md)
    lines += ["## Top contributions by dots", ""]
    lines += [
        f"- {md(e.card.text)} ({counted(e.dots, 'dot')}, {counted(e.reactions, 'reaction')})"
        for e in report.top_cards
    ] or ["None."]
    lines += ["", "## Themes", ""]
    for theme in report.themes:
        lines += [
            f"### {md(theme.name)}",
            "",
            f"{counted(theme.count, 'contribution')}, {counted(theme.dots, 'dot')}",
        ]
        lines.append("")
        for e in theme.cards:
            by = f" — {md(e.author)}" if e.author else ""
            status = "" if e.status == Card.VISIBLE else f" [{e.status}]"
            lines.append(
                f"- {md(e.card.text)}{by} (round {e.round_number}; {counted(e.dots, 'dot')}){status}"
            )
        lines.append("")
    lines.append(
        f"Per-sector figures for sectors with fewer than {k} participants are withheld"
        + (
            "; with only one such sector, the next smallest's are withheld too, so that the totals less the "
            "figures shown do not give its own."
            if report.left_out
            else "."
        )
    )
    return "\n".join(lines) + "\n"


# Import ----------------------------------------------------------------------------------------------------


class ImportProblem(Exception):
    """A file that cannot be imported; ``message`` says why, for the person who chose it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


REQUIRED = ["inquiry", "rounds", "participants", "themes", "cards", "votes", "dots", "reactions"]


_MISSING = object()


class _Reader:
    """Checks one field of one item and says where it is when it is wrong."""

    def __init__(self, item, where):
        if not isinstance(item, dict):
            raise ImportProblem(f"{where} must be an object.")
        self.item, self.where = item, where

    def _get(self, key, default):
        if key not in self.item:
            if default is _MISSING:
                raise ImportProblem(f"{self.where} has no “{key}”.")
            return default
        return self.item[key]

    def text(self, key, limit, *, default=_MISSING, empty=False):
        value = self._get(key, default)
        if not _storable(value) or len(value) > limit or (not empty and not value.strip()):
            size = f"0–{limit}" if empty else f"1–{limit}"
            raise ImportProblem(f"{self.where}.{key} must be text of {size} characters.")
        return value

    def flag(self, key, default=False):
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise ImportProblem(f"{self.where}.{key} must be true or false.")
        return value

    def number(self, key, default=0, low=0, high=2**31 - 1):
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ImportProblem(f"{self.where}.{key} must be a whole number from {low} to {high}.")
        return value

    def choice(self, key, choices, default=_MISSING):
        value = self._get(key, default)
        if value not in choices:
            raise ImportProblem(f"{self.where}.{key} must be one of: {', '.join(choices)}.")
        return value

    def when(self, key, optional=True):
        value = self._get(key, None if optional else _MISSING)
        if value is None and optional:
            return None
        try:
            parsed = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:  # well formed, but no such date (30 February)
            parsed = None
        if parsed is None:
            raise ImportProblem(f"{self.where}.{key} must be a date and time (ISO 8601).")
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)

    def ref(self, key, refs, optional=False):
        value = self._get(key, None if optional else _MISSING)
        if value is None and optional:
            return None
        if not isinstance(value, str) or value not in refs:
            raise ImportProblem(f"{self.where}.{key} refers to {value!r}, which is not in the file.")
        return refs[value]


def _storable(value):
    """Text a database can hold: no NUL (PostgreSQL refuses it) and valid Unicode (no lone surrogate)."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _list(data, key):
    value = data[key]
    if not isinstance(value, list):
        raise ImportProblem(f"“{key}” must be a list.")
    return value


def _own_ref(reader, seen):
    ref = reader.item.get("ref")
    if not isinstance(ref, str) or not ref or ref in seen:
        raise ImportProblem(f"{reader.where}.ref must be text, different for every item.")
    return ref


def read_file(upload):
    """The parsed JSON of an uploaded file, or an ImportProblem saying why not."""
    try:
        data = json.load(upload)
    except UnicodeDecodeError:
        raise ImportProblem("This file is not text: choose the JSON file Linewalk exported.") from None
    except json.JSONDecodeError as error:
        raise ImportProblem(f"This file is not valid JSON ({error.msg}, line {error.lineno}).") from None
    except (ValueError, RecursionError):
        # A number of thousands of digits; arrays or objects nested thousands deep.
        raise ImportProblem("This file is not a JSON document Linewalk can read.") from None
    return data


def _check_header(data):
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportProblem("This is not a Linewalk inquiry export (its “format” is not “linewalk.inquiry”).")
    if data.get("version") != VERSION:
        raise ImportProblem(
            f"This export is version {data.get('version')!r}; this Linewalk imports version {VERSION}."
        )
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise ImportProblem(f"This export is missing: {', '.join(missing)}.")


def _with_times(model, objects, times, batch=500):
    """Create rows, then put back their original creation times (auto_now_add sets them on create;
    bulk_update does not)."""
    created = model.objects.bulk_create(objects, batch_size=batch)
    stamped = []
    for obj, (attr, value) in zip(created, times, strict=True):
        if value is not None:
            setattr(obj, attr, value)
            stamped.append(obj)
    if stamped:
        model.objects.bulk_update(stamped, [times[0][0]], batch_size=batch)
    return created


def import_inquiry(user, data, follow_up=False):
    """A new inquiry, facilitated by ``user``, rebuilt from an exported JSON document; all or nothing.
    ``follow_up``: start the follow-up session instead, from the map and the next steps alone
    (board/systemmap/transfer.py)."""
    _check_header(data)
    if follow_up:
        from .systemmap.transfer import follow_up_document

        data = follow_up_document(data)
    with transaction.atomic():
        return _import(user, data)


def _import(user, data):
    meta = _Reader(data["inquiry"], "inquiry")
    sectors = meta._get("sectors", _MISSING)
    if not isinstance(sectors, list) or not sectors or not all(_storable(s) and s.strip() for s in sectors):
        raise ImportProblem("inquiry.sectors must be a list of sector names.")
    # One sector however a file spells it ("NHS", "nhs": an inquiry made before sectors were merged), in
    # its first spelling, for the inquiry and each of its people.
    sectors = distinct_sectors(sectors)
    spelling = {sector_key(s): s for s in sectors}
    inquiry = Inquiry.objects.create(
        title=meta.text("title", 200),
        question=meta.text("question", 500),
        sectors=sectors,
        show_names=meta.flag("show_names"),
        k_threshold=meta.number("k_threshold", 3, low=1, high=1000),
        premoderation=meta.flag("premoderation"),
        safeguarding=meta.flag("safeguarding", True),
        harvest_note=meta.text("harvest_note", 10_000, default="", empty=True),
        created_by=user,
    )
    inquiry.facilitators.add(user)

    rounds = {}
    for index, item in enumerate(_list(data, "rounds")):
        r = _Reader(item, f"rounds[{index}]")
        ref = _own_ref(r, rounds)
        rounds[ref] = Round(
            inquiry=inquiry,
            position=r.number("position", index),
            question=r.text("question", 500),
            guidance=r.text("guidance", 1000, default="", empty=True),
            phase=r.choice("phase", [p for p, _ in Round.PHASES], Round.GATHER),
            kind=r.choice("kind", [k for k, _ in Round.KINDS], Round.CONTRIBUTIONS),
        )
    if not rounds:
        rounds["r1"] = Round(inquiry=inquiry, position=0, question=inquiry.question)
    Round.objects.bulk_create(rounds.values())
    current = data["inquiry"].get("current_round")
    if current is not None and not isinstance(current, str):
        raise ImportProblem("inquiry.current_round must be the ref of a round.")
    inquiry.current_round = rounds.get(current) or next(iter(rounds.values()))
    inquiry.save(update_fields=["current_round"])

    people, times = {}, []
    for index, item in enumerate(_list(data, "participants")):
        r = _Reader(item, f"participants[{index}]")
        ref = _own_ref(r, people)
        people[ref] = Participant(
            inquiry=inquiry,
            # Nobody's session holds this token: imported people cannot post as themselves.
            token=f"imported-{secrets.token_urlsafe(32)}",
            display_name=r.text("display_name", 60, default="", empty=True),
            sector=spelling.get(sector_key(sector := r.text("sector", 100)), sector),
            removed=r.flag("removed"),
        )
        times.append(("joined", r.when("joined")))
    _with_times(Participant, list(people.values()), times)

    themes, times, names = {}, [], set()
    for index, item in enumerate(_list(data, "themes")):
        r = _Reader(item, f"themes[{index}]")
        ref = _own_ref(r, themes)
        # A file from before theme names had to differ in more than case and spacing keeps every
        # theme: a second "housing" beside "Housing" comes in as "housing (2)".
        name = distinct_name(r.text("name", THEME_NAME_LIMIT), names, THEME_NAME_LIMIT)
        names.add(name_key(name))
        themes[ref] = Theme(
            inquiry=inquiry,
            name=name,
            colour=r.choice("colour", list(THEME_COLOURS), DEFAULT_COLOUR),
            position=r.number("position", index),
        )
        times.append(("created", r.when("created")))
    _with_times(Theme, list(themes.values()), times)

    from .tables.transfer import import_tables, link_copies

    refs = {"people": people, "rounds": rounds}
    tables, copies = import_tables(data, inquiry, _Reader, ImportProblem, refs)

    cards, times = {}, []
    statuses = [s for s, _ in Card.STATUSES]
    for index, item in enumerate(_list(data, "cards")):
        r = _Reader(item, f"cards[{index}]")
        ref = _own_ref(r, cards)
        cards[ref] = Card(
            inquiry=inquiry,
            round=r.ref("round", rounds),
            theme=r.ref("theme", themes, optional=True),
            author=r.ref("author", people),
            client_id=uuid.uuid4(),
            text=r.text("text", TEXT_LIMIT),
            status=r.choice("status", statuses, Card.VISIBLE),
            held_reason=r.text("held_reason", 300, default="", empty=True),
            silent=r.flag("silent"),
            featured=r.flag("featured"),
            position=r.number("position", index),
            edited=r.when("edited"),
            table=tables.get(item["table"]) if isinstance(item.get("table"), str) else None,
        )
        times.append(("created", r.when("created")))
    _with_times(Card, list(cards.values()), times)
    link_copies(copies, cards, ImportProblem)

    votes, times = {}, []
    for index, item in enumerate(_list(data, "votes")):
        r = _Reader(item, f"votes[{index}]")
        ref = _own_ref(r, votes)
        votes[ref] = Vote(
            inquiry=inquiry,
            round=r.ref("round", rounds, optional=True),
            opened_in=r.ref("opened_in", rounds, optional=True),  # absent from files before 2026-11-30
            target=r.choice("target", [t for t, _ in Vote.TARGETS], Vote.CARDS),
            budget=r.number("budget", 3, high=1000),
            per_item=r.number("per_item", 1, high=1000),
            live_results=r.flag("live_results"),
            revealed=r.flag("revealed"),
            is_open=r.flag("is_open"),
        )
        times.append(("created", r.when("created")))
    _with_times(Vote, list(votes.values()), times)

    from .systemmap.transfer import import_parts

    links, steps = import_parts(
        data,
        inquiry,
        _Reader,
        ImportProblem,
        {"themes": themes, "cards": cards, "people": people, "rounds": rounds},
        _with_times,
    )

    dots, times = [], []
    for index, item in enumerate(_list(data, "dots")):
        r = _Reader(item, f"dots[{index}]")
        card, theme = r.ref("card", cards, optional=True), r.ref("theme", themes, optional=True)
        link, step = r.ref("link", links, optional=True), r.ref("step", steps, optional=True)
        if sum(item is not None for item in (card, theme, link, step)) != 1:
            raise ImportProblem(f"dots[{index}] must be on one card, theme, link or action.")
        dots.append(
            Dot(
                vote=r.ref("vote", votes),
                participant=r.ref("participant", people),
                card=card,
                theme=theme,
                link=link,
                step=step,
            )
        )
        times.append(("created", r.when("created")))
    _with_times(Dot, dots, times)

    reactions, times, seen = [], [], set()
    for index, item in enumerate(_list(data, "reactions")):
        r = _Reader(item, f"reactions[{index}]")
        card, person = r.ref("card", cards), r.ref("participant", people)
        if (id(card), id(person)) in seen:
            raise ImportProblem(f"reactions[{index}] repeats a reaction: one per person per card.")
        seen.add((id(card), id(person)))
        reactions.append(Reaction(card=card, participant=person))
        times.append(("created", r.when("created")))
    _with_times(Reaction, reactions, times)
    return inquiry
