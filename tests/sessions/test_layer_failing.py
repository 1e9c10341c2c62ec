"""Redis fails under two Daphne processes without going away: full (at its memory limit with nothing to
evict, so every publish and group join is refused) or hung (no answer at all). Posts are still stored
and acknowledged; the poster's own process shows them at once, every other screen catches up from the
database within the hub's refresh (a minute in production, 2 s here), every screen says discreetly that
live updates are delayed, and all is live again once Redis is. A process killed outright stops counting
its participants on the others' screens without anyone connecting."""

import asyncio
import uuid

import pytest

from .. import servers
from ..servers import TIMEOUT, RemoteScreen
from ..support import text

pytestmark = pytest.mark.django_db(transaction=True)

DELAYED = "Live updates delayed"


@pytest.fixture
def processes(transactional_db, tmp_path, own_redis):
    """Two Daphne processes on the test's own Redis, refreshing every 2 s, beating every second."""
    started = servers.start(
        [tmp_path / "daphne-1.log", tmp_path / "daphne-2.log"],
        redis_prefix=f"linewalk-lf-{uuid.uuid4().hex[:12]}",
        env={"REDIS_URL": own_redis.url, "LIVE_REFRESH_SECONDS": "2", "PRESENCE_HEARTBEAT_SECONDS": "1"},
    )
    yield started
    for server in started:
        server.stop()


def delayed(screen):
    """Whether the last word this screen had on live updates is that they are delayed."""
    signs = [f.first("lw-delayed") for f in screen.frames if f.first("lw-delayed") is not None]
    return bool(signs) and signs[-1].get("hidden") is None and DELAYED in signs[-1].text_content()


@pytest.mark.parametrize("fault", ["out of memory", "hung"])
async def test_boards_converge_from_the_database_while_redis_fails(
    fault, processes, own_redis, inquiry, alice, carol, dave
):
    one, two = processes
    carol_on_one = await RemoteScreen(one, inquiry.code, carol, all_servers=processes).connect()
    alice_on_one = await RemoteScreen(one, inquiry.code, alice, all_servers=processes).connect()
    dave_on_two = await RemoteScreen(two, inquiry.code, dave, all_servers=processes).connect()
    await carol_on_one.post("Before the fault")
    await dave_on_two.sees("Before the fault")

    if fault == "hung":
        own_redis.hang()
    else:
        own_redis.out_of_memory()
    await carol_on_one.post("While Redis fails")
    await carol_on_one.until(lambda s: sum(1 for f in s.frames if f.ack) == 2, timeout=TIMEOUT)
    for screen in (carol_on_one, alice_on_one, dave_on_two):
        await screen.sees("While Redis fails")
    await dave_on_two.post("From process two, while Redis fails")
    await carol_on_one.sees("From process two, while Redis fails")
    for screen in (carol_on_one, alice_on_one, dave_on_two):
        await screen.until(delayed, timeout=TIMEOUT)

    if fault == "hung":
        own_redis.hang(False)
    else:
        own_redis.out_of_memory(False)
    for screen in (carol_on_one, alice_on_one, dave_on_two):
        await screen.until(lambda s: not delayed(s), timeout=TIMEOUT)
    await carol_on_one.post("After the fault")
    await dave_on_two.sees("After the fault")
    for screen in (carol_on_one, alice_on_one, dave_on_two):
        live = [frame.seq for frame in screen.frames if frame.seq is not None and not frame.snapshot]
        assert live == sorted(set(live)), live  # every change once, in order
        await screen.close()


async def test_a_killed_processs_participants_stop_counting_without_anyone_connecting(
    processes, inquiry, alice, carol, dave, frank_in_inquiry
):
    one, two = processes
    alice_on_one = await RemoteScreen(one, inquiry.code, alice, all_servers=processes).connect()
    carol_on_one = await RemoteScreen(one, inquiry.code, carol, all_servers=processes).connect()
    on_two = [
        await RemoteScreen(two, inquiry.code, client, all_servers=processes).connect()
        for client in (dave, frank_in_inquiry)
    ]
    await alice_on_one.until(lambda s: text(s, "presence").startswith("3 participants"), timeout=TIMEOUT)

    two.process.kill()  # no goodbye: its rows stay behind
    await asyncio.to_thread(two.process.wait, servers.STOP_TIMEOUT)
    for screen in (alice_on_one, carol_on_one):
        await screen.until(lambda s: text(s, "presence").startswith("1 participant "), timeout=TIMEOUT)
    for screen in (alice_on_one, carol_on_one, *on_two):
        await screen.close()
