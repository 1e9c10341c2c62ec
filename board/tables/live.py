"""A table's own stream. Every change of a table's board takes the table's next sequence number in its
transaction and, on commit, goes to the table's group only (``sessions.protocol.table_group``): the
table's screens and the facilitators' follow it; no other screen ever receives it. Each frame carries the
table's whole board (a table holds a few dozen cards), so a screen that missed one needs only the next,
or the current state on reconnect: there is nothing to replay across tables."""

from django.db.models import F
from django.utils import timezone

from sessions.events import send_on_commit
from sessions.protocol import inquiry_group, table_group

from . import render
from .models import Table


def publish_table(table, op, active=False):
    """Record a change of ``table`` and send its board on commit. With ``active`` (a change by someone at
    the table), its last activity is now. ``table.seq`` must have been read under the table's row lock
    (``actions._at_table``), else it is read here."""
    if active:
        table.last_activity = timezone.now()
    if getattr(table, "seq_locked", False):
        table.seq += 1
        Table.objects.filter(pk=table.pk).update(seq=table.seq, last_activity=table.last_activity)
    else:
        Table.objects.filter(pk=table.pk).update(seq=F("seq") + 1, last_activity=table.last_activity)
        table.seq = Table.objects.filter(pk=table.pk).values_list("seq", flat=True).get()
    html, row = render.table_frames(table)
    message = {
        "type": "table.event",
        "inquiry": table.breakout.inquiry_id,
        "table": table.pk,
        "seq": table.seq,
        "op": op,
        "html": html,
        "row": row,
    }
    send_on_commit(table_group(table.pk), message)


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
