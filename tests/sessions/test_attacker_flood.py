"""A client that sends frames without pause and never reads what comes back (a script, not the page),
against a real Daphne process: Daphne reads everything a socket sends and queues each message for the
application without a bound, and the application answered each message over the limit with an error
frame, which a client that does not read leaves in the server's memory. One such client (800,000 frames
in 20 s) grew the process by 160 MB for good and held every other screen of it up for seconds."""

import asyncio
import re

import pytest
import websockets
from channels.db import database_sync_to_async

from .. import servers
from ..servers import TIMEOUT, RemoteScreen
from ..support import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

FRAMES = 60_000
FRAME = "x" * 1024  # not JSON: refused as a bad message, counted against the limit like any other


@pytest.fixture
def server(transactional_db, tmp_path):
    (daphne,) = servers.start([tmp_path / "daphne.log"], redis_prefix="linewalk-flood-" + tmp_path.name[-12:])
    yield daphne
    daphne.stop()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


async def test_a_socket_flooding_frames_is_told_once_then_closed_and_the_process_does_not_grow(
    server, inquiry, carol, dave
):
    dave_screen = await RemoteScreen(server, inquiry.code, dave).connect()
    before = rss_mb(server.process.pid)
    flooder = await websockets.connect(
        f"{server.ws_url}/ws/i/{inquiry.code}/",
        origin=server.url,
        additional_headers={"Cookie": (await database_sync_to_async(session_cookie)(carol)).decode()},
        max_queue=4,  # reads a few frames, then leaves the rest in the server's lap
        ping_interval=None,
    )
    sent = 0
    try:
        while sent < FRAMES:
            await flooder.send(FRAME)
            sent += 1
    except websockets.ConnectionClosed:
        pass
    grown = rss_mb(server.process.pid) - before
    frames = []
    try:
        async with asyncio.timeout(TIMEOUT):
            async for frame in flooder:
                frames.append(frame)
    except websockets.ConnectionClosed:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the socket open after {sent} frames")
    codes = [code for frame in frames for code in re.findall(r'data-code="([a-z_]+)"', frame)]

    # Closed by the server long before it had read 60 MB (its close frame may be lost with the
    # connection: this client never read it), told at most once that it was over its limit (that one
    # frame too may be lost with the connection, behind the first answers this client left unread: a
    # page that reads is told once, tests/sessions/test_rate_limits.py).
    assert sent < FRAMES, "the server read all 60 MB"
    assert codes.count("rate_limited") <= 1, codes
    assert len(codes) <= 122, len(codes)  # its first 120 messages were within the limit: each answered
    assert grown < 20, f"the process grew by {grown:.0f} MB"
    # Everyone else is served as before.
    await dave_screen.post("Still here")
    await dave_screen.until(lambda s: "Still here" in s.texts(), timeout=TIMEOUT)
    await dave_screen.close()
