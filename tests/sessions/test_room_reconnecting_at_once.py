"""A room reconnecting at once to a process that serves none of its screens yet (a restarted Daphne, or
the one left when another is killed), while changes keep coming: every screen shows every change, each
once, without waiting for the next one.

The process starts delivering an inquiry from its sequence number read when the first screen joins.
Screens joining while that read was on its way went on without it, compared their catch-up with nothing,
and missed whatever committed meanwhile: the hub no longer sends it, so a quiet room's screen stayed
behind until the next change, and a busy one's asked the database again for every change that came
before its catch-up was in (one read per change, and a frame of changes it already had after each)."""

import asyncio
import time
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from board.actions import post_cards
from inquiry.access import PARTICIPANT, Actor
from inquiry.models import Participant
from sessions import consumers
from sessions import hub as hub_module
from sessions.hub import hub
from sessions.protocol import inquiry_group

from ..support import Screen, fresh_board

pytestmark = pytest.mark.django_db(transaction=True)


async def until(condition, timeout=5):
    """Poll ``condition`` (state outside the test's sockets) until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.01)


@database_sync_to_async
def post_elsewhere(inquiry, name, text):
    """A post made through another process (committed and broadcast; no socket of this process sent it)."""
    person = Participant.objects.get(inquiry=inquiry, display_name=name)
    actor = Actor(PARTICIPANT, inquiry.pk, participant_id=person.pk)
    [(card, _)] = post_cards(inquiry.pk, [(actor, uuid.uuid4(), text)])
    return card.pk


@pytest.fixture
def first_join_held(monkeypatch):
    """The first screen's read of where the process starts delivering waits until the test lets it go."""
    reading, go = asyncio.Event(), asyncio.Event()
    read = hub_module._current_seq

    async def held(inquiry_id):
        reading.set()
        await go.wait()
        return await read(inquiry_id)

    monkeypatch.setattr(hub_module, "_current_seq", held)
    return reading, go


async def test_screens_joining_together_all_show_a_post_made_while_the_first_was_joining(
    inquiry, carol, dave, alice, first_join_held
):
    reading, go = first_join_held
    first = asyncio.create_task(Screen(inquiry.code, carol).connect())
    await reading.wait()
    others = [asyncio.create_task(Screen(inquiry.code, client).connect()) for client in (dave, alice)]
    await until(lambda: len(hub.sockets.get(inquiry.pk, ())) == 3)  # each read its catch-up and joined

    await post_elsewhere(inquiry, "Carol", "Posted while the room reconnected")
    go.set()
    screens = [await first, *[await task for task in others]]

    # Nothing else happens in the room: each screen shows the post now, not at the next change.
    for screen in screens:
        await screen.until(lambda s: s.texts() == ["Posted while the room reconnected"])
        sequenced = [frame.seq for frame in screen.frames if frame.seq is not None]
        assert sequenced == sorted(set(sequenced)), sequenced  # every change once, in order
    assert screens[1].board() == await fresh_board(inquiry.code, dave)
    assert screens[2].board() == await fresh_board(inquiry.code, alice)
    for screen in screens:
        await screen.close()


@database_sync_to_async
def participant_id(inquiry, name):
    return Participant.objects.get(inquiry=inquiry, display_name=name).pk


async def test_a_screen_behind_the_room_catches_up_once_and_gets_each_later_change_once(
    inquiry, carol, dave, monkeypatch
):
    dave_screen = await Screen(inquiry.code, dave).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    await carol_screen.post("Seen by everyone")
    await dave_screen.until(lambda s: s.texts() == ["Seen by everyone"])
    # Dave's screen missed that change on the way (say its catch-up failed while the database blipped):
    # the next change it is sent makes it catch up from the database, which is slow to answer.
    dave_id = await participant_id(inquiry, "Dave")
    [behind] = [c for c in hub.sockets[inquiry.pk] if c.actor.participant_id == dave_id]
    behind.last_seq -= 1
    reading, go = asyncio.Event(), asyncio.Event()
    read = consumers.catch_up_db

    async def slow(actor, last_seq):
        reading.set()
        await go.wait()
        return await read(actor, last_seq)

    monkeypatch.setattr(consumers, "catch_up_db", slow)
    await carol_screen.post("Two")
    await reading.wait()
    await carol_screen.post("Three")  # comes while the catch-up is on its way
    await carol_screen.until(lambda s: len(s.texts()) == 3)
    await until(lambda: hub.fanned_out(inquiry.pk) == carol_screen.seq and not hub.flushing)
    go.set()
    await carol_screen.post("Four")
    await dave_screen.until(lambda s: len(s.texts()) == 4)

    sequenced = [frame.seq for frame in dave_screen.frames if frame.seq is not None]
    assert sequenced == sorted(set(sequenced)), sequenced  # no frame of changes the screen already had
    for text in ("Two", "Three"):
        assert sum(text in frame.text for frame in dave_screen.frames) == 1, dave_screen.frames
    assert dave_screen.board() == await fresh_board(inquiry.code, dave)
    for screen in (dave_screen, carol_screen):
        await screen.close()


async def test_a_screen_joining_while_the_process_joins_the_inquirys_group_shows_what_committed_meanwhile(
    inquiry, carol, dave, monkeypatch
):
    """The process's read of where its delivery starts must follow its joining the inquiry's group: a
    second screen that read it while the first one's join was on its way left the process starting from
    a number a change had passed before the group carried changes here."""
    layer = get_channel_layer()
    joining, go = asyncio.Event(), asyncio.Event()
    add = layer.group_add

    async def held(group, channel):
        if group == inquiry_group(inquiry.pk) and not go.is_set():
            joining.set()
            await go.wait()
        return await add(group, channel)

    monkeypatch.setattr(layer, "group_add", held)
    first = asyncio.create_task(Screen(inquiry.code, carol).connect())
    await joining.wait()
    second = asyncio.create_task(Screen(inquiry.code, dave).connect())
    await until(lambda: len(hub.sockets.get(inquiry.pk, ())) == 2)

    # Committed and broadcast while the process is not yet in the group: it never arrives here.
    await post_elsewhere(inquiry, "Carol", "Posted while the process joined the group")
    go.set()
    screens = [await first, await second]

    # Nothing else happens in the room: each screen shows the post now, not at the next change.
    for screen in screens:
        await screen.until(lambda s: s.texts() == ["Posted while the process joined the group"])
    for screen in screens:
        await screen.close()
