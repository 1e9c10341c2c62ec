"""Facilitators move several selected cards with one action (card.move_many): one transaction, one
sequence number, and every screen shows them moved, in order; participants and outsiders are refused
with a clear error and their socket stays up."""

import pytest
from channels.db import database_sync_to_async

from board.models import Card
from inquiry.models import Inquiry

from ..support import Screen, everyone, fresh_board

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = [f"Contribution number {n} about discharge" for n in range(12)]


async def posts(room, texts):
    for index, text in enumerate(texts):
        await room["carol" if index % 2 == 0 else "dave"].post(text)
    await everyone(room, lambda s: len(s.cards()) == len(texts))
    return {text: pk for pk, text in room["alice"].cards().items()}


async def themes(room, *names):
    for name in names:
        await room["alice"].send(type="theme", op="add", name=name)
    await everyone(room, lambda s: len(s.themes()) == len(names))
    return [t[0] for t in room["alice"].themes()]


async def seq_of(inquiry):
    return await database_sync_to_async(lambda: Inquiry.objects.get(pk=inquiry.pk).seq)()


async def assert_converged(inquiry, room, alice, carol):
    participant_view = await fresh_board(inquiry.code, carol)
    facilitator_view = await fresh_board(inquiry.code, alice)
    assert participant_view == facilitator_view
    for screen in room.values():
        assert screen.board() == participant_view


async def test_ten_selected_cards_move_into_a_theme_with_one_event_on_every_screen(
    inquiry, room, alice, carol
):
    cards = await posts(room, TEXTS)
    (access,) = await themes(room, "Access")
    chosen = [cards[text] for text in TEXTS[:10]]
    before = await seq_of(inquiry)
    await room["alice"].send(type="card", op="move_many", cards=chosen, theme=access)
    await everyone(room, lambda s: s.themes()[0][3] == chosen)
    assert await seq_of(inquiry) == before + 1  # one sequence number for the ten
    for screen in room.values():
        assert screen.unsorted() == [cards[TEXTS[10]], cards[TEXTS[11]]]
        assert screen.find(f"theme-{access}-count").text_content() == "10"
        assert screen.find("unsorted-count").text_content() == "2"
    await assert_converged(inquiry, room, alice, carol)


async def test_cards_from_several_columns_go_together_at_a_position(inquiry, room, alice, carol):
    cards = await posts(room, TEXTS[:6])
    one, two = await themes(room, "One", "Two")
    ids = [cards[text] for text in TEXTS[:6]]
    await room["alice"].send(type="card", op="move_many", cards=ids[:3], theme=one)
    await room["bob"].send(type="card", op="move_many", cards=ids[3:5], theme=two)
    await everyone(room, lambda s: len(s.themes()[1][3]) == 2)
    # One from "One", one from "Two" and one unsorted, into "Two" between its two cards.
    await room["alice"].send(type="card", op="move_many", cards=[ids[5], ids[0]], theme=two, position=1)
    expected = [ids[3], ids[5], ids[0], ids[4]]
    await everyone(room, lambda s: s.themes()[1][3] == expected)
    for screen in room.values():
        assert screen.themes()[0][3] == ids[1:3]
        assert screen.unsorted() == []
    # And back to unsorted, in the order named.
    await room["bob"].send(type="card", op="move_many", cards=[ids[4], ids[3]], theme=None)
    await everyone(room, lambda s: s.unsorted() == [ids[4], ids[3]])
    await assert_converged(inquiry, room, alice, carol)


async def test_a_participant_cannot_move_many_and_stays_connected(inquiry, room):
    cards = await posts(room, TEXTS[:2])
    (access,) = await themes(room, "Access")
    await room["carol"].send(type="card", op="move_many", cards=list(cards.values()), theme=access)
    frame = await room["carol"].reply()
    assert frame.error == "forbidden"
    assert "not allowed for participants" in frame.text
    # The socket is still up: the next change reaches that screen.
    await room["alice"].send(type="card", op="move_many", cards=list(cards.values()), theme=access)
    await everyone(room, lambda s: len(s.themes()[0][3]) == 2)
    stored = await database_sync_to_async(lambda: sorted(Card.objects.values_list("theme_id", flat=True)))()
    assert stored == [access, access]


async def test_an_outsider_cannot_move_another_inquirys_cards(inquiry, other_inquiry, room, eve):
    cards = await posts(room, TEXTS[:2])
    (access,) = await themes(room, "Access")
    outsider = await Screen(other_inquiry.code, eve).connect()
    try:
        await outsider.send(type="card", op="move_many", cards=list(cards.values()), theme=None)
        frame = await outsider.reply()
        assert frame.error == "not_found"
        assert "not in this inquiry" in frame.text and "nothing was moved" in frame.text
        await outsider.send(type="card", op="move_many", cards=list(cards.values()), theme=access)
        assert (await outsider.reply()).error == "not_found"
        # Still connected.
        await outsider.send(type="theme", op="add", name="Eve's own")
        await outsider.until(lambda s: [t[1] for t in s.themes()] == ["Eve's own"])
    finally:
        await outsider.close()
    assert set(room["alice"].unsorted()) == set(cards.values())


async def test_one_unknown_card_moves_nothing(inquiry, room):
    cards = await posts(room, TEXTS[:3])
    (access,) = await themes(room, "Access")
    await room["alice"].send(type="card", op="move_many", cards=[*cards.values(), 999999], theme=access)
    frame = await room["alice"].reply()
    assert frame.error == "not_found" and "1 of these 4 cards is not in this inquiry" in frame.text
    stored = await database_sync_to_async(lambda: list(Card.objects.values_list("theme_id", flat=True)))()
    assert stored == [None, None, None]


async def test_the_list_of_cards_is_checked(room):
    for cards in ([], "12", [1, "x"], list(range(1, 1002))):
        await room["alice"].send(type="card", op="move_many", cards=cards, theme=None)
        frame = await room["alice"].reply()
        assert frame.error == "invalid_field", cards
