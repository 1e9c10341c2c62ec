"""A table's own stream. Every change of a table's board takes the table's next sequence number in its
transaction and, on commit, goes to the table's group only (``sessions.protocol.table_group``): the
table's screens and the facilitators' follow it; no other screen ever receives it. A post's frame carries
the new card alone; every other change's frame, the table's whole board (a table holds a few dozen cards).
A screen applies a card only onto the frame just before it: one that sees a gap (the channel layer
delivers at most once) reads the table's board afresh (sessions/tablefeed.py), as on reconnect: there is
nothing to replay across tables."""

import contextvars
import logging

from channels.db import database_sync_to_async
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sessions.events import send_now, send_on_commit, server_loop
from sessions.protocol import inquiry_group, table_group, table_seq_frame

from . import render
from .models import Table

log = logging.getLogger(__name__)


def publish_table(table, op, active=False, html=None):
    """Record a change of ``table`` and send it to the table's group on commit: ``html``, the change
    alone (a card posted), which a screen applies only onto the frame just before it; else the table's
    whole board. With ``active`` (a change by someone at the table), its last activity is now.
    ``table.seq`` must have been read under the table's row lock (``actions._at_table``), else it is read
    here. The facilitators' overview row follows within a tick (``overview_changed``)."""
    if active:
        table.last_activity = timezone.now()
    if getattr(table, "seq_locked", False):
        table.seq += 1
        Table.objects.filter(pk=table.pk).update(seq=table.seq, last_activity=table.last_activity)
    else:
        Table.objects.filter(pk=table.pk).update(seq=F("seq") + 1, last_activity=table.last_activity)
        table.seq = Table.objects.filter(pk=table.pk).values_list("seq", flat=True).get()
    full = html is None
    if full:
        html = render.table_frame(table)
    message = {
        "type": "table.event",
        "inquiry": table.breakout.inquiry_id,
        "table": table.pk,
        "seq": table.seq,
        "op": op,
        "full": full,
        # Framed once for every screen of the table, led by its header (the table, its sequence number).
        "html": table_seq_frame(table.pk, table.seq) + html,
    }
    send_on_commit(table_group(table.pk), message)
    inquiry_id = table.breakout.inquiry_id
    transaction.on_commit(lambda: overview_changed(inquiry_id, table.pk))


# The facilitators' overview of every table (people, cards, last activity, picks, the lens) changes with
# each table's change. Its rows go in one frame a tick, for the tables changed in it, read and rendered
# once per process, never with each change (at 50 posts a second that was a quarter of each post's cost).
OVERVIEW_TICK = 0.5
_changed = {}  # (event loop, inquiry id) -> its tables changed since this process's last overview frame


def overview_changed(inquiry_id, table_id):
    """After a table's change commits: its overview row goes out with the next tick's frame (at once
    where no server's loop runs, as in a management command)."""
    loop = server_loop()
    if loop is None:
        send_overview(inquiry_id, {table_id})
        return
    # In a context of its own: the database thread's would make the flush's database call (from the
    # loop) look like a call from inside that thread (asgiref refuses it: it would deadlock).
    loop.call_soon_threadsafe(_mark_changed, loop, inquiry_id, table_id, context=contextvars.Context())


def _mark_changed(loop, inquiry_id, table_id):
    key = (loop, inquiry_id)
    changed = _changed.get(key)
    if changed is None:
        changed = _changed[key] = set()
        loop.call_later(OVERVIEW_TICK, lambda: loop.create_task(_flush_overview(key)))
    changed.add(table_id)


async def _flush_overview(key):
    inquiry_id, changed = key[1], _changed.pop(key, set())
    try:
        await database_sync_to_async(send_overview)(inquiry_id, changed)
    except Exception:
        log.exception("the tables' overview could not be sent; the next change sends its row again")


def send_overview(inquiry_id, table_ids):
    """The overview rows of ``table_ids`` to the inquiry's facilitators' screens (the hub, or each
    socket with group fan-out, hands it to facilitators only: sessions/tablefeed.py)."""
    html = render.overview_frame(table_ids)
    if html:
        send_now(inquiry_group(inquiry_id), {"type": "table.overview", "inquiry": inquiry_id, "html": html})


def send_seating(breakout, everyone=False, seats=None, new_table=False):
    """After commit, tell the inquiry's screens who now follows which table: one message for the room,
    from which each process hands each socket its own table only (``everyone``: the whole seating, as
    tables open or close; else ``seats`` {participant id: table id}). Facilitators follow every table:
    the list of tables comes when it changed."""
    if everyone:
        seats = {} if breakout.closed else dict(breakout.seats.values_list("participant_id", "table_id"))
    tables = None
    if everyone or new_table:
        tables = [] if breakout.closed else list(breakout.tables.values_list("pk", flat=True))
    message = {
        "type": "table.seating",
        "inquiry": breakout.inquiry_id,
        "breakout": breakout.pk,
        "everyone": everyone,
        "tables": tables,
        "seats": {str(pid): tid for pid, tid in (seats or {}).items()},
    }
    send_on_commit(inquiry_group(breakout.inquiry_id), message)
