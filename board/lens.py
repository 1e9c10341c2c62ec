"""The sector lens: how much support each theme has from each declared sector, and a bridging ranking
that puts themes supported across every sector above themes popular in one sector only.

Support for a theme from a sector = the dots on the theme (or on its cards) plus the "this resonates"
reactions on its cards, given by participants of that sector. Normalised support = that support divided
by the number of participants in the sector, so a sector of 5 and a sector of 50 count alike.

Bridging score of a theme = the smallest normalised support across the sectors that are shown (those
with at least K participants; smaller sectors' figures are withheld so nobody is identifiable, and they
do not enter the score). A theme nobody in one sector supports scores 0, however popular elsewhere.
Ties are broken by total support. With fewer than two sectors shown, there is nothing to bridge and
every theme's bridging score is None."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class SectorSupport:
    sector: str
    participants: int
    support: int | None  # None: withheld (fewer than K participants)
    share: float | None  # support / participants


@dataclass
class ThemeLens:
    theme_id: int
    name: str
    total: int
    sectors: list[SectorSupport] = field(default_factory=list)
    bridging: float | None = None


def bridging_score(normalised):
    """The smallest of the shown sectors' normalised support (None with fewer than two sectors)."""
    values = [value for value in normalised if value is not None]
    return min(values) if len(values) >= 2 else None


def lens(themes, sectors, participants_by_sector, support_events, k):
    """``themes``: [(id, name)]; ``sectors``: the inquiry's sector list; ``participants_by_sector``:
    {sector: count}; ``support_events``: [(theme_id, sector)], one per dot or reaction; ``k``: threshold.
    Returns [ThemeLens] in bridging order (most bridging first)."""
    by_theme = defaultdict(Counter)
    for theme_id, sector in support_events:
        by_theme[theme_id][sector] += 1
    return lens_of_counts(themes, sectors, participants_by_sector, by_theme, k)


def lens_of_counts(themes, sectors, participants_by_sector, by_theme, k):
    """``lens`` with the support already counted: ``by_theme`` = {theme_id: Counter(sector: support)}."""
    by_theme = defaultdict(Counter, by_theme)
    results = []
    for theme_id, name in themes:
        counts = by_theme[theme_id]
        rows = []
        for sector in sectors:
            people = participants_by_sector.get(sector, 0)
            if people < k:
                rows.append(SectorSupport(sector, people, None, None))
            else:
                rows.append(SectorSupport(sector, people, counts[sector], counts[sector] / people))
        results.append(
            ThemeLens(theme_id, name, sum(counts.values()), rows, bridging_score([row.share for row in rows]))
        )
    results.sort(key=lambda t: (t.bridging if t.bridging is not None else -1, t.total), reverse=True)
    return results
