"""What an inquiry produced, read once for the printable report, the Markdown report and the harvest
pages; and the facilitator's changes to the harvest (featured contributions, the note, publishing).

Which contributions count: a *report* (facilitators only) covers visible contributions, silent ones not
yet revealed included and marked; ``include_all`` adds hidden, held and pending ones. The *public* harvest
page covers only what every participant could see (visible and revealed).

Figures: the dots of a card are the dots given to it across every vote; the dots of a theme are those
given to the theme itself plus those given to its cards. Dots and reactions by removed participants do not
count, and removed participants do not count as people of their sector. Per-sector figures for a sector
with fewer than the inquiry's K participants are withheld, and where that sector is the only one, the
next smallest's too, so the totals less the figures shown do not give its own (board/lens.py)."""

import base64
import hashlib
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Max, Min
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import mark_safe

from inquiry import audit
from inquiry.models import Participant

from .lens import left_out, lens_of_counts, sectors_shown_of
from .models import Card, Dot, Reaction, Theme
from .results import ranked

STATIC = Path(__file__).resolve().parent.parent / "static" / "linewalk"
REPORT_CSS = [STATIC / "colours.css", STATIC / "report.css"]


def report_css():
    """The printable report's stylesheet, inline in it: our own files, no user text."""
    return "\n".join(path.read_text(encoding="utf-8") for path in REPORT_CSS)


def report_style_source():
    """The report's inline stylesheet as a Content-Security-Policy source: its SHA-256 hash."""
    digest = hashlib.sha256(report_css().encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def counted(*, include_all=False, public=False):
    """Which cards a report counts, as filters on Card (see the module's docstring)."""
    if public:
        return {"status": Card.VISIBLE, "silent": False}
    return {} if include_all else {"status": Card.VISIBLE}


def cards_for(inquiry, *, include_all=False, public=False):
    return Card.objects.filter(inquiry=inquiry, **counted(include_all=include_all, public=public))


def theme_support(inquiry, cards):
    """The sector lens's input, counted in the database: {theme id: Counter(sector: support)}, support
    being the dots on a theme or on its counted cards (``cards``: filters from ``counted``) and the
    reactions on those cards, by participants not removed."""
    on_cards = {f"card__{key}": value for key, value in cards.items()}
    queries = [
        Dot.objects.filter(
            vote__inquiry=inquiry, participant__removed=False, card__theme__isnull=False, **on_cards
        ).values_list("card__theme_id", "participant__sector"),
        Dot.objects.filter(
            vote__inquiry=inquiry, participant__removed=False, card__isnull=True, theme__isnull=False
        ).values_list("theme_id", "participant__sector"),
        Reaction.objects.filter(
            card__inquiry=inquiry, participant__removed=False, card__theme__isnull=False, **on_cards
        ).values_list("card__theme_id", "participant__sector"),
    ]
    support = defaultdict(Counter)
    for query in queries:
        for theme_id, sector, n in query.annotate(n=Count("pk")).order_by():
            support[theme_id][sector] += n
    return support


def status_label(card):
    """The status as one word for readers: a silent card not yet revealed reads "unrevealed"."""
    if card.status == Card.VISIBLE and card.silent:
        return "unrevealed"
    return card.status


def participants_by_sector(inquiry):
    rows = (
        Participant.objects.filter(inquiry=inquiry, removed=False)
        .values_list("sector")
        .annotate(n=Count("pk"))
    )
    return Counter(dict(rows))


@dataclass
class CardEntry:
    card: Card
    round_number: int
    author: str
    dots: int
    reactions: int

    @property
    def status(self):
        return status_label(self.card)


@dataclass
class ThemeEntry:
    pk: int | None
    name: str
    colour: str
    cards: list = field(default_factory=list)
    own_dots: int = 0

    @property
    def count(self):
        return len(self.cards)

    @property
    def dots(self):
        return self.own_dots + sum(entry.dots for entry in self.cards)

    @property
    def reactions(self):
        return sum(entry.reactions for entry in self.cards)

    @property
    def featured(self):
        """How many of its contributions the facilitators selected for the harvest."""
        return sum(1 for entry in self.cards if entry.card.featured)


@dataclass
class SectorRow:
    sector: str
    participants: int | None  # None: withheld
    contributions: int | None
    small: bool = False  # withheld for having fewer than K people (not only left out with one that has)


@dataclass
class LensView:
    """A theme's line of the sector lens, with each sector's bar width (percent of the widest bar)."""

    name: str
    total: int
    bridging: float | None
    bars: list  # [(SectorSupport, width)]


@dataclass
class Report:
    inquiry: object
    rounds: list
    themes: list  # ThemeEntry, board order, the unsorted ones last (pk None) if any
    cards: list
    top_cards: list
    top_themes: list
    lens: list  # LensView, most bridging first
    sectors: list
    participants: int
    featured: list
    include_all: bool
    public: bool
    left_out: bool  # a sector of K or more is withheld with the one smaller than K (board/lens.py)

    @property
    def k(self):
        return self.inquiry.k_threshold

    @property
    def sectors_shown(self):
        return sectors_shown(self.lens)

    @property
    def lens_scale(self):
        return lens_scale(self.lens)

    @property
    def contributions(self):
        return len(self.cards)

    @property
    def total_dots(self):
        return sum(theme.dots for theme in self.themes)

    @property
    def bridging(self):
        """Themes with a bridging score, most bridging first (the lens is already in that order)."""
        return [entry for entry in self.lens if entry.bridging is not None]

    @cached_property
    def event_dates(self):
        """When the event took place: the day (or first and last day) contributions were posted, else the
        day the inquiry was created. "30 November 2026", "30 November to 2 December 2026"."""
        span = Card.objects.filter(inquiry=self.inquiry).aggregate(first=Min("created"), last=Max("created"))
        first, last = (timezone.localdate(span[end] or self.inquiry.created) for end in ("first", "last"))
        if first == last:
            return date_format(first, "j F Y")
        start = "j F" if first.year == last.year else "j F Y"
        return f"{date_format(first, start)} to {date_format(last, 'j F Y')}"

    @cached_property
    def systems_map(self):
        """The systems map as reports show it (board/systemmap/report.py)."""
        from .systemmap.report import build as map_report

        return map_report(self.inquiry)

    @cached_property
    def tables(self):
        """What each table brought back, and the sector lens per table (board/tables/report.py)."""
        from .tables.report import build as tables_report

        return tables_report(self.inquiry, public=self.public, include_all=self.include_all)

    @cached_property
    def next_steps(self):
        """The actions with their sign-ups by sector (board/nextsteps/report.py)."""
        from .nextsteps.report import build as steps_report

        return steps_report(self.inquiry)


def build(inquiry, *, include_all=False, public=False):
    """Everything a report or harvest page shows, in a handful of queries."""
    rounds = list(inquiry.rounds_in_order())
    number = {r.pk: index + 1 for index, r in enumerate(rounds)}
    themes = list(Theme.objects.filter(inquiry=inquiry).order_by("position", "pk"))
    cards = list(
        cards_for(inquiry, include_all=include_all, public=public)
        .select_related("author", "theme")
        .order_by("position", "pk")
    )
    by_pk = {card.pk: card for card in cards}
    people = participants_by_sector(inquiry)

    card_dots, theme_dots, card_reactions = Counter(), Counter(), Counter()
    dots = Dot.objects.filter(vote__inquiry=inquiry, participant__removed=False)
    for card_id, theme_id in dots.values_list("card_id", "theme_id"):
        if card_id is None:
            theme_dots[theme_id] += 1
        elif card_id in by_pk:
            card_dots[card_id] += 1
    reactions = Reaction.objects.filter(card__inquiry=inquiry, participant__removed=False)
    for card_id in reactions.values_list("card_id", flat=True):
        if card_id in by_pk:
            card_reactions[card_id] += 1

    def entry(card):
        author = card.author.display_name if inquiry.show_names else ""
        return CardEntry(
            card, number.get(card.round_id, 0), author, card_dots[card.pk], card_reactions[card.pk]
        )

    entries = [entry(card) for card in cards]
    theme_entries = {t.pk: ThemeEntry(t.pk, t.name, t.colour, own_dots=theme_dots[t.pk]) for t in themes}
    unsorted = ThemeEntry(None, "Not yet in a theme", "#ffffff")
    for item in entries:
        theme_entries.get(item.card.theme_id, unsorted).cards.append(item)
    theme_list = list(theme_entries.values()) + ([unsorted] if unsorted.cards else [])

    # A next-steps round's yield is its actions more than its cards: each round says how many it proposed.
    from .nextsteps.models import NextStep

    steps = NextStep.objects.filter(inquiry=inquiry, hidden=False)
    actions = Counter(steps.values_list("round_id", flat=True))
    support = theme_support(inquiry, counted(include_all=include_all, public=public))
    lensed = lens_of_counts(
        [(t.pk, t.name) for t in themes], inquiry.sectors, people, support, inquiry.k_threshold
    )
    by_sector = Counter(card.author.sector for card in cards)
    shown = sectors_shown_of(inquiry.sectors, people, inquiry.k_threshold)
    sectors = [
        SectorRow(s, people[s], by_sector[s])
        if s in shown
        else SectorRow(s, None, None, small=people[s] < inquiry.k_threshold)
        for s in inquiry.sectors
    ]
    return Report(
        inquiry=inquiry,
        rounds=[
            (number[r.pk], r, sum(1 for e in entries if e.card.round_id == r.pk), actions[r.pk])
            for r in rounds
        ],
        themes=theme_list,
        cards=entries,
        top_cards=ranked(entries, lambda e: (e.dots, e.reactions)),
        top_themes=ranked([t for t in theme_list if t.pk], lambda t: t.dots),
        lens=lens_view(lensed),
        sectors=sectors,
        participants=sum(people.values()),
        featured=[e for e in entries if e.card.featured],
        include_all=include_all,
        public=public,
        left_out=left_out(inquiry.sectors, people, inquiry.k_threshold),
    )


@dataclass
class LensReport:
    """The sector lens alone, for the live board (the template reads ``lens`` and ``k``)."""

    lens: list
    k: int
    left_out: bool  # as Report's

    @property
    def sectors_shown(self):
        return sectors_shown(self.lens)

    @property
    def lens_scale(self):
        return lens_scale(self.lens)

    @property
    def has_support(self):
        """Whether any theme has support yet: until then a phone leaves the lens out (board.html)."""
        return any(entry.total for entry in self.lens)


def sectors_shown(lens):
    """How many sectors the lens shows figures for (board/lens.py shown_sectors)."""
    return sum(1 for row, _ in lens[0].bars if row.support is not None) if lens else 0


def live_lens(inquiry, *, public=False):
    """The sector lens alone, as ``build`` computes it, for the live board: it refreshes with every batch
    of dots, so it reads only the counts, not every card, dot and reaction (that took ~70 ms per kind of
    screen on a board of 1,000 cards, bench/actions.py)."""
    support = theme_support(inquiry, counted(public=public))
    themes = Theme.objects.filter(inquiry=inquiry).order_by("position", "pk").values_list("pk", "name")
    people, k = participants_by_sector(inquiry), inquiry.k_threshold
    lensed = lens_of_counts(list(themes), inquiry.sectors, people, support, k)
    return LensReport(lens_view(lensed), k, left_out(inquiry.sectors, people, k))


def lens_scale(lens):
    """What a full bar of the lens stands for: the highest support per participant it shows (0: none).
    Support per participant has no ceiling (a person can give several dots and reactions), so a full
    bar is not "everyone": the lens's key says what it is."""
    return max((row.share for entry in lens for row, _ in entry.bars if row.share), default=0)


def lens_view(lensed):
    scale = max((row.share for t in lensed for row in t.sectors if row.share), default=0)
    return [
        LensView(t.name, t.total, t.bridging, [(row, bar_width(row.share, scale)) for row in t.sectors])
        for t in lensed
    ]


def bar_width(share, scale):
    """A bar's width in percent of the widest bar of the lens."""
    if not share or not scale:
        return 0
    return round(min(share / scale, 1.0) * 100, 1)


def report_html(inquiry, *, include_all=False, controls=False):
    """The printable report as one self-contained HTML document (its stylesheet inline), so a saved or
    mailed copy reads the same."""
    context = {
        "report": build(inquiry, include_all=include_all),
        "controls": controls,
        # Our own stylesheet, read from disk: no user text in it.
        "report_css": mark_safe(report_css()),
    }
    return render_to_string("harvest/report.html", context)


# Changes to the harvest ------------------------------------------------------------------------------------


def save_selection(actor, inquiry, featured_ids, note):
    """Feature exactly these visible contributions (others are unfeatured) and keep the note."""
    with transaction.atomic():
        cards = Card.objects.filter(inquiry=inquiry)
        chosen = list(cards.filter(pk__in=featured_ids, status=Card.VISIBLE).values_list("pk", flat=True))
        count = cards.filter(pk__in=chosen).update(featured=True)
        cards.filter(featured=True).exclude(pk__in=chosen).update(featured=False)
        inquiry.harvest_note = note
        inquiry.save(update_fields=["harvest_note"])
        audit.record(inquiry.pk, actor, "harvest.select", f"{count} featured")
    return count


def publish(actor, inquiry):
    """Publish the harvest page; the link stays the same across unpublishing and publishing again."""
    _published(actor, inquiry, True)


def unpublish(actor, inquiry):
    _published(actor, inquiry, False)


def _published(actor, inquiry, published):
    """The harvest goes public (or stops being); the phones of a closed inquiry link to it (or stop):
    the round banner says so (templates/board/board.html#inquiry-closed)."""
    from .changes import changing
    from .changes import publish as broadcast
    from .render import round_banner

    with changing(inquiry.pk) as locked:
        if published and not locked.harvest_token:
            locked.harvest_token = secrets.token_urlsafe(24)
        locked.harvest_published = published
        locked.save(update_fields=["harvest_token", "harvest_published"])
        op = "publish" if published else "unpublish"
        audit.record(locked.pk, actor, f"harvest.{op}")
        broadcast(locked, "harvest", op, {}, round_banner(locked))
    inquiry.harvest_token, inquiry.harvest_published = locked.harvest_token, locked.harvest_published
