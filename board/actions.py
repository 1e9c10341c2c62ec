"""Every change to contributions and themes: check (validate, authorise), do (one transaction),
notify (broadcast on commit, through ``board.changes.publish``). Views and the consumer call these."""

from datetime import timedelta
from functools import wraps
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import escape

from inquiry import audit, limits
from inquiry.access import (
    REOPEN_FIRST,
    Refused,
    require_facilitator,
    require_open_inquiry,
    require_participant,
    require_room_open,
    round_of,
)
from inquiry.models import Participant, Round
from sessions import events
from sessions.events import notify_participant
from sessions.protocol import error_frame

from . import render
from .changes import (
    changing,
    end_votes,
    expire_timer_if_due,
    publish,
    start_vote,
    tell_author,
    tell_authors,
    time_up_ends,
    vote_changed,
    vote_shown,
    with_timer,
)
from .models import Card, Carried, Dot, MapLink, NextStep, Reaction, SignUp, Theme, Vote, next_colour
from .nextsteps import actions as nextsteps_actions
from .systemmap import actions as systemmap_actions
from .systemmap import render as map_render
from .tables import actions as tables_actions
from .tables import render as tables_render
from .tables.models import theme_name, theme_text
from .text import name_key
from .undo import actions as undo


def _card(inquiry, card_id):
    card = Card.objects.select_related("author", "round").filter(pk=card_id, inquiry=inquiry).first()
    if card is None:
        raise Refused("not_found", "There is no such card in this inquiry.")
    return card


def _theme(inquiry, theme_id, name="theme"):
    theme = Theme.objects.filter(pk=theme_id, inquiry=inquiry).first()
    if theme is None:
        raise Refused("not_found", f"There is no such {name} in this inquiry.")
    return theme


def _own_open_card(actor, inquiry, card_id):
    participant = require_participant(actor, inquiry)
    card = _card(inquiry, card_id)
    if card.author_id != participant.pk:
        raise Refused("forbidden", "You can only change your own contributions.")
    if card.status == Card.HIDDEN:
        raise Refused("forbidden", "A facilitator has hidden this contribution.")
    if not card.round.is_open:
        raise Refused("round_closed", "This round is closed: its contributions can no longer change.")
    return card


def _next_position(queryset):
    top = queryset.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


# Contributions ----------------------------------------------------------------------------------------------


def post_card(actor, client_id, text):
    """Store a participant's post in the current round. A resend with the same client id returns the
    card already stored and publishes nothing. Returns (card, created)."""
    (result,) = post_cards(actor.inquiry_id, [(actor, client_id, text)])
    if isinstance(result, Refused):
        raise result
    return result


def _answered_one_by_one(batch_action):
    """For an action on a batch of items: a refusal of the whole batch (the inquiry is gone) answers each
    item with it, as if each had been refused on its own."""

    @wraps(batch_action)
    def wrapped(inquiry_id, items):
        try:
            return batch_action(inquiry_id, items)
        except Refused as refused:
            return [refused] * len(items)

    return wrapped


@_answered_one_by_one
def post_cards(inquiry_id, posts):
    """Store several posts to one inquiry, ``posts`` = [(actor, client_id, text)], in one transaction and
    one event (the live session gathers the posts that arrive while the database is busy with the last
    ones: a room of thousands posting at once then costs one transaction, one sequence number and one
    frame per batch, not per post). Returns, per post in order, (card, created) or the Refused that
    turned it down; a refusal turns down that post only (and every post, if the inquiry is gone)."""
    results = []
    with changing(inquiry_id) as inquiry:
        expire_timer_if_due(inquiry)
        fresh = []
        for actor, client_id, text in posts:
            try:
                results.append(_post_one(actor, inquiry, client_id, text))
            except Refused as refused:
                results.append(refused)
                continue
            card, created = results[-1]
            if created:
                fresh.append(card)
        if fresh:
            context = render.base_context(inquiry)
            publish(
                inquiry,
                "card",
                "add",
                {"cards": [card.pk for card in fresh]},
                render.cards_appended(inquiry, fresh, context),
            )
            for card in fresh:
                tell_author(inquiry, card, context, last=True)
    return results


def _post_one(actor, inquiry, client_id, text):
    # A resend of a post stored before the close is acknowledged again, as at any other time.
    participant = require_participant(actor, inquiry, after_close=True)
    existing = Card.objects.filter(author=participant, client_id=client_id).first()
    if existing is not None:
        return existing, False
    require_open_inquiry(inquiry)
    limits.take_post(participant.pk)
    require_room_open(inquiry)
    current = inquiry.current_round
    if current is None:
        raise Refused("no_round", "The facilitator has not opened a round yet.")
    if not current.is_open:
        raise Refused("round_closed", "This round is closed to new contributions.")
    card = Card(
        inquiry=inquiry,
        round=current,
        author=participant,
        client_id=client_id,
        text=text,
        position=inquiry.seq + 1,
        silent=current.phase == Round.SILENT,
    )
    card.screen(inquiry)
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:
        return Card.objects.get(author=participant, client_id=client_id), False
    return card, True


def edit_card(actor, card_id, text):
    with changing(actor.inquiry_id) as inquiry:
        card = _own_open_card(actor, inquiry, card_id)
        require_room_open(inquiry)
        if card.text == text:
            return card
        before = render.visibility(card)
        card.text = text
        card.edited = timezone.now()
        card.screen(inquiry)
        card.save(update_fields=["text", "edited", "status", "held_reason"])
        context = render.base_context(inquiry)
        fragments = render.card_changed(inquiry, card, before, context)
        if inquiry.spotlight_card_id == card.pk:
            fragments = _spotlight_follows(inquiry, card, fragments)
        publish(inquiry, "card", "edit", {"card": card.pk}, fragments)
        tell_author(inquiry, card, context)
        return card


def delete_card(actor, card_id):
    with changing(actor.inquiry_id) as inquiry:
        card = _own_open_card(actor, inquiry, card_id)
        require_room_open(inquiry)
        theme = card.theme
        on_map = card.map_nodes.exists()
        # What the author took back is kept nowhere: not in the stored changes a screen catching up is
        # replayed, nor in the log (a spotlight quotes its card). Not card.delete(): that forgets its id.
        _forget(inquiry, [card])
        Card.objects.filter(pk=card.pk).delete()
        context = render.base_context(inquiry)
        themes = [theme] if theme else []
        fragments = render.cards_left(inquiry, [card], themes, context)
        if on_map:
            fragments = map_render.with_map(fragments, inquiry)
        if inquiry.spotlight_card_id == card.pk:
            # The database let go of it with the card (SET_NULL): the open screens let go of it too.
            inquiry.spotlight_card = None
            fragments = _spotlight_follows(inquiry, card, fragments)
        publish(inquiry, "card", "delete", {"card": card_id}, fragments)
        _tell_authors_left(inquiry, [card])


def _spotlight_follows(inquiry, card, fragments):
    """``fragments`` of a change to the spotlit ``card``, and the spotlight with them: showing what the
    card says now, or gone once the room may no longer see the card (held back, waiting for approval,
    deleted). Inside ``changing``."""
    if inquiry.spotlight_card_id is not None and not card.public:
        inquiry.spotlight_card = None
        inquiry.save(update_fields=["spotlight_card"])
    spotlight = render.room_changed(inquiry, "spotlight")
    return {kind: html + spotlight[kind] for kind, html in fragments.items()}


def _tell_authors_left(inquiry, cards):
    """Cards that left (as they were): their authors' own that the room did not see leave their screens."""
    for author, html in render.own_cards_left(cards).items():
        notify_participant(inquiry.pk, author, html, after=inquiry.seq)


def move_card(actor, card_id, theme_id, position=None):
    """Move a card into a theme (at ``position``, else last) or, with no theme, back to unsorted (last)."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        card = _card(inquiry, card_id)
        before = undo.places([card])
        source = card.theme
        target = _theme(inquiry, theme_id) if theme_id is not None else None
        siblings = None
        if target is None:
            if source is None:
                return card
            card.theme = None
            card.position = _next_position(Card.objects.filter(inquiry=inquiry, theme__isnull=True))
            card.save(update_fields=["theme", "position"])
        else:
            siblings = list(target.cards.exclude(pk=card.pk).order_by("position", "pk"))
            at = len(siblings) if position is None else min(position, len(siblings))
            siblings.insert(at, card)
            card.theme = target
            for index, sibling in enumerate(siblings):
                sibling.position = index
            Card.objects.bulk_update(siblings, ["position", "theme"])
        context = render.base_context(inquiry)
        changed = list({t.pk: t for t in (source, target) if t is not None}.values())
        fragments = render.card_moved(inquiry, card, changed, siblings, context)
        if card.dots.exists() or card.reactions.exists():
            # Its support moves between themes: the sector lens changes (else it cannot have).
            fragments = render.with_lens(fragments, inquiry)
        publish(
            inquiry,
            "card",
            "move",
            {"card": card.pk, "theme": target.pk if target else None, "position": card.position},
            fragments,
        )
        # Cards the room cannot see (silent writing, queues) are placed by their authors' own frames:
        # the moved one, and, in a theme, theirs that the room's frame placed it before or after.
        if target is None:
            tell_author(inquiry, card, context, last=True)
        else:
            tell_authors(inquiry, {target.pk})
        card.ws_reply = undo.moved_step(inquiry, actor, [card], before, target)
        return card


# Themes ---------------------------------------------------------------------------------------------------


def _name_taken(inquiry, names, but=None):
    """Refuse a theme name the inquiry already has, ignoring case and spacing ("housing" beside
    "Housing"): two columns that read alike split the room's cards and votes. ``but``: the theme being
    renamed, which may keep its own name in another case."""
    others = Theme.objects.filter(inquiry=inquiry).exclude(pk=but).values_list("name", flat=True)
    taken = {name_key(other): other for other in others}
    for name in names:
        if (other := taken.get(name_key(name))) is not None:
            raise Refused("taken", f"There is already a theme called “{other}”. Choose another name.")
        taken[name_key(name)] = name


def add_theme(actor, name, colour=None):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        _name_taken(inquiry, [name])
        theme = Theme.objects.create(
            inquiry=inquiry,
            name=name,
            colour=colour or next_colour(inquiry),
            position=_next_position(Theme.objects.filter(inquiry=inquiry)),
        )
        theme.card_list, theme.counts = [], render.column_counts([])
        context = render.base_context(inquiry)
        fragments = render.for_each_kind(
            lambda kind: render.oob("themes", render.partial("theme", kind, {**context, "theme": theme}))
        )
        publish(inquiry, "theme", "add", {"theme": theme.pk}, render.with_lens(fragments, inquiry))
        return theme


def _theme_changed(inquiry, theme, op):
    context = render.base_context(inquiry)
    fragments = render.for_each_kind(
        lambda kind: render.partial(
            "theme", kind, {**context, "theme": render.with_cards(theme, kind), "oob": True}
        )
    )
    fragments = map_render.with_map(fragments, inquiry)  # the systems map shows theme names and colours
    publish(inquiry, "theme", op, {"theme": theme.pk}, render.with_lens(fragments, inquiry))


def rename_theme(actor, theme_id, name, colour=None):
    """The name and, when given, the colour chosen with it: one change, so a name refused leaves the
    colour as it was too (the facilitator's dialog sends both in one message)."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        theme = _theme(inquiry, theme_id)
        _name_taken(inquiry, [name], but=theme.pk)
        before, before_colour = theme.name, theme.colour
        theme.name = name
        theme.colour = colour or theme.colour
        theme.save(update_fields=["name", "colour"])
        _theme_changed(inquiry, theme, "rename")
        if before != name:
            data = {"theme": theme.pk, "before": before, "after": name}
            if theme.colour != before_colour:  # chosen with the name: undone with it
                data |= {"colour_before": before_colour, "colour_after": theme.colour}
            theme.ws_reply = undo.record(inquiry, actor, "rename", f"Renamed “{before}” to “{name}”", data)
        elif theme.colour != before_colour:
            theme.ws_reply = undo.record(
                inquiry,
                actor,
                "recolour",
                f"Recoloured “{theme.name}”",
                {"theme": theme.pk, "before": before_colour, "after": theme.colour},
            )
        return theme


def recolour_theme(actor, theme_id, colour):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        theme = _theme(inquiry, theme_id)
        before, theme.colour = theme.colour, colour
        theme.save(update_fields=["colour"])
        _theme_changed(inquiry, theme, "recolour")
        if before != colour:
            theme.ws_reply = undo.record(
                inquiry,
                actor,
                "recolour",
                f"Recoloured “{theme.name}”",
                {"theme": theme.pk, "before": before, "after": colour},
            )
        return theme


def merge_theme(actor, theme_id, into_id):
    """Move every card of one theme to the end of another, then remove the emptied theme."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        theme = _theme(inquiry, theme_id)
        into = _theme(inquiry, into_id, "theme to merge into")
        if theme.pk == into.pk:
            raise Refused("invalid_field", "A theme cannot be merged into itself.")
        start = _next_position(into.cards.all())
        moving = list(theme.cards.order_by("position", "pk"))
        before, fields = undo.places(moving), undo.theme_fields(theme, undo.theme_index(inquiry, theme))
        dots = Dot.objects.filter(theme=theme).count()  # they go with it; its links go to ``into``
        for offset, card in enumerate(moving):
            card.theme = into
            card.position = start + offset
        Card.objects.bulk_update(moving, ["theme", "position"])
        systemmap_actions.theme_merging(inquiry, theme, into)  # its links on the map move to ``into``
        theme.delete()
        context = render.base_context(inquiry)
        fragments = render.for_each_kind(
            lambda kind: (
                render.delete(f"theme-{theme_id}")
                + render.partial(
                    "theme", kind, {**context, "theme": render.with_cards(into, kind), "oob": True}
                )
            )
        )
        publish(
            inquiry,
            "theme",
            "merge",
            {"theme": theme_id, "into": into.pk},
            render.with_lens(map_render.with_map(fragments, inquiry), inquiry),
        )
        into.ws_reply = undo.record(
            inquiry,
            actor,
            "merge",
            f"Merged “{fields['name']}” into “{into.name}”",
            {"theme": fields, "into": into.pk, "cards": undo.card_entries(moving, before), "dots": dots},
        )
        return into


def delete_theme(actor, theme_id):
    """Remove a theme; its cards go back to the end of unsorted, nothing is lost."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        theme = _theme(inquiry, theme_id)
        start = _next_position(Card.objects.filter(inquiry=inquiry, theme__isnull=True))
        moving = list(theme.cards.select_related("author", "round").order_by("position", "pk"))
        before, fields = undo.places(moving), undo.theme_fields(theme, undo.theme_index(inquiry, theme))
        lost = undo.lost_with(theme)
        for offset, card in enumerate(moving):
            card.theme = None
            card.position = start + offset
        Card.objects.bulk_update(moving, ["theme", "position"])
        theme.delete()
        context = render.base_context(inquiry)

        def build(kind):
            cards = "".join(
                render.card_html(card, kind, context) for card in moving if render.on_board(card, kind)
            )
            return (
                render.delete(f"theme-{theme_id}")
                + (render.oob("cards-unsorted", cards) if cards else "")
                + render.unsorted_count(inquiry, kind)
            )

        publish(
            inquiry,
            "theme",
            "delete",
            {"theme": theme_id},
            render.with_lens(map_render.with_map(render.for_each_kind(build), inquiry), inquiry),
        )
        reply = undo.record(
            inquiry,
            actor,
            "delete",
            f"Deleted the theme “{fields['name']}”",
            {"theme": fields, "cards": undo.card_entries(moving, before), **lost},
        )
        return SimpleNamespace(ws_reply=reply)


def move_theme(actor, theme_id, position):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        theme = _theme(inquiry, theme_id)
        was = undo.theme_index(inquiry, theme)
        themes = [
            t for t in Theme.objects.filter(inquiry=inquiry).order_by("position", "pk") if t.pk != theme.pk
        ]
        themes.insert(min(position, len(themes)), theme)
        for index, item in enumerate(themes):
            item.position = index
        Theme.objects.bulk_update(themes, ["position"])
        publish(
            inquiry,
            "theme",
            "move",
            {"theme": theme.pk, "position": theme.position},
            render.themes_replaced(inquiry),
        )
        if was != theme.position:
            label = f"Moved the theme “{theme.name}”"
            data = {"theme": theme.pk, "position": was}
            theme.ws_reply = undo.record(inquiry, actor, "theme_move", label, data)
        return theme


# Moderation ----------------------------------------------------------------------------------------------


def _moderate(actor, card_id, status, op, allowed_from):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        card = _card(inquiry, card_id)
        if card.status not in allowed_from:
            raise Refused(
                "invalid_state", f"That card is {card.get_status_display().lower()}: nothing to {op}."
            )
        before, was = render.visibility(card), card.status
        card.status, card.held_reason = status, ""
        card.save(update_fields=["status", "held_reason"])
        context = render.base_context(inquiry)
        fragments = render.card_changed(inquiry, card, before, context)
        if card.map_nodes.exists():  # a card on the systems map shows there only while everyone sees it
            fragments = map_render.with_map(fragments, inquiry)
        if card.table_id:  # a table's pick shows on the picks wall only while everyone sees it
            fragments = _joined(fragments, tables_render.wall_changed(inquiry.pk))
        if inquiry.spotlight_card_id == card.pk:
            fragments = _spotlight_follows(inquiry, card, fragments)
        publish(inquiry, "card", op, {"card": card.pk}, fragments)
        # A card held back as possible personal data is not quoted in the log.
        quote = "" if was == Card.HELD else f": {card.text[:80]}"
        audit.record(inquiry.pk, actor, f"card.{op}", f"card {card.pk} ({was} → {status}){quote}")
        return card


def hide_card(actor, card_id):
    """Take a card off every participant's screen (facilitators still see it, marked hidden)."""
    return _moderate(actor, card_id, Card.HIDDEN, "hide", (Card.VISIBLE, Card.PENDING, Card.HELD))


def restore_card(actor, card_id):
    return _moderate(actor, card_id, Card.VISIBLE, "restore", (Card.HIDDEN,))


def approve_card(actor, card_id):
    """Let a card waiting in the queue (pre-moderation or safeguarding) out onto every board."""
    return _moderate(actor, card_id, Card.VISIBLE, "approve", (Card.PENDING, Card.HELD))


def reject_card(actor, card_id):
    """Refuse a card for good (the review queue's Reject, a hidden card's Erase): it leaves every screen
    and what it said is erased: the card itself (its dots and reactions with it), the stored fragments
    of every event that showed it (a screen catching up gets a snapshot instead) and its text in the
    audit log, which keeps a note of the rejection without it. So no export, replay or log carries it."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        card = _card(inquiry, card_id)
        was, reason, author = card.status, card.held_reason, card.author_id
        themes = [card.theme] if card.theme_id else []
        supported = card.dots.exists() or card.reactions.exists()
        erase_cards(inquiry, [card])
        context = render.base_context(inquiry)
        fragments = render.cards_left(inquiry, [card], themes, context)
        if card.table_id:
            fragments = _joined(fragments, tables_render.wall_changed(inquiry.pk))
        publish(
            inquiry,
            "card",
            "reject",
            {"card": card_id},
            render.with_lens(fragments, inquiry) if supported else fragments,
        )
        _tell_authors_left(inquiry, [card])
        why = f"; it was held back: {reason}" if reason else ""
        audit.record(
            inquiry.pk, actor, "card.reject", f"card {card_id} ({was}) rejected, its text erased{why}"
        )
        message = "A facilitator removed one of your contributions"
        message += f": {reason[0].lower()}{reason[1:]}" if reason else "."
        notify_participant(inquiry.pk, author, error_frame("rejected", message), after=inquiry.seq)


def erase_participant(actor):
    """A participant erases what they added to the inquiry (their right to erasure): their cards (and
    the dots and reactions on them), their own dots and reactions, and their display name. Every screen
    loses them at once, through one event; what the cards said is erased wherever it was kept, as for a
    rejected card. They stay in the inquiry as an anonymous person of their sector, free to carry on.
    A participant a facilitator removed may do this too. Returns how many of each went."""
    with changing(actor.inquiry_id) as inquiry:
        participant = Participant.objects.filter(pk=actor.participant_id, inquiry=inquiry).first()
        if actor.participant_id is None or participant is None:
            raise Refused("forbidden", "Only a participant can erase their own contributions.")
        cards = list(Card.objects.filter(author=participant).select_related("theme"))
        mine = {card.pk for card in cards}
        vote = render.current_vote(inquiry)
        dots = Dot.objects.filter(participant=participant)
        reactions = Reaction.objects.filter(participant=participant)
        themes = list({card.theme_id: card.theme for card in cards if card.theme_id}.values())
        # What others see counts on, whose counts go down (not what goes or is drawn again below).
        drawn_again = _drawn_again_on_erasure(participant, mine, themes)
        touched = render.supported_by(inquiry, participant, vote, drawn_again)
        counts = {"contributions": len(cards), "dots": dots.count(), "reactions": reactions.count()}
        erase_cards(inquiry, cards)
        dots.delete()
        reactions.delete()
        if participant.display_name:
            audit.forget_name(inquiry.pk, participant)
            participant.display_name = ""
            participant.save(update_fields=["display_name"])
        context = render.base_context(inquiry)
        fragments = render.cards_left(inquiry, sorted(cards, key=lambda card: card.pk), themes, context)
        # Before their table cards go (board/tables): the room cards that quote them, others' words kept.
        requoted = _unquote(inquiry, participant, context)
        fragments = _joined(fragments, requoted)
        if requoted or any(card.table_id for card in cards):
            fragments = _joined(fragments, tables_render.wall_changed(inquiry.pk))
        if touched:
            counted = render.votes_changed(inquiry, touched, vote)
            fragments = {kind: html + counted[kind] for kind, html in fragments.items()}
        if touched or themes:
            fragments = render.with_lens(fragments, inquiry)
        # The systems map and next steps: the links they drew, the actions they proposed, their sign-ups
        # and any contact they shared go too (board/systemmap, board/nextsteps).
        for more in (
            systemmap_actions.erase_links(inquiry, participant),
            nextsteps_actions.erase_participant_parts(inquiry, participant),
            tables_actions.erase_participant_parts(inquiry, participant),
        ):
            fragments = _joined(fragments, more)
        publish(inquiry, "participant", "erase", {"participant": participant.pk, **counts}, fragments)
        own = render.own_cards_left(cards).get(participant.pk, "")
        notify_participant(
            inquiry.pk, participant.pk, own + render.mine_html(inquiry, participant.pk), after=inquiry.seq
        )
        erased = ", ".join(f"{n} {kind[:-1] if n == 1 else kind}" for kind, n in counts.items())
        audit.record(inquiry.pk, actor, "participant.erase", f"{erased} erased at the participant's request")
        return counts


def _drawn_again_on_erasure(participant, mine, themes):
    """What a participant's erasure deletes or re-draws whole (their cards, ``mine``; the columns of
    ``themes``, where those were; the map, when they drew a link; the actions they proposed or signed up
    to), so its counts need no frame of their own."""
    columns = {theme.pk for theme in themes}
    map_drawn = MapLink.objects.filter(participant=participant).exists()
    steps = set(NextStep.objects.filter(author=participant).values_list("pk", flat=True))
    steps |= set(SignUp.objects.filter(participant=participant).values_list("step_id", flat=True))

    def drawn_again(target):
        if isinstance(target, Card):
            return target.pk in mine
        if isinstance(target, Theme):
            return target.pk in columns
        if isinstance(target, MapLink):
            return map_drawn
        return isinstance(target, NextStep) and target.pk in steps

    return drawn_again


def _joined(fragments, more):
    return {kind: html + more.get(kind, "") for kind, html in fragments.items()}


def _unquote(inquiry, participant, context):
    """The room cards of tables' themes that quote a participant who erases their contributions (a
    picked theme's card carries its first cards' words under the host's name): each is written again
    without theirs, from the words it still quotes (its theme's name alone when none is left), and what
    it said before is forgotten as an erased card's is (the stored changes that showed it, its quotes in
    the audit log). Every screen gets it as it is now. Inside ``changing``, before their table cards are
    deleted. Returns the fragments ({} when none quoted them)."""
    quoting = Carried.objects.filter(table_card__author=participant, whole=False)
    cards = Card.objects.filter(pk__in=quoting.values("card_id")).exclude(author=participant)
    fragments = {}
    for card in cards.select_related("author", "round", "theme", "table").order_by("pk"):
        quoted = [
            c.table_card
            for c in card.carried.filter(whole=False, table_card__isnull=False).select_related("table_card")
        ]
        name = theme_name(card.text, [c.text for c in quoted])
        before = render.visibility(card)
        _forget(inquiry, [card])
        card.text = theme_text(name, [c.text for c in quoted if c.author_id != participant.pk])
        card.save(update_fields=["text"])
        changed = render.card_changed(inquiry, card, before, context)
        if card.map_nodes.exists():
            changed = map_render.with_map(changed, inquiry)
        if inquiry.spotlight_card_id == card.pk:
            changed = _spotlight_follows(inquiry, card, changed)
        fragments = _joined(fragments, changed) if fragments else changed
    return fragments


def erase_cards(inquiry, cards):
    """Delete cards and erase what they said wherever Linewalk kept it: the stored fragments of events
    that showed them (``sessions.events.redact``) and the audit log (``inquiry.audit.forget_cards``).
    Dots and reactions on them go with them; a spotlight on one goes out. Inside ``changing``: the
    caller publishes what leaves the screens."""
    ids = [card.pk for card in cards]
    if inquiry.spotlight_card_id in ids:
        inquiry.spotlight_card = None
        inquiry.save(update_fields=["spotlight_card"])
        publish(inquiry, "spotlight", "clear", {}, render.room_changed(inquiry, "spotlight"))
    _forget(inquiry, cards)
    Card.objects.filter(pk__in=ids).delete()


def _forget(inquiry, cards):
    """Erase what ``cards`` said from the stored fragments of the events that showed them and from the
    audit log. Before the change that takes them off the screens is published (it names their ids)."""
    ids = [card.pk for card in cards]
    needles = [f'id="{kind}-{pk}"' for pk in ids for kind in ("card", "queued")]
    # Where a text shows without its card's id (the spotlight), it is the whole content of an element.
    needles += [f">{escape(card.text)}<" for card in cards]
    # No change before a card was made shows it (a minute's grace for the clocks of several processes).
    since = min(card.created for card in cards) - timedelta(minutes=1) if cards else None
    events.redact(inquiry.pk, needles, since=since)
    audit.forget_cards(inquiry.pk, ids)


# Suggested themes -------------------------------------------------------------------------------------------


def accept_suggestions(actor, themes, placements):
    """Apply the suggested themes a facilitator accepted (after renaming or dropping some): new themes with
    their cards, and cards placed into existing themes. Only cards still unsorted move: a card someone
    placed meanwhile stays where they put it. One change, broadcast like any other."""
    from .suggest import require_enabled

    require_enabled()
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        wanted = {pk for theme in themes for pk in theme["cards"]} | {p["card"] for p in placements}
        # A card deleted since the preview is passed over like one sorted meanwhile; one of another
        # inquiry was never suggested here: the whole acceptance is refused, as any message naming it.
        if Card.objects.filter(pk__in=wanted).exclude(inquiry=inquiry).exists():
            raise Refused("not_found", "A suggested card is not one of this inquiry's.")
        free = {
            card.pk: card for card in Card.objects.filter(inquiry=inquiry, pk__in=wanted, theme__isnull=True)
        }
        existing = {
            t.pk: t for t in Theme.objects.filter(inquiry=inquiry, pk__in={p["theme"] for p in placements})
        }
        if len(existing) != len({p["theme"] for p in placements}):
            raise Refused("not_found", "A theme to place cards into no longer exists.")
        _name_taken(inquiry, [p["name"] for p in themes if any(pk in free for pk in p["cards"])])
        position = _next_position(Theme.objects.filter(inquiry=inquiry))
        moved, created, before = [], [], undo.places(free.values())
        for offset, proposal in enumerate(themes):
            cards = [free.pop(pk) for pk in proposal["cards"] if pk in free]
            if not cards:
                continue
            theme = Theme.objects.create(
                inquiry=inquiry,
                name=proposal["name"],
                position=position + offset,
                colour=next_colour(inquiry),
            )
            created.append(theme.pk)
            for index, card in enumerate(cards):
                card.theme, card.position = theme, index
            moved += cards
        ends = {pk: _next_position(theme.cards.all()) for pk, theme in existing.items()}
        for placement in placements:
            card = free.pop(placement["card"], None)
            if card is not None:
                card.theme, card.position = existing[placement["theme"]], ends[placement["theme"]]
                ends[placement["theme"]] += 1
                moved.append(card)
        Card.objects.bulk_update(moved, ["theme", "position"])
        publish(
            inquiry,
            "suggest",
            "accept",
            {"cards": len(moved)},
            render.with_lens(render.board_replaced(inquiry), inquiry),
        )
        placed = sum(1 for card in moved if card.theme_id not in created)
        label = f"Accepted {undo.plural(len(created), 'suggested theme')}" if created else ""
        if placed:
            label += (" and placed " if label else "Placed ") + undo.plural(placed, "card") + " in themes"
        reply = None
        if moved:
            data = {"themes": created, "cards": undo.card_entries(moved, before)}
            reply = undo.record(inquiry, actor, "accept", label, data)
        return SimpleNamespace(value=len(moved), ws_reply=reply)


# Voting and reactions ---------------------------------------------------------------------------------------


def _vote_changed(inquiry, op, data, shown):
    publish(inquiry, "vote", op, data, vote_changed(inquiry, shown))


def open_vote(actor, round_id, target, budget, per_item, live):
    """Open dot voting on the cards (of one round, or all), the themes, the map or next steps; any open
    vote closes first. The room's round goes into the Vote phase with it (``changes.start_vote``): one
    change, so no screen shows a vote in Gather or Reveal."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        require_open_inquiry(inquiry, REOPEN_FIRST)
        voting_round = None if round_id is None else round_of(inquiry, round_id)
        room_round = inquiry.current_round
        shown = vote_shown(inquiry)
        vote, revealed = start_vote(
            inquiry,
            room_round,
            target=target,
            budget=budget,
            per_item=per_item,
            live=live,
            on_round=voting_round,
        )
        audit.record(
            inquiry.pk,
            actor,
            "vote.open",
            f"{target}, {budget} dots, at most {per_item} each, results {'live' if live else 'hidden'}"
            + (f"; round {room_round.position + 1} → vote" if room_round else ""),
        )
        data = {"vote": vote.pk, "round": getattr(room_round, "pk", None), "revealed": revealed}
        fragments = vote_changed(inquiry, shown)
        if room_round is not None and time_up_ends(inquiry):  # the round went into its Vote phase
            fragments = with_timer(fragments, inquiry)
        publish(inquiry, "vote", "open", data, fragments)
        return vote


def _current_open_vote(inquiry):
    return _require_open(render.current_vote(inquiry))


def _require_open(vote):
    if vote is None or not vote.is_open:
        raise Refused("vote_closed", "No vote is open right now.")
    return vote


def close_vote(actor):
    """Close the vote; the round it was opened in leaves the Vote phase with it, for Closed (its posting
    stopped when the vote opened; Gather opens it again)."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        vote = _current_open_vote(inquiry)
        shown = vote_shown(inquiry)
        end_votes(inquiry)
        audit.record(inquiry.pk, actor, "vote.close", f"vote {vote.pk}")
        _vote_changed(inquiry, "close", {"vote": vote.pk, "round": vote.opened_in_id}, shown)


def reopen_vote(actor):
    """Open the round's closed vote again, its dots as they were (time ran out on a room still voting):
    the round the room is in goes back into the Vote phase with it, as when a vote opens."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        require_open_inquiry(inquiry, REOPEN_FIRST)
        vote = render.current_vote(inquiry)
        room_round = inquiry.current_round
        if vote is None or vote.is_open or room_round is None or not vote.belongs_to(room_round.pk):
            raise Refused("invalid_state", "There is no closed vote in this round to reopen.")
        shown = vote_shown(inquiry)
        vote.is_open = True
        vote.save(update_fields=["is_open"])
        room_round.phase = Round.VOTE
        room_round.save(update_fields=["phase"])
        revealed = Card.objects.filter(round=room_round, silent=True).update(silent=False)
        audit.record(
            inquiry.pk, actor, "vote.reopen", f"vote {vote.pk}; round {room_round.position + 1} → vote"
        )
        data = {"vote": vote.pk, "round": room_round.pk, "revealed": revealed}
        fragments = vote_changed(inquiry, shown)
        if time_up_ends(inquiry):  # the room votes again: the time that ran out is no longer up
            fragments = with_timer(fragments, inquiry)
        publish(inquiry, "vote", "reopen", data, fragments)
        return vote


def show_on_screen(actor, show):
    """What the presenter view shows of the round's closed vote: its ranked results (``show`` "results")
    or the sector lens ("lens")."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        vote = render.current_vote(inquiry)
        if vote is None or not vote.belongs_to(inquiry.current_round_id):
            raise Refused("invalid_state", "There is no vote in this round to show.")
        vote.presenter_lens = show == "lens"
        vote.save(update_fields=["presenter_lens"])
        audit.record(inquiry.pk, actor, "vote.present", f"vote {vote.pk}: {show}")
        publish(inquiry, "vote", "present", {"vote": vote.pk, "show": show}, render.results_shown(inquiry))


def reveal_vote(actor):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        vote = render.current_vote(inquiry)
        if vote is None:
            raise Refused("invalid_state", "There is no vote to reveal.")
        shown = vote_shown(inquiry)
        vote.revealed = True
        vote.save(update_fields=["revealed"])
        audit.record(inquiry.pk, actor, "vote.reveal", f"vote {vote.pk}")
        publish(inquiry, "vote", "reveal", {"vote": vote.pk}, vote_changed(inquiry, shown))


def _vote_item(inquiry, vote, card_id, theme_id, more=None):
    """The card, theme, map link or next step a dot is for, if this vote is on it."""
    more = more or {}
    if vote.target == Vote.LEVERAGE:
        if card_id is not None or more.get("step") is not None:
            raise Refused("invalid_field", "In this vote a dot goes on a theme or a link of the map.")
        return systemmap_actions.vote_item(inquiry, vote, theme_id, more.get("link"))
    if vote.target == Vote.ACTIONS:
        if card_id is not None or theme_id is not None or more.get("link") is not None:
            raise Refused("invalid_field", "In this vote a dot goes on one of the actions.")
        return nextsteps_actions.vote_item(inquiry, vote, more.get("step"))
    if more.get("link") is not None or more.get("step") is not None:
        raise Refused("invalid_field", "A dot goes on one card or one theme.")
    if (card_id is None) == (theme_id is None):
        raise Refused("invalid_field", "A dot goes on one card or one theme.")
    if vote.target == Vote.CARDS:
        card = (
            Card.objects.filter(pk=card_id, inquiry=inquiry).select_related("round").first()
            if card_id
            else None
        )
        if card is None or not card.public or vote.round_id not in (None, card.round_id):
            raise Refused("not_found", "That is not one of the cards in this vote.")
        return {"card": card}
    theme = Theme.objects.filter(pk=theme_id, inquiry=inquiry).first() if theme_id else None
    if theme is None:
        raise Refused("not_found", "That is not one of the themes in this vote.")
    return {"theme": theme}


def _add_dot(participant, inquiry, vote, item):
    spent = Dot.objects.filter(vote=vote, participant=participant)
    if spent.count() >= vote.budget:
        raise Refused("over_budget", f"You have used all {vote.budget} of your dots. Remove one to move it.")
    if spent.filter(**item).count() >= vote.per_item:
        raise Refused(
            "item_limit",
            f"You can put at most {vote.per_item} dot{'s' if vote.per_item > 1 else ''} on one item.",
        )
    Dot.objects.create(vote=vote, participant=participant, **item)


def _remove_dot(participant, inquiry, vote, item):
    dot = Dot.objects.filter(vote=vote, participant=participant, **item).order_by("-pk").first()
    if dot is None:
        raise Refused("invalid_state", "You have no dot there to remove.")
    dot.delete()


OWN_CARD = "That is your own contribution: dots and “this resonates” are for other people's."


def _not_own(card, participant):
    """Nobody votes for or resonates with their own card (the phone shows no such controls on them)."""
    if card.author_id == participant.pk:
        raise Refused("own_card", OWN_CARD)


def _cast(actor, inquiry, key, card_id, theme_id, vote, more=None):
    """One dot or reaction: checked, then stored (``vote``: the current one). Returns (the card or theme,
    whether it was a dot)."""
    participant = require_participant(actor, inquiry)
    if key == ("reaction", "toggle"):
        require_room_open(inquiry, "reacting")  # the room holds still: no count moves while it is paused
        card = Card.objects.filter(pk=card_id, inquiry=inquiry).first()
        if card is None or not card.public:
            raise Refused("not_found", "There is no such card to react to.")
        _not_own(card, participant)
        deleted, _ = Reaction.objects.filter(card=card, participant=participant).delete()
        if not deleted:
            Reaction.objects.create(card=card, participant=participant)
        return card, False
    # A paused room holds still: its dots too (a dot moved while paused would change the counts it shows).
    require_room_open(inquiry, "voting")
    item = _vote_item(inquiry, _require_open(vote), card_id, theme_id, more)
    if "card" in item:
        _not_own(item["card"], participant)
    (_add_dot if key == ("dot", "add") else _remove_dot)(participant, inquiry, vote, item)
    return next(iter(item.values())), True


@_answered_one_by_one
def cast_votes(inquiry_id, votes):
    """Dots and reactions to one inquiry, ``votes`` = [(actor, (type, op), card id, theme id[, {"link": id,
    "step": id}])] (a dot on the map or on a next step carries the last), in one
    transaction and one event, as ``post_cards`` does for posts: a room voting at once then costs one
    set of counts, one sector lens and one frame per batch, not per dot. Each is checked on its own
    (budgets count the dots before it in the batch); a refusal turns down that one only. Returns, per
    vote in order, None (done) or the Refused."""
    results, changed, voters = [], {}, {}
    with changing(inquiry_id) as inquiry:
        vote = render.current_vote(inquiry)
        for actor, key, card_id, theme_id, *more in votes:
            try:
                with transaction.atomic():
                    target, dot = _cast(actor, inquiry, key, card_id, theme_id, vote, *more)
            except Refused as refused:
                results.append(refused)
                continue
            results.append(None)
            voters[actor.participant_id] = True
            seen = changed.get((type(target), target.pk))
            changed[type(target), target.pk] = (target, dot and (seen is None or seen[1]))
        if not changed:
            return results
        fragments = render.votes_changed(inquiry, list(changed.values()), vote)
        # Support for a theme changed: the sector lens with it (a card in no theme has no part in it).
        lens = any(
            isinstance(target, Theme) or (isinstance(target, Card) and target.theme_id is not None)
            for target, _ in changed.values()
        )
        if lens:
            fragments = render.with_lens(fragments, inquiry)
        publish(
            inquiry,
            "vote",
            "counts",
            {
                "cards": [pk for kind, pk in changed if kind is Card],
                "themes": [pk for kind, pk in changed if kind is Theme],
                "links": [pk for kind, pk in changed if kind is MapLink],
                "steps": [pk for kind, pk in changed if kind is NextStep],
            },
            fragments,
        )
        for participant_id, html in render.mine_frames(inquiry, list(voters), vote).items():
            notify_participant(inquiry.pk, participant_id, html, after=inquiry.seq)
    return results


def _one_vote(actor, key, card_id=None, theme_id=None, more=None):
    (result,) = cast_votes(actor.inquiry_id, [(actor, key, card_id, theme_id, more)])
    if result is not None:
        raise result


def add_dot(actor, card_id=None, theme_id=None, link_id=None, step_id=None):
    """Spend one of a participant's dots. The budget holds on the server: dots are counted inside the
    inquiry's lock, so two tabs of one participant racing cannot overspend."""
    _one_vote(actor, ("dot", "add"), card_id, theme_id, {"link": link_id, "step": step_id})


def remove_dot(actor, card_id=None, theme_id=None, link_id=None, step_id=None):
    _one_vote(actor, ("dot", "remove"), card_id, theme_id, {"link": link_id, "step": step_id})


def toggle_reaction(actor, card_id):
    """ "This resonates": once per participant per card; a second press takes it back."""
    _one_vote(actor, ("reaction", "toggle"), card_id)
