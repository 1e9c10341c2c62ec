"""Removing a participant and suspending a facilitator close their sockets through the channel layer, which
delivers at most once. When that message is lost, each process's re-check of its sockets
(sessions/revocation.py) closes them all the same, with the same frame, within LIVE_RECHECK_SECONDS; after
that they get nothing more of the room, and everyone else's screens carry on."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model

from inquiry.models import Account, Participant
from sessions.revocation import revocations

from ..conftest import PASSWORD
from ..support import RECHECK, SLACK, ConnectionClosed, Screen, login_as

pytestmark = pytest.mark.django_db(transaction=True)

CLOSING = ("participant.removed", "user.revoked")


@pytest.fixture
def lost(fanout):
    """The channel layer drops every closing message (and only those): the messages it dropped."""
    layer = get_channel_layer()
    send = layer.group_send
    dropped = []

    async def group_send(group, message):
        if message["type"] in CLOSING:
            dropped.append(message["type"])
            return
        await send(group, message)

    layer.group_send = group_send
    return dropped


@pytest.fixture
def admin(users):
    ada = get_user_model().objects.create_user("ada", password=PASSWORD)
    Account.objects.create(user=ada, admin=True)
    return login_as("ada", PASSWORD)


async def closed_with(screen):
    """Read frames until the socket closes: (the close code, the last error shown, seconds it took)."""
    started, error = time.monotonic(), None
    try:
        while True:
            frame = await screen.receive()
            error = frame.error or error
    except ConnectionClosed as closed:
        return closed.code, error, time.monotonic() - started


async def sweeps(count):
    """Wait until this process has re-checked its sockets ``count`` more times."""
    target = revocations.sweeps + count
    async with asyncio.timeout(10 * count * RECHECK + 5):
        while revocations.sweeps < target:
            await asyncio.sleep(RECHECK / 10)


def theme_names(screen):
    return [name for _, name, _, _ in screen.themes()]


async def test_a_removed_participant_is_closed_though_the_closing_message_was_lost(
    lost, inquiry, alice, carol, dave
):
    phone = await Screen(inquiry.code, carol).connect()
    neighbour = await Screen(inquiry.code, dave).connect()
    facilitator = await Screen(inquiry.code, alice).connect()
    carol_id = (await Participant.objects.aget(display_name="Carol")).pk

    await facilitator.send(type="participant", op="remove", participant=carol_id)
    code, error, took = await closed_with(phone)
    assert (code, error) == (4403, "removed")
    assert took < RECHECK + SLACK
    assert lost == ["participant.removed"]

    # The room carries on; the removed phone is sent nothing of it.
    await facilitator.send(type="theme", op="add", name="After the removal")
    for screen in (neighbour, facilitator):
        await screen.until(lambda s: theme_names(s) == ["After the removal"])
    await sweeps(2)
    assert await phone.communicator.receive_nothing()
    assert not any("After the removal" in frame.text for frame in phone.frames)
    for screen in (neighbour, facilitator):
        await screen.close()


async def test_a_suspended_facilitator_is_closed_though_the_closing_message_was_lost(
    lost, admin, users, inquiry, alice, bob, carol
):
    board = await Screen(inquiry.code, alice).connect()
    presenter = await Screen(inquiry.code, alice, query="view=presenter").connect()
    colleague = await Screen(inquiry.code, bob).connect()
    phone = await Screen(inquiry.code, carol).connect()

    response = await sync_to_async(admin.post)(f"/accounts/facilitators/{users['alice'].pk}/suspend/")
    assert response.status_code == 302
    for screen in (board, presenter):
        code, error, took = await closed_with(screen)
        assert (code, error) == (4403, "revoked")
        assert took < RECHECK + SLACK
    assert lost == ["user.revoked"]

    await colleague.send(type="theme", op="add", name="After the suspension")
    for screen in (colleague, phone):
        await screen.until(lambda s: theme_names(s) == ["After the suspension"])
    await sweeps(2)
    for screen in (board, presenter):
        assert await screen.communicator.receive_nothing()
        assert not any("After the suspension" in frame.text for frame in screen.frames)
    for screen in (colleague, phone):
        await screen.close()


async def test_screens_still_allowed_stay_open_through_every_recheck(
    fanout, inquiry, alice, bob, carol, dave
):
    screens = [
        await Screen(inquiry.code, client, **extra).connect()
        for client, extra in ((alice, {}), (alice, {"query": "view=presenter"}), (bob, {}), (carol, {}))
    ]
    await Participant.objects.filter(display_name="Dave").aupdate(removed=True)  # someone else, not here
    for name in ("Still here", "And still"):
        await sweeps(3)
        await screens[0].send(type="theme", op="add", name=name)
        for screen in screens:  # a socket closed meanwhile raises ConnectionClosed
            await screen.until(lambda s, name=name: name in s.frames[-1].text)
    for screen in screens:
        await screen.close()


async def test_a_suspended_facilitators_open_socket_cannot_catch_up_on_the_board(
    fanout, settings, inquiry, alice
):
    """Before the re-check closes it, every message is refused: catching up too."""
    settings.LIVE_RECHECK_SECONDS = 3600
    board = await Screen(inquiry.code, alice).connect()
    await board.send(type="theme", op="add", name="Said before the suspension")
    await board.until(lambda s: s.seq == 1)
    await get_user_model().objects.filter(username="alice").aupdate(is_active=False)
    await board.send(type="sync", op="resume", last_seq=0)
    frame = await board.receive()
    assert frame.error == "revoked" and "Said before the suspension" not in frame.text, frame
    with pytest.raises(ConnectionClosed) as closed:
        await board.receive()
    assert closed.value.code == 4403
