"""Arranging many cards at once: the facilitator's workspace selects cards (a click, shift-click, the
keyboard, "cards like this one") and moves them all in one action. Check, do (one transaction, one
sequence number), notify (one event), like every other change (board/actions.py)."""

from inquiry.access import Refused, require_facilitator

from . import render
from .actions import _theme
from .changes import changing, publish, tell_authors
from .models import Card, Dot, Reaction
from .undo import actions as undo

# The most cards one move takes (a whole event's worth); the protocol refuses longer lists.
MOST_CARDS = 1000


def move_cards(actor, card_ids, theme_id, position=None):
    """Move the cards ``card_ids`` (in that order) into a theme, together at ``position`` (else last), or
    with no theme back to unsorted (last). Every card must be in the actor's inquiry, else nothing moves.
    Returns the cards moved."""
    card_ids = list(dict.fromkeys(card_ids))  # a card named twice moves once, at its first place
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        found = {
            card.pk: card
            for card in Card.objects.select_related("author", "round").filter(
                inquiry=inquiry, pk__in=card_ids
            )
        }
        missing = len(card_ids) - len(found)
        if missing:
            raise Refused(
                "not_found",
                f"{missing} of these {len(card_ids)} cards {'is' if missing == 1 else 'are'} not in this "
                "inquiry (deleted meanwhile?): nothing was moved.",
            )
        cards = [found[pk] for pk in card_ids]
        target = _theme(inquiry, theme_id) if theme_id is not None else None
        sources = {card.theme_id for card in cards}
        before = undo.places(cards)
        siblings = _place(inquiry, cards, target, position)
        context = render.base_context(inquiry)
        fragments = _fragments(inquiry, cards, target, sources, siblings, context)
        if Dot.objects.filter(card__in=cards).exists() or Reaction.objects.filter(card__in=cards).exists():
            fragments = render.with_lens(fragments, inquiry)  # their support moves between themes
        publish(
            inquiry,
            "card",
            "move_many",
            {"cards": [card.pk for card in cards], "theme": target.pk if target else None},
            fragments,
        )
        # Cards only their authors see (silent writing, queues) are placed by their own frames.
        tell_authors(inquiry, {target.pk} if target else set(), unsorted=target is None)
        return Moved(cards, undo.moved_step(inquiry, actor, cards, before, target))


class Moved(list):
    """The cards moved, and the mover's status line (with its Undo button) as the consumer's reply."""

    def __init__(self, cards, ws_reply):
        super().__init__(cards)
        self.ws_reply = ws_reply


def _place(inquiry, cards, target, position):
    """Write the new places: the target's cards in their new order (None for unsorted)."""
    moving = {card.pk for card in cards}
    if target is None:
        others = Card.objects.filter(inquiry=inquiry, theme__isnull=True).exclude(pk__in=moving)
        top = max((c.position for c in others.only("position")), default=-1)
        for index, card in enumerate(cards):
            card.theme, card.position = None, top + 1 + index
        Card.objects.bulk_update(cards, ["theme", "position"])
        return None
    siblings = list(target.cards.exclude(pk__in=moving).order_by("position", "pk"))
    at = len(siblings) if position is None else min(position, len(siblings))
    siblings[at:at] = cards
    for index, card in enumerate(siblings):
        card.theme, card.position = target, index
    Card.objects.bulk_update(siblings, ["theme", "position"])
    return siblings


def _fragments(inquiry, cards, target, sources, siblings, context):
    """Per kind of screen: each moved card out of its old place and into its new one, and the counts of
    every column that changed. Into a theme, the cards go last first, so each lands before a neighbour
    already in place; back to unsorted, they are appended in order."""
    themes = [t for t in inquiry.themes.filter(pk__in={*sources, target.pk if target else None})]
    ordered = cards if target is None else list(reversed(cards))
    render.count_votes(context.get("vote"), cards)

    def build(kind):
        html = "".join(
            render.card_placed(card, kind, context, siblings)
            for card in ordered
            if render.on_board(card, kind)
        )
        html += "".join(render.theme_count(theme, kind) for theme in themes)
        return html + render.unsorted_count(inquiry, kind)

    return render.for_each_kind(build)


HANDLERS = {
    ("card", "move_many"): lambda actor, m: move_cards(actor, m["cards"], m["theme"], m["position"]),
}
