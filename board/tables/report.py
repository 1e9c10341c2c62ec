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


# A card a table brought back to the room: picked at a table that sent its picks. It is a room card of its
# own (its copy, ``Carried.whole``), which the exports show (or, hidden or rejected, leave out) as any other.
BROUGHT_BACK = Q(table__sent=True, picked=True)


def not_picked(cards):
    """Of some table cards, those a table did not bring back to the room: the cards a table that sent its
    picks did not pick, and every card of a table that never sent them. What it brought back shows as its
    room copy: never twice, and never past its moderation. A card its author erased is gone."""
    return cards.exclude(BROUGHT_BACK)


def in_export(inquiry, cards, exported):
    """Of some table cards, what an export holding the room cards ``exported`` ({Card pk: its ref}) shows
    on the tables' side, in order: (card, the ref of its room copy, or None for a card not brought back).
    The same rule as ``not_picked``: a card brought back goes with its room copy, so it is left out where
    that is (hidden, held or pending, from the default export; rejected, deleted or erased, from all)."""
    copies = dict(
        Carried.objects.filter(whole=True, card__inquiry=inquiry).values_list("table_card_id", "card_id")
    )
    for card in cards.annotate(brought=ExpressionWrapper(BROUGHT_BACK, output_field=BooleanField())):
        if not card.brought:
            yield card, None
        elif copies.get(card.pk) in exported:
            yield card, exported[copies[card.pk]]


def unpicked_cards(inquiry):
    """Every table card of the inquiry not brought back to the room, oldest first, with its author."""
    cards = TableCard.objects.filter(table__breakout__inquiry=inquiry).select_related("author")
    return not_picked(cards).order_by("created", "pk")


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


def build(inquiry, public=False):
    """[(breakout, [TableReport])] for every round of tables, oldest first."""
    out = []
    for breakout in Breakout.objects.filter(inquiry=inquiry).select_related("round").order_by("pk"):
        tables = list(Table.objects.filter(breakout=breakout).order_by("number"))
        picks, unpicked = {}, {}
        for card in Card.objects.filter(table__in=tables, status=Card.VISIBLE).order_by("position", "pk"):
            picks.setdefault(card.table_id, []).append(card)
        if not public:
            for card in not_picked(TableCard.objects.filter(table__in=tables)).order_by("position", "pk"):
                unpicked.setdefault(card.table_id, []).append(card)
        entries = [TableReport(t, picks.get(t.pk, []), unpicked.get(t.pk, [])) for t in tables]
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
            noticed = f" — “{md(table.noticed)}”" if table.noticed else ""
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
