"""The live session: one websocket per screen of an inquiry.

The consumer authenticates at connect, joins the inquiry's group, sends what the screen missed (or a
snapshot), turns each inbound message into one action call, and relays events in sequence order. It holds
no business logic: that lives in the actions."""

import asyncio
import logging
import time
import uuid
from types import SimpleNamespace

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import DEFAULT_CHANNEL_LAYER, get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import close_old_connections
from django.db.models import Exists, OuterRef, Q

from board import actions as board_actions
from board import render, suggest
from board.arrange import HANDLERS as ARRANGE_HANDLERS
from board.models import Card, Dot, Reaction
from board.nextsteps.actions import HANDLERS as NEXT_STEP_HANDLERS
from board.nextsteps.render import has_own_part
from board.systemmap.actions import HANDLERS as MAP_HANDLERS
from board.tables.actions import HANDLERS as TABLE_HANDLERS
from board.undo.actions import HANDLERS as UNDO_HANDLERS
from inquiry import actions as inquiry_actions
from inquiry import audit, limits
from inquiry.access import FACILITATOR, Refused, by_code, require_facilitator, socket_identity
from inquiry.models import Inquiry, Participant

from . import presence, protocol, timers
from .events import missed_since
from .hub import hub
from .outages import DATABASE_DOWN, OutageLog, describe
from .revocation import revocations
from .tablefeed import TableFeed


def own_unshared_cards(participant_id):
    """A participant's cards that only they (and facilitators) see: silent before the reveal, or queued."""
    mine = Card.objects.filter(author_id=participant_id).exclude(status=Card.HIDDEN)
    return mine.filter(Q(silent=True) | Q(status__in=(Card.PENDING, Card.HELD)))


log = logging.getLogger(__name__)
# While the database is away every refused message logged its traceback: a hang of 20 s, 240 of them on
# one process, burying whatever else the log said.
database_log = OutageLog(
    logging.getLogger("sessions.database"),
    "database",
    "messages are refused (screens say so, and posts are sent again by the page)",
)


# Close codes: the htmx ws extension reconnects only on 1006/1011/1012/1013, so refusals use 44xx.
# Autobahn (under Daphne) lets an application close only with 1000 or 3000-4999, so "try again later"
# is 4013, which the page reconnects on itself, with a backoff (static/linewalk/linewalk.js).
CLOSE_NOT_ALLOWED = 4403
CLOSE_TRY_AGAIN = 4013
# A screen that kept sending far past its message limit (a script, not the page): closed, not reconnected.
CLOSE_FLOODING = 4429
# How many messages in a row a screen over its limit may send, unanswered, before it is closed: ten
# minutes' worth of a participant's limit (the page never sends more than a few after a refusal).
FLOOD_MESSAGES = 1200

HANDLERS = {
    ("card", "add"): lambda actor, m: board_actions.post_card(actor, m["client_id"], m["text"]),
    ("card", "edit"): lambda actor, m: board_actions.edit_card(actor, m["card"], m["text"]),
    ("card", "delete"): lambda actor, m: board_actions.delete_card(actor, m["card"]),
    ("card", "move"): lambda actor, m: board_actions.move_card(actor, m["card"], m["theme"], m["position"]),
    ("card", "hide"): lambda actor, m: board_actions.hide_card(actor, m["card"]),
    ("card", "restore"): lambda actor, m: board_actions.restore_card(actor, m["card"]),
    ("card", "approve"): lambda actor, m: board_actions.approve_card(actor, m["card"]),
    ("card", "reject"): lambda actor, m: board_actions.reject_card(actor, m["card"]),
    ("theme", "add"): lambda actor, m: board_actions.add_theme(actor, m["name"], m["colour"]),
    ("theme", "rename"): lambda actor, m: board_actions.rename_theme(
        actor, m["theme"], m["name"], m["colour"]
    ),
    ("theme", "recolour"): lambda actor, m: board_actions.recolour_theme(actor, m["theme"], m["colour"]),
    ("theme", "merge"): lambda actor, m: board_actions.merge_theme(actor, m["theme"], m["into"]),
    ("theme", "delete"): lambda actor, m: board_actions.delete_theme(actor, m["theme"]),
    ("theme", "move"): lambda actor, m: board_actions.move_theme(actor, m["theme"], m["position"]),
    ("round", "activate"): lambda actor, m: inquiry_actions.activate_round(actor, m["round"]),
    ("round", "phase"): lambda actor, m: inquiry_actions.set_phase(actor, m["round"], m["phase"]),
    ("round", "add"): lambda actor, m: inquiry_actions.add_round(actor, m["question"], m["guidance"] or ""),
    ("round", "edit"): lambda actor, m: inquiry_actions.edit_round(
        actor, m["round"], m["question"], m["guidance"] or ""
    ),
    ("round", "move"): lambda actor, m: inquiry_actions.move_round(actor, m["round"], m["position"]),
    ("round", "delete"): lambda actor, m: inquiry_actions.delete_round(actor, m["round"]),
    ("room", "pause"): lambda actor, m: inquiry_actions.pause_room(actor, m["paused"]),
    ("room", "view"): lambda actor, m: inquiry_actions.set_view(actor, m["round"], m["follow"]),
    ("room", "join"): lambda actor, m: inquiry_actions.place_join_panel(actor, m["corner"]),
    ("room", "settings"): lambda actor, m: inquiry_actions.change_settings(
        actor, m["premoderation"], m["safeguarding"]
    ),
    ("timer", "start"): lambda actor, m: inquiry_actions.start_timer(actor, m["seconds"], m["closes_round"]),
    ("timer", "add"): lambda actor, m: inquiry_actions.add_time(actor, m["seconds"]),
    ("timer", "stop"): lambda actor, m: inquiry_actions.stop_timer(actor),
    ("spotlight", "set"): lambda actor, m: inquiry_actions.set_spotlight(actor, m["card"], m["theme"]),
    ("spotlight", "clear"): lambda actor, m: inquiry_actions.clear_spotlight(actor),
    ("announce", "set"): lambda actor, m: inquiry_actions.announce(actor, m["text"]),
    ("announce", "clear"): lambda actor, m: inquiry_actions.clear_announcement(actor),
    ("inquiry", "close"): lambda actor, m: inquiry_actions.close_inquiry(actor),
    ("inquiry", "reopen"): lambda actor, m: inquiry_actions.reopen_inquiry(actor),
    ("participant", "remove"): lambda actor, m: inquiry_actions.remove_participant(actor, m["participant"]),
    ("suggest", "accept"): lambda actor, m: board_actions.accept_suggestions(
        actor, m["themes"], m["placements"]
    ),
    ("vote", "open"): lambda actor, m: board_actions.open_vote(
        actor, m["round"], m["target"], m["budget"], m["per_item"], bool(m["live"])
    ),
    ("vote", "close"): lambda actor, m: board_actions.close_vote(actor),
    ("vote", "reopen"): lambda actor, m: board_actions.reopen_vote(actor),
    ("vote", "present"): lambda actor, m: board_actions.show_on_screen(actor, m["show"]),
    ("vote", "reveal"): lambda actor, m: board_actions.reveal_vote(actor),
    ("round", "kind"): lambda actor, m: inquiry_actions.set_round_kind(actor, m["round"], m["kind"]),
    **MAP_HANDLERS,
    **NEXT_STEP_HANDLERS,
    **TABLE_HANDLERS,
    **ARRANGE_HANDLERS,
    **UNDO_HANDLERS,
}


def fragment_kind(role):
    return "facilitator" if role == FACILITATOR else "participant"


class Snapshots:
    """Snapshots of the live region by (inquiry, sequence number, kind, viewer), each rendered once: a
    room reconnecting at once (a network blip, a server restart) must not render the board once per
    screen, nor can one participant asking again and again (viewer: a participant whose own unshared
    cards show only to them, else None). Whatever no longer fits ``BUDGET`` characters goes, oldest
    first."""

    BUDGET = 64 * 1024 * 1024

    def __init__(self):
        self.kept = {}
        self.size = 0

    def get(self, inquiry, kind, viewer=None):
        key = (inquiry.pk, inquiry.seq, kind, viewer)
        html = self.kept.pop(key, None)
        if html is None:
            html = render.live(inquiry, kind, viewer=viewer)
            self.size += len(html)
        self.kept[key] = html  # newest last
        while self.size > self.BUDGET and len(self.kept) > 1:
            self.size -= len(self.kept.pop(next(iter(self.kept))))
        return html


snapshots = Snapshots()


_votes = {}
_no_mine = {}


def _vote_at(inquiry):
    """The inquiry's current vote as it stands at this sequence number (opening, closing and revealing a
    vote are changes with a number of their own), read once for a room connecting at once."""
    key = (inquiry.pk, inquiry.seq)
    if key not in _votes:
        if len(_votes) > 64:
            _votes.clear()
        _votes[key] = render.current_vote(inquiry)
    return _votes[key]


def _mine(inquiry, participant_id, participant=None):
    """The participant's own part of the page (``render.mine_html``) as two parts: their dots and
    reactions, then their next steps. Without dots or reactions (known from the connect's read,
    ``with_private_state``) the first part is the same for everyone at this sequence number: rendered
    once; without steps of their own, the second is the room's blank one."""
    vote = _vote_at(inquiry)
    if participant is not None and not participant.has_dots and not participant.has_reactions:
        key = (inquiry.pk, inquiry.seq)
        if key not in _no_mine:
            if len(_no_mine) > 64:
                _no_mine.clear()
            blank = render.mine_frames(inquiry, [participant_id], vote, none_of={participant_id})
            _no_mine[key] = blank[participant_id]
        votes = _no_mine[key]
    else:
        votes = render.mine_frames(inquiry, [participant_id], vote)[participant_id]
    blank = participant is not None and not getattr(participant, "has_own_part", True)
    return render.own_parts(inquiry, participant_id, votes, blank=blank)


_private_state = []


def with_private_state():
    """Participants, each read with whether they have anything only their own screens show (unrevealed or
    queued cards, dots, reactions, next steps and connections): a participant who has none needs no more
    queries at connect. Built once (building it was a fifth of a connect's database work); callers filter
    it, which copies it."""
    if not _private_state:
        mine = OuterRef("pk")
        _private_state.append(
            Participant.objects.annotate(
                has_unshared=Exists(own_unshared_cards(mine)),
                has_dots=Exists(Dot.objects.filter(participant=mine)),
                has_reactions=Exists(Reaction.objects.filter(participant=mine)),
                has_own_part=has_own_part(mine),
            )
        )
    return _private_state[0]


# The participant of a connecting socket, with their private state and inquiry: compiled once.
_participants = by_code(with_private_state)


def _catch_up(actor, kind, last_seq, inquiry=None, participant=None):
    """What a screen that has seen up to ``last_seq`` needs now: (seq, frame or None). ``inquiry``: the
    row as just read, if the caller has it; ``participant``: the actor's, read ``with_private_state``."""
    if inquiry is None:
        inquiry = Inquiry.objects.get(pk=actor.inquiry_id)
    if last_seq == inquiry.seq:
        return inquiry.seq, None
    events = missed_since(inquiry.pk, last_seq, inquiry.seq, kind) if last_seq is not None else None
    if events is not None and kind != "facilitator" and any(e.redacts for e in events):
        # Fragments before a hide, delete or edit may still hold what participants may no longer see.
        events = None
    # The shared replay and snapshot lack a participant's own unrevealed or queued cards (known from the
    # connect's read when the caller has the participant ``with_private_state``).
    if participant is not None:
        own = participant.has_unshared
    else:
        own = bool(actor.participant_id) and own_unshared_cards(actor.participant_id).exists()
    if events is None or own:
        parts = [snapshots.get(inquiry, kind, actor.participant_id if own else None)]
        if actor.participant_id:
            parts += _mine(inquiry, actor.participant_id, participant)
        return inquiry.seq, protocol.Snapshot(inquiry.seq, parts + _counted(inquiry, actor))
    attr = f"html_{kind}"
    fragments = [getattr(e, attr) for e in events]
    if actor.participant_id:
        # Their own dots and reactions travel in private frames, which a replay does not carry.
        fragments += _mine(inquiry, actor.participant_id, participant)
    return inquiry.seq, protocol.replay_frame(inquiry.seq, fragments + _counted(inquiry, actor))


def _counted(inquiry, actor):
    """Who is here now, for a screen catching up. The shared snapshot holds the count from when it was
    rendered (once per sequence number: when the room's first phone connected, nobody), and a replay none;
    a presence frame comes only when someone arrives or leaves, so a screen opened once the room had
    joined read "0 participants connected" until then. A phone's socket is counted from the next
    presence frame on (arrivals are written together, up to a second later: ``presence.arrive``); where
    the count is 0, the phone's own frame says 1."""
    presence = render.presence_counts(inquiry)
    if actor.participant_id and not presence["total"]:
        presence = {**presence, "total": 1}
    return [render.partial("presence", "participant", {"presence": presence, "oob": True})]


@database_sync_to_async
def connect_db(session, code, view, socket_id, since, catch_up):
    """The user of the session (Django's ``get_user``: the session's auth hash checked), who the socket
    speaks for (None: nobody it may be), the deadline of the room's timer and, with
    ``catch_up``, what the screen needs now (``_catch_up``): all in one trip to the database thread, which
    a room connecting at once queues on."""
    close_old_connections()
    user = get_user(SimpleNamespace(session=session)) if session is not None else AnonymousUser()
    inquiry, actor, participant = socket_identity(user, session, code, view, _participants)
    if actor is None:
        return user, None, None, None
    if participant is not None:
        presence.arrive(inquiry.pk, participant, socket_id)
    # Every timer's: its end is the room's "Time is up" (inquiry.time_up), whether it closes the round or not.
    deadline = inquiry.timer_ends_at
    kind = fragment_kind(actor.role)
    caught_up = _catch_up(actor, kind, since, inquiry, participant) if catch_up else None
    return user, actor, deadline, caught_up


@database_sync_to_async
def account_active_db(user_id):
    return get_user_model().objects.filter(pk=user_id, is_active=True).exists()


@database_sync_to_async
def disconnect_db(socket_id):
    presence.leave(socket_id)


@database_sync_to_async
def catch_up_db(actor, last_seq):
    """``_catch_up`` for a screen already open; REMOVED or REVOKED instead if it is a removed
    participant's, or an account's no longer active (a socket the closing message never reached: the
    channel layer may drop it), which is told so and closed."""
    if actor.participant_id and Participant.objects.filter(pk=actor.participant_id, removed=True).exists():
        return REMOVED
    if actor.user_id and not get_user_model().objects.filter(pk=actor.user_id, is_active=True).exists():
        return REVOKED
    return _catch_up(actor, fragment_kind(actor.role), last_seq)


@database_sync_to_async
def act_db(actor, message):
    """Run one action: (what to tell the sender or None, the action's result)."""
    handler = HANDLERS[(message.type, message.op)]
    try:
        result = handler(actor, message)
    except Refused as refused:
        if refused.code == "forbidden" and (message.type, message.op) in protocol.STEERING:
            audit.record(
                actor.inquiry_id, actor, f"{message.type}.{message.op}", refused.message, refused=True
            )
        return protocol.error_frame(refused.code, refused.message, message["client_id"]), None
    if (message.type, message.op) == ("card", "add"):
        card, _created = result
        return protocol.ack_frame(card.client_id, card.pk, card.status, card.silent), result
    return getattr(result, "ws_reply", None), result


@database_sync_to_async
def post_db(inquiry_id, batch):
    """Posts gathered by a Batches: (frame for each sender, result or None), in order."""
    results = board_actions.post_cards(inquiry_id, [(a, m["client_id"], m["text"]) for a, m in batch])
    return [_post_reply(result, m["client_id"]) for (_, m), result in zip(batch, results, strict=True)]


def _post_reply(result, client_id):
    if isinstance(result, Refused):
        return protocol.error_frame(result.code, result.message, client_id), None
    card, _created = result
    return protocol.ack_frame(card.client_id, card.pk, card.status, card.silent), result


# Dots and reactions: stored in batches like posts (board.actions.cast_votes).
VOTING = {("dot", "add"), ("dot", "remove"), ("reaction", "toggle")}


@database_sync_to_async
def vote_db(inquiry_id, batch):
    """Dots and reactions gathered by a Batches: (frame for each sender or None, None), in order."""
    results = board_actions.cast_votes(
        inquiry_id,
        [
            (a, (m.type, m.op), m["card"], m["theme"], {"link": m["link"], "step": m["step"]})
            for a, m in batch
        ],
    )
    return [(protocol.error_frame(r.code, r.message) if r is not None else None, None) for r in results]


class Batches:
    """Messages of one kind (posts; dots and reactions) to one inquiry that arrive while its last batch is
    being stored go in together as the next batch: one transaction and one event (sequence number, frame)
    per batch. One arriving when nothing is in flight goes alone at once, so a quiet room sees no added
    delay. ``store(inquiry id, [(actor, message)])`` answers each with (reply frame or None, result).
    Something unexpected in one message must not cost the others theirs: a batch that fails is stored
    again one message at a time, and only the one that still fails is answered with an error."""

    LIMIT = 200

    def __init__(self, store):
        self.store = store
        self.waiting = {}  # (loop, inquiry id) -> [(actor, message, future)]

    async def post(self, actor, message):
        loop = asyncio.get_running_loop()
        key = (loop, actor.inquiry_id)
        future = loop.create_future()
        queue = self.waiting.get(key)
        if queue is None:
            self.waiting[key] = queue = []
            loop.create_task(self._drain(key, queue))
        queue.append((actor, message, future))
        return await future

    async def _drain(self, key, queue):
        try:
            while queue:
                batch, queue[:] = queue[: self.LIMIT], queue[self.LIMIT :]
                replies = await self._store(key[1], batch)
                for (*_, future), reply in zip(batch, replies, strict=True):
                    if not future.done():
                        future.set_result(reply)
        finally:
            del self.waiting[key]

    async def _store(self, inquiry_id, batch):
        try:
            replies = await self.store(inquiry_id, [(actor, message) for actor, message, _ in batch])
        except DATABASE_DOWN as error:
            # One at a time would fail the same way, each after its own wait.
            database_log.failure("storing a batch", error)
            return [(protocol.not_saved((m.type, m.op)), None) for _, m, _ in batch]
        except Exception:
            log.exception("a batch of %d failed; storing them one at a time", len(batch))
        else:
            database_log.answered()
            return replies
        if len(batch) == 1:
            return [FAILED]
        return [reply for item in batch for reply in await self._store(inquiry_id, [item])]


REMOVED = "A facilitator has removed you from this inquiry."
REVOKED = "This facilitator account is no longer active."

# The answer to a message whose storing failed unexpectedly (logged).
FAILED = (protocol.error_frame("server_error", "Something went wrong; nothing was changed."), None)


# The database did not answer (it is down, restarting, or out of connections): nothing was stored; the page
# sends posts again by itself, and names anything else as not saved (protocol.not_saved).
UNAVAILABLE_AT_CONNECT = (
    "unavailable",
    "The server cannot reach its database just now: reconnecting by itself. Anything you post is kept.",
)


def failure(error, key=None):
    """The answer to a message (``key``: its type and op, once parsed) that failed unexpectedly."""
    if isinstance(error, DATABASE_DOWN):
        return protocol.not_saved(key)
    return protocol.error_frame("server_error", "Something went wrong; nothing was changed.")


post_batches = Batches(post_db)
vote_batches = Batches(vote_db)


@database_sync_to_async
def suggest_load_db(actor, round_id):
    inquiry = Inquiry.objects.get(pk=actor.inquiry_id)
    require_facilitator(actor, inquiry)
    return suggest.load(actor.inquiry_id, round_id)


@database_sync_to_async
def refused_db(actor, key, message):
    audit.record(actor.inquiry_id, actor, f"{key[0]}.{key[1]}", message, refused=True)


def _since(scope):
    """``?since=`` (None unless a whole number in range: the screen then gets a snapshot) and ``view``."""
    query = scope.get("query_string", b"").decode("latin-1")
    params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    since = protocol.whole_number(params.get("since", ""))
    if since is not None and not 0 <= since <= protocol.LIMIT:
        since = None
    return since, params.get("view", "")


class InquiryConsumer(TableFeed, AsyncWebsocketConsumer):
    actor = None
    gone = False  # left the hub and presence (see leave)
    accepted = False
    closing = False  # this side closed the socket: nothing more is sent to it, nor taken from it
    resume_allowance, resumed_at = None, 0.0  # sync.resume's allowance (see resume)
    direct = None
    last_seq = 0
    handling = None  # the (type, op) of the message being handled, once parsed (for failure's answer)
    held = ()  # private frames waiting for the change they follow (see board_private)
    refused_until = 0.0  # over the message limit: told so, and not told again before this time
    unanswered = 0  # messages over the limit since it was last told, or last let a message through

    @property
    def channel_layer_alias(self):
        """With the hub a socket needs no channel of its own (the hub's one per process receives for all
        of them): Channels then gives it none. On the in-memory layer every new channel's first receive
        swept every other channel, which made a room connecting at once O(N^2)."""
        return DEFAULT_CHANNEL_LAYER if settings.LIVE_FANOUT == "group" else None

    async def dispatch(self, message):
        """Channels >= 4.2 runs ``aclose_old_connections`` before every handler: a hop through the one
        database thread for each message a socket sends or receives, queued behind every action in
        flight. Every database call here goes through ``database_sync_to_async``, which closes old
        connections itself, so with the hub the hop is skipped (group fan-out, the benchmark's baseline,
        keeps stock behaviour)."""
        if settings.LIVE_FANOUT == "group":
            return await super().dispatch(message)
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        return await handler(message)

    async def connect(self):
        try:
            await self.open()
        except DATABASE_DOWN as error:
            # Say so, and close with a code the page reconnects on (with its backoff) rather than 1011.
            database_log.failure("opening a socket", error)
            if not self.accepted:
                await self.accept()
            await self.send_quietly(protocol.error_frame(*UNAVAILABLE_AT_CONNECT))
            await self.close(code=CLOSE_TRY_AGAIN)

    async def accept(self, subprotocol=None, headers=None):
        self.accepted = True
        await super().accept(subprotocol, headers)

    async def close(self, code=None, reason=None):
        self.closing = True
        if self.actor is not None:
            revocations.forget(self)
        await super().close(code, reason)

    async def send(self, text_data=None, bytes_data=None, close=False):
        """As Daphne does once it has the close (the direct path too: sessions/wire.py), nothing more
        goes to a socket closed from this side, whatever the hub still hands it before its disconnect."""
        if self.closing:
            return
        await super().send(text_data, bytes_data, close)

    async def open(self):
        code = self.scope["url_route"]["kwargs"]["code"]
        since, view = _since(self.scope)
        # Presence rows name the socket: its channel where it has one, else a name unique to this process.
        self.socket_id = self.channel_name if self.channel_layer else f"{presence.SERVER}!{uuid.uuid4().hex}"
        self.use_hub = settings.LIVE_FANOUT == "hub"
        # With the hub the catch-up is read in the same trip as the socket's identity, before joining
        # the hub; what went out meanwhile is caught below. Group fan-out reads it after joining.
        self.scope["user"], actor, deadline, caught_up = await connect_db(
            self.scope.get("session"), code, view, self.socket_id, since, self.use_hub
        )
        database_log.answered()
        if actor is None:
            await self.accept()
            await self.send(
                protocol.error_frame("forbidden", "Join this inquiry (or log in) to see it live.")
            )
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.actor = actor
        self.kind = fragment_kind(actor.role)
        self.direct = self.scope.get("linewalk.direct")  # see sessions/wire.py
        self.groups_joined = []
        if not self.use_hub:
            self.groups_joined.append(protocol.inquiry_group(actor.inquiry_id))
            if actor.participant_id:
                self.groups_joined.append(protocol.participant_group(actor.participant_id))
            if actor.user_id:
                self.groups_joined.append(protocol.user_group(actor.user_id))
        # Group fan-out joins before reading the catch-up: an event committed in between arrives both
        # ways, and the sequence check drops the second copy. Events the hub delivers before the catch-up
        # is sent wait in a buffer.
        self.catching_up, self.buffered = True, []
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        if self.use_hub:
            await hub.join(self)
        if actor.user_id and not await account_active_db(actor.user_id):
            # Suspended between the check above and joining the account's group: its closing message
            # may have gone by already.
            await self.refuse_revoked()
            return
        await self.accept()
        if not self.closing:
            # From now on a lost ``participant.removed``, ``user.revoked`` or (for a participant)
            # ``table.seating`` is made good within LIVE_RECHECK_SECONDS (sessions/revocation.py).
            revocations.watch(self)
        if caught_up is None:
            await self.resync(since)
        else:
            seq, frame = caught_up
            if frame is not None:
                await self.send_frame(frame)
            self.last_seq = seq
            if hub.fanned_out(actor.inquiry_id) > seq:
                # Events this process sent out between that read and joining the hub: fetch them.
                await self.resync(seq)
            elif self.held:
                await self.release_private()
        self.catching_up = False
        for run, frames in self.buffered:
            await self.deliver(run, frames)
        self.buffered = []
        if hub.delayed and self.use_hub:
            await self.send(protocol.delayed_frame(True))
        await self.tables_open()
        timers.schedule(actor.inquiry_id, deadline)
        if actor.role == FACILITATOR:
            suggest.warm_soon()
        if actor.participant_id:
            presence.keep_alive()
            presence.changed(actor.inquiry_id, get_channel_layer())

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the consumer ends (a disconnect, or something unexpected escaping a handler, which
            # Daphne answers with 1011), it leaves the hub and presence: no half-dead socket is counted.
            await self.leave()

    async def disconnect(self, code):
        await self.leave()

    async def leave(self):
        if self.actor is None or self.gone:
            return
        self.gone = True
        revocations.forget(self)
        try:
            await self.tables_leave()
        except Exception:
            log.exception("leaving the tables' groups failed")
        try:
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)
        except Exception:
            log.exception("leaving the channel layer's groups failed")
        if self.use_hub:
            await hub.leave(self)
        if self.actor.participant_id:
            try:
                await disconnect_db(self.socket_id)
            except Exception as error:
                log.warning(
                    "presence: removing a socket failed (%s); the heartbeat retries it",
                    describe(error),
                    exc_info=not isinstance(error, DATABASE_DOWN),
                )
                presence.departed.add(self.socket_id)
            presence.changed(self.actor.inquiry_id, get_channel_layer())

    async def receive(self, text_data=None, bytes_data=None):
        if self.actor is None or self.gone or self.closing:
            return
        self.handling = None
        try:
            await self.handle(text_data, bytes_data)
        except Exception as error:
            # Never let one message close the socket with 1011: nobody would come back.
            if isinstance(error, DATABASE_DOWN):
                database_log.failure("a message", error)
            else:
                log.exception("a message could not be handled")
            await self.send_quietly(failure(error, self.handling))

    async def send_frame(self, frame):
        """Send a catch-up: a replay's text, or a snapshot, whose shared body goes to a Daphne socket as
        bytes encoded once for every screen that gets it (``protocol.Snapshot``)."""
        if isinstance(frame, protocol.Snapshot):
            if self.direct is not None and self.direct.write(frame.wire()):
                return
            frame = frame.text()
        await self.send(frame)

    async def send_quietly(self, frame):
        try:
            await self.send(frame)
        except Exception:
            log.exception("could not send to a socket")

    async def handle(self, text_data, bytes_data):
        if text_data == protocol.PING:
            now = time.monotonic()
            if now - getattr(self, "pinged", 0.0) >= protocol.PING_EVERY:
                self.pinged = now
                await self.send(protocol.PONG)
            return
        limited = limits.socket_message(self.actor)  # every message counts, bad ones too
        if limited is not None:
            await self.over_limit(limited)
            return
        self.unanswered = 0
        if text_data is None:
            await self.send(protocol.error_frame("binary_frame", "Send text (JSON) messages, not binary."))
            return
        try:
            message = protocol.parse(text_data, self.actor.role, settings.WS_MAX_MESSAGE_BYTES)
        except protocol.ProtocolError as error:
            if error.code == "forbidden" and error.key in protocol.STEERING:
                await refused_db(self.actor, error.key, error.message)
            await self.send(protocol.error_frame(error.code, error.message, error.client_id))
            return
        self.handling = (message.type, message.op)
        if message.type == "sync":
            await self.resume(message["last_seq"])
            return
        if (message.type, message.op) in (("suggest", "preview"), ("suggest", "cancel")):
            await self.suggest(message)
            return
        if (message.type, message.op) == ("card", "add"):
            reply, result = await post_batches.post(self.actor, message)
        elif (message.type, message.op) in VOTING:
            reply, result = await vote_batches.post(self.actor, message)
        else:
            reply, result = await act_db(self.actor, message)
            database_log.answered()
        if reply:
            await self.send(reply)
        if message.type == "timer" and message.op in ("start", "add") and result is not None:
            timers.schedule(self.actor.inquiry_id, result)
        if (message.type, message.op) == ("suggest", "accept") and result is not None:
            await self.send(suggest.closed_preview())
        self.after_action(message, result)

    async def over_limit(self, limited):
        """A screen over its message limit is told so once per wait, not once per message. Answering
        each one let a client that sends without reading (a script: 800,000 one-byte frames in 20 s)
        have the process queue an error frame for every one of them in its memory (RSS 160 -> 320 MB,
        never given back) while every other screen of the process waited seconds for its own frames.
        One that goes on FLOOD_MESSAGES times after being told is closed (it is no page of ours)."""
        now = limits.monotonic()
        if now >= self.refused_until:
            self.refused_until = now + limited.retry_after
            await self.send(protocol.error_frame(limited.code, limited.message))
            return
        self.unanswered += 1
        if self.unanswered >= FLOOD_MESSAGES:
            log.warning(
                "closing a socket of inquiry %s that kept sending past its limit", self.actor.inquiry_id
            )
            await self.send(
                protocol.error_frame(
                    "flooding",
                    "This screen sent far too many messages and was disconnected: reload the page.",
                )
            )
            await self.close(code=CLOSE_FLOODING)

    async def suggest(self, message):
        """Preview suggested themes for this facilitator only; nothing changes until they accept."""
        if message.op == "cancel":
            await self.send(suggest.closed_preview())
            return
        try:
            cards, themes, existing = await suggest_load_db(self.actor, message["round"])
        except Refused as refused:
            await self.send(protocol.error_frame(refused.code, refused.message))
            return
        loop = asyncio.get_running_loop()
        html = await loop.run_in_executor(
            suggest.POOL,
            suggest.preview,
            cards,
            themes,
            existing,
            message["granularity"] or 0,
            message["round"],
        )
        await self.send(html)

    async def catch_up_again(self):
        """From the hub: this screen must catch up from the database (a gap that a shared frame cannot
        fill for it). What the hub delivers meanwhile waits, as at connect."""
        if self.catching_up:
            return
        self.catching_up = True
        await self._catch_up()

    async def _catch_up(self):
        try:
            await self.resync(self.last_seq)
        except Exception:
            log.exception("a screen could not catch up; it will at the next event")
            self.buffered = []  # still behind them: the next event asks again
        finally:
            self.catching_up = False
            buffered, self.buffered = self.buffered, []
            for run, frames in buffered:
                await self.deliver(run, frames)

    async def resume(self, last_seq):
        """``sync.resume``: send what came after ``last_seq``. A screen cannot have seen more than this
        socket sent it, and one that has seen all of it needs nothing (the next event comes live); only
        a catch-up reads the database, and a socket may ask for a few at once, then one every few seconds
        (the ``resume`` limit, inquiry/limits.py): a client resuming in a loop cannot keep the database
        thread (which every inquiry's changes share) busy rendering."""
        if last_seq > self.last_seq:
            await self.send(
                protocol.error_frame(
                    "invalid_field", f"last_seq is ahead of this screen: it was sent up to {self.last_seq}."
                )
            )
            return
        if last_seq == self.last_seq:
            return
        now, limit = time.monotonic(), limits.rate("resume")
        if self.resume_allowance is None:
            self.resume_allowance = limit.count
        refilled = (now - self.resumed_at) * limit.count / limit.seconds
        allowance = min(limit.count, self.resume_allowance + refilled)
        if allowance < 1:
            await self.send(
                protocol.error_frame("too_many_resumes", "Too many catch-ups asked for: wait a moment.")
            )
            return
        self.resume_allowance, self.resumed_at = allowance - 1, now
        await self.resync(last_seq)

    async def resync(self, last_seq):
        """Send what a screen that has seen up to ``last_seq`` (None: nothing) missed, or a snapshot."""
        caught_up = await catch_up_db(self.actor, last_seq)
        if caught_up is REMOVED:
            await self.participant_removed({"reason": REMOVED})
            return
        if caught_up is REVOKED:
            await self.user_revoked({"reason": REVOKED})
            return
        seq, frame = caught_up
        if frame is not None:
            await self.send_frame(frame)
        self.last_seq = max(self.last_seq, seq)
        if self.held:
            await self.release_private()

    async def board_event(self, event):
        seq = event["seq"]
        if seq <= self.last_seq:
            return
        if seq > self.last_seq + 1:
            # An event went missing on the way (the channel layer delivers at most once): the database
            # has it, so replay from there.
            await self.resync(self.last_seq)
            return
        self.last_seq = seq
        await self.send(protocol.event_frame(seq, event[self.kind], event.get("now", protocol.now_ms())))
        if self.held:
            await self.release_private()

    async def deliver(self, run, frames, wires=None):
        """From the hub: a run of consecutive events, framed once per kind for every local socket
        (``frames``: text; ``wires``: the same as encoded websocket frames, for the direct path)."""
        if self.catching_up:
            self.buffered.append((run, frames))
            return
        first, last = run[0]["seq"], run[-1]["seq"]
        if last <= self.last_seq:
            return
        if first > self.last_seq + 1:
            # One catch-up at a time: what the hub delivers meanwhile waits for it (a second read from
            # the same number would send the screen, after the first, changes it already has).
            self.buffered.append((run, frames))
            self.catching_up = True
            asyncio.get_running_loop().create_task(self._catch_up())
            return
        frame = frames[self.kind]
        if first <= self.last_seq:  # rare: overlaps this socket's catch-up; frame just the new part
            fresh = "".join(event[self.kind] for event in run if event["seq"] > self.last_seq)
            frame = protocol.event_frame(last, fresh, run[-1].get("now") or protocol.now_ms())
            wires = None
        self.last_seq = last
        if wires is None or self.direct is None or not self.direct.write(wires[self.kind]):
            await self.send(frame)
        if self.held:
            await self.release_private()

    async def board_private(self, event):
        """A frame for this participant's screens only. One that follows a change (``after``: that
        change's sequence number) waits until this screen has the change: private frames travel apart
        from the room's events (the hub sends them at once, events at its next tick; with group fan-out
        on another group), and, say, an author's silent card placed before its theme column's re-render
        arrives would be wiped by it."""
        if event.get("after", 0) > self.last_seq:
            if not self.held:
                self.held = []
            self.held.append(event)
            return
        await self.send(event["html"])

    async def release_private(self):
        """Send the held private frames whose change this screen now has, in the order they came."""
        ready = [event for event in self.held if event["after"] <= self.last_seq]
        self.held = [event for event in self.held if event["after"] > self.last_seq]
        for event in ready:
            await self.send(event["html"])

    async def presence_update(self, event):
        await self.send(event["html"])

    async def user_revoked(self, event):
        """This facilitator's account was suspended or removed: every socket of it closes at once (from
        the account's group, or from this process's re-check, sessions/revocation.py, when the layer lost
        that message)."""
        if self.closing:
            return
        await self.send(protocol.error_frame("revoked", event["reason"] or REVOKED))
        await self.close(code=CLOSE_NOT_ALLOWED)

    async def refuse_revoked(self):
        await self.accept()
        await self.send(protocol.error_frame("revoked", REVOKED))
        await self.close(code=CLOSE_NOT_ALLOWED)

    async def participant_removed(self, event):
        """A facilitator removed this participant (the message, or this process's re-check)."""
        if self.closing:
            return
        await self.send(protocol.error_frame("removed", event["reason"] or REMOVED))
        await self.close(code=CLOSE_NOT_ALLOWED)
