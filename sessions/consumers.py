"""The live session: one websocket per screen of an inquiry.

The consumer authenticates at connect, joins the inquiry's group, sends what the screen missed (or a
snapshot), turns each inbound message into one action call, and relays events in sequence order. It holds
no business logic: that lives in the actions."""

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import close_old_connections

from board import actions as board_actions
from board import render
from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, Refused, actor_for_socket

from . import protocol
from .events import missed_since

log = logging.getLogger(__name__)

# Close codes: the htmx ws extension reconnects only on 1006/1011/1012/1013, so refusals use 44xx.
CLOSE_NOT_ALLOWED = 4403

HANDLERS = {
    ("card", "add"): lambda actor, m: board_actions.post_card(actor, m["client_id"], m["text"]),
    ("card", "edit"): lambda actor, m: board_actions.edit_card(actor, m["card"], m["text"]),
    ("card", "delete"): lambda actor, m: board_actions.delete_card(actor, m["card"]),
    ("card", "move"): lambda actor, m: board_actions.move_card(actor, m["card"], m["theme"], m["position"]),
    ("theme", "add"): lambda actor, m: board_actions.add_theme(actor, m["name"], m["colour"]),
    ("theme", "rename"): lambda actor, m: board_actions.rename_theme(actor, m["theme"], m["name"]),
    ("theme", "recolour"): lambda actor, m: board_actions.recolour_theme(actor, m["theme"], m["colour"]),
    ("theme", "merge"): lambda actor, m: board_actions.merge_theme(actor, m["theme"], m["into"]),
    ("theme", "delete"): lambda actor, m: board_actions.delete_theme(actor, m["theme"]),
    ("theme", "move"): lambda actor, m: board_actions.move_theme(actor, m["theme"], m["position"]),
    ("round", "activate"): lambda actor, m: inquiry_actions.activate_round(actor, m["round"]),
    ("round", "close"): lambda actor, m: inquiry_actions.close_round(actor, m["round"]),
    ("round", "reopen"): lambda actor, m: inquiry_actions.reopen_round(actor, m["round"]),
}


def fragment_kind(role):
    return "facilitator" if role == FACILITATOR else "participant"


def _catch_up(inquiry_id, kind, last_seq):
    """What a screen that has seen up to ``last_seq`` needs now: (seq, frame or None)."""
    from inquiry.models import Inquiry

    inquiry = Inquiry.objects.get(pk=inquiry_id)
    if last_seq == inquiry.seq:
        return inquiry.seq, None
    events = missed_since(inquiry_id, last_seq, inquiry.seq) if last_seq is not None else None
    if events is None:
        return inquiry.seq, protocol.snapshot_frame(inquiry.seq, render.live(inquiry, kind))
    attr = f"html_{kind}"
    return inquiry.seq, protocol.replay_frame(inquiry.seq, [getattr(e, attr) for e in events])


@database_sync_to_async
def connect_db(user, session, code, view):
    close_old_connections()
    return actor_for_socket(user, session, code, view)[1]


@database_sync_to_async
def catch_up_db(actor, last_seq):
    return _catch_up(actor.inquiry_id, fragment_kind(actor.role), last_seq)


@database_sync_to_async
def act_db(actor, message):
    """Run one action; what to tell the sender comes back as a frame (or None)."""
    handler = HANDLERS[(message.type, message.op)]
    try:
        result = handler(actor, message)
    except Refused as refused:
        return protocol.error_frame(refused.code, refused.message)
    if (message.type, message.op) == ("card", "add"):
        card, _created = result
        return protocol.ack_frame(card.client_id, card.pk)
    return None


def _since(scope):
    query = scope.get("query_string", b"").decode("latin-1")
    params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    value = params.get("since", "")
    return (int(value) if value.isdigit() else None), params.get("view", "")


class InquiryConsumer(AsyncWebsocketConsumer):
    actor = None
    last_seq = 0

    async def connect(self):
        code = self.scope["url_route"]["kwargs"]["code"]
        since, view = _since(self.scope)
        actor = await connect_db(self.scope.get("user"), self.scope.get("session"), code, view)
        if actor is None:
            await self.accept()
            await self.send(protocol.error_frame("forbidden", "Join this inquiry (or log in) to see it live."))
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.actor = actor
        self.kind = fragment_kind(actor.role)
        self.group = protocol.inquiry_group(actor.inquiry_id)
        # Join the group before reading the catch-up: an event committed in between arrives both ways,
        # and the sequence check in board_event drops the second copy.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.resync(since)

    async def disconnect(self, code):
        if self.actor is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if self.actor is None:
            return
        if text_data is None:
            await self.send(protocol.error_frame("binary_frame", "Send text (JSON) messages, not binary."))
            return
        try:
            message = protocol.parse(text_data, self.actor.role, settings.WS_MAX_MESSAGE_BYTES)
        except protocol.ProtocolError as error:
            await self.send(protocol.error_frame(error.code, error.message))
            return
        if message.type == "sync":
            await self.resync(message["last_seq"])
            return
        try:
            reply = await act_db(self.actor, message)
        except Exception:
            # Never let one bad message close the socket with 1011: nobody would come back.
            log.exception("action %s.%s failed", message.type, message.op)
            reply = protocol.error_frame("server_error", "Something went wrong; nothing was changed.")
        if reply:
            await self.send(reply)

    async def resync(self, last_seq):
        """Send what a screen that has seen up to ``last_seq`` (None: nothing) missed, or a snapshot."""
        seq, frame = await catch_up_db(self.actor, last_seq)
        if frame is not None:
            await self.send(frame)
        self.last_seq = max(self.last_seq, seq)

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
        await self.send(protocol.event_frame(seq, event[self.kind]))
