"""Who is here now: one row per open participant socket, counted by sector.

Counts change with every connect and disconnect; instead of an event each time, each process sends at
most one presence frame per inquiry per PRESENCE_INTERVAL, read from the database (so every process's
sockets are counted)."""

import asyncio
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .events import broadcast
from .models import Presence
from .outages import DATABASE_DOWN, describe
from .protocol import inquiry_group

log = logging.getLogger(__name__)

PRESENCE_INTERVAL = 1.0
# A presence frame goes to every screen of the inquiry on this process (~25 us each): with many screens
# here the frames are spaced so that they cost at most this many socket writes a second (10,000
# screens: one every 5 s), rather than a quarter of a core for as long as a room keeps arriving.
PRESENCE_WRITES_PER_SECOND = 2000
SERVER = f"{socket.gethostname()}:{os.getpid()}"
# Each process marks its rows as seen this often; rows a crashed process left behind stop counting
# after STALE_AFTER without a heartbeat, and the next heartbeat of any process deletes them.
HEARTBEAT = settings.PRESENCE_HEARTBEAT_SECONDS
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT)

_scheduled = {}
_heartbeat = None


_cache = {}
CACHE_FOR = 1.0


def counts(inquiry_id, sectors, fresh=False):
    """Participants connected now, by sector: read at most once a second per inquiry per process, unless
    ``fresh`` (a presence frame: a count from before the arrivals it just wrote would be the last word)."""
    now = time.monotonic()
    cached = _cache.get(inquiry_id)
    if not fresh and cached is not None and now - cached[0] < CACHE_FOR and cached[1] == tuple(sectors):
        return cached[2]
    result = _count(inquiry_id, sectors)
    _cache[inquiry_id] = (now, tuple(sectors), result)
    return result


def _count(inquiry_id, sectors):
    fresh = Presence.objects.filter(inquiry_id=inquiry_id, seen__gte=timezone.now() - STALE_AFTER)
    by_sector = dict(fresh.values_list("sector").annotate(n=Count("participant_id", distinct=True)))
    total = fresh.values("participant_id").distinct().count()
    return {"total": total, "sectors": [(sector, by_sector.get(sector, 0)) for sector in sectors]}


# Arrivals are written together, by the presence frame that every arrival schedules (``changed``): a
# room connecting at once costs one INSERT of many rows a second, not a write (on SQLite, a commit) per
# socket in the database thread the connects queue on.
_arrived = {}  # channel name -> Presence row not written yet
_arrived_lock = threading.Lock()


def arrive(inquiry_id, participant, channel_name):
    """Count this socket from the next write of arrivals on (the next presence frame's)."""
    row = Presence(
        inquiry_id=inquiry_id,
        participant=participant,
        sector=participant.sector,
        channel_name=channel_name,
        server=SERVER,
        seen=timezone.now(),
    )
    with _arrived_lock:
        _arrived[channel_name] = row


def write_arrivals():
    """Store the rows of the sockets that arrived since the last write."""
    with _arrived_lock:  # held while writing: a socket leaving meanwhile finds its row written or not
        rows = list(_arrived.values())
        _arrived.clear()
        if not rows:
            return
        try:
            with transaction.atomic():
                Presence.objects.bulk_create(rows, batch_size=500)
        except IntegrityError:
            # A channel name seen before (a row left behind: replaced), or an inquiry or participant
            # deleted meanwhile (nothing to count): one at a time.
            fields = ("inquiry_id", "participant_id", "sector", "server")
            for row in rows:
                try:
                    with transaction.atomic():
                        Presence.objects.update_or_create(
                            channel_name=row.channel_name, defaults={f: getattr(row, f) for f in fields}
                        )
                except IntegrityError:
                    pass


def leave(channel_name):
    """The socket closed: it no longer counts, and its participant was last seen now."""
    from inquiry.models import Participant

    now = timezone.now()
    with _arrived_lock:
        row = _arrived.pop(channel_name, None)
    if row is not None:  # never written
        Participant.objects.filter(pk=row.participant_id).update(last_seen=now)
        return
    rows = Presence.objects.filter(channel_name=channel_name)
    # Each statement touches one table: an UPDATE with a subquery on Presence would lock both tables, and
    # could deadlock against a statement that locks them in the other order (a TRUNCATE of both).
    participant_ids = list(rows.values_list("participant_id", flat=True))
    if participant_ids:
        Participant.objects.filter(pk__in=participant_ids).update(last_seen=now)
    rows.delete()


# Who is in the room, for seating people at tables (board/tables/actions.py): connected now, or gone less
# than this long ago. A page reloading, or a phone whose network dropped for a moment, is back within it
# (the page reconnects after a random wait of up to 1, 2, 4 then 8 s: under 15 s in all), so it keeps
# its place in the seating; a browser closed long before is not given a seat nobody will sit in (a "pair"
# of one). Whoever is missed comes back to a seat: their socket seats them as a late joiner.
JUST_LEFT = timedelta(seconds=20)


def in_room(inquiry_id):
    """The inquiry's participants (not removed) connected now (as counted), whose socket closed within
    JUST_LEFT, or who joined within it (their page is connecting, and each process writes its arrivals
    together, a second or more later: this one's are written first)."""
    from inquiry.models import Participant

    write_arrivals()
    now = timezone.now()
    connected = Presence.objects.filter(inquiry_id=inquiry_id, seen__gte=now - STALE_AFTER)
    recent = now - JUST_LEFT
    return Participant.objects.filter(inquiry_id=inquiry_id, removed=False).filter(
        Q(pk__in=connected.values("participant_id")) | Q(last_seen__gte=recent) | Q(joined__gte=recent)
    )


def _render(inquiry_id):
    from inquiry.models import Inquiry

    write_arrivals()  # count every socket connected by now
    inquiry = Inquiry.objects.filter(pk=inquiry_id).first()
    if inquiry is None:  # deleted meanwhile
        return None
    from board.render import presence_shown

    now = presence_shown(counts(inquiry_id, inquiry.sectors, fresh=True), inquiry.k_threshold)
    return render_to_string("board/board.html#presence", {"presence": now, "oob": True})


# Sockets of this process that closed while their row could not be removed (the database did not
# answer): the heartbeat removes them, or it would keep them counted.
departed = set()


def _beat(here):
    """Mark this process's rows as seen, put back the rows of its open sockets that are missing (another
    process swept them while this one could not reach the database), and delete any process's rows not
    seen for STALE_AFTER (a process that died). ``here``: this process's participant sockets."""
    gone = set(departed)
    if gone:
        Presence.objects.filter(channel_name__in=gone).delete()
        departed.difference_update(gone)
    write_arrivals()
    now = timezone.now()
    Presence.objects.filter(seen__lt=now - STALE_AFTER).delete()
    marked = Presence.objects.filter(server=SERVER).update(seen=now)
    if marked < len(here):
        _restore([consumer for consumer in here if not consumer.gone])


def _restore(open_sockets):
    """Write the rows of open sockets that have none. A socket that leaves after this check has its row
    deleted after this (its ``disconnect_db`` queues behind the heartbeat on the database thread)."""
    from inquiry.models import Participant

    names = {consumer.socket_id for consumer in open_sockets}
    missing = names - set(
        Presence.objects.filter(channel_name__in=names).values_list("channel_name", flat=True)
    )
    if not missing:
        return
    sockets = [consumer for consumer in open_sockets if consumer.socket_id in missing]
    ids = {consumer.actor.participant_id for consumer in sockets}
    participants = {p.pk: p for p in Participant.objects.filter(pk__in=ids)}
    for consumer in sockets:
        participant = participants.get(consumer.actor.participant_id)
        if participant is not None:
            arrive(consumer.actor.inquiry_id, participant, consumer.socket_id)
    write_arrivals()


# The presence frame this process's screens were last sent, per inquiry (sessions/hub.py).
shown = {}


def _recount(inquiry_ids):
    """The inquiries whose count now differs from what this process's screens last showed."""
    return [inquiry for inquiry in inquiry_ids if _render(inquiry) not in (None, shown.get(inquiry))]


async def _heartbeat_loop():
    from .hub import hub

    while True:
        await asyncio.sleep(HEARTBEAT)
        here = [c for local in list(hub.sockets.values()) for c in list(local) if c.actor.participant_id]
        try:
            await database_sync_to_async(_beat)(here)
            # Sockets a dead process held, or rows this one lost during an outage, change the count
            # without anyone connecting: correct every screen.
            for inquiry in await database_sync_to_async(_recount)(list(hub.sockets)):
                changed(inquiry, None)
        except Exception as error:
            # The database did not answer: the next beat tries again (a dead heartbeat would let every
            # row here go stale, and the count drop for good).
            log.warning(
                "presence: the heartbeat failed (%s); trying again at the next",
                describe(error),
                exc_info=not isinstance(error, DATABASE_DOWN),
            )


def keep_alive():
    """Start this process's presence heartbeat (once per event loop)."""
    global _heartbeat
    loop = asyncio.get_running_loop()
    if _heartbeat is None or _heartbeat.done() or _heartbeat.get_loop() is not loop:
        _heartbeat = loop.create_task(_heartbeat_loop())


def spacing(screens):
    """Seconds between two presence frames to ``screens`` sockets of one process."""
    return max(PRESENCE_INTERVAL, screens / PRESENCE_WRITES_PER_SECOND)


def changed(inquiry_id, channel_layer):
    """Schedule one presence frame for this inquiry from this process (coalescing bursts of joins)."""
    loop = asyncio.get_running_loop()
    key = (id(loop), inquiry_id)
    if key in _scheduled:
        return
    from .hub import hub

    delay = spacing(len(hub.sockets.get(inquiry_id, ())))
    _scheduled[key] = loop.call_later(
        delay, lambda: asyncio.ensure_future(_broadcast(key, inquiry_id, channel_layer))
    )


async def _broadcast(key, inquiry_id, channel_layer):
    _scheduled.pop(key, None)
    try:
        html = await database_sync_to_async(_render)(inquiry_id)
    except Exception as error:
        log.warning(
            "presence: the count could not be read (%s); the heartbeat sends it",
            describe(error),
            exc_info=not isinstance(error, DATABASE_DOWN),
        )
        return
    if html is None:
        return
    await broadcast(
        inquiry_group(inquiry_id), {"type": "presence.update", "inquiry": inquiry_id, "html": html}
    )
