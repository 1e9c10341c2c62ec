"""A participant the facilitator moves to another table stops following their old table when the
``table.seating`` message reaches their socket, and the channel layer delivers at most once. When that
message is lost, each process's re-check of its sockets (sessions/revocation.py) re-seats the socket all
the same within LIVE_RECHECK_SECONDS: the phone shows its new table, gets the new table's posts and none
of the old table's, and everyone else's screens carry on. Until then, whatever the phone sends is
checked against the seat in the database."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from board.tables.models import Seat, TableCard
from sessions.revocation import revocations

from ..support import RECHECK, SLACK, join_as
from .tables_support import TableScreen, open_room, tack

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def room(fanout, inquiry, alice):
    """Two tables of two: the facilitator and the four phones (P0 … P3), connected and seated."""
    fac, phones = await open_room(inquiry, alice, ["NHS", "Other", "NHS", "Other"], mode="random", count=2)
    yield fac, phones
    for screen in [fac, *phones]:
        await screen.close()


def drop_seating():
    """From now on the channel layer drops every ``table.seating`` message (and only those): the
    messages it dropped."""
    layer = get_channel_layer()
    send = layer.group_send
    dropped = []

    async def group_send(group, message):
        if message["type"] == "table.seating":
            dropped.append(message["type"])
            return
        await send(group, message)

    layer.group_send = group_send
    return dropped


async def sweeps(count):
    """Wait until this process has re-checked its sockets ``count`` more times."""
    target = revocations.sweeps + count
    async with asyncio.timeout(10 * count * RECHECK + 5):
        while revocations.sweeps < target:
            await asyncio.sleep(RECHECK / 10)


async def drain(screen):
    """Read every frame the screen has been sent so far."""
    while not await screen.communicator.receive_nothing(timeout=0.2):
        await screen.receive()


async def answer(screen):
    """The next frame answering this screen's own message: an acknowledgement or an error."""
    while True:
        frame = await screen.receive()
        if frame.error or tack(frame):
            return frame


async def move_p0(fac, phones):
    """The facilitator moves P0 to the other table while the layer drops the seating message:
    (P0's phone, its old table's other phone, the new table's phones, old table id, new table id, what
    the layer dropped)."""
    mover = phones[0]
    old = mover.table_id()
    neighbour = next(p for p in phones[1:] if p.table_id() == old)
    joining = [p for p in phones if p.table_id() != old]
    new = joining[0].table_id()
    who = await sync_to_async(
        lambda: Seat.objects.get(table_id=old, participant__display_name="P0").participant_id
    )()
    dropped = drop_seating()
    await fac.send(type="tables", op="seat", participant=who, table=new)
    # The table's own frames still travel: the new table's screens list P0 once the move commits.
    for phone in joining:
        await phone.until(lambda s: "P0" in s.find(f"table-{new}").text_content())
    async with asyncio.timeout(SLACK):  # sent after commit, from the event loop
        while not dropped:
            await asyncio.sleep(0.01)
    return mover, neighbour, joining, old, new, dropped


async def test_a_moved_participant_is_re_seated_though_the_seating_message_was_lost(room, fanout):
    fac, phones = room
    started = time.monotonic()
    mover, neighbour, joining, old, new, dropped = await move_p0(fac, phones)
    await mover.until(lambda s: s.table_id() == new, timeout=RECHECK + SLACK)
    assert time.monotonic() - started < RECHECK + SLACK
    assert dropped == ["table.seating"]
    assert "P0" in mover.find(f"table-{new}").text_content()

    # The new table's posts reach the moved phone; the old table's no longer do.
    await joining[0].table_post("Said at the new table")
    await neighbour.table_post("Said at the old table")
    await mover.until(lambda s: "Said at the new table" in s.table()[1].values())
    await neighbour.until(lambda s: "Said at the old table" in s.table()[1].values())
    await fac.until(lambda s: "Said at the old table" in (s.board_of(old) or {}).values())
    await sweeps(2)
    await drain(mover)
    assert mover.table_id() == new
    assert "Said at the old table" not in mover.raw()

    # Everyone else is where they were, sees their own table's post only, and is not sent their board
    # again by each re-check.
    for phone in joining:
        await phone.until(lambda s: "Said at the new table" in s.table()[1].values())
        assert phone.table_id() == new and "Said at the old table" not in phone.raw()
    assert neighbour.table_id() == old and "Said at the new table" not in neighbour.raw()
    # The two posts reach the facilitator in either order: wait for the new table's too.
    await fac.until(lambda s: "Said at the new table" in (s.board_of(new) or {}).values())
    for screen in [neighbour, *joining]:
        await drain(screen)
    await sweeps(3)
    for screen in [neighbour, *joining, mover]:
        assert await screen.communicator.receive_nothing(timeout=0.2), screen.frames[-1]


def moves(screen):
    """The facilitator's form to move someone, as it reads: ["P0 (NHS) · Table 2", ...]."""
    form = screen.find("tables-move-who")
    return sorted(o.text_content() for o in form.xpath(".//option")) if form is not None else []


async def test_the_facilitators_list_of_who_sits_where_catches_up_though_the_seating_message_was_lost(
    room, fanout
):
    fac, phones = room
    await fac.until(lambda s: len(moves(s)) == 4)
    mover, neighbour, joining, old, new, dropped = await move_p0(fac, phones)
    started = time.monotonic()
    number = joining[0].table()[0]
    await fac.until(lambda s: f"P0 (NHS) · Table {number}" in moves(s), timeout=RECHECK + SLACK)
    assert time.monotonic() - started < RECHECK + SLACK
    assert dropped == ["table.seating"] and len(moves(fac)) == 4
    # Once in line, the re-check sends the facilitator neither the form nor the panel again (the
    # overview's rows may still come, a tick after the tables changed).
    await mover.until(lambda s: s.table_id() == new, timeout=RECHECK + SLACK)
    await sweeps(2)
    await drain(fac)
    seen = len(fac.frames)
    await sweeps(3)
    await drain(fac)
    again = [f for f in fac.frames[seen:] if 'id="tables-seat"' in f.text or 'id="tables-panel"' in f.text]
    assert again == []


async def test_a_table_opened_for_a_latecomer_reaches_the_facilitator_though_the_seating_message_was_lost(
    fanout, inquiry, alice
):
    """Tables of the same sector: someone of another sector who comes later gets a table of their own.
    With that seating message lost, the facilitator's screen would neither list the new table nor
    follow its posts; the re-check draws the panel afresh."""
    fac, phones = await open_room(inquiry, alice, ["NHS", "NHS"], mode="same", size=4)
    latecomer = None
    try:
        await fac.until(lambda s: len(moves(s)) == 2)
        dropped = drop_seating()
        client = await sync_to_async(join_as)(inquiry, "Late", "Other")  # seated as they join
        latecomer = await TableScreen(inquiry.code, client).connect()
        await latecomer.until(lambda s: s.table() is not None)
        new = latecomer.table_id()
        assert new != phones[0].table_id()
        async with asyncio.timeout(SLACK):  # sent after commit, from the event loop
            while not dropped:
                await asyncio.sleep(0.01)
        assert dropped == ["table.seating"]
        await fac.until(lambda s: s.find(f"table-row-{new}") is not None, timeout=RECHECK + SLACK)
        assert "Late (Other) · Table 2" in moves(fac)
        await latecomer.table_post("Said at the new table")
        await fac.until(lambda s: "Said at the new table" in (s.board_of(new) or {}).values())
    finally:
        for screen in [fac, *phones, *([latecomer] if latecomer else [])]:
            await screen.close()


@pytest.fixture
def no_recheck(fanout, settings):
    settings.LIVE_RECHECK_SECONDS = 3600


async def test_before_the_re_check_a_moved_participant_can_act_only_at_their_new_table(no_recheck, room):
    """With the re-check far off, the phone still shows (and follows) the old table: every message it
    sends is checked against the seat in the database."""
    fac, phones = room
    await next(p for p in phones[1:] if p.table_id() == phones[0].table_id()).table_post("Before the move")
    await phones[0].until(lambda s: "Before the move" in s.table()[1].values())
    (card,) = [c for c, text in phones[0].table()[1].items() if text == "Before the move"]

    mover, neighbour, joining, old, new, dropped = await move_p0(fac, phones)
    assert dropped == ["table.seating"] and mover.table_id() == old  # the seating message was lost

    await mover.send(type="table", op="theme", table=old, name="At my old table")
    assert (await answer(mover)).error == "forbidden"
    await mover.send(type="table", op="vote", card=card)
    assert (await answer(mover)).error == "not_found"
    await mover.send(type="table", op="pick", card=card)
    assert (await answer(mover)).error in ("forbidden", "not_found")

    # A post goes to the table they now sit at, never to the one their screen still shows.
    client_id = await mover.table_post("Posted after the move")
    assert tack(await answer(mover)) == client_id
    for phone in joining:
        await phone.until(lambda s: "Posted after the move" in s.table()[1].values())
    stored = await sync_to_async(lambda: TableCard.objects.get(text="Posted after the move").table_id)()
    assert stored == new
    await neighbour.table_post("Still at the old table")
    await neighbour.until(lambda s: "Still at the old table" in s.table()[1].values())
    await drain(neighbour)
    assert "Posted after the move" not in neighbour.raw() and "At my old table" not in neighbour.raw()
    assert await sync_to_async(lambda: TableCard.objects.get(pk=card).votes.count())() == 0
