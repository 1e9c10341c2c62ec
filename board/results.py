"""Ranking by dots, one rule for every place that ranks: the harvest's and the reports' top contributions
and themes (``board.harvest.build``) and a closed vote's results on the shared screen (``of_vote``).

The rule: the items with any support, the most first, ties in the order the board holds them; the first
``TOP``. A vote's results count the dots of that vote only, by participants not removed, on what every
participant may see (a card hidden, held or unrevealed is never ranked); a card not yet in a theme ranks
like any other. Each line says how many sectors it had dots from, of the sectors the small-sector rule
shows (board/lens.py ``shown_sectors``) applied to the people who voted: a sector counts only where K or
more of its people put a dot in this vote (and not when it is the one withheld with a smaller one), so a
sector of fewer than K voters is never revealed. Counting voters, not everyone who joined, keeps the
figures still once the vote has closed: someone joining later cannot make a small sector's dots appear."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from .lens import left_out, sectors_shown_of
from .models import Card, Dot, Theme, Vote

TOP = 10


def ranked(items, score, top=TOP):
    """``items`` (in board order) with a score that is not all zero, highest first, ties in board order;
    ``score(item)`` is a number or a tuple compared in turn (dots, then reactions)."""
    scored = [(score(item), item) for item in items]
    scored = [(value, item) for value, item in scored if any(value if isinstance(value, tuple) else (value,))]
    # sorted() is stable, and stays so with reverse=True: equal scores keep board order.
    return [item for _, item in sorted(scored, key=lambda pair: pair[0], reverse=True)][:top]


@dataclass
class Result:
    rank: int
    text: str
    dots: int
    sectors: int  # how many of the sectors shown gave it a dot
    width: float  # its bar, in percent of the first's


@dataclass
class VoteResults:
    vote: Vote
    items: list = field(default_factory=list)
    sectors_shown: int = 0
    k: int = 0
    left_out: bool = False  # a sector of K or more withheld with the one smaller than K (board/lens.py)
    withheld: bool = False  # some sector's voters are not counted in "from N of M sectors"
    total: int = 0  # how many items had dots (the list shows the first TOP)

    @property
    def noun(self):
        return "themes" if self.vote.target == Vote.THEMES else "contributions"


# The votes whose results are a ranking of their own (a vote on the map's leverage points or on the next
# steps shows its dots where they are: on the map, on the actions).
RANKED_TARGETS = (Vote.CARDS, Vote.THEMES)


def of_vote(inquiry, vote):
    """A vote's results as the shared screen shows them, or None where it shows none: no vote, a vote
    still open or with its results hidden, or one on the map or the next steps."""
    if vote is None or vote.is_open or not vote.results_visible or vote.target not in RANKED_TARGETS:
        return None
    dots = Dot.objects.filter(vote=vote, participant__removed=False)
    people = dict(
        dots.values_list("participant__sector").annotate(n=Count("participant_id", distinct=True)).order_by()
    )
    k = inquiry.k_threshold
    shown = sectors_shown_of(inquiry.sectors, people, k)
    if vote.target == Vote.CARDS:
        dots = dots.filter(card__status=Card.VISIBLE, card__silent=False).values_list(
            "card_id", "participant__sector"
        )
    else:
        dots = dots.filter(card__isnull=True, theme__isnull=False).values_list(
            "theme_id", "participant__sector"
        )
    counts, sectors = defaultdict(int), defaultdict(set)
    for item, sector in dots:
        counts[item] += 1
        if sector in shown:
            sectors[item].add(sector)
    model = Card if vote.target == Vote.CARDS else Theme
    words = dict(model.objects.filter(pk__in=counts).values_list("pk", "text" if model is Card else "name"))
    order = model.objects.filter(pk__in=counts).order_by("position", "pk").values_list("pk", flat=True)
    top = ranked(list(order), lambda pk: counts[pk])
    most = counts[top[0]] if top else 0
    items = [
        Result(rank, words[pk], counts[pk], len(sectors[pk]), round(counts[pk] / most * 100, 1))
        for rank, pk in enumerate(top, start=1)
    ]
    return VoteResults(
        vote,
        items,
        sectors_shown=len(shown),
        k=k,
        left_out=left_out(inquiry.sectors, people, k),
        withheld=any(n and sector not in shown for sector, n in people.items()),
        total=len(counts),
    )
