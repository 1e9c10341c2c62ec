"""Suggested themes for a round, previewed by one facilitator and accepted as an ordinary board change.

The clustering (board/suggestions) is pure CPU work: the consumer runs ``preview`` in a worker thread so
the event loop never waits on it. The model loads once per process: in the worker, as soon as a
facilitator opens a workspace served by that process (``warm_soon``), so their first "Suggest" does not
wait for it."""

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.template.loader import render_to_string

from inquiry.access import Refused
from inquiry.models import Round

from . import suggestions
from .models import Card, Theme

# One worker: suggestions are rare and CPU-bound; a second would only compete for the same cores.
POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="suggest")
MAX_CARDS = 2000
_warming = None


def warm_soon():
    """A facilitator's workspace connected: load the model and word table in the worker now, once per
    process (~2 s of one core on the 2-core box; otherwise their first suggestion waits for it)."""
    global _warming
    if settings.SUGGESTIONS_ENABLED and _warming is None:
        _warming = POOL.submit(suggestions.warm)


def require_enabled():
    if not settings.SUGGESTIONS_ENABLED:
        raise Refused("disabled", "Theme suggestions are turned off on this server.")


def load(inquiry_id, round_id):
    """Read what to group: the unsorted cards of the round (or of every round), and each existing theme's
    cards, which stay where they are. Runs in the database thread."""
    require_enabled()
    cards = Card.objects.filter(inquiry_id=inquiry_id, theme__isnull=True, status=Card.VISIBLE)
    if round_id is not None:
        if not Round.objects.filter(pk=round_id, inquiry_id=inquiry_id).exists():
            raise Refused("not_found", "There is no such round in this inquiry.")
        cards = cards.filter(round_id=round_id)
    cards = list(cards.select_related("author").order_by("position", "pk")[:MAX_CARDS])
    themes = list(Theme.objects.filter(inquiry_id=inquiry_id).order_by("position", "pk"))
    existing = {
        str(theme.pk): list(theme.cards.filter(status=Card.VISIBLE).values_list("text", flat=True))
        for theme in themes
    }
    return cards, themes, {key: texts for key, texts in existing.items() if texts}


def preview(cards, themes, existing, granularity, round_id):
    """Group the cards and render the preview for the facilitator who asked. Runs in the worker thread."""
    result = suggestions.suggest(
        [card.text for card in cards],
        granularity=granularity,
        existing=existing or None,
        taken=[theme.name for theme in themes],
    )
    by_id = {str(theme.pk): theme for theme in themes}
    proposed = [
        {
            "label": theme.label,
            "representative": cards[theme.representative],
            "cards": [cards[i] for i in theme.members],
        }
        for theme in result.themes
    ]
    placed = [(cards[i], by_id[key]) for i, key in sorted(result.placed.items()) if key in by_id]
    context = {
        "proposed": proposed,
        "placed": placed,
        "left_over": [cards[i] for i in result.unsorted],
        "granularity": granularity,
        "round_id": round_id or "",
        "count": len(cards),
        "oob": True,
    }
    return render_to_string("board/suggestions.html#preview", context)


def closed_preview():
    return render_to_string("board/suggestions.html#preview", {"closed": True, "oob": True})
