"""Several Daphne processes behind one Redis: a post made on one process reaches the screens connected to
another, and a board carries on when another process goes away.

Two real Daphne processes (tests/servers.py) share this run's test database and the Redis named by
REDIS_URL, under a prefix of this test's own so keys left by other runs never interfere. People join
through the real join page (Django's test client: the database is shared, so the session is valid on
both servers) and connect over real websockets."""

import asyncio

import pytest

from .. import servers
from ..servers import TIMEOUT, RemoteScreen

pytestmark = [pytest.mark.django_db(transaction=True), servers.needs_redis]


@pytest.fixture
def processes(transactional_db, tmp_path):
    """Two Daphne processes, each on its own free port, sharing the test database and one Redis prefix."""
    with servers.running(tmp_path) as started:
        yield started


async def open_screens(all_servers, *pairs):
    screens = [RemoteScreen(server, code, client, all_servers=all_servers) for server, code, client in pairs]
    return [await screen.connect() for screen in screens]


async def close(*screens):
    for screen in screens:
        await screen.close()


async def test_posts_cross_between_two_processes_both_ways_and_outlive_one_of_them_stopping(
    processes, inquiry, carol, dave, alice, bob
):
    one, two = processes
    code = inquiry.code
    carol_on_one, alice_on_one, dave_on_two, bob_on_two = await open_screens(
        processes, (one, code, carol), (one, code, alice), (two, code, dave), (two, code, bob)
    )

    # Dave posts on process 2: Carol and Alice (facilitating) see it on process 1.
    await dave_on_two.post("Discharge waits on care packages")
    await carol_on_one.sees("Discharge waits on care packages")
    await alice_on_one.sees("Discharge waits on care packages")

    # Carol posts on process 1: Dave and Bob (facilitating) see it on process 2.
    await carol_on_one.post("One shared care record")
    await dave_on_two.sees("One shared care record")
    await bob_on_two.sees("One shared care record")

    both = sorted(["Discharge waits on care packages", "One shared care record"])
    for screen in (carol_on_one, alice_on_one, dave_on_two, bob_on_two):
        await screen.until(lambda s: s.texts() == both, timeout=TIMEOUT)

    # Process 2 stops abruptly, its screens with it.
    two.process.terminate()
    await asyncio.to_thread(two.process.wait, servers.STOP_TIMEOUT)
    await close(dave_on_two, bob_on_two)

    # Process 1 still carries new events to every screen on it, and Carol's board keeps what it showed.
    await carol_on_one.post("Posted after process 2 stopped")
    await carol_on_one.sees("Posted after process 2 stopped")
    await alice_on_one.sees("Posted after process 2 stopped")
    all_three = sorted(both + ["Posted after process 2 stopped"])
    assert carol_on_one.texts() == all_three

    # Screens connecting now to process 1 catch up from the database: Dave, whose process went away,
    # and a fresh facilitator screen; each shows exactly what the live screen of its kind shows.
    # (A presence frame may arrive ahead of the snapshot, so wait for the board rather than one frame.)
    dave_on_one, fresh_facilitator = await open_screens(processes, (one, code, dave), (one, code, bob))
    for newcomer in (dave_on_one, fresh_facilitator):
        await newcomer.until(lambda s: s.texts() == all_three, timeout=TIMEOUT)
        assert any(frame.snapshot for frame in newcomer.frames)
    await carol_on_one.until(lambda s: s.board() == dave_on_one.board(), timeout=TIMEOUT)
    await alice_on_one.until(lambda s: s.board() == fresh_facilitator.board(), timeout=TIMEOUT)
    await close(dave_on_one, fresh_facilitator, carol_on_one, alice_on_one)
