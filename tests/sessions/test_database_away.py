"""While PostgreSQL is away, everyone on a process is answered at once, and nothing asked for meanwhile is
applied late.

A process does its websockets' database work on one thread. Each call used to wait for a connection
(``DB_POOL_TIMEOUT``) before it failed, one after another, so a facilitator moving cards during a cut
queued up minutes of work: the room's posts on that process went unanswered behind it, and once the
database was back, the moves still queued were applied, long after the facilitator was told nothing.
Now a process that could not get a connection refuses new ones at once for a moment
(sessions/database/base.py). PostgreSQL is cut by a proxy of the test's own under a real Daphne."""

import asyncio
import json
import time
import uuid

import pytest

from .. import servers
from ..servers import TIMEOUT, RemoteScreen
from ..support import fresh_board

pytestmark = pytest.mark.django_db(transaction=True)

POOL_TIMEOUT = 1  # s: how long a call waits for a connection before the database counts as away
MOVES = 12


@pytest.fixture
def cut_database(transactional_db, tmp_path):
    with servers.behind_a_cut_proxy(tmp_path, "away", POOL_TIMEOUT) as (daphne, proxy):
        yield daphne, proxy


async def post_until_saved(screen, text):
    """As the page does: send a post again (same client id), after a pause, each time it is refused for
    now."""
    client_id = str(uuid.uuid4())
    deadline = time.monotonic() + TIMEOUT
    while True:
        await screen.post(text, client_id)
        reply = await screen.reply(timeout=TIMEOUT)
        if reply.ack == client_id or time.monotonic() > deadline:
            return reply
        assert reply.error == "unavailable", reply
        await asyncio.sleep(0.5)  # the page's backoff before it sends again, not a wait for something


async def test_a_facilitators_moves_during_a_cut_are_each_refused_at_once_and_never_applied_later(
    cut_database, inquiry, alice, carol
):
    daphne, proxy = cut_database
    alice_screen = await RemoteScreen(daphne, inquiry.code, alice).connect()
    carol_screen = await RemoteScreen(daphne, inquiry.code, carol).connect()
    await alice_screen.send(type="theme", op="add", name="Waiting lists")
    await alice_screen.until(lambda s: len(s.themes()) == 1, timeout=TIMEOUT)
    [(theme, *_)] = alice_screen.themes()
    await post_until_saved(carol_screen, "Before the cut")
    await alice_screen.until(lambda s: s.texts() == ["Before the cut"], timeout=TIMEOUT)
    [card] = alice_screen.cards()

    proxy.cut()
    started = time.monotonic()
    for n in range(MOVES):
        # Back and forth, as someone dragging a card about would.
        move = {"type": "card", "op": "move", "card": card, "theme": theme if n % 2 == 0 else None}
        await alice_screen.communicator.send_to(json.dumps(move))
    refusals = await alice_screen.replies(MOVES, timeout=TIMEOUT)
    answered_in = time.monotonic() - started
    said = [(r.error, "moving a card" in r.error_message) for r in refusals]
    assert said == [("unavailable", True)] * MOVES
    # One wait for the pool, not one per move (that was MOVES x POOL_TIMEOUT).
    assert answered_in < MOVES * POOL_TIMEOUT / 2, answered_in

    proxy.restore()
    await post_until_saved(carol_screen, "After the cut")
    await alice_screen.until(lambda s: s.texts() == ["After the cut", "Before the cut"], timeout=TIMEOUT)
    assert alice_screen.unsorted() == [card, *[c for c in alice_screen.unsorted() if c != card]]
    assert alice_screen.board() == await fresh_board(inquiry.code, alice)
    for screen in (alice_screen, carol_screen):
        await screen.close()
