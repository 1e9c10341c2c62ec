"""Tables in the reports and the harvest: what each table brought back (its picks and what it noticed)
and, for facilitators, what each table wrote and did not bring back, and the sector lens read per table:
who sat there by sector, and the cards posted and the votes cast at the table by sector. The public
harvest shows the picks only: the rest was only ever seen at its table."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.template.defaultfilters import pluralize

from board.models import Card

from .models import Breakout, Carried, Seat, Table, TableCard, TableVote

UNPICKED = "Not picked for the room"


@dataclass
class TableReport:
    table: Table
    picks: list = field(default_factory=list)
    unpicked: list = field(default_factory=list)  # [TableCard] not brought back (facilitators only)
    seated: list = field(default_factory=list)  # [(sector, people, cards, votes)]
    noticed: str = ""  # what the table noticed, where it shows (see ``build``)


# A card a table brought back to the room: picked at a table that sent its picks. It is a room card of its
# own (its copy, ``Carried.whole``), which the exports show (or, hidden or rejected, leave out) as any other.
BROUGHT_BACK = Q(table__sent=True, picked=True)


@dataclass
class Withheld:
    """What of the tables' side an export leaves out because a room card carrying it is not in that
    export (hidden, held or pending, from the default one; rejected or erased, from every one): the table
    cards it copies or quotes (``cards``) and the themes whose names it carries (``themes``); and
    ``copies``, {table card pk: the pk of its room copy}; ``quotes`` and ``names``, {table card or theme
    pk: the pk of the picked theme's room card that quotes it or carries its name}."""

    cards: set = field(default_factory=set)
    themes: set = field(default_factory=set)
    copies: dict = field(default_factory=dict)
    quotes: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)


def withheld(inquiry, shown):
    """The ``Withheld`` of an export in which ``shown(room card pk or None, its status)`` says whether a
    room card is (None: a rejected or erased one, in none). A table card or theme carried by several room
    cards (picked itself and quoted by its picked theme) is shown only where all of them are."""
    out = Withheld()
    rows = Carried.objects.filter(
        Q(table_card__table__breakout__inquiry=inquiry) | Q(table_theme__table__breakout__inquiry=inquiry)
    ).values_list("table_card_id", "table_theme_id", "card_id", "card__status", "whole")
    for table_card, theme, card, status, whole in rows:
        if card is not None:
            links = out.copies if whole else out.quotes if table_card is not None else out.names
            links[table_card or theme] = card
        if not shown(card, status):
            (out.cards if table_card is not None else out.themes).add(table_card or theme)
    return out


def in_report(include_all=False):
    """``shown`` for ``withheld``, for the CSV, the Markdown and printable reports: the room cards they
    count (every one still there with ``include_all``, else the visible ones: board/harvest.py)."""
    return lambda card, status: card is not None and (include_all or status == Card.VISIBLE)


def not_picked(inquiry, cards, include_all=False):
    """Of some table cards, those a table did not bring back to the room, as the reports show them: the
    cards a table that sent its picks did not pick, and every card of a table that never sent them. What
    it brought back shows as its room copy: never twice, and never past its moderation. What a room card
    quotes (a picked theme's first cards) goes with it, hidden or rejected. A card its author erased is
    gone."""
    held = withheld(inquiry, in_report(include_all)).cards
    return cards.exclude(BROUGHT_BACK).exclude(pk__in=held)


def in_export(inquiry, cards, exported):
    """Of some table cards, what an export holding the room cards ``exported`` ({Card pk: its ref}) shows
    on the tables' side, in order: (card, the ref of its room copy, or None for a card not brought back),
    each card's ``quoted_in`` the ref of the picked theme's room card that quotes it (or None).
    The same rule as ``not_picked``: a card brought back goes with its room copy, and a card a room card
    quotes with that room card, so it is left out where that is (hidden, held or pending, from the
    default export; rejected, deleted or erased, from all)."""
    held = withheld(inquiry, lambda card, _status: card in exported)
    for card in cards.annotate(brought=ExpressionWrapper(BROUGHT_BACK, output_field=BooleanField())):
        if card.pk in held.cards:
            continue
        card.quoted_in = exported.get(held.quotes.get(card.pk))
        if not card.brought:
            yield card, None
        elif held.copies.get(card.pk) in exported:
            yield card, exported[held.copies[card.pk]]


def unpicked_cards(inquiry, include_all=False):
    """Every table card of the inquiry not brought back to the room, oldest first, with its author."""
    cards = TableCard.objects.filter(table__breakout__inquiry=inquiry).select_related("author")
    return not_picked(inquiry, cards, include_all).order_by("created", "pk")


def round_numbers(inquiry):
    """{Breakout pk: its number}: the rounds of tables as every report and export numbers them, oldest
    first, from 1."""
    breakouts = Breakout.objects.filter(inquiry=inquiry).order_by("pk").values_list("pk", flat=True)
    return {pk: number for number, pk in enumerate(breakouts, 1)}


def places(inquiry):
    """{table pk: (its label, the number of its round of tables, that round's Round pk or None)}: where a
    card from a table was written."""
    number = round_numbers(inquiry)
    tables = (
        Table.objects.filter(breakout__inquiry=inquiry)
        .select_related("breakout")
        .only("number", "topic", "breakout_id", "breakout__round_id")
    )
    return {t.pk: (t.label, number[t.breakout_id], t.breakout.round_id) for t in tables}


def build(inquiry, public=False, include_all=False):
    """[(breakout, [TableReport])] for every round of tables, oldest first. On the public harvest, a
    table's line of what it noticed shows only beside a pick everyone may see: never alone, once its
    picks were all hidden, rejected or left waiting."""
    out = []
    for breakout in Breakout.objects.filter(inquiry=inquiry).select_related("round").order_by("pk"):
        tables = list(Table.objects.filter(breakout=breakout).order_by("number"))
        picks, unpicked = {}, {}
        shown = Card.objects.filter(
            table__in=tables, status=Card.VISIBLE, **({"silent": False} if public else {})
        )
        for card in shown.order_by("position", "pk"):
            picks.setdefault(card.table_id, []).append(card)
        if not public:
            cards = not_picked(inquiry, TableCard.objects.filter(table__in=tables), include_all)
            for card in cards.order_by("position", "pk"):
                unpicked.setdefault(card.table_id, []).append(card)
        entries = [
            TableReport(
                t,
                picks.get(t.pk, []),
                unpicked.get(t.pk, []),
                noticed=t.noticed if picks.get(t.pk) or not public else "",
            )
            for t in tables
        ]
        if not public:
            _lens(breakout, entries)
        out.append((breakout, entries))
    return out


def _lens(breakout, entries):
    people, cards, votes = Counter(), Counter(), Counter()
    for table_id, sector in Seat.objects.filter(breakout=breakout).values_list(
        "table_id", "participant__sector"
    ):
        people[table_id, sector] += 1
    for table_id, sector in TableCard.objects.filter(table__breakout=breakout).values_list(
        "table_id", "author__sector"
    ):
        cards[table_id, sector] += 1
    for table_id, sector in TableVote.objects.filter(table_card__table__breakout=breakout).values_list(
        "table_card__table_id", "participant__sector"
    ):
        votes[table_id, sector] += 1
    for entry in entries:
        sectors = sorted({s for (t, s) in people | cards if t == entry.table.pk})
        entry.seated = [
            (s, people[entry.table.pk, s], cards[entry.table.pk, s], votes[entry.table.pk, s])
            for s in sectors
        ]


def markdown(rounds, md):
    if not rounds:
        return []
    lines = ["## Tables", ""]
    for number, (breakout, entries) in enumerate(rounds, 1):
        what = breakout.round.question if breakout.round_id else "the room"
        lines += [f"### Round of tables {number}: {md(what)}", ""]
        for entry in entries:
            table = entry.table
            noticed = f" — “{md(entry.noticed)}”" if entry.noticed else ""
            lines.append(f"- **{md(table.label)}**{noticed}")
            lines += [f"  - {md(card.text)}" for card in entry.picks]
            if entry.unpicked:
                lines.append(f"  - {UNPICKED}:")
                lines += [f"    - {md(card.text)}" for card in entry.unpicked]
            if entry.seated:
                lens = "; ".join(
                    f"{md(s)}: {p} seated, {c} card{pluralize(c)}, {v} vote{pluralize(v)}"
                    for s, p, c, v in entry.seated
                )
                lines.append(f"  - sector lens: {lens}")
        lines.append("")
    return lines
