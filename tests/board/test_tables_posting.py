"""What a table post is answered with (issue 15): a resend is stored once and acknowledged with its first
copy's card, even from another table or once the tables closed; a paused room, a post that looks like
personal data and someone who is not seated are refused with a reason, and nothing of theirs reaches any
screen."""

import pytest
from asgiref.sync import sync_to_async

from board.tables.models import Seat, TableCard

from .tables_support import TableScreen, open_room, tack

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def room(inquiry, alice):
    """Two tables of two (mixed), the facilitator and the four phones, connected."""
    fac, phones = await open_room(inquiry, alice, ["NHS", "Other", "NHS", "Other"], mode="mixed", size=2)
    yield fac, phones
    for screen in [fac, *phones]:
        await screen.close()


async def answer(screen):
    """The next frame answering this screen's own message: an acknowledgement of a table post, or an
    error (the table's live frames may come first)."""
    while True:
        frame = await screen.receive()
        if frame.error or tack(frame):
            return frame


def mate_of(phones, phone):
    return next(p for p in phones if p is not phone and p.table_id() == phone.table_id())


async def test_a_resend_is_stored_once_and_acknowledged_with_its_first_card(room):
    fac, phones = room
    author = phones[0]
    client_id = await author.table_post("Said twice")
    first = await answer(author)
    assert tack(first) == client_id
    card = int(first.first("lw-tack").get("data-tcard"))
    await author.table_post("Said twice", client_id=client_id)
    again = await answer(author)
    assert tack(again) == client_id and int(again.first("lw-tack").get("data-tcard")) == card
    # Moved to the other table meanwhile: the resend is still theirs, still stored once.
    other = next(p.table_id() for p in phones if p.table_id() != author.table_id())
    pid = await sync_to_async(
        lambda: Seat.objects.get(table_id=author.table_id(), participant__display_name="P0").participant_id
    )()
    await fac.send(type="tables", op="seat", participant=pid, table=other)
    await author.until(lambda s: s.table_id() == other)
    await author.table_post("Said twice", client_id=client_id)
    moved = await answer(author)
    assert int(moved.first("lw-tack").get("data-tcard")) == card
    assert "Said twice" not in author.table()[1].values()  # it stays at the table it was posted to
    # The tables closed meanwhile: nowhere to post, and the resend is still acknowledged.
    await fac.send(type="tables", op="close")
    await author.until(lambda s: s.table() is None)
    await author.table_post("Said twice", client_id=client_id)
    closed = await answer(author)
    assert int(closed.first("lw-tack").get("data-tcard")) == card
    assert await sync_to_async(TableCard.objects.filter(text="Said twice").count)() == 1


async def test_a_paused_room_refuses_a_table_post_and_nothing_of_it_is_kept(room):
    fac, phones = room
    author = phones[0]
    mate = mate_of(phones, author)
    await fac.send(type="room", op="pause", paused=True)
    await author.next_event()  # the room's pause, on every screen
    await author.table_post("While paused")
    assert (await answer(author)).error == "paused"
    await fac.send(type="room", op="pause", paused=False)
    await author.next_event()
    await author.table_post("After the pause")
    await mate.until(lambda s: "After the pause" in s.table()[1].values())
    assert list(mate.table()[1].values()) == ["After the pause"]
    assert "While paused" not in mate.raw() and "While paused" not in fac.raw()
    assert not await sync_to_async(TableCard.objects.filter(text="While paused").exists)()


async def test_a_table_post_that_looks_like_personal_data_is_refused(room):
    _fac, phones = room
    author = phones[1]
    await author.table_post("Call Jo on 07700 900123")
    assert (await answer(author)).error == "held"
    assert not await sync_to_async(TableCard.objects.exists)()
    assert all("07700" not in phone.raw() for phone in phones if phone is not author)


async def test_someone_not_seated_at_a_table_is_told_so(inquiry, carol):
    phone = await TableScreen(inquiry.code, carol).connect()
    try:
        await phone.table_post("No table yet")
        assert (await answer(phone)).error == "forbidden"
        assert not await sync_to_async(TableCard.objects.exists)()
    finally:
        await phone.close()


async def test_a_card_posted_after_the_host_made_themes_can_be_moved_into_them(room):
    fac, phones = room
    table_id = phones[0].table_id()
    await fac.send(type="table", op="theme", table=table_id, name="Money <i>and</i> trust")
    await phones[0].until(lambda s: "Money <i>and</i> trust" in s.find(f"table-{table_id}").text_content())
    await phones[0].table_post("Where does this go?")
    mate = mate_of(phones, phones[0])
    await mate.until(lambda s: "Where does this go?" in s.table()[1].values())
    (card,) = mate.table()[1]
    options = mate.find(f"tcard-{card}-to").xpath("./option")
    assert [o.text_content() for o in options] == ["Move to…", "Money <i>and</i> trust"]
