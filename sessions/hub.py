"""Per-process fan-out: one channel-layer subscription per process, delivering to local sockets.

Stock Channels fan-out (every socket in the inquiry's group) costs, per event and per recipient: a
channel-layer message, a dispatch with Channels' ``aclose_old_connections`` thread hop, and, on the
in-memory layer, an expiry sweep that makes a broadcast O(N^2). Here the process's one hub channel is the
only member of each inquiry's group it serves; an event arrives once per process, is ordered by its
sequence number (a gap is filled from the database, once per process), coalesced with whatever else
arrives within one tick, framed once per kind of screen, and written to each local socket directly.

``settings.LIVE_FANOUT = "group"`` switches back to stock group fan-out (the benchmark's baseline)."""

import asyncio
import logging
import time
from collections import defaultdict

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from . import protocol, wire
from .models import Event

log = logging.getLogger(__name__)

# How long the first event of a burst waits for others to share its frame.
TICK = 0.015
# A flush to many sockets takes a while (~25 us each): the next one waits at least as long as the last
# took, so under a burst each socket gets fewer, fuller frames and half the process stays free for the
# actions themselves. The loop also lets other work in between every YIELD_EVERY sockets.
YIELD_EVERY = 500


@database_sync_to_async
def _current_seq(inquiry_id):
    from inquiry.models import Inquiry

    return Inquiry.objects.filter(pk=inquiry_id).values_list("seq", flat=True).first() or 0


@database_sync_to_async
def _missing(inquiry_id, after, before, through):
    """The events between ``after`` and ``before`` (a gap), and whether any event up to ``through`` (the
    newest pending) takes something participants saw off their screens: then a frame made of the stored
    fragments may show it, and participants' screens catch up with a snapshot instead."""
    rows = Event.objects.filter(inquiry_id=inquiry_id, seq__gt=after, seq__lt=before).order_by("seq")
    events = [
        {"seq": e.seq, "participant": e.html_participant, "facilitator": e.html_facilitator} for e in rows
    ]
    redacted = any(
        (kind, op) in protocol.REDACTING
        for kind, op in Event.objects.filter(
            inquiry_id=inquiry_id, seq__gt=after, seq__lte=through
        ).values_list("type", "op")
    )
    return events, redacted


class Hub:
    def __init__(self):
        self.layer = None
        self.channel = None
        self.task = None
        self.sockets = defaultdict(set)  # inquiry id -> consumers on this process
        self.own = defaultdict(set)  # (inquiry id, participant id) -> that participant's consumers here
        self.users = defaultdict(set)  # facilitator's user id -> their consumers here (any inquiry)
        self.last_seq = {}  # inquiry id -> last sequence number fanned out here
        self.pending = defaultdict(dict)  # inquiry id -> {seq: event}
        self.flushing = {}  # inquiry id -> scheduled flush
        self.pace = {}  # inquiry id -> how long its last flush took, s
        self.locks = defaultdict(asyncio.Lock)

    async def _start(self):
        if (
            self.task is not None
            and not self.task.done()
            and self.task.get_loop() is asyncio.get_running_loop()
        ):
            return
        self.layer = get_channel_layer()
        # The default prefix matters: channels-redis reads every process-specific channel of a layer from
        # one Redis list named by that prefix.
        self.channel = await self.layer.new_channel()
        self.sockets.clear()
        self.own.clear()
        self.users.clear()
        self.last_seq.clear()
        self.pending.clear()
        self.flushing.clear()
        self.pace.clear()
        self.locks.clear()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def join(self, consumer):
        """Start delivering this inquiry's events to ``consumer``. Call before its catch-up is read."""
        await self._start()
        inquiry = consumer.actor.inquiry_id
        first = not self.sockets[inquiry]
        self.sockets[inquiry].add(consumer)
        if consumer.actor.participant_id:
            self.own[inquiry, consumer.actor.participant_id].add(consumer)
        user = consumer.actor.user_id
        if user:
            first_of_user = not self.users[user]
            self.users[user].add(consumer)
            if first_of_user:
                await self.layer.group_add(protocol.user_group(user), self.channel)
        if first:
            await self.layer.group_add(protocol.inquiry_group(inquiry), self.channel)
            # Read after joining the group: whatever commits later arrives as a message.
            self.last_seq[inquiry] = await _current_seq(inquiry)
            if self.pending.get(inquiry):
                self._schedule(inquiry)

    async def leave(self, consumer):
        inquiry = consumer.actor.inquiry_id
        local = self.sockets.get(inquiry)
        if local is None:
            return
        local.discard(consumer)
        key = (inquiry, consumer.actor.participant_id)
        if key in self.own:
            self.own[key].discard(consumer)
            if not self.own[key]:
                del self.own[key]
        user = consumer.actor.user_id
        if user and user in self.users:
            self.users[user].discard(consumer)
            if not self.users[user]:
                del self.users[user]
                await self.layer.group_discard(protocol.user_group(user), self.channel)
        if not local:
            del self.sockets[inquiry]
            self.last_seq.pop(inquiry, None)
            self.pending.pop(inquiry, None)
            self.pace.pop(inquiry, None)
            await self.layer.group_discard(protocol.inquiry_group(inquiry), self.channel)

    def reset(self):
        """Forget this process's subscriptions (tests: each test runs in a new event loop)."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.task = self.layer = self.channel = None
        for handle in self.flushing.values():
            handle.cancel()
        self.sockets.clear()
        self.own.clear()
        self.users.clear()
        self.last_seq.clear()
        self.pending.clear()
        self.flushing.clear()
        self.pace.clear()
        self.locks.clear()

    async def _run(self):
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The layer itself failed (e.g. Redis went away): wait a little rather than spin.
                log.exception("hub: receiving from the channel layer failed")
                await asyncio.sleep(1)
                continue
            try:
                await self._dispatch(message)
            except Exception:
                log.exception("hub: a message could not be delivered")

    async def _dispatch(self, message):
        if message["type"] == "user.revoked":
            for consumer in list(self.users.get(message["user"], ())):
                await consumer.dispatch(message)
            return
        inquiry = message.get("inquiry")
        if inquiry not in self.sockets:
            return
        if message["type"] == "board.event":
            self._queue(inquiry, message)
        elif message["type"] in ("board.private", "participant.removed"):
            for consumer in list(self.own.get((inquiry, message["participant"]), ())):
                await consumer.dispatch(message)  # no database hop with the hub (InquiryConsumer.dispatch)
        elif message["type"] == "presence.update":
            await self._fan_out(inquiry, {"participant": message["html"], "facilitator": message["html"]})

    def _queue(self, inquiry, message):
        if message["seq"] <= self.last_seq.get(inquiry, 0):
            return
        self.pending[inquiry][message["seq"]] = message
        if inquiry in self.last_seq:  # else the join that is reading it will schedule the flush
            self._schedule(inquiry)

    def _schedule(self, inquiry):
        if inquiry not in self.flushing:
            loop = asyncio.get_running_loop()
            delay = max(TICK, self.pace.get(inquiry, 0.0))
            self.flushing[inquiry] = loop.call_later(delay, lambda: loop.create_task(self._flush(inquiry)))

    async def _flush(self, inquiry):
        self.flushing.pop(inquiry, None)
        # One flush at a time per inquiry, so frames leave in order; events that arrive meanwhile
        # schedule the next flush.
        async with self.locks[inquiry]:
            await self._flush_locked(inquiry)

    async def _flush_locked(self, inquiry):
        events = self.pending.pop(inquiry, {})
        last = self.last_seq.get(inquiry, 0)
        redacted = False
        if events and min(events) > last + 1:
            # Something was lost on the way (the layer delivers at most once): the database has it.
            filled, redacted = await _missing(inquiry, last, min(events), max(events))
            for event in filled:
                events.setdefault(event["seq"], event)
            last = self.last_seq.get(inquiry, 0)
        ordered = [events[seq] for seq in sorted(events) if seq > last]
        # Only a run without gaps goes out; what follows a gap waits for the next flush.
        run = []
        for event in ordered:
            if event["seq"] != last + len(run) + 1:
                break
            run.append(event)
        for event in ordered[len(run) :]:
            self._queue(inquiry, event)
        if not run:
            return
        self.last_seq[inquiry] = run[-1]["seq"]
        now = run[-1].get("now") or protocol.now_ms()
        frames = {
            kind: protocol.event_frame(run[-1]["seq"], "".join(e[kind] for e in run), now)
            for kind in ("participant", "facilitator")
        }
        wires = {kind: wire.text_frame(text) for kind, text in frames.items()}
        started = time.perf_counter()
        before = run[0]["seq"] - 1
        last = run[-1]["seq"]
        for count, consumer in enumerate(list(self.sockets.get(inquiry, ())), 1):
            if redacted and consumer.kind != "facilitator":
                # Never replay a participant's screen across a hide, delete or edit (docs/protocol.md).
                asyncio.get_running_loop().create_task(consumer.catch_up_again())
                continue
            try:
                # The common case inline (a socket that has seen everything up to this run, written to
                # directly); anything else goes through the consumer's own checks.
                direct = consumer.direct
                if (
                    consumer.last_seq == before
                    and direct is not None
                    and not consumer.catching_up
                    and direct.write(wires[consumer.kind])
                ):
                    consumer.last_seq = last
                    if consumer.held:
                        asyncio.get_running_loop().create_task(consumer.release_private())
                elif direct is None or not direct.closed():
                    await consumer.deliver(run, frames, wires)
            except Exception:
                # This socket missed the run: close it with a code the page reconnects on, so it
                # catches up from its last sequence number rather than silently staying behind.
                log.exception("hub: delivery to one socket failed; asking it to reconnect")
                await self._drop(consumer)
            if count % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        self.pace[inquiry] = time.perf_counter() - started

    async def _drop(self, consumer):
        try:
            await consumer.close(code=1012)
        except Exception:
            log.exception("hub: could not close a socket")

    async def _fan_out(self, inquiry, frames):
        wires = {kind: wire.text_frame(text) for kind, text in frames.items()}
        for consumer in list(self.sockets.get(inquiry, ())):
            if consumer.catching_up:
                continue  # its catch-up (a snapshot or replay) is about to bring the room as it is now
            try:
                direct = consumer.direct
                if direct is not None and (direct.write(wires[consumer.kind]) or direct.closed()):
                    continue  # written, or closing: its disconnect is on its way
                await consumer.send(frames[consumer.kind])
            except Exception:
                log.exception("hub: delivery to one socket failed")


hub = Hub()
