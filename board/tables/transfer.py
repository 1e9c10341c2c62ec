"""Tables in the JSON export and import (docs/exports.md): each round of tables with its mode, recipe
and step, its tables (number, topic, host, what it noticed, whether it sent its picks), who sat where,
each table's themes and cards (picked or not, with their votes); a room card that came from a table's
picks names that table. Older files have none of this: import reads it when it is there."""

from collections import defaultdict

from django.db.models import Count

from . import recipes
from .models import Breakout, Carried, Seat, Table, TableCard, TableTheme
from .report import in_export, round_numbers, withheld


def table_refs(inquiry):
    """{table pk: its ref} (``b<round of tables>.<number>``), for the room cards that came from a table."""
    number = round_numbers(inquiry)
    tables = Table.objects.filter(breakout__inquiry=inquiry).values_list("pk", "breakout_id", "number")
    return {pk: f"b{number[breakout]}.{n}" for pk, breakout, n in tables}


def export_tables(inquiry, iso, people, rounds, table_refs, card_refs):
    """The "tables" list, once the room cards are written (``card_refs``: {Card pk: ref} of those in the
    export): a card a table brought back names its room copy, and is left out where that is
    (``report.in_export``)."""
    out = []
    seats = defaultdict(list)
    for table_id, pid in (
        Seat.objects.filter(breakout__inquiry=inquiry)
        .order_by("pk")
        .values_list("table_id", "participant_id")
    ):
        seats[table_id].append(people[pid])
    themes = defaultdict(list)
    theme_refs = {}
    # A picked theme's name goes with its room card, as the words it quotes do (``report.withheld``).
    held = withheld(inquiry, lambda card, _status: card in card_refs)
    for theme in TableTheme.objects.filter(table__breakout__inquiry=inquiry).order_by("position", "pk"):
        if theme.pk in held.themes:
            continue
        theme_refs[theme.pk] = ref = f"tt{len(theme_refs) + 1}"
        room = card_refs.get(held.names.get(theme.pk))
        themes[theme.table_id].append(
            {"ref": ref, "name": theme.name, "picked": theme.picked} | ({"card": room} if room else {})
        )
    cards = defaultdict(list)
    rows = TableCard.objects.filter(table__breakout__inquiry=inquiry).annotate(n=Count("votes"))
    for card, copy in in_export(inquiry, rows.order_by("position", "pk"), card_refs):
        cards[card.table_id].append(
            {"author": people[card.author_id], "text": card.text, "theme": theme_refs.get(card.theme_id),
             "picked": card.picked, "votes": card.n, "created": iso(card.created)}
            | ({"card": copy} if copy else {})
            | ({"quoted": card.quoted_in} if card.quoted_in else {})
        )  # fmt: skip
    number = round_numbers(inquiry)
    for breakout in Breakout.objects.filter(inquiry=inquiry).order_by("pk"):
        tables = []
        for table in Table.objects.filter(breakout=breakout).order_by("number"):
            tables.append(
                {"ref": table_refs[table.pk], "number": table.number, "topic": table.topic,
                 "host": people.get(table.host_id), "noticed": table.noticed, "sent": table.sent,
                 "seats": seats[table.pk], "themes": themes[table.pk], "cards": cards[table.pk]}
            )  # fmt: skip
        step = recipes.current(breakout)
        out.append(
            {"ref": f"b{number[breakout.pk]}", "round": rounds.get(breakout.round_id), "mode": breakout.mode,
             "size": breakout.size, "recipe": breakout.recipe, "step": step.key if step else "",
             "prompt": breakout.prompt, "closed": breakout.closed, "created": iso(breakout.created),
             "tables": tables}
        )  # fmt: skip
    return out


def import_tables(data, inquiry, reader, problem, refs):
    """Rebuild the rounds of tables (closed: the event is over) from a file. ``refs``: {"people",
    "rounds"} of what was imported. Returns ({table ref: Table} for the room cards that name one,
    [(where, TableCard, the ref of its room copy)] for ``link_copies`` once the room cards are in)."""
    items = data.get("tables") or []
    if not isinstance(items, list):
        raise problem("“tables” must be a list.")
    found, copies = {}, []
    modes = [m for m, _ in Breakout.MODES]
    for index, item in enumerate(items):
        r = reader(item, f"tables[{index}]")
        recipe = r.choice("recipe", list(recipes.RECIPES) + [""], "")
        step_key = r.text("step", 20, default="", empty=True)
        keys = [s.key for s in recipes.steps(recipe)]
        breakout = Breakout.objects.create(
            inquiry=inquiry,
            round=r.ref("round", refs["rounds"], optional=True),
            mode=r.choice("mode", modes, Breakout.MIXED),
            size=r.number("size", 6, low=1, high=50),
            recipe=recipe,
            step=keys.index(step_key) if step_key in keys else 0,
            prompt=r.text("prompt", 500, default="", empty=True),
            closed=True,
        )
        _stamp(Breakout, [(breakout, r.when("created"))])
        tables = r.item.get("tables") or []
        if not isinstance(tables, list):
            raise problem(f"tables[{index}].tables must be a list.")
        for position, entry in enumerate(tables):
            t = reader(entry, f"tables[{index}].tables[{position}]")
            table = Table.objects.create(
                breakout=breakout,
                number=t.number("number", position + 1, low=1, high=10_000),
                topic=t.text("topic", 120, default="", empty=True),
                host=t.ref("host", refs["people"], optional=True),
                noticed=t.text("noticed", 200, default="", empty=True),
                sent=t.flag("sent"),
            )
            ref = t.item.get("ref")
            if isinstance(ref, str):
                found[ref] = table
            copies += _import_table(t, table, breakout, reader, problem, refs)
    return found, copies


def link_copies(copies, cards, problem):
    """What the room cards carry from the tables, linked again (``cards``: {ref: Card} imported): each
    table card a table brought back to its room copy ("card"), each picked theme to the room card that
    carries its name ("card" of a theme) and each card that room card quotes ("quoted"), in order."""
    links, quotes = [], {}
    for where, key, source, ref in copies:
        if not isinstance(ref, str) or ref not in cards:
            raise problem(f"{where}.{key} refers to {ref!r}, which is not in the file.")
        card = cards[ref]
        if isinstance(source, TableTheme):
            links.append(Carried(card=card, table_theme=source))
        elif key == "quoted":
            quotes[ref] = quotes.get(ref, -1) + 1
            links.append(Carried(card=card, table_card=source, position=quotes[ref]))
        else:
            links.append(Carried(card=card, table_card=source, whole=True))
    Carried.objects.bulk_create(links)


def _import_table(t, table, breakout, reader, problem, refs):
    where = t.where
    seated = set()
    for pos, person in enumerate(t.item.get("seats") or []):
        participant = refs["people"].get(person) if isinstance(person, str) else None
        if participant is None:
            raise problem(f"{where}.seats[{pos}] must be the ref of a participant.")
        if participant.pk not in seated:
            seated.add(participant.pk)
            Seat.objects.create(breakout=breakout, table=table, participant=participant)
    themes, copies = {}, []
    for pos, entry in enumerate(t.item.get("themes") or []):
        th = reader(entry, f"{where}.themes[{pos}]")
        themes[_key(th.item.get("ref"))] = theme = TableTheme.objects.create(
            table=table, name=th.text("name", 80), position=pos, picked=th.flag("picked")
        )
        if th.item.get("card") is not None:
            copies.append((th.where, "card", theme, th.item["card"]))
    stamps = []
    for pos, entry in enumerate(t.item.get("cards") or []):
        c = reader(entry, f"{where}.cards[{pos}]")
        card = TableCard.objects.create(
            table=table,
            author=c.ref("author", refs["people"]),
            text=c.text("text", 280),
            theme=themes.get(_key(c.item.get("theme"))),
            picked=c.flag("picked"),
            position=pos,
        )
        stamps.append((card, c.when("created")))
        for key in ("card", "quoted"):
            if c.item.get(key) is not None:
                copies.append((c.where, key, card, c.item[key]))
    _stamp(TableCard, stamps)
    return copies


def _stamp(model, rows):
    """Put back the creation times the file gives ([(row, time or None)]): ``auto_now_add`` set them to
    the time of the import."""
    stamped = []
    for row, when in rows:
        if when is not None:
            row.created = when
            stamped.append(row)
    if stamped:
        model.objects.bulk_update(stamped, ["created"])


def _key(value):
    return value if isinstance(value, str) else None
