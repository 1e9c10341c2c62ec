"""HTML for the live part of every screen, rendered once per kind of screen (participants and the
presenter view share one; facilitators have their own): a page, its websocket pushes and replays all
come from the partials of templates/board/board.html, so they cannot drift.

Which cards a kind of screen sees: facilitators see every card on the board (hidden ones marked) and
held or pending ones in their moderation queue; participants see public cards only (not hidden, held,
pending, or silent before the reveal), plus, on their own page, their own cards that are not hidden."""

import json
import time

from django.db.models import Count, Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from inquiry.access import FACILITATOR

from . import results
from .lens import shown_sectors
from .models import THEME_COLOURS, Card, Dot, MapLink, NextStep, Reaction, Theme, Vote

PARTICIPANT_KIND = "participant"
FACILITATOR_KIND = FACILITATOR
KINDS = (PARTICIPANT_KIND, FACILITATOR_KIND)
QUEUED = (Card.PENDING, Card.HELD)
# Votes with dots on themes: on the themes, and on where to act on the systems map (themes and links).
THEME_TARGETS = (Vote.THEMES, Vote.LEVERAGE)


def on_board(card, kind, viewer=None):
    """Whether ``card`` shows on the board for this kind of screen (``viewer``: a participant's id)."""
    if kind == FACILITATOR_KIND:
        return card.status not in QUEUED
    return card.public or (viewer is not None and card.author_id == viewer and card.status != Card.HIDDEN)


def cards_of(inquiry):
    cards = Card.objects.filter(inquiry=inquiry).select_related("author", "round", "table")
    return cards.order_by("position", "pk")


def now_ms():
    return int(time.time() * 1000)


def current_vote(inquiry):
    """The vote the board shows: the latest one (open, or closed with its results)."""
    return Vote.objects.filter(inquiry=inquiry).order_by("-created", "-pk").first()


def counted_dots(**filters):
    """The dots every screen counts: those of participants not removed, so the board's counts agree with
    the vote's results, the sector lens and the harvest."""
    return Dot.objects.filter(participant__removed=False, **filters)


def counted_reactions(**filters):
    """The "This resonates" every screen counts: those of participants not removed (as ``counted_dots``)."""
    return Reaction.objects.filter(participant__removed=False, **filters)


def count_votes(vote, cards=(), themes=()):
    """Attach reaction and dot counts to cards and themes (a few grouped queries, not one per card)."""
    card_ids = [card.pk for card in cards]
    reactions = dict(counted_reactions(card_id__in=card_ids).values_list("card_id").annotate(n=Count("pk")))
    dots = {}
    if vote is not None:
        dots = dict(
            counted_dots(vote=vote, card_id__in=card_ids).values_list("card_id").annotate(n=Count("pk"))
        )
    for card in cards:
        card.reaction_count = reactions.get(card.pk, 0)
        card.dot_count = dots.get(card.pk, 0)
        card.in_vote = bool(
            vote and vote.target == Vote.CARDS and vote.round_id in (None, card.round_id) and card.public
        )
    theme_dots = {}
    if vote is not None and vote.target in THEME_TARGETS:
        theme_ids = [theme.pk for theme in themes]
        theme_dots = dict(
            counted_dots(vote=vote, theme_id__in=theme_ids).values_list("theme_id").annotate(n=Count("pk"))
        )
    for theme in themes:
        theme.dot_count = theme_dots.get(theme.pk, 0)
        theme.in_vote = bool(vote and vote.target in THEME_TARGETS)


def mine(inquiry, participant_id):
    """One participant's own dots and reactions, for their screens only."""
    return mine_of(inquiry, [participant_id], current_vote(inquiry))[participant_id]


def mine_of(inquiry, participant_ids, vote, none_of=()):
    """``mine`` for several participants at once, in two queries: {participant id: mine}. ``vote``: the
    current one; ``none_of``: participants known to have no dots and no reactions (not queried)."""
    dots = {pid: {} for pid in participant_ids}
    reactions = {pid: [] for pid in participant_ids}
    asked = [pid for pid in participant_ids if pid not in none_of]
    if vote is not None and asked:
        rows = Dot.objects.filter(vote=vote, participant_id__in=asked).order_by("pk")
        for dot in rows.only("participant_id", "card_id", "theme_id", "link_id", "step_id"):
            key = dot.item_key
            dots[dot.participant_id][key] = dots[dot.participant_id].get(key, 0) + 1
    if asked:
        rows = Reaction.objects.filter(participant_id__in=asked, card__inquiry=inquiry).order_by("pk")
        for pid, card_id in rows.values_list("participant_id", "card_id"):
            reactions[pid].append(card_id)
    open_vote = vote is not None and vote.is_open
    return {
        pid: {
            "dots": json.dumps(dots[pid]),
            "reactions": json.dumps(reactions[pid]),
            "left": (vote.budget - sum(dots[pid].values())) if open_vote else 0,
            "vote": vote.pk if vote else "",
        }
        for pid in participant_ids
    }


def mine_html(inquiry, participant_id):
    """A participant's own part of the page, for their snapshot or replay: their dots and reactions, and
    their next steps, contact and connections (board/nextsteps)."""
    html = mine_frames(inquiry, [participant_id], current_vote(inquiry))[participant_id]
    return with_own_steps(inquiry, participant_id, html)


def with_own_steps(inquiry, participant_id, html, blank=False):
    """``html`` (the participant's ``lw-mine`` swap) and then their next steps, contact and connections
    (``blank``: known to have none of their own, see ``nextsteps.render.has_own_part``)."""
    return "".join(own_parts(inquiry, participant_id, html, blank))


def own_parts(inquiry, participant_id, html, blank=False):
    """``with_own_steps`` as its two parts, unjoined: for a participant with none of their own both are
    strings shared by the whole room, which a socket's first frame sends as bytes encoded once."""
    from .nextsteps.render import blank_mine_html
    from .nextsteps.render import mine_html as own_steps

    return [html, blank_mine_html() if blank else own_steps(inquiry, participant_id)]


def mine_frames(inquiry, participant_ids, vote, none_of=()):
    """{participant id: their ``lw-mine`` swap}, read for all of them at once (``none_of``: see mine_of)."""
    return {
        pid: render_to_string("board/board.html#mine", {"mine": own, "oob": True})
        for pid, own in mine_of(inquiry, participant_ids, vote, none_of).items()
    }


def base_context(inquiry):
    rounds = list(inquiry.rounds.order_by("position", "pk"))
    current = next((r for r in rounds if r.pk == inquiry.current_round_id), None)
    # The round after the room's in the agenda's order: the workspace's "Next round" moves the room there.
    later = [r for r in rounds if current is not None and r.position > current.position]
    vote = current_vote(inquiry)
    return {
        "inquiry": inquiry,
        "vote": vote,
        # A closed vote's outcome shows in its own round only: the next round does not carry it.
        "vote_here": vote is not None and vote.belongs_to(inquiry.current_round_id),
        "rounds": rounds,
        "current_round": current,
        "next_round": later[0] if later else None,
        "show_names": inquiry.show_names,
        "many_rounds": len(rounds) > 1,
        "colours": THEME_COLOURS,
    }


def room_state(inquiry):
    """What the room bar shows: the timer, spotlight, announcement, pause, silent count."""
    spotlight_theme = inquiry.spotlight_theme
    if spotlight_theme is not None:
        spotlight_theme.card_list = list(cards_of(inquiry).filter(theme=spotlight_theme))
    contributions = contribution_counts(inquiry)
    return {
        "timer_ends_at_ms": int(inquiry.timer_ends_at.timestamp() * 1000) if inquiry.timer_ends_at else None,
        "spotlight_card": spotlit_card(inquiry),
        "spotlight_theme": spotlight_theme,
        "silent_count": contributions["silent"],
        "contributions": contributions,
    }


def contribution_counts(inquiry):
    """The room's contributions as every screen counts them, in one query: ``total``, every card the room
    sees now (not held back, waiting for approval, hidden, or written in silence before the reveal), the
    count of what the wall and its columns show; ``silent``, the cards written in the round the room is in
    and hidden until its reveal. The presenter's head shows the first, its silent line the second ("1
    contribution written so far, hidden until the reveal"): the head never counts a card nobody can see
    there, and the reveal moves the silent ones into it."""
    counted = Card.objects.filter(inquiry=inquiry, status=Card.VISIBLE)
    in_silence = Q(silent=True, round_id=inquiry.current_round_id) if inquiry.current_round_id else Q(pk=None)
    return counted.aggregate(total=Count("pk", filter=Q(silent=False)), silent=Count("pk", filter=in_silence))


# Changes that never add, remove, hide or show a card: their events carry no count of contributions.
UNCOUNTED = {"vote", "timer", "spotlight", "announce", "room", "link", "map", "step", "contact", "theme"}


def counts_changed(inquiry, kind):
    """The room's count of contributions, for the participants' screens (the presenter's head shows it),
    after a change of this ``kind`` (the event's type), or "" for a change that cannot alter it."""
    if kind in UNCOUNTED:
        return ""
    context = {"contributions": contribution_counts(inquiry), "oob": True}
    return partial("contribution-count", PARTICIPANT_KIND, context)


def spotlit_card(inquiry):
    """The card in the spotlight, read afresh, if the whole room may see it now. A card held back, waiting
    for approval, hidden, silent or gone never shows there, on any screen, whatever the spotlight still
    points at: the actions take it out as it changes, and this holds even if one of them does not."""
    if inquiry.spotlight_card_id is None:
        return None
    card = Card.objects.select_related("author").filter(pk=inquiry.spotlight_card_id).first()
    return card if card is not None and card.public else None


def board_state(inquiry, kind, viewer=None):
    """The board (columns, cards, counts) as this kind of screen sees it, read in a few queries."""
    cards = list(cards_of(inquiry))
    themes = list(Theme.objects.filter(inquiry=inquiry).order_by("position", "pk"))
    by_theme = {theme.pk: [] for theme in themes}
    unsorted, queue = [], []
    for card in cards:
        if on_board(card, kind, viewer):
            (by_theme[card.theme_id] if card.theme_id in by_theme else unsorted).append(card)
        elif kind == FACILITATOR_KIND:
            queue.append(card)
    for theme in themes:
        theme.card_list = by_theme[theme.pk]
        theme.counts = column_counts(theme.card_list)
    context = base_context(inquiry)
    count_votes(context["vote"], cards, themes)
    return {
        **context,
        "unsorted_cards": unsorted,
        "unsorted_counts": column_counts(unsorted),
        "themes": themes,
        "queue": queue,
    }


def column_counts(cards):
    """A column's count (``cards``: those a screen shows in it). Every screen's number is the room's,
    ``shown``: the cards participants and the presenter view see, so the facilitator's board and the shared
    screen agree. A facilitator's column also holds cards the room does not see, counted apart beside it:
    ``hidden`` by moderation, ``silent`` (written in silent writing, shown at the reveal). A participant's
    board holds their own unrevealed cards too, but its counts are the room's (the extras show only to
    facilitators: board.html column-count)."""
    counts = {"shown": 0, "hidden": 0, "silent": 0}
    for card in cards:
        if card.public:
            counts["shown"] += 1
        elif card.status == Card.HIDDEN:
            counts["hidden"] += 1
        elif card.status == Card.VISIBLE:
            counts["silent"] += 1
    return counts


# ``column_counts`` as a query, for one column's cards.
COLUMN_COUNTS = {
    "shown": Count("pk", filter=Q(status=Card.VISIBLE, silent=False)),
    "hidden": Count("pk", filter=Q(status=Card.HIDDEN)),
    "silent": Count("pk", filter=Q(status=Card.VISIBLE, silent=True)),
}


def live_state(inquiry, kind, viewer=None):
    """Everything the live region of a page shows: the board plus the room bar, the sector lens and,
    for a participant's own page, their votes. Only whole-page renders and snapshots need all this;
    pushes that replace the board or the themes use board_state alone."""
    from .nextsteps import render as steps_render
    from .systemmap import render as map_render

    state = board_state(inquiry, kind, viewer)
    return {
        **state,
        **room_state(inquiry),
        "lens_report": lens_report(inquiry, kind, state["vote"]),
        "vote_results": vote_results(inquiry, kind, state["vote"]),
        "mine": mine(inquiry, viewer) if viewer is not None else None,
        "presence": presence_counts(inquiry),
        **map_render.state(inquiry, kind),
        **steps_render.state(inquiry, kind, viewer),
    }


def presence_counts(inquiry):
    from sessions.presence import counts

    return presence_shown(counts(inquiry.pk, inquiry.sectors), inquiry.k_threshold)


def presence_shown(now, k):
    """Per-sector counts show only for sectors the lens's rule shows (board/lens.py shown_sectors): a
    small sector's few people are never counted on their own, nor left as the total less those shown."""
    return {**now, "shown": shown_sectors(now["sectors"], k, now["total"])}


def partial(name, kind, context):
    """A partial of templates/board/board.html for this kind of screen. Numbers in it (ids, counts) are
    written as they are, not localised: the board prints thousands of ids, and Django's number
    formatting of each took a fifth of rendering a 1,000-card board (bench/pages.py)."""
    template = get_template(f"board/board.html#{name}").template
    return template.render(Context({**context, "facilitator": kind == FACILITATOR_KIND}, use_l10n=False))


def for_each_kind(build):
    """Render a fragment once for participants (and the presenter) and once for facilitators."""
    return {kind: build(kind) for kind in KINDS}


def oob(target, html, swap="beforeend"):
    """Wrap rendered partials (never raw user text) to be swapped into the element ``target``: htmx's
    swap style of that name, applied without its per-element work (lw-: static/linewalk/swap.js)."""
    return format_html('<div hx-swap-oob="lw-{}:#{}">{}</div>', swap, target, mark_safe(html))


def delete(dom_id):
    return format_html('<div id="{}" hx-swap-oob="lw-delete"></div>', dom_id)


def with_cards(theme, kind):
    theme.card_list = [card for card in cards_of(theme.inquiry).filter(theme=theme) if on_board(card, kind)]
    theme.counts = column_counts(theme.card_list)
    count_votes(current_vote(theme.inquiry), theme.card_list, [theme])
    return theme


def unsorted_count(inquiry, kind):
    """The count of the cards not yet in a theme, as this kind of screen shows it (out-of-band)."""
    counts = Card.objects.filter(inquiry=inquiry, theme__isnull=True).aggregate(**COLUMN_COUNTS)
    return partial("column-count", kind, {"theme": None, "counts": counts, "oob": True})


def card_html(card, kind, context, oob_swap=False):
    if not hasattr(card, "reaction_count"):
        count_votes(context.get("vote"), [card])
    return partial("card", kind, {**context, "card": card, "oob": oob_swap})


def votes_changed(inquiry, items, vote):
    """The dot and reaction counts of some cards and themes changed: ``items`` = [(card or theme, whether
    only dots changed)], counted in a few grouped queries. Participants see dot counts only once the
    results show, so dots alone on a hidden-results vote send them nothing. ``vote``: the current one."""
    cards = [target for target, _ in items if isinstance(target, Card)]
    count_votes(vote, cards, [target for target, _ in items if isinstance(target, Theme)])

    def build(kind):
        html = ""
        for target, dots in items:
            if isinstance(target, MapLink | NextStep):
                if kind == FACILITATOR_KIND or vote.results_visible:
                    html += _item_votes(target, kind, vote)
                continue
            is_card = isinstance(target, Card)
            if kind == PARTICIPANT_KIND and (
                (dots and not vote.results_visible) or (is_card and not target.public)
            ):
                continue
            if kind == PARTICIPANT_KIND and is_card and not shows_counts(target, vote):
                # As vote_parts: a phone's card holds its counts only while it has some to show.
                html += delete(f"card-{target.pk}-votes")
                continue
            context = {
                "vote": vote,
                "card": target if is_card else None,
                "theme": None if is_card else target,
            }
            html += partial("card-votes" if is_card else "theme-votes", kind, {**context, "oob": True})
        return html

    return for_each_kind(build)


def shows_counts(card, vote):
    """Whether a participant's card shows its counts (card-participant): reactions, or the dots of a vote
    on it whose results show. ``card``: counted (``count_votes``)."""
    return bool(
        card.public and card.reaction_count or card.in_vote and vote is not None and vote.results_visible
    )


def in_vote(vote, card):
    """Whether ``vote`` is on ``card`` (as ``count_votes`` sets ``card.in_vote``)."""
    return bool(vote and vote.target == Vote.CARDS and vote.round_id in (None, card.round_id) and card.public)


def vote_parts(inquiry, vote, before, shown_before):
    """The board's part in a vote opening, closing, showing its results or reopening: the counts of the
    cards and themes whose counts change, not the board again (nothing else on the board depends on the
    vote). ``before``: the vote the screens showed until now (``vote`` itself, or the one before it when
    it opened); ``shown_before``: whether its results showed then.

    A participant's card shows its counts only while there are some to show (card-participant): a card
    whose counts go away loses them (a delete, sent only where they were shown, so it finds them); one
    whose counts come is sent them, and the page puts them in the card (htmx:oobErrorNoTarget)."""
    same = before is not None and vote is not None and before.pk == vote.pk
    shown = vote is not None and vote.results_visible
    votes = [v for v in (vote, before) if v is not None]
    cards = []
    if any(v.target == Vote.CARDS for v in votes) and not (same and shown == shown_before):
        cards = [card for card in cards_of(inquiry) if in_vote(vote, card) or in_vote(before, card)]
    themes = []
    if any(v.target in THEME_TARGETS for v in votes):
        themes = list(Theme.objects.filter(inquiry=inquiry).order_by("position", "pk"))
    count_votes(vote, cards, themes)
    context = {"inquiry": inquiry, "vote": vote, "oob": True}

    def card_part(card, kind):
        if kind == FACILITATOR_KIND:  # always there; its dots change only with another vote
            return "" if same else partial("card-votes", kind, {**context, "card": card})
        dots_now = card.in_vote and shown
        dots_then = in_vote(before, card) and shown_before
        if dots_now:
            return partial("card-votes", kind, {**context, "card": card})
        if dots_then:
            return (
                partial("card-votes", kind, {**context, "card": card})
                if card.reaction_count
                else delete(f"card-{card.pk}-votes")
            )
        return ""

    def build(kind):
        html = [card_part(card, kind) for card in cards]
        if not same or kind == PARTICIPANT_KIND and shown != shown_before:
            html += [partial("theme-votes", kind, {**context, "theme": theme}) for theme in themes]
        return "".join(html)

    return for_each_kind(build)


def _item_votes(target, kind, vote):
    """The dot count of a link on the systems map or of a next step (their own modules render them)."""
    from .nextsteps.render import step_votes
    from .systemmap.render import link_votes

    return (link_votes if isinstance(target, MapLink) else step_votes)(target, kind, vote)


def cards_appended(inquiry, cards, context):
    """New cards (in posting order): the end of the unsorted column where they show, the moderation
    queue or the silent count elsewhere. New cards carry no dots or reactions yet: no counting queries."""
    vote = context.get("vote")
    for card in cards:
        card.reaction_count = card.dot_count = 0
        card.in_vote = bool(
            vote and vote.target == Vote.CARDS and vote.round_id in (None, card.round_id) and card.public
        )

    def build(kind):
        shown = [card for card in cards if on_board(card, kind)]
        html = ""
        if shown:
            html += oob("cards-unsorted", "".join(card_html(card, kind, context) for card in shown))
            html += unsorted_count(inquiry, kind)
        if kind == FACILITATOR_KIND:
            queued = [card for card in cards if card.status in QUEUED]
            if queued:
                html += oob(
                    "queue-cards",
                    "".join(partial("queued-card", kind, {**context, "card": card}) for card in queued),
                )
                html += queue_count(inquiry)
        elif any(card.silent and not card.public and card.status == Card.VISIBLE for card in cards):
            html += room_parts(inquiry, kind, ("silent-count",))
        return html

    return for_each_kind(build)


def queue_count(inquiry):
    """The number waiting for review, beside the queue's heading and in the link to it at the head of the
    facilitator's side panel."""
    context = {"queue_count": Card.objects.filter(inquiry=inquiry, status__in=QUEUED).count(), "oob": True}
    return "".join(partial(name, FACILITATOR_KIND, context) for name in ("queue-count", "queue-link"))


def visibility(card):
    """Where the card shows now, per kind of screen: pass to card_changed after changing it."""
    return {kind: on_board(card, kind) for kind in KINDS}


def card_changed(inquiry, card, before, context):
    """A card's text or status changed: replace it where it stays, add or remove it where that changed."""

    def build(kind):
        now = on_board(card, kind)
        html = ""
        if before[kind] and now:
            html = card_html(card, kind, context, oob_swap=True)
            if before[PARTICIPANT_KIND] != on_board(card, PARTICIPANT_KIND):
                # Hidden or shown again on a board that keeps it: its column counts it apart, or no more.
                html += column_count(inquiry, card, kind)
        elif before[kind] != now:
            html = delete(card.dom_id) if before[kind] else ""
            if card.theme_id:
                html += partial(
                    "theme", kind, {**context, "theme": with_cards(card.theme, kind), "oob": True}
                )
            elif now:
                html += oob("cards-unsorted", card_html(card, kind, context))
            html += unsorted_count(inquiry, kind)
        if kind == FACILITATOR_KIND:
            # Off the board is in the queue, for facilitators: only a card that was there leaves it.
            queued_before, queued_now = not before[kind], card.status in QUEUED
            if queued_before:
                html += delete(f"queued-{card.pk}")
            if queued_now:
                html += oob("queue-cards", partial("queued-card", kind, {**context, "card": card}))
            if queued_before or queued_now:
                html += queue_count(inquiry)
        return html

    return for_each_kind(build)


def cards_left(inquiry, cards, themes, context, extra=None):
    """Cards leave where they were (``cards``: as they were, their status before they went): each screen
    is told to take out only those it shows (a swap that finds nothing is an error in the page), the
    facilitators' queue included; the theme columns named are re-rendered whole. Their authors' own
    unshared cards leave their screens by ``own_cards_left``."""
    queued = [card for card in cards if card.status in QUEUED]

    def build(kind):
        html = "".join(delete(card.dom_id) for card in cards if on_board(card, kind))
        if kind == FACILITATOR_KIND and queued:
            html += "".join(delete(f"queued-{card.pk}") for card in queued) + queue_count(inquiry)
        html += "".join(
            partial("theme", kind, {**context, "theme": with_cards(t, kind), "oob": True}) for t in themes
        )
        return html + unsorted_count(inquiry, kind) + (extra(kind) if extra else "")

    return for_each_kind(build)


def own_cards_left(cards):
    """{author id: the swaps taking their own cards that the room did not see (silent writing, queues)
    off their screens}, for ``cards`` that left (as they were). A card in a theme went with its column,
    which ``cards_left`` re-rendered."""
    frames = {}
    for card in cards:
        if not card.public and card.status != Card.HIDDEN and card.theme_id is None:
            frames[card.author_id] = frames.get(card.author_id, "") + delete(card.dom_id)
    return frames


def theme_count(theme, kind):
    """A theme's card count as this kind of screen shows it (out-of-band)."""
    counts = Card.objects.filter(theme=theme).aggregate(**COLUMN_COUNTS)
    return partial("column-count", kind, {"theme": theme, "counts": counts, "oob": True})


def column_count(inquiry, card, kind):
    """The count of the column ``card`` is in, as this kind of screen shows it (out-of-band)."""
    return unsorted_count(inquiry, kind) if card.theme_id is None else theme_count(card.theme, kind)


def card_moved(inquiry, card, themes, siblings, context):
    """A card moved: it leaves its place and shows at its new one, and the counts of the columns it
    left and joined change; nothing else is re-rendered (a move into a theme of hundreds of cards sends
    one card, not the column). ``siblings``: the cards of the theme it joined, in their new order, the
    card among them; None when it went back to unsorted (at the end)."""

    def build(kind):
        if not on_board(card, kind):
            return ""
        html = card_placed(card, kind, context, siblings)
        html += "".join(theme_count(theme, kind) for theme in themes)
        return html + unsorted_count(inquiry, kind)

    return for_each_kind(build)


def card_placed(card, kind, context, siblings, viewer=None):
    """``card`` into its place in its column: before the next card of ``siblings`` (its column's cards in
    order; None: it goes last) that this screen shows (``viewer``: a participant whose own unshared cards
    show to them). Wherever the screen shows it now, it leaves there: a card that comes in with the id of
    one the page shows takes its place (static/linewalk/swap.js), so no swap has to take it out first
    (one that found nothing, the card just posted or its column just re-drawn, was an error in the page)."""
    html = card_html(card, kind, context)
    after = None
    if siblings is not None:
        at = next(index for index, sibling in enumerate(siblings) if sibling.pk == card.pk)
        after = next((s for s in siblings[at + 1 :] if on_board(s, kind, viewer)), None)
    if after is not None:
        return oob(after.dom_id, html, swap="beforebegin")
    column = "cards-unsorted" if card.theme_id is None else f"cards-theme-{card.theme_id}"
    return oob(column, html)


def themes_replaced(inquiry):
    return for_each_kind(
        lambda kind: (
            partial("themes", kind, {**board_state(inquiry, kind), "oob": True})
            + unsorted_count(inquiry, kind)
        )
    )


def lens_report(inquiry, kind, vote):
    """The sector lens for this kind of screen: participants and the presenter see it while no vote's
    results are hidden from them (its figures count dots)."""
    from .harvest import live_lens

    if kind == PARTICIPANT_KIND and vote is not None and not vote.results_visible:
        return None
    return live_lens(inquiry, public=kind == PARTICIPANT_KIND)


def vote_results(inquiry, kind, vote):
    """A closed vote's ranked results (board/results.py) in its own round, for the participants' kind of
    screen, whose presenter view shows them (phones leave them out: linewalk.css); None where none show."""
    if kind != PARTICIPANT_KIND or vote is None or not vote.belongs_to(inquiry.current_round_id):
        return None
    return results.of_vote(inquiry, vote)


def with_results(fragments, inquiry):
    """Add the closed vote's results again to a change that may alter them after the close (a card hidden,
    a theme renamed, a voter removed, the lens's smallest group changed); nothing while none show."""
    vote = current_vote(inquiry)
    if vote is None or vote.is_open or not vote.results_visible:
        return fragments
    html = room_parts(inquiry, PARTICIPANT_KIND, ("vote-results",))
    return {**fragments, PARTICIPANT_KIND: fragments[PARTICIPANT_KIND] + html}


def results_shown(inquiry):
    """What the shared screen shows of a closed vote changed (results or the sector lens): the results'
    part, which says which, and the facilitators' control of it."""
    return {
        PARTICIPANT_KIND: room_parts(inquiry, PARTICIPANT_KIND, ("vote-results",)),
        FACILITATOR_KIND: room_parts(inquiry, FACILITATOR_KIND, ("vote-steer",)),
    }


def lens_changed(inquiry):
    vote = current_vote(inquiry)
    return for_each_kind(
        lambda kind: partial("lens", kind, {"lens_report": lens_report(inquiry, kind, vote), "oob": True})
    )


def with_lens(fragments, inquiry):
    """Add the refreshed sector lens to a change that moves support between themes or sectors."""
    lens = lens_changed(inquiry)
    return {kind: html + lens[kind] for kind, html in fragments.items()}


def board_replaced(inquiry):
    return for_each_kind(lambda kind: partial("board", kind, {**board_state(inquiry, kind), "oob": True}))


def room_parts(inquiry, kind, names):
    """Re-render named parts of the room (timer, spotlight, announcement, round banner...)."""
    context = {**base_context(inquiry), **room_state(inquiry), "oob": True}
    if "presence" in names:
        context["presence"] = presence_counts(inquiry)
    if "vote-results" in names:
        context["vote_results"] = vote_results(inquiry, kind, context["vote"])
    return "".join(partial(name, kind, context) for name in names)


def room_changed(inquiry, *names):
    return for_each_kind(lambda kind: room_parts(inquiry, kind, names))


def round_banner(inquiry):
    return room_changed(inquiry, "round-banner", "silent-count")


def live(inquiry, kind, viewer=None):
    """The whole live region of a page, for a snapshot."""
    return partial("live", kind, {**live_state(inquiry, kind, viewer), "oob": True})


def live_for_all(inquiry):
    return for_each_kind(lambda kind: live(inquiry, kind))


def participant_removed(inquiry, participant):
    """Who is connected now, and on facilitators' screens the removed author's cards without their
    "Remove participant" (on the board) or "Remove this participant" (in the review queue): by id, the
    cards themselves untouched (a selection, an open menu, focus in them stay)."""
    fragments = room_changed(inquiry, "presence")
    cards = Card.objects.filter(inquiry=inquiry, author=participant).values_list("pk", "status")
    fragments[FACILITATOR_KIND] += "".join(
        delete(f"{'queued' if status in QUEUED else 'card'}-{pk}-remove") for pk, status in cards
    )
    counts = support_withdrawn(inquiry, participant)
    return {kind: html + counts[kind] for kind, html in fragments.items()}


def support_withdrawn(inquiry, participant):
    """The counts that a removed participant's dots (in the current vote) and "This resonates" were part
    of, drawn again without them, and the sector lens (it never counted them: it may now show fewer)."""
    vote = current_vote(inquiry)
    items = supported_by(inquiry, participant, vote)
    if not items:
        return {kind: "" for kind in KINDS}
    counts = votes_changed(inquiry, items, vote)
    lens = lens_changed(inquiry)
    return {kind: counts[kind] + lens[kind] for kind in KINDS}


def supported_by(inquiry, participant, vote, drawn_again=lambda target: False):
    """What ``participant``'s support counts on, as ``votes_changed`` takes it: the cards they found
    resonate, and the cards, themes, map links and next steps they put dots on in ``vote`` (the current
    one), each with whether only dots count there. ``drawn_again``: what the caller re-draws whole
    anyway (or deletes), left out so that no screen is sent it twice."""
    items = {}
    for card in Card.objects.filter(inquiry=inquiry, reactions__participant=participant).distinct():
        items[card] = False
    if vote is not None:
        dots = Dot.objects.filter(vote=vote, participant=participant)
        for dot in dots.select_related("card", "theme", "link", "step"):
            target = dot.card or dot.theme or dot.link or dot.step
            if target is not None:
                items.setdefault(target, True)
    return [(target, dots) for target, dots in items.items() if not drawn_again(target)]


def title_changed(inquiry):
    """The inquiry's title, where each page shows it (#inquiry-title: the facilitator's and the presenter's
    heading, the phone's header)."""
    html = format_html('<span id="inquiry-title" hx-swap-oob="innerHTML">{}</span>', inquiry.title)
    return for_each_kind(lambda kind: html)


def inquiry_deleted():
    """For every screen still open on an inquiry being deleted: the live region says so, and the
    participant's post form goes, and so do the facilitator's Pause and join code control (outside the live
    region there)."""
    notice = render_to_string("board/board.html#deleted", {"oob": True})
    return {
        PARTICIPANT_KIND: notice + delete("compose-form"),
        FACILITATOR_KIND: notice + delete("room-pause-bar") + delete("room-join-bar"),
    }
