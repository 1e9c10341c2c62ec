"""Tables in the reports and the harvest: what each table brought back (its picks and what it noticed)
and, for facilitators, the sector lens read per table: who sat there by sector, and the cards posted and
the votes cast at the table by sector. The public harvest shows the picks only."""

from collections import Counter
from dataclasses import dataclass, field

from django.template.defaultfilters import pluralize

from board.models import Card

from .models import Breakout, Seat, Table, TableCard, TableVote


@dataclass
class TableReport:
    table: Table
    picks: list = field(default_factory=list)
    seated: list = field(default_factory=list)  # [(sector, people, cards, votes)]


def build(inquiry, public=False):
    """[(breakout, [TableReport])] for every round of tables, oldest first."""
    out = []
    for breakout in Breakout.objects.filter(inquiry=inquiry).select_related("round").order_by("pk"):
        tables = list(Table.objects.filter(breakout=breakout).order_by("number"))
        picks = {}
        for card in Card.objects.filter(table__in=tables, status=Card.VISIBLE).order_by("position", "pk"):
            picks.setdefault(card.table_id, []).append(card)
        entries = [TableReport(t, picks.get(t.pk, [])) for t in tables]
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
            if entry.seated:
                lens = "; ".join(
                    f"{md(s)}: {p} seated, {c} card{pluralize(c)}, {v} vote{pluralize(v)}"
                    for s, p, c, v in entry.seated
                )
                lines.append(f"  - sector lens: {lens}")
        lines.append("")
    return lines
