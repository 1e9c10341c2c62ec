"""The live session served by a real Daphne process, over real websockets.

Under Daphne the hub writes each event's frame straight to the sockets (sessions/wire.py) while acks,
errors and catch-ups still travel the ASGI way: a screen must get every frame whole and in order, whatever
its size (the three length encodings of RFC 6455), interleaved with its own replies."""

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Theme
from inquiry.models import Participant
from sessions import protocol, wire

from .. import servers
from ..servers import TIMEOUT, RemoteScreen
from ..support import ConnectionClosed, long_cards

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(transactional_db, tmp_path):
    (daphne,) = servers.start([tmp_path / "daphne.log"], redis_prefix=f"linewalk-rs-{uuid.uuid4().hex[:12]}")
    yield daphne
    daphne.stop()


async def test_every_size_of_frame_reaches_real_sockets_whole_and_in_order(
    server, inquiry, alice, carol, dave
):
    # A theme of 300 long cards: merging it re-renders the other column whole, a frame over 64 KiB.
    workforce = await Theme.objects.acreate(inquiry=inquiry, name="Workforce", position=1)
    staffing = await Theme.objects.acreate(inquiry=inquiry, name="Staffing", position=2)
    author = await Participant.objects.aget(inquiry=inquiry, display_name="Dave")
    first = await database_sync_to_async(long_cards)(author, 300, "rota gaps and agency costs " * 9, staffing)
    screens = [RemoteScreen(server, inquiry.code, client) for client in (alice, carol, dave)]
    alice_screen, carol_screen, dave_screen = [await screen.connect() for screen in screens]
    await alice_screen.send(type="round", op="activate", round=first.pk)

    # Posts of growing size, each acked to its sender (ASGI send) between the hub's direct writes.
    texts = ["Hi", "Shared records " * 8, "One front door for every resident, " * 7]
    for text in texts:
        await carol_screen.post(text.strip())
    for screen in (alice_screen, carol_screen, dave_screen):
        await screen.until(lambda s: all(t.strip() in s.texts() for t in texts), timeout=TIMEOUT)
    await carol_screen.until(lambda s: sum(1 for f in s.frames if f.ack) == len(texts), timeout=TIMEOUT)

    await alice_screen.send(type="theme", op="merge", theme=staffing.pk, into=workforce.pk)
    for screen in (alice_screen, carol_screen, dave_screen):
        await screen.until(
            lambda s: [(name, len(cards)) for _, name, _, cards in s.themes()] == [("Workforce", 300)],
            timeout=TIMEOUT,
        )
    big = max(len(frame.text.encode()) for frame in dave_screen.frames if not frame.snapshot)
    assert big > 65535, big

    # Every live screen shows what a fresh screen of its kind is sent, and saw each sequence number once.
    fresh_participant = await RemoteScreen(server, inquiry.code, dave).connect()
    fresh_facilitator = await RemoteScreen(server, inquiry.code, alice).connect()
    await dave_screen.until(lambda s: s.board() == fresh_participant.board(), timeout=TIMEOUT)
    await carol_screen.until(lambda s: s.board() == fresh_participant.board(), timeout=TIMEOUT)
    await alice_screen.until(lambda s: s.board() == fresh_facilitator.board(), timeout=TIMEOUT)
    for screen in (alice_screen, carol_screen, dave_screen):
        live = [frame.seq for frame in screen.frames if frame.seq is not None and not frame.snapshot]
        assert live == sorted(set(live)), live
    for screen in (alice_screen, carol_screen, dave_screen, fresh_participant, fresh_facilitator):
        await screen.close()


async def test_bad_input_over_a_real_socket_gets_an_error_and_the_socket_stays_open(server, inquiry, carol):
    """What only a real socket shows: an error that quoted a lone surrogate could not be encoded as UTF-8
    and closed the socket with 1011."""
    screen = await RemoteScreen(server, inquiry.code, carol).connect()
    socket = screen.communicator.socket
    bad = {
        '{"type": "\\ud800", "op": "add"}': "unknown_type",
        '{"type": "card", "op": "add", "text": "x", "\\udc00": 1}': "unknown_field",
        '{"type": "sync", "op": "resume", "last_seq": "\u00b2"}': "invalid_field",
        "[" * 3900 + "]" * 3900: "invalid_json",
        # One frame over Daphne's default frame limit (1 MiB), which used to drop the connection (1006).
        '{"type": "card", "op": "add", "text": "' + "x" * (2 * 1024 * 1024) + '"}': "too_large",
    }
    for text, code in bad.items():
        await socket.send(text)
        assert (await screen.reply(timeout=TIMEOUT)).error == code
    await screen.post("Still connected")
    await screen.sees("Still connected")
    await screen.close()


def test_make_run_and_the_tests_give_daphne_the_same_websocket_limits():
    makefile = (servers.ROOT / "Makefile").read_text()
    production = (servers.ROOT / "docs" / "production.md").read_text()
    flags = " ".join(servers.LIMITS)
    assert flags in makefile
    assert production.count(flags) == 3  # both processes and the systemd unit


def test_the_autobahn_label_trim_applies_to_the_pinned_version():
    # The real-Daphne tests above run with it; an autobahn upgrade that moves the helpers fails here.
    assert wire.trim_autobahn_labels() == ["autobahn.websocket.protocol", "autobahn.twisted.websocket"]


async def test_phones_connecting_together_each_get_the_whole_board_in_its_own_characters(
    server, inquiry, alice, carol, dave
):
    # Snapshots go out as bytes encoded once for every phone (sessions/protocol.Snapshot): characters of
    # two, three and four bytes must arrive as written, on every phone, with the same board.
    written = "Café budgets – “a £5 fix” ’twas 🙂"
    author = await Participant.objects.aget(inquiry=inquiry, display_name="Dave")
    await database_sync_to_async(long_cards)(author, 40, written)
    phones = [await RemoteScreen(server, inquiry.code, client).connect() for client in (carol, dave, carol)]
    for phone in phones:
        assert phone.frames[0].snapshot
        assert f"Card 39: {written}" in phone.texts()
        assert phone.board() == phones[0].board()
    facilitator = await RemoteScreen(server, inquiry.code, alice).connect()
    assert f"Card 0: {written}" in facilitator.texts()
    for screen in (*phones, facilitator):
        await screen.close()


async def test_a_phones_heartbeat_is_answered_by_a_real_server_and_the_socket_still_works(
    server, inquiry, carol
):
    # Under Daphne the ping is answered before the application (sessions/wire.answer_pings_in_daphne).
    phone = await RemoteScreen(server, inquiry.code, carol).connect()
    await phone.communicator.send_to(text_data=protocol.PING)
    await phone.until(lambda s: any(f.text == protocol.PONG for f in s.frames), timeout=TIMEOUT)
    await phone.post("Still here after the heartbeat")
    assert (await phone.reply(timeout=TIMEOUT)).ack
    await phone.close()


def test_the_ping_answer_applies_to_the_pinned_daphne():
    assert wire.answer_pings_in_daphne(protocol.PING, protocol.PONG, protocol.PING_EVERY)


async def test_a_screen_that_does_not_answer_the_servers_ping_is_dropped_and_the_log_says_so(
    transactional_db, tmp_path, inquiry, alice
):
    # Daphne drops a socket whose peer does not answer its ping in time, without a close frame: the page
    # sees 1006 and reconnects. A browser too busy to read its socket is one such peer (its ping waits
    # behind the frames it has not read); that must not happen without a word in the server's log.
    ping = ["--ping-interval", "1", "--ping-timeout", "1"]
    (daphne,) = servers.start(
        [tmp_path / "daphne.log"], redis_prefix=f"linewalk-rs-{uuid.uuid4().hex[:12]}", args=ping
    )
    try:
        facilitator = await RemoteScreen(daphne, inquiry.code, alice).connect()
        facilitator.communicator.socket.transport.pause_reading()
        said = f"websocket /ws/i/{inquiry.code}/ from 127.0.0.1:"
        async with asyncio.timeout(TIMEOUT + 5):
            while "dropped: no answer to the server's ping within 1 s" not in daphne.log():
                await asyncio.sleep(0.1)  # polling the log, not synchronisation
        assert said in daphne.log()
        facilitator.communicator.socket.transport.resume_reading()
        with pytest.raises(ConnectionClosed):
            await facilitator.until(lambda screen: False, timeout=TIMEOUT)
        assert facilitator.closed == 1006
    finally:
        daphne.stop()


def test_the_ping_timeout_log_applies_to_the_pinned_daphne():
    assert wire.log_ping_timeouts()
