"""Closing a round when its timer runs out: each process that learns of a timer schedules one call for
it; the action is idempotent (it checks the deadline), so two processes doing it is harmless, and a post
after the deadline closes the round too if no process was left to do it."""

import asyncio

from channels.db import database_sync_to_async
from django.utils import timezone

_handles = {}


def schedule(inquiry_id, deadline):
    if deadline is None:
        return
    current = _handles.get(inquiry_id)
    if current is not None:
        if current[0] == deadline:
            return
        current[1].cancel()
    delay = max(0.0, (deadline - timezone.now()).total_seconds())
    loop = asyncio.get_running_loop()
    handle = loop.call_later(delay, lambda: asyncio.ensure_future(_expire(inquiry_id, deadline)))
    _handles[inquiry_id] = (deadline, handle)


async def _expire(inquiry_id, deadline):
    from inquiry.actions import expire_timer

    if _handles.get(inquiry_id, (None,))[0] == deadline:
        _handles.pop(inquiry_id, None)
    await database_sync_to_async(expire_timer)(inquiry_id, deadline)
