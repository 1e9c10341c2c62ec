"""The tables' part of a live socket (board/tables): which tables' streams it follows, and relaying them.

A participant's socket follows the one table they sit at, a facilitator's every open table, the presenter view
none. What a socket follows changes with one "table.seating" message to the inquiry's group (tables opened or
closed, someone seated or moved; should the layer lose it, a participant's socket is re-seated, and a
facilitator's follows the open tables and sees who sits where again, by its process's re-check,
sessions/revocation.py); table events come from each table's own group. A table frame is the table's whole
board, led by its own header (``lw-tseq``: the table and its sequence number), so a screen never goes back in
time and never needs another table's stream to catch up."""

import asyncio

from channels.db import database_sync_to_async
from django.conf import settings

from board.tables import clock
from board.tables import render as tables_render
from board.tables.actions import seat_latecomer
from board.tables.models import Breakout
from inquiry.access import FACILITATOR, PARTICIPANT
from inquiry.models import Inquiry

from . import protocol
from .hub import hub

# (inquiry, sequence number) known to have had no tables at all then: a socket connecting at that number
# needs no trip to the database for them (an inquiry that never splits into tables costs a connect
# nothing). Tables opening is a sequenced change, so a later number is asked again.
_never = set()


@database_sync_to_async
def tables_state_db(actor):
    """(tables to follow, {table: seq}, the first frame, the open breakout's step deadline, and for a
    facilitator who sits where as the panel shows it, else None), or None when the inquiry has never had
    tables."""
    if actor.role != FACILITATOR and not Breakout.objects.filter(inquiry_id=actor.inquiry_id).exists():
        return None  # facilitators always get the panel: it is where they open tables
    breakout = tables_render.open_breakout(actor.inquiry_id)
    deadline = (
        (breakout.pk, breakout.step, breakout.step_ends_at) if breakout and breakout.step_ends_at else None
    )
    if actor.role == PARTICIPANT:
        table, seq, html = tables_render.phone_view(actor.participant_id, actor.inquiry_id)
        if table is None and breakout is not None and seat_latecomer(actor.inquiry_id, actor.participant_id):
            # Away when the tables opened (tables seat the people in the room), back now: seated as a
            # late joiner is.
            table, seq, html = tables_render.phone_view(actor.participant_id, actor.inquiry_id)
        return ({table} if table else set()), ({table: seq} if table else {}), html, deadline, None
    if actor.role == FACILITATOR:
        inquiry = Inquiry.objects.get(pk=actor.inquiry_id)
        tables = set()
        seqs = {}
        if breakout is not None:
            seqs = dict(breakout.tables.values_list("pk", "seq"))
            tables = set(seqs)
        seats, html = tables_render.facilitator_panel(inquiry)
        return tables, seqs, html, deadline, seats
    return (
        set(),
        {},
        tables_render.room_parts(breakout, inquiry_id=actor.inquiry_id),
        None,
        None,
    )


@database_sync_to_async
def seat_form_db(inquiry_id):
    return tables_render.seat_form(inquiry_id)


class TableFeed:
    """Mixed into the inquiry's consumer."""

    following = frozenset()
    table_seqs = None
    seats_shown = None  # a facilitator's: who sits at which table, as their form to move someone shows
    tables_reading = 0  # reads of this screen's tables in flight or waiting: table frames wait meanwhile
    tables_waiting = ()
    tables_lock = None

    async def tables_open(self):
        """After the room's catch-up: follow this screen's tables and send their current state."""
        self.table_seqs = {}
        key = (self.actor.inquiry_id, self.last_seq)
        if key in _never and self.actor.role != FACILITATOR:
            return
        if not await self.tables_refresh():
            if len(_never) > 4096:
                _never.clear()
            _never.add(key)

    async def tables_refresh(self):
        """Follow what this screen should and send it; False if the inquiry has never had tables. Table
        frames arriving meanwhile wait, and are applied after it in order (or dropped as older)."""
        self.tables_reading += 1
        return await self._tables_reread()

    def tables_refresh_soon(self):
        """A table frame is missing: read this screen's tables afresh (in the background: the hub hands
        every local socket its frames in one loop), holding the frames that come meanwhile from now."""
        self.tables_reading += 1
        asyncio.get_running_loop().create_task(self._tables_reread())

    async def _tables_reread(self):
        try:
            if self.tables_lock is None:
                self.tables_lock = asyncio.Lock()
            # One read at a time: each is newer than the one before, so a screen never goes back in time.
            async with self.tables_lock:
                return await self._tables_read()
        finally:
            self.tables_reading -= 1
            if not self.tables_reading and self.tables_waiting:
                waiting, self.tables_waiting = self.tables_waiting, ()
                for message in waiting:
                    await self.table_event(message)

    async def _tables_read(self):
        state = await tables_state_db(self.actor)
        if state is None:
            await self.tables_follow(frozenset())
            return False
        tables, seqs, html, deadline, seats = state
        await self.tables_follow(tables)
        self.seats_shown = seats
        # Reads are one at a time and frames wait for them, so what was read is never older than what
        # this screen shows; the check keeps it so.
        stale = any(seq < self.table_seqs.get(t, 0) for t, seq in seqs.items())
        for table, seq in seqs.items():
            self.table_seqs[table] = max(seq, self.table_seqs.get(table, 0))
        if html and not stale:
            await self.send(html)
        if deadline is not None:
            clock.schedule(*deadline)
        return True

    async def tables_follow(self, tables):
        tables = frozenset(tables)
        if tables == self.following:
            return
        before, self.following = self.following, tables
        if settings.LIVE_FANOUT == "hub":
            await hub.follow_tables(self, before, tables)
            return
        for table in before - tables:
            await self.channel_layer.group_discard(protocol.table_group(table), self.channel_name)
        for table in tables - before:
            await self.channel_layer.group_add(protocol.table_group(table), self.channel_name)

    async def tables_leave(self):
        await self.tables_follow(frozenset())

    async def table_event(self, message, wire=None):
        """A change of a table this screen follows (``wire``: the frame encoded for sockets, once for every
        local socket; sessions/wire.py). A whole board replaces what the screen shows if newer; a post's
        card applies only onto the frame just before it, else the table is read afresh."""
        table, seq = message["table"], message["seq"]
        if table not in self.following or self.table_seqs is None:
            return
        if self.tables_reading:
            if not self.tables_waiting:
                self.tables_waiting = []
            self.tables_waiting.append(message)
            return
        known = self.table_seqs.get(table, 0)
        if seq <= known:
            return
        if seq > known + 1 and not message["full"]:
            self.tables_refresh_soon()
            return
        self.table_seqs[table] = seq
        direct = getattr(self, "direct", None)
        if wire is None or direct is None or not direct.write(wire):
            await self.send(message["html"])

    async def table_overview(self, message):
        """The facilitators' overview rows of the tables changed in the last tick (board/tables/live.py)."""
        if self.actor is not None and self.actor.role == FACILITATOR and self.table_seqs is not None:
            await self.send(message["html"])

    async def table_seating(self, message):
        """Tables opened, closed or someone moved: follow what this screen now should, fetch it."""
        if self.table_seqs is None:
            return  # still connecting: its first tables frame is read after this
        role = self.actor.role
        if role == PARTICIPANT:
            mine = message["seats"].get(str(self.actor.participant_id))
            if mine is None and not message["everyone"]:
                return
        elif role == FACILITATOR:
            if message["tables"] is None:
                # Someone moved or seated late at a table there was: the tables are the same, only the
                # form to move someone changes.
                await self.tables_seats_refresh()
                return
        elif not message["everyone"]:
            return
        await self.tables_refresh()

    async def tables_seats_refresh(self):
        """A facilitator's form to move someone, read afresh and sent (after any read of the panel in
        flight, so it is never older than the panel)."""
        if self.tables_lock is None:
            self.tables_lock = asyncio.Lock()
        async with self.tables_lock:
            seats, html = await seat_form_db(self.actor.inquiry_id)
            self.seats_shown = seats
            await self.send(html)

    def after_action(self, message, result):
        """A recipe's step with a deadline: schedule its end on this process."""
        breakout = getattr(result, "step_ends_at", None) and result
        if breakout is not None and message.type in ("tables", "recipe"):
            clock.schedule(breakout.pk, breakout.step, breakout.step_ends_at)
