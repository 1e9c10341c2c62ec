"""The sector lens: how much support each theme has from each declared sector, and a bridging ranking
that puts themes supported across every sector above themes popular in one sector only.

Support for a theme from a sector = the dots on the theme (or on its cards) plus the "this resonates"
reactions on its cards, given by participants of that sector. Normalised support = that support divided
by the number of participants in the sector, so a sector of 5 and a sector of 50 count alike.

Bridging score of a theme = the smallest normalised support across the sectors that are shown (those
with at least K participants, less the one ``shown_sectors`` withholds with a single small sector;
withheld figures are not shown so nobody is identifiable, and they do not enter the score). A theme
nobody in one sector supports scores 0, however popular elsewhere. Ties are broken by total support.
With fewer than two sectors shown, there is nothing to bridge and every theme's bridging score is None."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field


def shown_sectors(counts, k, total=None):
    """Which sectors' figures may show, for every place that counts people by sector beside a total:
    ``counts`` = [(sector, n)] for every sector (in the order to show them), ``k`` the inquiry's minimum
    group size, ``total`` everyone counted (default: the sum of ``counts``). Returns the [(sector, n)]
    shown. A sector of fewer than k is never counted on its own; and where a single sector is left out,
    the total less the counts shown would be its count, so unless nobody is left over the smallest shown
    is left out with it (complementary suppression). Every figure of a sector left out is withheld."""
    shown = [(sector, n) for sector, n in counts if n and n >= k]
    total = sum(n for _, n in counts) if total is None else total
    if len(counts) - len(shown) == 1 and shown and total > sum(n for _, n in shown):
        shown.remove(min(shown, key=lambda item: item[1]))
    return shown


def sectors_shown_of(sectors, people, k):
    """``shown_sectors`` as a set of names, from the inquiry's ``sectors`` and {sector: people}. A sector
    someone holds that the list lacks (an imported inquiry's) counts as a sector too."""
    names = list(sectors) + sorted(set(people) - set(sectors))
    counts = [(sector, people.get(sector, 0)) for sector in names]
    return {sector for sector, _ in shown_sectors(counts, k)}


def left_out(sectors, people, k):
    """Whether ``shown_sectors`` withholds a sector of k or more people: the smallest shown, left out with
    the one sector smaller than k. Every place that withholds figures says so when it does ("withheld
    with a smaller sector", "counted together: one has fewer than k"). Arguments as ``sectors_shown_of``."""
    shown = sectors_shown_of(sectors, people, k)
    return any(n >= k and sector not in shown for sector, n in people.items())


@dataclass
class SectorSupport:
    sector: str
    participants: int
    support: int | None  # None: withheld (fewer than K participants, or left out with one that has)
    share: float | None  # support / participants
    small: bool = False  # withheld for having fewer than K participants (not only left out with one)


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
    shown = sectors_shown_of(sectors, participants_by_sector, k)
    results = []
    for theme_id, name in themes:
        counts = by_theme[theme_id]
        rows = []
        for sector in sectors:
            people = participants_by_sector.get(sector, 0)
            if sector not in shown:
                rows.append(SectorSupport(sector, people, None, None, small=people < k))
            else:
                rows.append(SectorSupport(sector, people, counts[sector], counts[sector] / people))
        results.append(
            ThemeLens(theme_id, name, sum(counts.values()), rows, bridging_score([row.share for row in rows]))
        )
    results.sort(key=lambda t: (t.bridging if t.bridging is not None else -1, t.total), reverse=True)
    return results
