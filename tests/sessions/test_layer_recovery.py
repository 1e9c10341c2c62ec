"""Live delivery recovers by itself when the channel layer forgets who listens: Redis restarted without
persistence (every group gone), or a group's expiry reached in a long-lived process. Each process joins
its inquiries' groups again and fills in from the database, by sequence number, what was committed
meanwhile; no screen has to reconnect."""

import asyncio
import time
import uuid

import pytest
from channels.layers import get_channel_layer

from sessions import protocol
from sessions.hub import hub

from .. import servers
from ..servers import TIMEOUT, RemoteScreen
from ..support import Screen, fresh_board

pytestmark = pytest.mark.django_db(transaction=True)


async def until(condition, timeout=TIMEOUT):
    """Poll ``condition`` (for state outside the test's sockets) until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.05)


async def test_delivery_outlives_the_layers_group_expiry(inquiry, carol, dave, settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"group_expiry": 2}}
    }
    dave_screen = await Screen(inquiry.code, dave).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    await carol_screen.post("Before the expiry")
    await dave_screen.until(lambda s: s.texts() == ["Before the expiry"])
    joined = time.time()
    layer, group = get_channel_layer(), protocol.inquiry_group(inquiry.pk)

    # The layer would drop the hub from the group 2 s after it joined; the hub has joined again since.
    await until(lambda: layer.groups.get(group, {}).get(hub.channel, 0) > joined + 2)
    await carol_screen.post("After the expiry")
    await dave_screen.until(lambda s: s.texts() == ["After the expiry", "Before the expiry"])
    for screen in (dave_screen, carol_screen):
        await screen.close()


@pytest.fixture
def processes(transactional_db, tmp_path, own_redis):
    """Two Daphne processes on the test's own Redis."""
    started = servers.start(
        [tmp_path / "daphne-1.log", tmp_path / "daphne-2.log"],
        redis_prefix=f"linewalk-rr-{uuid.uuid4().hex[:12]}",
        env={"REDIS_URL": own_redis.url},
    )
    yield started
    for server in started:
        server.stop()


async def test_live_delivery_comes_back_by_itself_after_redis_restarts(
    processes, own_redis, inquiry, alice, carol, dave
):
    one, two = processes
    carol_on_one = await RemoteScreen(one, inquiry.code, carol, all_servers=processes).connect()
    dave_on_two = await RemoteScreen(two, inquiry.code, dave, all_servers=processes).connect()
    alice_on_two = await RemoteScreen(two, inquiry.code, alice, all_servers=processes).connect()
    await carol_on_one.post("Before the restart")
    await dave_on_two.sees("Before the restart")

    own_redis.stop()
    await carol_on_one.post("While Redis is down")  # stored and acknowledged: the database is the truth
    await carol_on_one.until(lambda s: sum(1 for f in s.frames if f.ack) == 2, timeout=TIMEOUT)
    own_redis.start()  # empty: every group is gone

    # Nobody reconnects: each process joins its groups again and catches its screens up.
    await dave_on_two.sees("While Redis is down")
    await alice_on_two.sees("While Redis is down")
    await carol_on_one.sees("While Redis is down")
    await carol_on_one.post("After the restart")
    for screen in (dave_on_two, alice_on_two):
        await screen.sees("After the restart")
    await dave_on_two.post("From process two, after the restart")
    await carol_on_one.sees("From process two, after the restart")

    expected = sorted(
        [
            "Before the restart",
            "While Redis is down",
            "After the restart",
            "From process two, after the restart",
        ]
    )
    for screen in (carol_on_one, dave_on_two, alice_on_two):
        await screen.until(lambda s: s.texts() == expected, timeout=TIMEOUT)
        live = [frame.seq for frame in screen.frames if frame.seq is not None and not frame.snapshot]
        assert live == sorted(set(live)), live  # every change once, in order
    assert dave_on_two.board() == await fresh_board(inquiry.code, dave)
    assert alice_on_two.board() == await fresh_board(inquiry.code, alice)
    for screen in (carol_on_one, dave_on_two, alice_on_two):
        await screen.close()
