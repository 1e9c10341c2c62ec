"""Every change to tables: check (validate, authorise), do (one transaction), notify on commit.

Room-wide changes (opening and closing tables, a recipe's step, picks arriving on the room board) hold the
inquiry's lock and take its sequence number like any other change. A table's own changes (posts, votes,
the host's moves, themes and picks) lock that table's row only and take the table's sequence number: they
go to the table's screens and the facilitators, never to the room (board/tables/live.py)."""

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from board import render as board_render
from board import safeguarding
from board.changes import changing, publish, tell_author
from board.models import Card
from inquiry import audit, limits
from inquiry.access import (
    FACILITATOR,
    PARTICIPANT,
    REOPEN_FIRST,
    Refused,
    require_facilitator,
    require_open_inquiry,
    require_participant,
    round_of,
)
from inquiry.compiled import Compiled
from inquiry.models import Inquiry, Participant
from sessions import presence
from sessions.protocol import info_frame, tack_frame

from . import recipes, seating
from . import render as tables_render
from .live import publish_table, send_seating
from .models import (
    MAX_PICKS,
    Breakout,
    Carried,
    Seat,
    Table,
    TableCard,
    TableEmail,
    TableTheme,
    TableVote,
    Topic,
    TopicChoice,
    theme_text,
)

PICKS = uuid.UUID("6f1d7a52-5b0c-4d8e-9a57-3c1e2f0b9d41")


class Replied:
    """An action's result with a frame for the sender only (an acknowledgement)."""

    def __init__(self, value, ws_reply):
        self.value, self.ws_reply = value, ws_reply


def _open(inquiry):
    breakout = tables_render.open_breakout(inquiry.pk)
    if breakout is None:
        raise Refused("invalid_state", "No tables are open right now.")
    return breakout


def _people(inquiry, everyone=False):
    """(participant id, sector) of the people to seat: those in the room now (``presence.in_room``), or,
    with ``everyone``, every participant (a demo room, whose people have no phones)."""
    people = (
        Participant.objects.filter(inquiry=inquiry, removed=False)
        if everyone
        else presence.in_room(inquiry.pk)
    )
    return list(people.order_by("pk").values_list("pk", "sector"))


def _make_tables(breakout, groups, start=1, topics=None):
    """Tables numbered from ``start`` for ``groups`` (lists of (participant id, sector)); the first seated
    hosts each table."""
    made = []
    for offset, group in enumerate(groups):
        table = Table.objects.create(
            breakout=breakout,
            number=start + offset,
            topic=(topics[offset] if topics else "")[:120],
            host_id=group[0][0] if group else None,
        )
        Seat.objects.bulk_create(
            [Seat(breakout=breakout, table=table, participant_id=pid) for pid, _ in group]
        )
        made.append(table)
    return made


def _tables_of(breakout):
    return list(
        Table.objects.filter(breakout=breakout).select_related("breakout__inquiry", "breakout__round")
    )


def _publish_all(breakout, op):
    for table in _tables_of(breakout):
        publish_table(table, op)


def _room(inquiry, breakout, op, data, extra=None):
    publish(inquiry, "tables", op, data, tables_render.room_changed(breakout, extra))


def open_tables(actor, round_id, mode, size=None, count=None, recipe="", prompt="", everyone=False):
    """Split the room into tables for a round (any open tables close first), seating the people in the
    room now (``everyone``: every participant, connected or not); who comes later is seated as they
    arrive (``seat_latecomer``)."""
    if recipe == "openspace":
        mode = Breakout.TOPIC
    if mode == Breakout.TOPIC and recipe != "openspace":
        raise Refused("invalid_field", "Tables by topic follow the Open Space recipe (its marketplace).")
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        require_open_inquiry(inquiry, REOPEN_FIRST)
        chosen = None if round_id is None else round_of(inquiry, round_id)
        Breakout.objects.filter(inquiry=inquiry, closed=False).update(closed=True)
        breakout = Breakout.objects.create(
            inquiry=inquiry,
            round=chosen or inquiry.current_round,
            mode=mode,
            size=size or 6,
            count=count or None,
            recipe=recipe,
            prompt=prompt,
        )
        first = recipes.current(breakout)
        if first is not None and first.seconds:
            breakout.step_ends_at = timezone.now() + timedelta(seconds=first.seconds)
            breakout.save(update_fields=["step_ends_at"])
        people = _people(inquiry, everyone)
        if mode != Breakout.TOPIC:
            groups = seating.MODES[mode](people, size=None if count else (size or 6), count=count)
            _make_tables(breakout, [g for g in groups if g])
        audit.record(
            inquiry.pk, actor, "tables.open", f"{mode}, {len(people)} people, recipe {recipe or 'none'}"
        )
        _publish_all(breakout, "open")
        _room(inquiry, breakout, "open", {"breakout": breakout.pk})
        send_seating(breakout, everyone=True)
        return breakout


def close_tables(actor):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        return _close(actor, inquiry, _open(inquiry))


def close_with_inquiry(actor, inquiry):
    """The inquiry is closing: its open tables close with it, exactly as the facilitator's Close tables
    closes them (the room's ``tables.close`` event, every phone's seating, the audit log), so no screen
    or export goes on showing them open. Inside the caller's change. The breakout closed, or None."""
    breakout = tables_render.open_breakout(inquiry.pk)
    return None if breakout is None else _close(actor, inquiry, breakout)


def _close(actor, inquiry, breakout):
    breakout.closed = True
    breakout.step_ends_at = None
    breakout.save(update_fields=["closed", "step_ends_at"])
    audit.record(inquiry.pk, actor, "tables.close", str(breakout))
    _room(inquiry, breakout, "close", {"breakout": breakout.pk})
    send_seating(breakout, everyone=True)
    return breakout


def redraw_open_tables(inquiry):
    """The inquiry's names shown or not, sectors or smallest group changed: every open table's board
    (its people, its cards' meta lines, its lens) is drawn again for its screens. Inside the caller's
    change."""
    breakout = tables_render.open_breakout(inquiry.pk)
    if breakout is not None:
        _publish_all(breakout, "settings")


def seat_latecomer(inquiry_id, participant_id):
    """Seat someone who joined while tables are open, or whose phone connects then without a seat (they
    were away when the tables opened); nothing while Open Space's marketplace runs: they choose a topic
    like everyone else. Returns their table or None."""
    if not Breakout.objects.filter(inquiry_id=inquiry_id, closed=False).exists():
        return None  # the usual case, without taking the inquiry's lock: a room joining at once
    with changing(inquiry_id) as inquiry:
        breakout = tables_render.open_breakout(inquiry.pk)
        if breakout is None or breakout.mode == Breakout.TOPIC and not breakout.tables.exists():
            return None
        participant = Participant.objects.get(pk=participant_id, inquiry=inquiry)
        if Seat.objects.filter(breakout=breakout, participant=participant).exists():
            return None
        return _seat_late(inquiry, breakout, participant)


def _seat_late(inquiry, breakout, participant):
    tables = _tables_of(breakout)
    sectors = {t.pk: [] for t in tables}
    for table_id, sector in Seat.objects.filter(breakout=breakout).values_list(
        "table_id", "participant__sector"
    ):
        sectors[table_id].append(sector)
    mode = "random" if breakout.mode == Breakout.TOPIC else breakout.mode
    chosen = seating.late_seat(
        participant.sector, [(t.pk, sectors[t.pk]) for t in tables], mode, breakout.size
    )
    if chosen is None:
        top = tables[-1].number if tables else 0
        table = _make_tables(breakout, [[(participant.pk, participant.sector)]], start=top + 1)[0]
        table = _tables_of(breakout)[-1]
    else:
        table = next(t for t in tables if t.pk == chosen)
        Seat.objects.create(breakout=breakout, table=table, participant=participant)
        if table.host_id is None:
            table.host = participant
            table.save(update_fields=["host"])
    publish_table(table, "seat")
    send_seating(breakout, seats={participant.pk: table.pk}, new_table=chosen is None)
    return table


def _seated_at(breakout, participant_id):
    return (
        Seat.objects.filter(breakout=breakout, participant_id=participant_id).select_related("table").first()
    )


def move_person(actor, participant_id, table_id):
    """A facilitator moves someone to another table (seating them if they had none)."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        breakout = _open(inquiry)
        participant = Participant.objects.filter(pk=participant_id, inquiry=inquiry, removed=False).first()
        target = (
            Table.objects.filter(pk=table_id, breakout=breakout).select_related("breakout__inquiry").first()
        )
        if participant is None or target is None:
            raise Refused("not_found", "There is no such person or table in the open tables.")
        seat = _seated_at(breakout, participant.pk)
        source = seat.table if seat else None
        if source is not None and source.pk == target.pk:
            return target
        if seat is None:
            Seat.objects.create(breakout=breakout, table=target, participant=participant)
        else:
            seat.table = target
            seat.save(update_fields=["table"])
        if source is not None and source.host_id == participant.pk:
            source.host_id = (
                Seat.objects.filter(table=source)
                .order_by("pk")
                .values_list("participant_id", flat=True)
                .first()
            )
            source.save(update_fields=["host"])
        if target.host_id is None:
            target.host = participant
            target.save(update_fields=["host"])
        audit.record(inquiry.pk, actor, "tables.seat", f"{participant} → {target}")
        for table in [t for t in (source, target) if t is not None]:
            publish_table(
                Table.objects.select_related("breakout__inquiry", "breakout__round").get(pk=table.pk), "seat"
            )
        send_seating(breakout, seats={participant.pk: target.pk})
        return target


def set_host(actor, table_id, participant_id):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        breakout = _open(inquiry)
        table = _table(breakout, table_id)
        if not Seat.objects.filter(table=table, participant_id=participant_id).exists():
            raise Refused("not_found", "That person does not sit at this table.")
        table.host_id = participant_id
        table.save(update_fields=["host"])
        publish_table(table, "host")
        return table


def _table(breakout, table_id):
    table = (
        Table.objects.filter(pk=table_id, breakout=breakout)
        .select_related("breakout__inquiry", "breakout__round")
        .first()
    )
    if table is None:
        raise Refused("not_found", "There is no such table.")
    return table


# At a table ----------------------------------------------------------------------------------------------


class At:
    """Who acts at which table: the table (row-locked), the participant (None: a facilitator) and
    whether they may use the host's tools there."""

    def __init__(self, table, participant, host):
        self.table, self.participant, self.host = table, participant, host


def _at_table(actor, table_id=None, host=False):
    """The table an action happens at, for this actor: a participant's own seat (naming another table is
    refused), any table of the open tables for a facilitator. Locks the table's row and reads its
    sequence number under the lock. ``host``: the host's tools (the table's host, or a facilitator)."""
    participant = None
    if actor.role == PARTICIPANT:
        seat = _own_seat(actor)
        if seat is None:
            if require_participant(actor, _inquiry(actor)) is not None:
                raise Refused("forbidden", "You are not seated at a table.")
        participant = seat.participant
        if participant.removed:
            raise Refused("removed", "A facilitator has removed you from this inquiry.")
        if table_id is not None and table_id != seat.table_id:
            raise Refused("forbidden", "You can only act at your own table.")
        table = seat.table
        inquiry = table.breakout.inquiry
        require_open_inquiry(inquiry)
    elif actor.role == FACILITATOR:
        inquiry = _inquiry(actor)
        require_facilitator(actor, inquiry)
        if table_id is None:
            raise Refused("invalid_field", "Say which table.")
        table = _table(_open(inquiry), table_id)
        table.seq = Table.objects.select_for_update().filter(pk=table.pk).values_list("seq", flat=True).get()
    else:
        raise Refused("forbidden", "The presenter view cannot act at a table.")
    table.seq_locked = True
    is_host = participant is None or table.host_id == participant.pk
    if host and not is_host:
        raise Refused("forbidden", "Only this table's host can do that.")
    return At(table, participant, is_host), inquiry


def _own_seat(actor):
    """A participant's seat at the open tables, with its table (its row locked: the sequence number read
    with it is the one this change follows), the breakout, the inquiry and the participant, in one read:
    a post is the hot path. One at most: a participant has one seat a breakout, an inquiry one open
    breakout (so no ordering, which cost as much as the rest of the query to build)."""
    seats = (
        Seat.objects.select_related("participant", "table__breakout__inquiry")
        .select_for_update(of=("table",))
        .filter(
            participant_id=actor.participant_id,
            breakout__inquiry_id=actor.inquiry_id,
            breakout__closed=False,
        )
        .order_by()[:1]
    )
    return next(iter(seats), None)


def _inquiry(actor):
    inquiry = Inquiry.objects.filter(pk=actor.inquiry_id).first()
    if inquiry is None:
        raise Refused("not_found", "This inquiry no longer exists.")
    return inquiry


def _touched(table, op):
    publish_table(table, op, active=True)


# The seat a participant posts from, with its table (row-locked: the sequence number read with it is the
# one the post follows), the breakout, the inquiry and the participant: one read, compiled to SQL once
# (inquiry/compiled.py; building it cost ~1 ms of CPU, running it ~0.05 ms). One row at most: a
# participant has one seat a breakout, an inquiry one open breakout (so no ordering).
_POSTING_SEAT = Compiled(
    lambda participant, inquiry: (
        Seat.objects.select_related("participant", "table__breakout__inquiry")
        .select_for_update(of=("table",))
        .filter(participant_id=participant, breakout__inquiry_id=inquiry, breakout__closed=False)
        .order_by()[:1]
    )
)


# The table's themes, for a new card's "Move to" list.
_TABLE_THEMES = Compiled(lambda table: TableTheme.objects.filter(table_id=table))


def _posting_at(actor):
    """(where a participant posts, their inquiry), from one compiled read. Anything unusual (not seated,
    removed) takes ``_at_table``'s way, which says why."""
    seat = _POSTING_SEAT.first(participant=actor.participant_id, inquiry=actor.inquiry_id)
    if seat is None or seat.participant.removed or seat.table.breakout.inquiry.closed_at is not None:
        return _at_table(actor)
    table, participant = seat.table, seat.participant
    table.seq_locked = True
    return At(table, participant, table.host_id == participant.pk), table.breakout.inquiry


def post(actor, client_id, text):
    """A participant posts to their table's board. A resend with the same client id stores nothing and
    is acknowledged again (its first copy's card)."""
    with transaction.atomic():
        try:
            at, inquiry = _posting_at(actor)
        except Refused:
            # Moved, or the tables closed, since they sent it the first time: it is still theirs.
            resent = _resent(actor, client_id)
            if resent is None:
                raise
            return resent
        try:
            with transaction.atomic():
                # The table's sequence number, read under its lock, orders its cards as they came.
                card = TableCard.objects.create(
                    table=at.table,
                    author=at.participant,
                    client_id=client_id,
                    text=text,
                    position=at.table.seq,
                )
        except IntegrityError:
            return _resent(actor, client_id)
        # Checked once the post is known to be new (a resend costs nothing and is always acknowledged);
        # a refusal rolls the card back with the rest of the transaction.
        if inquiry.paused:
            raise Refused("paused", "The facilitator has paused the room.")
        if inquiry.safeguarding and safeguarding.reasons(text):
            raise Refused(
                "held", "That looks like it may hold personal details: say it without them, please."
            )
        limits.take_post(at.participant.pk)
        themes = _TABLE_THEMES.all(table=at.table.pk)
        publish_table(at.table, "post", active=True, html=tables_render.card_frame(at.table, card, themes))
        return Replied(card, tack_frame(client_id, card.pk))


def _resent(actor, client_id):
    card = TableCard.objects.filter(author_id=actor.participant_id, client_id=client_id).first()
    return None if card is None else Replied(card, tack_frame(client_id, card.pk))


def _card_at(at, card_id):
    card = TableCard.objects.filter(pk=card_id, table=at.table).first()
    if card is None:
        raise Refused("not_found", "There is no such card at this table.")
    return card


def _theme_at(at, theme_id):
    theme = TableTheme.objects.filter(pk=theme_id, table=at.table).first()
    if theme is None:
        raise Refused("not_found", "There is no such theme at this table.")
    return theme


def _table_of_card(actor, card_id):
    """A facilitator names a card; its table is the one acted at."""
    if actor.role != FACILITATOR:
        return None
    return TableCard.objects.filter(pk=card_id).values_list("table_id", flat=True).first() or 0


def _table_of_theme(actor, theme_id):
    if actor.role != FACILITATOR:
        return None
    return TableTheme.objects.filter(pk=theme_id).values_list("table_id", flat=True).first() or 0


def move_card(actor, card_id, theme_id):
    with transaction.atomic():
        at, _inquiry = _at_table(actor, _table_of_card(actor, card_id), host=True)
        card = _card_at(at, card_id)
        card.theme = _theme_at(at, theme_id) if theme_id else None
        top = TableCard.objects.filter(table=at.table, theme=card.theme).aggregate(top=Max("position"))["top"]
        card.position = 0 if top is None else top + 1
        card.save(update_fields=["theme", "position"])
        _touched(at.table, "move")
        return card


def add_theme(actor, table_id, name):
    with transaction.atomic():
        at, _inquiry = _at_table(actor, table_id, host=True)
        top = TableTheme.objects.filter(table=at.table).aggregate(top=Max("position"))["top"]
        theme = TableTheme.objects.create(table=at.table, name=name, position=0 if top is None else top + 1)
        _touched(at.table, "theme")
        return theme


def merge_theme(actor, theme_id, into_id):
    with transaction.atomic():
        at, _inquiry = _at_table(actor, _table_of_theme(actor, theme_id), host=True)
        theme, into = _theme_at(at, theme_id), _theme_at(at, into_id)
        if theme.pk == into.pk:
            raise Refused("invalid_field", "Choose another theme to merge into.")
        TableCard.objects.filter(theme=theme).update(theme=into)
        into.picked = into.picked or theme.picked
        into.save(update_fields=["picked"])
        theme.delete()
        _touched(at.table, "merge")
        return into


def vote(actor, card_id):
    """A quick table vote: a participant's "bring this back" on a card of their table (a second press
    takes it back)."""
    with transaction.atomic():
        at, _inquiry = _at_table(actor)
        card = _card_at(at, card_id)
        deleted, _ = TableVote.objects.filter(table_card=card, participant=at.participant).delete()
        if not deleted:
            TableVote.objects.create(table_card=card, participant=at.participant)
        _touched(at.table, "vote")
        return card


def _pick_count(table):
    return (
        TableCard.objects.filter(table=table, picked=True).count()
        + TableTheme.objects.filter(table=table, picked=True).count()
    )


def _choosing(breakout):
    """Refuse picking at a recipe's step that is not for it (the picks wait for the step that is)."""
    if recipes.picking(breakout):
        return
    later = recipes.picks_step(breakout)
    raise Refused(
        "invalid_state",
        f"Not yet: tables choose what they bring back at the step “{later.title}”."
        if later
        else "This recipe has no step left for choosing what to bring back.",
    )


def pick(actor, card_id=None, theme_id=None):
    """The host picks (or unpicks) one of the table's cards or themes to bring back: three at most."""
    if (card_id is None) == (theme_id is None):
        raise Refused("invalid_field", "Pick one card or one theme.")
    table_id = _table_of_card(actor, card_id) if card_id else _table_of_theme(actor, theme_id)
    with transaction.atomic():
        at, _inquiry = _at_table(actor, table_id, host=True)
        if at.table.sent:
            raise Refused("invalid_state", "This table has sent its picks already.")
        _choosing(at.table.breakout)
        item = _card_at(at, card_id) if card_id else _theme_at(at, theme_id)
        if not item.picked and _pick_count(at.table) >= MAX_PICKS:
            raise Refused("too_many_picks", f"A table brings back {MAX_PICKS} at most: unpick one first.")
        item.picked = not item.picked
        item.save(update_fields=["picked"])
        _touched(at.table, "pick")
        return item


def send_picks(actor, table_id, noticed, by_vote=False):
    """The table's picks arrive on the room board as cards labelled with the table (by the host's
    choice, or the table's top three by vote), with its one line of what it noticed."""
    with changing(actor.inquiry_id) as inquiry:
        at, _inquiry = _at_table(actor, table_id, host=True)
        table = at.table
        if table.sent:
            raise Refused("invalid_state", "This table has sent its picks already.")
        _choosing(table.breakout)
        # The line shows with the picks wherever they show: checked as a table's post is.
        if inquiry.safeguarding and safeguarding.reasons(noticed):
            raise Refused(
                "held",
                "What you noticed looks like it may hold personal details: say it without them, please.",
            )
        if by_vote:
            top = list(
                TableCard.objects.filter(table=table)
                .annotate(n=Count("votes"))
                .filter(n__gt=0)
                .order_by("-n", "position", "pk")[:MAX_PICKS]
            )
            if not top:
                raise Refused("invalid_state", "Nobody at this table has voted yet.")
            TableCard.objects.filter(table=table).update(picked=False)
            TableTheme.objects.filter(table=table).update(picked=False)
            TableCard.objects.filter(pk__in=[c.pk for c in top]).update(picked=True)
        cards = list(
            TableCard.objects.filter(table=table, picked=True)
            .select_related("author")
            .order_by("position", "pk")
        )
        themes = list(TableTheme.objects.filter(table=table, picked=True).order_by("position", "pk"))
        if not cards and not themes:
            raise Refused("invalid_state", "Pick at least one card or theme to bring back.")
        host = at.participant or table.host or Participant.objects.filter(seats__table=table).first()
        if host is None:
            raise Refused("invalid_state", "Nobody sits at this table.")
        current = table.breakout.round or inquiry.current_round
        made, carried = [], []
        for kind, item, quoted, author in [("card", c, [c], c.author) for c in cards] + [
            ("theme", t, _quoted(t), host) for t in themes
        ]:
            card = Card(
                inquiry=inquiry,
                round=current,
                author=author,
                text=(item.text if kind == "card" else theme_text(item.name, [q.text for q in quoted]))[:280],
                table=table,
                client_id=uuid.uuid5(PICKS, f"{table.pk}-{kind}-{item.pk}"),
                position=inquiry.seq + 1,
            )
            # Put before the room as a post is: held for review under pre-moderation or safeguarding.
            card.screen(inquiry)
            card.save()
            made.append(card)
            # What it carries (a theme's name, whose words): what a hide, reject or erasure must reach.
            if kind == "theme":
                carried.append(Carried(card=card, table_theme=item))
            for position, source in enumerate(quoted):
                carried.append(Carried(card=card, table_card=source, whole=kind == "card", position=position))
        Carried.objects.bulk_create(carried)
        table.sent, table.noticed = True, noticed
        table.last_activity = timezone.now()
        table.save(update_fields=["sent", "noticed", "last_activity"])
        publish_table(table, "send")
        audit.record(inquiry.pk, actor, "tables.picks", f"{table}: {len(made)} picks")
        context = board_render.base_context(inquiry)
        for card in made:
            card.table = table
        _room(
            inquiry,
            table.breakout,
            "picks",
            {"table": table.pk, "cards": [c.pk for c in made]},
            board_render.cards_appended(inquiry, made, context),
        )
        for card in made:  # each author sees theirs waiting, as a post's author does
            tell_author(inquiry, card, context, last=True)
        return made


def _quoted(theme):
    """The cards a picked theme's room card quotes: its first three."""
    return list(theme.cards.order_by("position", "pk")[:3])


def show_on_wall(actor, number):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        breakout = tables_render.latest_breakout(inquiry.pk)
        if breakout is None:
            raise Refused("invalid_state", "No tables yet.")
        # 0 is every table; any other number must be a table's (the column is a small integer, and a
        # number no table has would show an empty wall).
        if number and not Table.objects.filter(breakout=breakout, number=number).exists():
            raise Refused("not_found", f"There is no table {number}.")
        breakout.wall = number
        breakout.save(update_fields=["wall"])
        _room(inquiry, breakout, "wall", {"table": number})


# Recipes ----------------------------------------------------------------------------------------------------


def _go_to(inquiry, breakout, index, op):
    leaving = recipes.current(breakout)
    all_steps = recipes.steps(breakout.recipe)
    if index >= len(all_steps):
        raise Refused("invalid_state", "This is the recipe's last step.")
    breakout.step = index
    step = all_steps[index]
    breakout.step_ends_at = timezone.now() + timedelta(seconds=step.seconds) if step.seconds else None
    breakout.paused_left = None
    breakout.save(update_fields=["step", "step_ends_at", "paused_left"])
    seated = False
    if leaving is not None and leaving.marketplace and not breakout.tables.exists():
        _seat_by_topic(breakout)
        seated = True
    _publish_all(breakout, "step")
    _room(inquiry, breakout, op, {"step": step.key})
    if seated:
        send_seating(breakout, everyone=True)
    return breakout


def _seat_by_topic(breakout):
    choices = {}
    titles = {}
    for topic in Topic.objects.filter(breakout=breakout).order_by("pk"):
        choices[topic.pk], titles[topic.pk] = [], topic.title
    chosen = set()
    for topic_id, pid, sector in TopicChoice.objects.filter(breakout=breakout).values_list(
        "topic_id", "participant_id", "participant__sector"
    ):
        choices[topic_id].append((pid, sector))
        chosen.add(pid)
    tables = seating.topic_tables(choices, size=breakout.size or seating.MAX_SIZE)
    _make_tables(breakout, [people for _t, people in tables], topics=[titles[t] for t, _p in tables])
    for pid, sector in _people(breakout.inquiry):
        if pid not in chosen:
            if not breakout.tables.exists():
                _make_tables(breakout, [[(pid, sector)]], topics=["Open table"])
                continue
            _seat_late_quietly(breakout, pid, sector)


def _seat_late_quietly(breakout, pid, sector):
    tables = _tables_of(breakout)
    sizes = {t.pk: 0 for t in tables}
    for table_id in Seat.objects.filter(breakout=breakout).values_list("table_id", flat=True):
        sizes[table_id] += 1
    table = min(tables, key=lambda t: (sizes[t.pk], t.number))
    Seat.objects.create(breakout=breakout, table=table, participant_id=pid)


def step_control(actor, op, seconds=None):
    """The facilitator pauses, resumes, extends or skips the recipe's current step."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        breakout = _open(inquiry)
        if recipes.current(breakout) is None:
            raise Refused("invalid_state", "These tables follow no recipe.")
        now = timezone.now()
        if op == "skip":
            _go_to(inquiry, breakout, breakout.step + 1, "step")
        elif op == "pause":
            if breakout.step_ends_at is None:
                raise Refused("invalid_state", "This step has no timer running.")
            breakout.paused_left = max(1, int((breakout.step_ends_at - now).total_seconds()))
            breakout.step_ends_at = None
            breakout.save(update_fields=["paused_left", "step_ends_at"])
            _room(inquiry, breakout, "step", {"paused": True})
        elif op == "resume":
            if not breakout.paused_left:
                raise Refused("invalid_state", "This step is not paused.")
            breakout.step_ends_at = now + timedelta(seconds=breakout.paused_left)
            breakout.paused_left = None
            breakout.save(update_fields=["paused_left", "step_ends_at"])
            _room(inquiry, breakout, "step", {"paused": False})
        else:  # extend
            if breakout.step_ends_at is None and not breakout.paused_left:
                raise Refused("invalid_state", "This step has no timer to extend.")
            if breakout.step_ends_at is not None:
                breakout.step_ends_at = max(now, breakout.step_ends_at) + timedelta(seconds=seconds or 60)
            else:
                breakout.paused_left += seconds or 60
            breakout.save(update_fields=["step_ends_at", "paused_left"])
            _room(inquiry, breakout, "step", {"extended": seconds or 60})
        audit.record(inquiry.pk, actor, f"recipe.{op}", f"step {breakout.step + 1}")
        return breakout


def advance_if_due(breakout_id, step):
    """A step's time is up: the recipe moves on by itself (nothing if it was changed meanwhile)."""
    breakout = Breakout.objects.filter(pk=breakout_id).first()
    if breakout is None:
        return None
    with changing(breakout.inquiry_id) as inquiry:
        breakout = Breakout.objects.get(pk=breakout_id)
        if breakout.closed or breakout.step != step or breakout.step_ends_at is None:
            return None
        if breakout.step_ends_at > timezone.now():
            return breakout
        return _go_to(inquiry, breakout, step + 1, "step")


# Open Space's marketplace -----------------------------------------------------------------------------------


def _marketplace(actor):
    inquiry = Inquiry.objects.get(pk=actor.inquiry_id)
    participant = require_participant(actor, inquiry)
    breakout = _open(inquiry)
    step = recipes.current(breakout)
    if step is None or not step.marketplace:
        raise Refused("invalid_state", "The topic marketplace is not open.")
    return participant, breakout


def add_topic(actor, title):
    with changing(actor.inquiry_id) as inquiry:
        participant, breakout = _marketplace(actor)
        if Topic.objects.filter(breakout=breakout, author=participant).count() >= 3:
            raise Refused("too_many", "You have proposed three topics already.")
        topic = Topic.objects.create(breakout=breakout, author=participant, title=title)
        TopicChoice.objects.update_or_create(
            breakout=breakout, participant=participant, defaults={"topic": topic}
        )
        _room(inquiry, breakout, "topics", {"topic": topic.pk})
        return topic


def choose_topic(actor, topic_id):
    with changing(actor.inquiry_id) as inquiry:
        participant, breakout = _marketplace(actor)
        topic = Topic.objects.filter(pk=topic_id, breakout=breakout).first()
        if topic is None:
            raise Refused("not_found", "There is no such topic.")
        TopicChoice.objects.update_or_create(
            breakout=breakout, participant=participant, defaults={"topic": topic}
        )
        _room(inquiry, breakout, "topics", {"topic": topic.pk})
        return topic


# A participant's own email for the Zoom table list ---------------------------------------------------------


def set_email(actor, email):
    """A participant gives (or, with an empty one, withdraws) the email the host may use to put them in
    their table's Zoom breakout room. Only the facilitators' table list ever shows it."""
    with transaction.atomic():
        participant = require_participant(actor, _inquiry(actor), after_close=not email)
        if not email:
            TableEmail.objects.filter(participant=participant).delete()
            return Replied(None, info_frame("Your email is withdrawn: the table list no longer shows it."))
        try:
            validate_email(email)
        except ValidationError:
            raise Refused("invalid_field", "That does not look like an email address.") from None
        TableEmail.objects.update_or_create(participant=participant, defaults={"email": email})
        return Replied(None, info_frame("Thank you: the host can now put you in your table's breakout room."))


def erase_participant_parts(inquiry, participant):
    """A participant erases what they added: their cards at tables (with the votes on them), their votes,
    the topics they proposed and the email they gave. Table frames are never stored, so the tables they
    were at are sent afresh and nothing else keeps what they wrote. Inside the caller's change."""
    tables = set(TableCard.objects.filter(author=participant).values_list("table_id", flat=True))
    tables |= set(
        TableVote.objects.filter(participant=participant).values_list("table_card__table_id", flat=True)
    )
    TableCard.objects.filter(author=participant).delete()
    TableVote.objects.filter(participant=participant).delete()
    Topic.objects.filter(author=participant).delete()
    TableEmail.objects.filter(participant=participant).delete()
    for table in Table.objects.filter(pk__in=tables).select_related("breakout__inquiry", "breakout__round"):
        publish_table(table, "erase")
    return {}


HANDLERS = {
    ("table", "email"): lambda actor, m: set_email(actor, m["email"] or ""),
    ("tables", "open"): lambda actor, m: open_tables(
        actor, m["round"], m["mode"], m["size"], m["count"], m["recipe"] or "", m["prompt"] or ""
    ),
    ("tables", "close"): lambda actor, m: close_tables(actor),
    ("tables", "seat"): lambda actor, m: move_person(actor, m["participant"], m["table"]),
    ("tables", "host"): lambda actor, m: set_host(actor, m["table"], m["participant"]),
    ("tables", "wall"): lambda actor, m: show_on_wall(actor, m["table"]),
    ("recipe", "pause"): lambda actor, m: step_control(actor, "pause"),
    ("recipe", "resume"): lambda actor, m: step_control(actor, "resume"),
    ("recipe", "extend"): lambda actor, m: step_control(actor, "extend", m["seconds"]),
    ("recipe", "skip"): lambda actor, m: step_control(actor, "skip"),
    ("table", "post"): lambda actor, m: post(actor, m["client_id"], m["text"]),
    ("table", "move"): lambda actor, m: move_card(actor, m["card"], m["theme"]),
    ("table", "theme"): lambda actor, m: add_theme(actor, m["table"], m["name"]),
    ("table", "merge"): lambda actor, m: merge_theme(actor, m["theme"], m["into"]),
    ("table", "vote"): lambda actor, m: vote(actor, m["card"]),
    ("table", "pick"): lambda actor, m: pick(actor, m["card"], m["theme"]),
    ("table", "send"): lambda actor, m: send_picks(actor, m["table"], m["noticed"] or "", bool(m["by_vote"])),
    ("topic", "add"): lambda actor, m: add_topic(actor, m["title"]),
    ("topic", "choose"): lambda actor, m: choose_topic(actor, m["topic"]),
}
