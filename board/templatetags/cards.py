"""Template filters for the board's partials (templates/board/board.html)."""

from django import template

register = template.Library()


@register.filter
def sector_index(sector, sectors):
    """The place of ``sector`` in the inquiry's list of ``sectors`` ("" when it is not in it): a compact
    card names its author's sector by number, and the page holds the list (inquiry/live_region.html)."""
    try:
        return sectors.index(sector)
    except ValueError:
        return ""


@register.filter
def resonates(count):
    """A card's "This resonates" count in words, with its noun: "1 person finds this resonates", "3 people
    find this resonates" (a bare "1 finds this resonates" read as a typo on the phone)."""
    return "1 person finds this resonates" if count == 1 else f"{count} people find this resonates"
