"""Who is here now: one row per open participant socket, counted by sector.

Counts change with every connect and disconnect; instead of an event each time, each process sends at
most one presence frame per inquiry per PRESENCE_INTERVAL, read from the database (so every process's
sockets are counted)."""

import asyncio
import os
import socket
from datetime import timedelta

from channels.db import database_sync_to_async
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Presence
from .protocol import inquiry_group

PRESENCE_INTERVAL = 1.0
SERVER = f"{socket.gethostname()}:{os.getpid()}"
# Rows a crashed process left behind stop counting after this long without a heartbeat.
STALE_AFTER = timedelta(minutes=10)

_scheduled = {}


def counts(inquiry_id, sectors):
    fresh = Presence.objects.filter(inquiry_id=inquiry_id, seen__gte=timezone.now() - STALE_AFTER)
    by_sector = dict(fresh.values_list("sector").annotate(n=Count("participant_id", distinct=True)))
    total = fresh.values("participant_id").distinct().count()
    return {"total": total, "sectors": [(sector, by_sector.get(sector, 0)) for sector in sectors]}


def arrive(inquiry_id, participant, channel_name):
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "inquiry_id": inquiry_id,
            "participant": participant,
            "sector": participant.sector,
            "server": SERVER,
        },
    )


def leave(channel_name):
    Presence.objects.filter(channel_name=channel_name).delete()


def _render(inquiry_id):
    from inquiry.models import Inquiry

    inquiry = Inquiry.objects.get(pk=inquiry_id)
    return render_to_string(
        "board/board.html#presence", {"presence": counts(inquiry_id, inquiry.sectors), "oob": True}
    )


def changed(inquiry_id, channel_layer):
    """Schedule one presence frame for this inquiry from this process (coalescing bursts of joins)."""
    if inquiry_id in _scheduled:
        return
    loop = asyncio.get_running_loop()
    _scheduled[inquiry_id] = loop.call_later(
        PRESENCE_INTERVAL, lambda: asyncio.ensure_future(_broadcast(inquiry_id, channel_layer))
    )


async def _broadcast(inquiry_id, channel_layer):
    _scheduled.pop(inquiry_id, None)
    html = await database_sync_to_async(_render)(inquiry_id)
    await channel_layer.group_send(
        inquiry_group(inquiry_id), {"type": "presence.update", "inquiry": inquiry_id, "html": html}
    )
