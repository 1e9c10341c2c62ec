"""Each process re-checks, every ``settings.LIVE_RECHECK_SECONDS``, that its open sockets may still see
their room: a participant a facilitator removed, a facilitator account suspended or removed.

Removal and suspension close the sockets at once through the channel layer (``participant.removed``,
``user.revoked``: sessions/events.py), but the layer delivers at most once: a message it drops (over capacity,
Redis restarting) would leave the socket reading the room's live events until it happened to catch up. So the
database is asked here too, for every local socket at once (four queries at most, whatever the number of
sockets), and a socket whose standing has gone is closed as the lost message would have closed it. Both
fan-outs (the hub and stock groups) register their sockets here.

The same holds for who follows which table (board/tables): a participant the facilitator moved stops
following their old table when ``table.seating`` reaches their socket (sessions/tablefeed.py). Were that
message lost, the phone would go on receiving the old table's posts, a table it no longer sits at. So the
sweep also reads the open tables' seats of the inquiries served here, and a participant's socket that
follows anything other than their seat is re-seated as the message would have done it. A facilitator's
socket follows every open table, and their tables panel lists who sits where (the form to move someone):
one that follows other tables than the open ones (tables opened or closed, a latecomer seated at a table
of their own) gets the panel afresh; one whose list of who sits where differs from the seats (someone
moved or seated late), that list."""

import asyncio
import contextvars
import logging
from collections import defaultdict

from channels.db import database_sync_to_async
from django.conf import settings

from inquiry.access import FACILITATOR

log = logging.getLogger(__name__)


@database_sync_to_async
def _standing(inquiry_ids, user_ids, facilitated=frozenset()):
    """(participants of ``inquiry_ids`` a facilitator removed, the ``user_ids`` still active, the seats
    at the open tables of ``inquiry_ids`` and ``facilitated``: {participant id: table id}, and the open
    tables of ``facilitated`` with their seats: {inquiry id: (tables, {(participant, table)})})."""
    from django.contrib.auth import get_user_model

    from board.tables.models import Seat, Table
    from inquiry.models import Participant

    removed, seats, tables = set(), {}, defaultdict(lambda: (set(), set()))
    if inquiry_ids:
        found = Participant.objects.filter(inquiry_id__in=inquiry_ids, removed=True)
        removed = set(found.values_list("pk", flat=True))
    # An inquiry has one open breakout at most, a participant one seat in it.
    found = Seat.objects.filter(breakout__closed=False).order_by()
    if facilitated:
        # Who sits where by inquiry too, for the facilitators' lists (only where they have screens here).
        found = found.filter(breakout__inquiry_id__in={*inquiry_ids, *facilitated})
        for inquiry, participant, table in found.values_list(
            "breakout__inquiry_id", "participant_id", "table_id"
        ):
            seats[participant] = table
            if inquiry in facilitated:
                tables[inquiry][1].add((participant, table))
    elif inquiry_ids:
        found = found.filter(breakout__inquiry_id__in=inquiry_ids)
        seats = dict(found.values_list("participant_id", "table_id"))
    if facilitated:
        found = Table.objects.filter(breakout__inquiry_id__in=facilitated, breakout__closed=False)
        for inquiry, table in found.order_by().values_list("breakout__inquiry_id", "pk"):
            tables[inquiry][0].add(table)
    active = set()
    if user_ids:
        found = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
        active = set(found.values_list("pk", flat=True))
    seating = {inquiry: (frozenset(t), frozenset(s)) for inquiry, (t, s) in tables.items()}
    return removed, active, seats, seating


class Revocations:
    def __init__(self):
        self.participants = defaultdict(set)  # participant id -> their sockets here
        self.users = defaultdict(set)  # facilitator's user id -> their sockets here (board and presenter)
        self.inquiries = defaultdict(int)  # inquiry id -> how many participants' sockets here
        self.facilitated = defaultdict(int)  # inquiry id -> how many facilitators' board sockets here
        self.task = None
        self.failing = False
        self.sweeps = 0  # how many have run (tests wait on it)

    def watch(self, consumer):
        """Re-check ``consumer``'s standing from now until ``forget``."""
        self._start()
        actor = consumer.actor
        if actor.participant_id:
            self.participants[actor.participant_id].add(consumer)
            self.inquiries[actor.inquiry_id] += 1
        if actor.user_id:
            if actor.role == FACILITATOR and consumer not in self.users.get(actor.user_id, ()):
                self.facilitated[actor.inquiry_id] += 1
            self.users[actor.user_id].add(consumer)

    def forget(self, consumer):
        actor = consumer.actor
        if actor.participant_id and consumer in self.participants.get(actor.participant_id, ()):
            self._discard(self.participants, actor.participant_id, consumer)
            self._count_down(self.inquiries, actor.inquiry_id)
        if actor.user_id and consumer in self.users.get(actor.user_id, ()):
            self._discard(self.users, actor.user_id, consumer)
            if actor.role == FACILITATOR:
                self._count_down(self.facilitated, actor.inquiry_id)

    @staticmethod
    def _count_down(counts, key):
        counts[key] -= 1
        if counts[key] <= 0:
            del counts[key]

    @staticmethod
    def _discard(sockets, key, consumer):
        sockets[key].discard(consumer)
        if not sockets[key]:
            del sockets[key]

    def _start(self):
        loop = asyncio.get_running_loop()
        if self.task is not None and not self.task.done() and self.task.get_loop() is loop:
            return
        self.participants.clear()  # sockets of another event loop (tests: each test runs in its own)
        self.users.clear()
        self.inquiries.clear()
        self.facilitated.clear()
        # In a context of its own, as the hub's recovery: the socket's task that starts it may have been
        # queued by the database thread, whose context would make the sweep's database calls refuse to run.
        self.task = loop.create_task(self._run(), context=contextvars.Context())

    def reset(self):
        """Forget every socket and stop re-checking (tests: each test runs in a new event loop)."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.task = None
        self.failing = False
        self.participants.clear()
        self.users.clear()
        self.inquiries.clear()
        self.facilitated.clear()

    async def _run(self):
        while True:
            # Read each time, so a test (or an operator's settings override) may shorten it.
            await asyncio.sleep(settings.LIVE_RECHECK_SECONDS)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The database is away, most likely: one line, not a traceback per sweep; the next sweep
                # tries again, and every message from a socket is checked at its action anyway.
                if not self.failing:
                    name = type(error).__name__
                    log.warning("re-checking open sockets failed (%s: %s); retrying", name, error)
                    log.debug("re-checking open sockets failed", exc_info=True)
                self.failing = True
            else:
                self.failing = False

    async def sweep(self):
        """Close every local socket whose participant was removed or whose account is no longer active;
        re-seat every participant's socket that follows another table than theirs."""
        self.sweeps += 1
        if not self.participants and not self.users:
            return
        removed, active, seats, seating = await _standing(
            list(self.inquiries), list(self.users), set(self.facilitated)
        )
        closing = [
            (consumer, "participant_removed")
            for participant in removed
            for consumer in self.participants.get(participant, ())
        ]
        closing += [
            (consumer, "user_revoked")
            for user, sockets in self.users.items()
            if user not in active
            for consumer in sockets
        ]
        for consumer, how in closing:
            self.forget(consumer)
            asyncio.get_running_loop().create_task(getattr(consumer, how)({"reason": None}))
        for consumer in self._unseated(seats, removed):
            # As ``table.seating`` would have: follow the seat the database has, and fetch its board.
            asyncio.get_running_loop().create_task(consumer.tables_refresh())
        for consumer, refresh in self._stale_panels(seating, {c for c, _ in closing}):
            asyncio.get_running_loop().create_task(getattr(consumer, refresh)())

    def _unseated(self, seats, removed):
        """Participants' sockets here following other tables than their seat at the open tables (a
        socket still connecting, ``table_seqs`` None, reads its tables once connected)."""
        unseated = []
        for participant, sockets in self.participants.items():
            if participant in removed:
                continue
            table = seats.get(participant)
            seat = frozenset() if table is None else frozenset((table,))
            unseated += [
                consumer
                for consumer in sockets
                if consumer.table_seqs is not None and consumer.following != seat
            ]
        return unseated

    def _stale_panels(self, seating, closing):
        """Facilitators' sockets here whose tables panel is not what the database has: (socket, how to
        refresh it): the whole panel when it follows other tables than the open ones, else the form to
        move someone when it lists other seats (a socket still connecting reads its panel once
        connected)."""
        stale = []
        for sockets in self.users.values():
            for consumer in sockets:
                actor = consumer.actor
                if actor.role != FACILITATOR or consumer.table_seqs is None or consumer in closing:
                    continue
                tables, seats = seating.get(actor.inquiry_id, (frozenset(), frozenset()))
                if consumer.following != tables:
                    stale.append((consumer, "tables_refresh"))
                elif consumer.seats_shown is not None and consumer.seats_shown != seats:
                    stale.append((consumer, "tables_seats_refresh"))
        return stale


revocations = Revocations()
