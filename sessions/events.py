"""Publishing a change: a sequence number in the change's transaction, a broadcast after its commit."""

import asyncio
import contextvars
import os
import re

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from .models import Event
from .protocol import EVENTS, inquiry_group, now_ms, participant_group, user_group


def publish(inquiry, kind, op, data, fragments):
    """Record one change of ``inquiry`` and broadcast it once the transaction commits.

    ``inquiry`` must have been locked by the caller's transaction (``board.changes.changing``), so that
    sequence order is commit order. ``fragments`` maps role kind ("participant", "facilitator") to the
    HTML every screen of that kind applies."""
    assert (kind, op) in EVENTS, f"{kind}.{op} is not a declared event"
    inquiry.seq += 1
    type(inquiry).objects.filter(pk=inquiry.pk).update(seq=inquiry.seq)
    event = Event.objects.create(
        inquiry=inquiry,
        seq=inquiry.seq,
        type=kind,
        op=op,
        data=data,
        html_participant=fragments["participant"],
        html_facilitator=fragments["facilitator"],
    )
    message = {
        "type": "board.event",
        "inquiry": inquiry.pk,
        "seq": event.seq,
        "participant": event.html_participant,
        "facilitator": event.html_facilitator,
    }
    group = inquiry_group(inquiry.pk)
    transaction.on_commit(lambda: _send(group, message))
    return event


def send_on_commit(group, message):
    """After commit, hand an unsequenced message to a group (board/tables: a table's own stream)."""
    transaction.on_commit(lambda: _send(group, message))


def send_now(group, message):
    """Hand an unsequenced message to a group now (from a database thread or sync code)."""
    _send(group, message)


def server_loop():
    """The running server's event loop when called from its database thread, else None."""
    return _server_loop()


def _send(group, message):
    """Hand a message to the channel layer. From a database thread of a running server, the send is
    queued on the event loop without waiting for it: the database thread serves every socket's actions,
    and blocking it on a busy loop would queue every post behind the broadcasts (sequence numbers keep
    the order, and a lost send is recovered from the Event table)."""
    message = {**message, "now": now_ms()} if message["type"] == "board.event" else message
    loop = _server_loop()
    if loop is None:
        try:
            async_to_sync(_layer_send)(group, message)
        except Exception as error:
            _failed(error)
            _deliver_here(message)
        return
    # A context of its own: the database thread's marks asgiref's thread-sensitive executor as in use, and
    # a task that inherited it could not use the database (the hub's local delivery and catch-up do).
    loop.call_soon_threadsafe(
        lambda: loop.create_task(broadcast(group, message)), context=contextvars.Context()
    )


async def _layer_send(group, message):
    from .hub import layer_call, layer_log

    await layer_call(get_channel_layer().group_send(group, message))
    layer_log.answered()


def _failed(error):
    """A broadcast the layer did not take: counted in the log, not a traceback each (Redis down under a
    busy room is several a second); screens recover the change by sequence number."""
    from .hub import layer_log

    layer_log.failure("a broadcast", error)


async def broadcast(group, message):
    """Send a message to a group; when the layer fails (Redis down, hung, out of memory), this process's
    own screens get it at once all the same (the hub), and the others' catch up from the database."""
    from .hub import hub

    try:
        await _layer_send(group, message)
    except Exception as error:
        _failed(error)
        await hub.undelivered(message)


def _deliver_here(message):
    """From a thread without a server loop of its own (an HTTP request's): hand a message the layer did
    not take to this process's hub, on its loop."""
    from .hub import hub

    loop = hub.task.get_loop() if hub.task is not None else None
    if loop is not None and loop.is_running() and not loop.is_closed():
        loop.call_soon_threadsafe(
            lambda: loop.create_task(hub.undelivered(message)), context=contextvars.Context()
        )


def _server_loop():
    """The event loop that runs this thread's sync_to_async caller, if any (and not this thread's own)."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or not loop.is_running() or loop.is_closed():
        return None
    try:
        asyncio.get_running_loop()
        return None  # called on an event loop thread itself
    except RuntimeError:
        return loop


def _private_group(inquiry_id, participant_id):
    """Where a participant's private messages go: with the hub, the inquiry's group (each process's hub
    hands them to that participant's local sockets, so sockets never join groups of their own: on the
    in-memory layer every group_add sweeps every channel); else the participant's own group."""
    if settings.LIVE_FANOUT == "hub":
        return inquiry_group(inquiry_id)
    return participant_group(participant_id)


def notify_participant(inquiry_id, participant_id, html, after=0):
    """After commit, send a frame to every socket of one participant only (not sequenced). ``after``: the
    sequence number of the change it follows; a screen shows it only once it has that change."""
    message = {
        "type": "board.private",
        "inquiry": inquiry_id,
        "participant": participant_id,
        "html": html,
        "after": after,
    }
    group = _private_group(inquiry_id, participant_id)
    transaction.on_commit(lambda: _send(group, message))


def disconnect_participant(inquiry_id, participant_id, reason):
    message = {
        "type": "participant.removed",
        "inquiry": inquiry_id,
        "participant": participant_id,
        "reason": reason,
    }
    group = _private_group(inquiry_id, participant_id)
    transaction.on_commit(lambda: _send(group, message))


def disconnect_user(user_id, reason):
    """After commit, close every socket of this facilitator account on every process (each process's
    hub, or each socket with group fan-out, listens on the account's group while it holds one)."""
    message = {"type": "user.revoked", "user": user_id, "reason": reason}
    transaction.on_commit(lambda: _send(user_group(user_id), message))


def missed_since(inquiry_id, last_seq, current_seq, kind):
    """The events after ``last_seq`` (with the fragments of one kind of screen), or None when a snapshot
    is the better answer (also when one of them was redacted: its fragments are gone, and a snapshot has
    everything else it changed)."""
    if last_seq > current_seq or current_seq - last_seq > settings.WS_REPLAY_LIMIT:
        return None
    events = list(
        Event.objects.filter(inquiry_id=inquiry_id, seq__gt=last_seq, seq__lte=current_seq)
        .only("seq", "type", "op", "data", f"html_{kind}")
        .order_by("seq")
    )
    if len(events) != current_seq - last_seq or any(e.data.get(REDACTED) for e in events):
        return None
    return events


REDACTED = "redacted"


def redact(inquiry_id, needles, since=None):
    """Erase the stored fragments of every event of an inquiry that carries any of ``needles`` (exact
    pieces of HTML: a card's element id, its escaped text between tags). The rows stay, so sequence
    numbers have no holes; their fragments become empty and ``data`` says they were redacted, so a screen
    that missed one gets a snapshot instead of a replay. Call inside the change that removes what they
    showed. ``since``: no event before this time can carry them (what they show was made then), so only
    later ones are read (a participant deleting a post of the last minutes reads the last minutes' events,
    not the whole event's). Returns how many events were redacted."""
    if not needles:
        return 0
    pattern = re.compile("|".join(re.escape(needle) for needle in needles))
    rows = Event.objects.filter(inquiry_id=inquiry_id).only("pk", "html_participant", "html_facilitator")
    if since is not None:
        rows = rows.filter(created__gte=since)
    found = [
        event.pk
        for event in rows.iterator(chunk_size=500)
        if pattern.search(event.html_participant) or pattern.search(event.html_facilitator)
    ]
    for start in range(0, len(found), 500):
        Event.objects.filter(pk__in=found[start : start + 500]).update(
            html_participant="", html_facilitator="", data={REDACTED: True}
        )
    return len(found)
