"""Suspending a facilitator closes their screens on every Daphne process (Redis carries the notice to each
process's hub), while their co-facilitator's screens on the same processes stay open."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers

from .. import servers
from ..servers import TIMEOUT, RemoteScreen
from ..support import ConnectionClosed

pytestmark = [pytest.mark.django_db(transaction=True), servers.needs_redis]


@pytest.fixture
def processes(transactional_db, tmp_path, settings):
    prefix = f"linewalk-acc-{uuid.uuid4().hex[:12]}"
    # This process (where the admin acts) publishes under the servers' prefix.
    layer = settings.CHANNEL_LAYERS["default"]
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "prefix": prefix}}}
    channel_layers.backends.clear()
    with servers.running(tmp_path, prefix=prefix) as started:
        yield started


async def test_a_suspended_facilitators_screens_close_on_every_process(
    processes, admin, users, inquiry, alice, bob
):
    one, two = processes
    screens = [
        await RemoteScreen(server, inquiry.code, client, all_servers=processes).connect()
        for server, client in ((one, alice), (two, alice), (one, bob), (two, bob))
    ]
    alice_one, alice_two, bob_one, bob_two = screens

    # The admin acts in this process: the notice reaches both servers only through Redis.
    response = await sync_to_async(admin.post)(f"/accounts/facilitators/{users['alice'].pk}/suspend/")
    assert response.status_code == 302

    for screen in (alice_one, alice_two):
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await screen.receive(timeout=TIMEOUT)
        assert closed.value.code == 4403
        assert screen.frames[-1].error == "revoked"

    await bob_one.send(type="theme", op="add", name="Carrying on")
    for screen in (bob_one, bob_two):
        await screen.until(
            lambda s: [name for _, name, _, _ in s.themes()] == ["Carrying on"], timeout=TIMEOUT
        )
        await screen.close()
