"""Per-process fan-out: one channel-layer subscription per process, delivering to local sockets.

Stock Channels fan-out (every socket in the inquiry's group) costs, per event and per recipient: a
channel-layer message, a dispatch with Channels' ``aclose_old_connections`` thread hop, and, on the
in-memory layer, an expiry sweep that makes a broadcast O(N^2). Here the process's one hub channel is the
only member of each inquiry's group it serves; an event arrives once per process, is ordered by its
sequence number (a gap is filled from the database, once per process), coalesced with whatever else
arrives within one tick, framed once per kind of screen, and written to each local socket directly.

``settings.LIVE_FANOUT = "group"`` switches back to stock group fan-out (the benchmark's baseline)."""

import asyncio
import contextvars
import logging
import time
from collections import defaultdict

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from inquiry.access import FACILITATOR

from . import presence, protocol, wire
from .events import REDACTED
from .models import Event
from .outages import OutageLog

log = logging.getLogger(__name__)

# How long the first event of a burst waits for others to share its frame.
TICK = 0.015
# A flush to many sockets takes a while (~25 us each): the next one waits at least as long as the last
# took, so under a burst each socket gets fewer, fuller frames and half the process stays free for the
# actions themselves. The loop also lets other work in between every YIELD_EVERY sockets.
YIELD_EVERY = 500


# How often each process joins its inquiries' groups again and checks their sequence numbers in the
# database, at most: a channel layer forgets a group member after its group expiry (a day by default),
# and Redis restarted without persistence forgets them all. A third of the group expiry when shorter.
REFRESH = settings.LIVE_REFRESH_SECONDS
# How long one call to the channel layer may take before it counts as failed: a Redis that hangs (no
# answer, no error) must not hold up a broadcast's local delivery or the catch-up from the database.
LAYER_TIMEOUT = 3.0


async def layer_call(awaitable):
    """Await one channel-layer call, failing (TimeoutError) after ``LAYER_TIMEOUT``."""
    return await asyncio.wait_for(awaitable, LAYER_TIMEOUT)


# While Redis was down every failed broadcast logged its traceback (73 in a restart of 5 s under a room of
# 20, bench.faults), burying whatever else the log said.
layer_log = OutageLog(
    logging.getLogger("sessions.layer"),
    "channel layer",
    "changes are still saved and screens catch up from the database",
)


@database_sync_to_async
def _current_seq(inquiry_id):
    from inquiry.models import Inquiry

    return Inquiry.objects.filter(pk=inquiry_id).values_list("seq", flat=True).first() or 0


@database_sync_to_async
def _current_seqs(inquiry_ids):
    from inquiry.models import Inquiry

    return dict(Inquiry.objects.filter(pk__in=inquiry_ids).values_list("pk", "seq"))


@database_sync_to_async
def _table_seqs(table_ids):
    from board.tables.models import Table

    return dict(Table.objects.filter(pk__in=table_ids).values_list("pk", "seq"))


@database_sync_to_async
def _missing(inquiry_id, after, through):
    """The events after ``after`` up to ``through`` (to fill a gap), and who must catch up on their own
    instead: "participant" when one of them took something participants saw off their screens (a frame
    of the stored fragments may still show it), "all" when one was redacted (its fragments are gone:
    sessions.events.redact), else None."""
    rows = Event.objects.filter(inquiry_id=inquiry_id, seq__gt=after, seq__lte=through).order_by("seq")
    rows = list(rows.only("seq", "type", "op", "data", "html_participant", "html_facilitator"))
    events = [
        {"seq": e.seq, "participant": e.html_participant, "facilitator": e.html_facilitator} for e in rows
    ]
    if any(e.data.get(REDACTED) for e in rows):
        return events, "all"
    return events, "participant" if any(e.redacts for e in rows) else None


class Hub:
    def __init__(self):
        self.layer = None
        self.channel = None
        self.task = None
        self.sockets = defaultdict(set)  # inquiry id -> consumers on this process
        self.own = defaultdict(set)  # (inquiry id, participant id) -> that participant's consumers here
        self.users = defaultdict(set)  # facilitator's user id -> their consumers here (any inquiry)
        self.tables = defaultdict(set)  # table id -> consumers here following it (board/tables)
        self.table_suspects = {}  # (consumer, table) -> a table seq it lacked at the last check
        self.last_seq = {}  # inquiry id -> last sequence number fanned out here
        self.reading = {}  # inquiry id -> the read of where its delivery starts (see join)
        self.pending = defaultdict(dict)  # inquiry id -> {seq: event}
        self.flushing = {}  # inquiry id -> scheduled flush
        self.pace = {}  # inquiry id -> how long its last flush took, s
        self.behind = {}  # inquiry id -> a sequence number the database has that was not delivered here
        self.presence_latest = {}  # inquiry id -> the last presence frame not yet sent here
        self.presence_waiting = {}  # inquiry id -> its scheduled sending
        self.presence_due = {}  # inquiry id -> loop time from which the next may go at once
        self.locks = defaultdict(asyncio.Lock)
        self.helpers = []  # the refresh loop, and a recovery while one runs
        self.recovery = None
        self.failing = False  # the layer failed and has not answered since
        self.delayed = False  # this process's screens show "live updates delayed" (see _recover)

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
        self.tables.clear()
        self.last_seq.clear()
        self.reading.clear()
        self.pending.clear()
        self.flushing.clear()
        self.pace.clear()
        self.behind.clear()
        for waiting in self.presence_waiting.values():
            waiting.cancel()
        self.presence_latest.clear()
        self.presence_waiting.clear()
        self.presence_due.clear()
        self.locks.clear()
        loop = asyncio.get_running_loop()
        self.task = loop.create_task(self._run())
        self.helpers = [loop.create_task(self._refresh())]
        presence.keep_alive()  # also corrects the count of screens here when another process dies

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
                await self._join_group(protocol.user_group(user), "joining an account's group")
        if first:
            # The read of where delivery starts comes after the group is joined, for every socket: one
            # joining while the first's join was on its way read it at once, before the process was in
            # the group, and what committed between that read and the join never arrived here nor was
            # caught up (a quiet room's screens stayed behind until the next change or the refresh).
            self.reading[inquiry] = asyncio.get_running_loop().create_task(self._subscribe(inquiry))
        if inquiry not in self.last_seq:
            # Every socket that joins before the read below is done waits for it: one that went on at
            # once would compare its catch-up with nothing (``fanned_out``: 0) and miss what committed
            # meanwhile, which the hub no longer sends (a restarted process, its room reconnecting at once).
            reading = self.reading.get(inquiry)
            if reading is None:
                reading = self.reading[inquiry] = asyncio.get_running_loop().create_task(
                    self._read_seq(inquiry)
                )
            try:
                await asyncio.shield(reading)
            except BaseException:
                await self.leave(consumer)
                raise

    async def _subscribe(self, inquiry):
        """Join the inquiry's group, then read where this process's delivery of it starts."""
        try:
            await self._join_group(protocol.inquiry_group(inquiry), "joining an inquiry's group")
        except BaseException:
            self.reading.pop(inquiry, None)
            raise
        await self._read_seq(inquiry)

    async def _read_seq(self, inquiry):
        """Where this process's delivery of ``inquiry`` starts: its sequence number now, read after
        joining the group, so whatever commits later arrives as a message."""
        try:
            seq = await _current_seq(inquiry)
        finally:
            self.reading.pop(inquiry, None)
        if inquiry in self.sockets and inquiry not in self.last_seq:
            self.last_seq[inquiry] = seq
            if self.pending.get(inquiry):
                self._schedule(inquiry)

    async def follow_tables(self, consumer, before, after):
        """``consumer`` now follows the tables ``after`` (it followed ``before``): the process's channel
        is in a table's group while any local socket follows it (sessions/tablefeed.py)."""
        await self._start()
        for table in before - after:
            local = self.tables.get(table)
            if local is None:
                continue
            local.discard(consumer)
            if not local:
                del self.tables[table]
                await self._leave_group(protocol.table_group(table), "leaving a table's group")
        for table in after - before:
            if not self.tables[table]:
                await self._join_group(protocol.table_group(table), "joining a table's group")
            self.tables[table].add(consumer)

    async def _join_group(self, group, what):
        try:
            await layer_call(self.layer.group_add(group, self.channel))
        except Exception as error:
            # The layer is down (Redis restarting) or hung: the screen still gets its catch-up from the
            # database, and the recovery joins every group again and fills in what was missed.
            layer_log.failure(what, error)
            self._recover()

    async def _leave_group(self, group, what):
        try:
            await layer_call(self.layer.group_discard(group, self.channel))
        except Exception as error:
            # The process's channel stays a member until the layer's group expiry, and meanwhile gets
            # messages it drops (the group has no local socket).
            layer_log.failure(what, error)

    def fanned_out(self, inquiry):
        """The last sequence number of ``inquiry`` this process knows to be out (sent, or read as current
        when its first socket joined)."""
        return self.last_seq.get(inquiry, 0)

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
                await self._leave_group(protocol.user_group(user), "leaving an account's group")
        # The awaits above let other sockets leave and join meanwhile: the inquiry is dropped only if this
        # set, now empty, is still the one registered (else another leave dropped it, or a join made anew).
        if not local and self.sockets.get(inquiry) is local:
            del self.sockets[inquiry]
            self.last_seq.pop(inquiry, None)
            self.pending.pop(inquiry, None)
            self.pace.pop(inquiry, None)
            self.behind.pop(inquiry, None)
            self.presence_latest.pop(inquiry, None)
            self.presence_due.pop(inquiry, None)
            presence.shown.pop(inquiry, None)
            waiting = self.presence_waiting.pop(inquiry, None)
            if waiting is not None:
                waiting.cancel()
            await self._leave_group(protocol.inquiry_group(inquiry), "leaving an inquiry's group")

    def reset(self):
        """Forget this process's subscriptions (tests: each test runs in a new event loop)."""
        for task in [self.task, self.recovery, *self.helpers]:
            if task is not None and not task.done():
                task.cancel()
        self.task = self.layer = self.channel = self.recovery = None
        self.helpers = []
        self.failing = self.delayed = False
        layer_log.reset()
        self.behind.clear()
        for handle in [*self.flushing.values(), *self.presence_waiting.values()]:
            handle.cancel()
        self.presence_latest.clear()
        self.presence_waiting.clear()
        self.presence_due.clear()
        self.sockets.clear()
        self.own.clear()
        self.users.clear()
        self.tables.clear()
        self.table_suspects = {}
        self.last_seq.clear()
        self.reading.clear()
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
            except Exception as error:
                # The layer itself failed (e.g. Redis went away, and with it, if it restarts without
                # persistence, every group): wait a little rather than spin, and recover once it is back.
                if not self.failing:
                    layer_log.failure("receiving", error)
                self.failing = True
                self._recover()
                await asyncio.sleep(1)
                continue
            self.failing = False
            try:
                await self._dispatch(message)
            except Exception:
                log.exception("hub: a message could not be delivered")

    def _recover(self):
        """Join every group again and catch up from the database, retrying until the layer answers.
        Meanwhile this process's screens say live updates are delayed, and each retry catches them up
        from the database (every 5 s at most), whatever the layer does."""
        if self.recovery is None or self.recovery.done():
            # In a context of its own: it may be started from a task the database thread queued, whose
            # context would make its database calls refuse to run (asgiref: "would deadlock").
            self.recovery = asyncio.get_running_loop().create_task(
                self._recovering(), context=contextvars.Context()
            )

    async def _recovering(self):
        await self._show_delayed(True)
        delay = 0.25
        while True:
            try:
                await self._resubscribe()
                layer_log.answered()
                break
            except Exception:
                log.debug("hub: recovery failed; retrying", exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        await self._show_delayed(False)

    async def _show_delayed(self, delayed):
        """Tell this process's screens, discreetly, whether live updates are delayed (the layer fails)."""
        if delayed == self.delayed:
            return
        self.delayed = delayed
        frame = protocol.delayed_frame(delayed)
        for inquiry in list(self.sockets):
            await self._fan_out(inquiry, {"participant": frame, "facilitator": frame})

    async def undelivered(self, message):
        """A broadcast the layer did not take (Redis down, hung or out of memory): this process's own
        screens get it at once, the others' from the database at their next catch-up, and recovery
        starts here."""
        if self.task is None or self.task.get_loop() is not asyncio.get_running_loop():
            return  # no hub on this loop (group fan-out, or a sync caller's own loop)
        self._recover()
        await self._dispatch(message)

    async def _refresh(self):
        """Join the groups again before the layer's group expiry, and notice what the layer lost."""
        interval = min(REFRESH, getattr(self.layer, "group_expiry", 86400) / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await self._resubscribe()
            except Exception as error:
                layer_log.failure("refreshing the groups", error)
                self._recover()
                continue
            if self.recovery is None or self.recovery.done():
                await self._show_delayed(False)

    async def _resubscribe(self):
        """Join every served inquiry's group again (the layer may have forgotten them), then compare each
        inquiry's sequence number in the database with what was delivered here: what was committed while
        the layer could not carry it is filled in from the ``Event`` table, in order, on every screen.
        The comparison is made even when joining fails (the layer is down, hung or out of memory): screens
        then converge from the database at each retry; the failure is raised afterwards."""
        groups = [protocol.inquiry_group(inquiry) for inquiry in list(self.sockets)]
        groups += [protocol.table_group(table) for table in list(self.tables)]
        groups += [protocol.user_group(user) for user in list(self.users)]
        failed = None
        for group in groups:
            try:
                await layer_call(self.layer.group_add(group, self.channel))
            except Exception as error:
                failed = error
                break  # the next would fail the same way, each after its own wait
        if self.sockets:
            for inquiry, seq in (await _current_seqs(list(self.sockets))).items():
                if inquiry in self.last_seq and seq > self.last_seq[inquiry]:
                    self.behind[inquiry] = max(seq, self.behind.get(inquiry, 0))
                    self._schedule(inquiry)
            await self._tables_behind()
        if failed is not None:
            raise failed

    async def _tables_behind(self):
        """A table's frames are not stored: a socket that lacked a table's change at the last check and
        still lacks it (the layer dropped it, not merely on its way) fetches the table's board afresh."""
        if not self.tables:
            self.table_suspects = {}
            return
        behind = {}
        for table, seq in (await _table_seqs(list(self.tables))).items():
            for consumer in self.tables.get(table, ()):
                if (consumer.table_seqs or {}).get(table, 0) < seq:
                    behind[consumer, table] = seq
        stale = {
            consumer
            for (consumer, table), seq in behind.items()
            if (consumer, table) in self.table_suspects
            and (consumer.table_seqs or {}).get(table, 0) < self.table_suspects[consumer, table]
        }
        self.table_suspects = behind
        for consumer in stale:
            asyncio.get_running_loop().create_task(consumer.tables_refresh())

    async def _dispatch(self, message):
        if message["type"] == "user.revoked":
            for consumer in list(self.users.get(message["user"], ())):
                await consumer.dispatch(message)
            return
        if message["type"] == "table.event":
            following = list(self.tables.get(message["table"], ()))
            frame = wire.text_frame(message["html"]) if following else None  # encoded once for all
            for consumer in following:
                await consumer.table_event(message, frame)
            return
        inquiry = message.get("inquiry")
        if inquiry not in self.sockets:
            return
        if message["type"] == "table.overview":
            for consumer in list(self.sockets[inquiry]):
                if consumer.actor.role == FACILITATOR:
                    await consumer.table_overview(message)
            return
        if message["type"] == "table.seating":
            for consumer in list(self.sockets[inquiry]):
                asyncio.get_running_loop().create_task(consumer.table_seating(message))
            return
        if message["type"] == "board.event":
            self._queue(inquiry, message)
        elif message["type"] in ("board.private", "participant.removed"):
            for consumer in list(self.own.get((inquiry, message["participant"]), ())):
                await consumer.dispatch(message)  # no database hop with the hub (InquiryConsumer.dispatch)
        elif message["type"] == "presence.update":
            await self._presence(inquiry, message["html"])

    async def _presence(self, inquiry, html):
        """A presence frame goes to this process's screens at most once per ``presence.spacing``: every
        process sends one for its own arrivals, so with several processes each screen got one from each
        (two Daphnes: twice the socket writes while a room connects). Each carries the whole count, so
        the latest to arrive is the one sent, at the next slot."""
        loop = asyncio.get_running_loop()
        self.presence_latest[inquiry] = html
        if inquiry in self.presence_waiting:
            return
        wait = self.presence_due.get(inquiry, 0.0) - loop.time()
        if wait > 0:
            self.presence_waiting[inquiry] = loop.call_later(
                wait, lambda: loop.create_task(self._presence_send(inquiry))
            )
            return
        await self._presence_send(inquiry)

    async def _presence_send(self, inquiry):
        self.presence_waiting.pop(inquiry, None)
        html = self.presence_latest.pop(inquiry, None)
        if html is None or inquiry not in self.sockets:
            return
        screens = len(self.sockets[inquiry])
        self.presence_due[inquiry] = asyncio.get_running_loop().time() + presence.spacing(screens)
        presence.shown[inquiry] = html
        await self._fan_out(inquiry, {"participant": html, "facilitator": html})

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
        through = max(max(events, default=0), self.behind.pop(inquiry, 0))
        redacted = None
        if through > last and len([seq for seq in events if seq > last]) < through - last:
            # Something was lost on the way (the layer delivers at most once): the database has it.
            if through - last <= settings.WS_REPLAY_LIMIT:
                filled, redacted = await _missing(inquiry, last, through)
            if through - last > settings.WS_REPLAY_LIMIT or redacted == "all":
                # Too much to replay, or fragments redacted: every screen catches up on its own.
                self.last_seq[inquiry] = through
                for consumer in list(self.sockets.get(inquiry, ())):
                    asyncio.get_running_loop().create_task(consumer.catch_up_again())
                return
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
            if redacted == "participant" and consumer.kind != "facilitator":
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
