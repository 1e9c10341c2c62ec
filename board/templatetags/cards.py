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
