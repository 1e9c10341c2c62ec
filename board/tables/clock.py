"""A recipe's step ends by itself: each process that learns of a step's deadline schedules one call;
the action is idempotent (it checks the step and its deadline), so two processes doing it is harmless."""

import asyncio

from channels.db import database_sync_to_async
from django.utils import timezone

_handles = {}


def schedule(breakout_id, step, deadline):
    if deadline is None:
        return
    key = breakout_id
    current = _handles.get(key)
    if current is not None:
        if current[0] == (step, deadline):
            return
        current[1].cancel()
    delay = max(0.0, (deadline - timezone.now()).total_seconds()) + 0.05
    loop = asyncio.get_running_loop()
    handle = loop.call_later(delay, lambda: asyncio.ensure_future(_advance(breakout_id, step, deadline)))
    _handles[key] = ((step, deadline), handle)


async def _advance(breakout_id, step, deadline):
    from .actions import advance_if_due

    if _handles.get(breakout_id, ((None, None),))[0] == (step, deadline):
        _handles.pop(breakout_id, None)
    result = await database_sync_to_async(advance_if_due)(breakout_id, step)
    if result is not None and result.step_ends_at is not None:
        schedule(result.pk, result.step, result.step_ends_at)
