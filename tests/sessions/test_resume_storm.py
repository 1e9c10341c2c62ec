"""One participant asking to catch up over and over, on many sockets, cannot stall the server: a
``sync.resume`` ahead of what the socket was sent is refused without touching the database, snapshots are
rendered once per sequence number and viewer, and each socket may ask only so often. Another inquiry's
posts keep arriving meanwhile."""

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async

from board import render
from board.models import Card
from inquiry.models import Participant

from ..support import Screen, long_cards

pytestmark = pytest.mark.django_db(transaction=True)

SOCKETS = 20


@pytest.fixture
def renders(monkeypatch):
    """How many times the whole live region is rendered (a snapshot), by viewer."""
    counted = []
    live = render.live

    def counting(inquiry, kind, viewer=None):
        counted.append(viewer)
        return live(inquiry, kind, viewer)

    monkeypatch.setattr(render, "live", counting)
    return counted


async def a_big_board_with_an_unshared_card_of(inquiry, name):
    """60 long cards, and one of ``name``'s own waiting for approval (only they see it: their snapshot is
    their own, the expensive kind the attack asked for)."""
    author = await Participant.objects.aget(inquiry=inquiry, display_name=name)
    first = await database_sync_to_async(long_cards)(author, 60, "discharge delays and agency costs " * 7)
    pending = Card(inquiry=inquiry, round=first, author=author, client_id=uuid.uuid4(), text="Mine")
    pending.status = Card.PENDING
    await pending.asave()


async def answers(screen, count):
    """The next ``count`` answers to this screen's own messages: error codes, or "snapshot"."""
    got = []
    while len(got) < count:
        frame = await screen.receive(timeout=30)
        if frame.error:
            got.append(frame.error)
        elif frame.snapshot:
            got.append("snapshot")
    return got


async def test_resuming_in_a_loop_on_many_sockets_does_not_stall_another_inquiry(
    inquiry, other_inquiry, carol, dave, frank, renders, settings
):
    # The per-participant message limit (inquiry/limits.py) would refuse part of this attack on its own;
    # raised here, so that what is tested is the bound on catch-ups themselves.
    settings.RATE_LIMITS = {"message": (100_000, 60)}
    await a_big_board_with_an_unshared_card_of(inquiry, "Dave")
    carol_screen = await Screen(inquiry.code, carol).connect()
    await carol_screen.post("Something new")
    await carol_screen.until(lambda s: "Something new" in s.texts())
    attack = [await Screen(inquiry.code, dave).connect() for _ in range(SOCKETS)]
    frank_screen = await Screen(other_inquiry.code, frank).connect()
    assert renders.count(None) == 2  # Carol's and Frank's, each the same as any participant's
    mine = [viewer for viewer in renders if viewer is not None]
    assert len(set(mine)) == len(mine) == 1  # Dave's own, once for his 20 sockets
    renders.clear()

    # Ahead of what the socket was sent: refused at once, no database work at all.
    for screen in attack:
        for _ in range(3):
            await screen.send(type="sync", op="resume", last_seq=2**62)
    for screen in attack:
        assert await answers(screen, 3) == ["invalid_field"] * 3
    assert renders == []

    # Behind: 60 snapshots asked for at once, while Frank posts in another inquiry.
    for screen in attack:
        for _ in range(3):
            await screen.send(type="sync", op="resume", last_seq=0)
    await frank_screen.post("Elsewhere, meanwhile")
    replies = await asyncio.gather(*(answers(screen, 3) for screen in attack))
    await frank_screen.until(lambda s: s.texts() == ["Elsewhere, meanwhile"])
    assert replies == [["snapshot"] * 3] * SOCKETS
    assert renders == []  # all 60 from the one already rendered at this sequence number
    for screen in attack:
        assert {"Mine", "Something new"} <= set(screen.texts())

    # One socket asking again and again gets its burst, then is told to wait.
    greedy = await Screen(inquiry.code, dave).connect()
    for _ in range(8):
        await greedy.send(type="sync", op="resume", last_seq=0)
    assert sorted(await answers(greedy, 8)) == ["snapshot"] * 5 + ["too_many_resumes"] * 3
    await greedy.post("Still heard after all that")
    await carol_screen.until(lambda s: "Still heard after all that" in s.texts())
    for screen in [*attack, greedy, carol_screen, frank_screen]:
        await screen.close()
