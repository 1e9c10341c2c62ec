"""HTML for the board, rendered once per kind of screen: a page, its htmx response and the websocket push
all come from the partials of templates/board/board.html, so they cannot drift."""

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from inquiry.access import FACILITATOR

from .models import Card, Theme

KINDS = ("participant", "facilitator")


def board_state(inquiry):
    """Everything the live part of a page shows, read in a few queries."""
    cards = list(
        Card.objects.filter(inquiry=inquiry).select_related("author", "round").order_by("position", "pk")
    )
    themes = list(Theme.objects.filter(inquiry=inquiry).order_by("position", "pk"))
    by_theme = {theme.pk: [] for theme in themes}
    unsorted = []
    for card in cards:
        (by_theme[card.theme_id] if card.theme_id in by_theme else unsorted).append(card)
    for theme in themes:
        theme.card_list = by_theme[theme.pk]
    rounds = list(inquiry.rounds.order_by("position", "pk"))
    return {
        "inquiry": inquiry,
        "rounds": rounds,
        "current_round": next((r for r in rounds if r.pk == inquiry.current_round_id), None),
        "unsorted_cards": unsorted,
        "themes": themes,
        "show_names": inquiry.show_names,
        "many_rounds": len(rounds) > 1,
        "round_numbers": {r.pk: i for i, r in enumerate(rounds, start=1)},
    }


def partial(name, kind, context):
    return render_to_string(f"board/board.html#{name}", {**context, "facilitator": kind == FACILITATOR})


def for_each_kind(build):
    """Render a fragment once for participants (and the presenter) and once for facilitators."""
    return {kind: build(kind) for kind in KINDS}


def base_context(inquiry):
    rounds = list(inquiry.rounds.order_by("position", "pk"))
    return {
        "inquiry": inquiry,
        "show_names": inquiry.show_names,
        "many_rounds": len(rounds) > 1,
        "round_numbers": {r.pk: i for i, r in enumerate(rounds, start=1)},
    }


def oob(target, html, swap="beforeend"):
    """Wrap rendered partials (never raw user text) to be swapped into the element ``target``."""
    return format_html('<div hx-swap-oob="{}:#{}">{}</div>', swap, target, mark_safe(html))


def delete(dom_id):
    return format_html('<div id="{}" hx-swap-oob="delete"></div>', dom_id)


def with_cards(theme):
    theme.card_list = list(theme.cards.select_related("author", "round").order_by("position", "pk"))
    return theme


def unsorted_count(inquiry):
    count = Card.objects.filter(inquiry=inquiry, theme__isnull=True).count()
    return format_html('<span id="unsorted-count" class="count" hx-swap-oob="true">{}</span>', count)


def card_appended(inquiry, card, context):
    """A card joins the end of the unsorted column."""
    return for_each_kind(
        lambda kind: oob("cards-unsorted", partial("card", kind, {**context, "card": card}))
        + unsorted_count(inquiry)
    )


def card_replaced(card, context):
    return for_each_kind(lambda kind: partial("card", kind, {**context, "card": card, "oob": True}))


def cards_left(inquiry, card_ids, themes, context, extra=""):
    """Cards leave where they were; the theme columns named are re-rendered whole."""
    return for_each_kind(
        lambda kind: "".join(delete(f"card-{pk}") for pk in card_ids)
        + "".join(partial("theme", kind, {**context, "theme": with_cards(t), "oob": True}) for t in themes)
        + unsorted_count(inquiry)
        + (extra(kind) if extra else "")
    )


def themes_replaced(inquiry, context):
    state = board_state(inquiry)
    return for_each_kind(
        lambda kind: partial("themes", kind, {**context, **state, "oob": True}) + unsorted_count(inquiry)
    )


def round_banner(inquiry):
    state = board_state(inquiry)
    return for_each_kind(lambda kind: partial("round-banner", kind, {**state, "oob": True}))


def live(inquiry, kind):
    """The whole live region of a page, for a snapshot."""
    return partial("live", kind, {**board_state(inquiry), "oob": True})
