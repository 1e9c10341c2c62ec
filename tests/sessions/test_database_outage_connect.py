"""A screen opening its socket while the database is away (PostgreSQL cut by a proxy of the test's own,
under a real Daphne process): the handshake still completes, the screen is told the server cannot reach
its database, and the socket closes with 4013 (try again), which the page reconnects on with its backoff;
once the database is back the same screen connects and gets the board."""

import asyncio
import time

import pytest

from sessions import consumers

from .. import servers
from ..servers import TIMEOUT, Browser, RemoteScreen
from ..support import ConnectionClosed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cut_database(transactional_db, tmp_path):
    with servers.behind_a_cut_proxy(tmp_path, "dbc", 2) as (daphne, proxy):
        yield daphne, proxy


async def test_a_socket_opened_during_the_outage_is_told_to_try_again(cut_database, inquiry):
    daphne, proxy = cut_database
    carol = Browser(daphne)
    assert carol.join(inquiry.code, "Carol", "NHS") is True

    proxy.cut()
    screen = RemoteScreen(daphne, inquiry.code, cookie=carol.cookie)
    await screen.connect(expect_frame=False)  # the handshake itself does not fail
    frame = await screen.receive(timeout=TIMEOUT)
    assert frame.error == "unavailable" and "cannot reach its database" in frame.error_message
    with pytest.raises(ConnectionClosed):
        await screen.receive(timeout=TIMEOUT)
    assert screen.closed == consumers.CLOSE_TRY_AGAIN

    proxy.restore()
    # As the page does: try again (with a pause) until the socket opens all the way. The server's pool may
    # still hand out a connection that died in the cut: that attempt is told to try again too.
    deadline = time.monotonic() + TIMEOUT
    while True:
        again = await RemoteScreen(daphne, inquiry.code, cookie=carol.cookie).connect()
        if again.frames[0].error != "unavailable" or time.monotonic() > deadline:
            break
        await again.close()
        await asyncio.sleep(0.5)
    assert again.frames[0].snapshot and len(again.find("live")) > 0  # the board, drawn by the first frame
    await again.close()
