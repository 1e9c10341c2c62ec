"""Posting contributions live: every screen of the inquiry sees each post, edit and delete, and
nothing leaks to other inquiries."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card

from ..support import Screen, fresh_board

pytestmark = pytest.mark.django_db(transaction=True)


async def screens(inquiry, *clients, query=""):
    return [await Screen(inquiry.code, c, query).connect() for c in clients]


async def test_it_shows_a_post_on_every_screen_of_the_inquiry(inquiry, carol, dave, alice):
    carol_screen, dave_screen, alice_screen = await screens(inquiry, carol, dave, alice)
    await carol_screen.post("Hospital discharge waits on social care packages")
    for screen in (carol_screen, dave_screen, alice_screen):
        await screen.until(lambda s: "Hospital discharge waits on social care packages" in s.texts())
    assert dave_screen.board() == await fresh_board(inquiry.code, dave)
    for screen in (carol_screen, dave_screen, alice_screen):
        await screen.close()


async def test_it_acknowledges_a_post_to_its_sender_only(inquiry, carol, dave):
    carol_screen, dave_screen = await screens(inquiry, carol, dave)
    client_id = await carol_screen.post("Shared care records")
    await carol_screen.until(lambda s: any(f.ack == client_id for f in s.frames))
    event = await dave_screen.next_event()
    assert event.ack is None
    assert "Shared care records" in dave_screen.texts()
    assert all(f.ack is None for f in dave_screen.frames)
    await carol_screen.close()
    await dave_screen.close()


async def test_it_shows_names_only_when_the_inquiry_shows_names(inquiry, other_inquiry, carol, alice, frank):
    carol_screen, alice_screen = await screens(inquiry, carol, alice)
    await carol_screen.post("Named post")
    frame = await alice_screen.next_event()
    assert "Carol" in frame.text and "NHS" in frame.text
    await carol_screen.close()
    await alice_screen.close()

    frank_screen = await Screen(other_inquiry.code, frank).connect()
    await frank_screen.post("Anonymous post")
    frame = await frank_screen.next_event()
    assert "Anonymous post" in frame.text and "Frank" not in frame.text
    await frank_screen.close()


async def test_it_does_not_send_a_post_to_another_inquiry(inquiry, other_inquiry, carol, frank):
    carol_screen = await Screen(inquiry.code, carol).connect()
    frank_screen = await Screen(other_inquiry.code, frank).connect()
    await carol_screen.post("Only for this inquiry")
    await carol_screen.until(lambda s: "Only for this inquiry" in s.texts())
    await frank_screen.post("Frank's own post")
    # Frank's next event is his own post: Carol's never reached him.
    frame = await frank_screen.next_event()
    assert "Only for this inquiry" not in frame.text
    assert frank_screen.texts() == ["Frank's own post"]
    await carol_screen.close()
    await frank_screen.close()


async def test_a_resend_with_the_same_client_id_is_not_duplicated(inquiry, carol, dave):
    carol_screen, dave_screen = await screens(inquiry, carol, dave)
    client_id = str(uuid.uuid4())
    await carol_screen.post("Posted twice over a flaky line", client_id)
    await carol_screen.post("Posted twice over a flaky line", client_id)
    await carol_screen.until(lambda s: sum(f.ack == client_id for f in s.frames) == 2)
    await dave_screen.post("Next post")
    await dave_screen.until(lambda s: "Next post" in s.texts())
    assert dave_screen.texts() == ["Next post", "Posted twice over a flaky line"]
    assert await database_sync_to_async(Card.objects.filter(client_id=client_id).count)() == 1
    await carol_screen.close()
    await dave_screen.close()


async def test_a_participant_edits_and_deletes_their_own_post(inquiry, carol, dave):
    carol_screen, dave_screen = await screens(inquiry, carol, dave)
    await carol_screen.post("Typo in the frist post")
    await dave_screen.until(lambda s: len(s.cards()) == 1)
    card_id = next(iter(dave_screen.cards()))
    await carol_screen.send(type="card", op="edit", card=card_id, text="Typo in the first post")
    await dave_screen.until(lambda s: s.cards() == {card_id: "Typo in the first post"})
    assert "(edited)" in dave_screen.frames[-1].text
    await carol_screen.send(type="card", op="delete", card=card_id)
    await dave_screen.until(lambda s: s.cards() == {})
    assert dave_screen.board() == await fresh_board(inquiry.code, dave)
    await carol_screen.close()
    await dave_screen.close()


async def test_a_post_goes_to_the_current_round(inquiry, carol, alice):
    carol_screen, alice_screen = await screens(inquiry, carol, alice)
    rounds = await database_sync_to_async(lambda: list(inquiry.rounds.values_list("pk", flat=True)))()
    await alice_screen.send(type="round", op="activate", round=rounds[1])
    await carol_screen.until(lambda s: s.round_question() == "What would you try first?")
    await carol_screen.post("Start with one neighbourhood")
    await alice_screen.until(lambda s: "Start with one neighbourhood" in s.texts())
    card = await database_sync_to_async(Card.objects.get)(text="Start with one neighbourhood")
    assert card.round_id == rounds[1]
    await carol_screen.close()
    await alice_screen.close()


async def test_a_closed_round_refuses_posts_and_edits(inquiry, carol, alice):
    carol_screen, alice_screen = await screens(inquiry, carol, alice)
    await carol_screen.post("Before closing")
    await alice_screen.until(lambda s: len(s.cards()) == 1)
    card_id = next(iter(alice_screen.cards()))
    await alice_screen.send(type="round", op="phase", round=inquiry.current_round_id, phase="closed")
    await carol_screen.until(lambda s: s.find("round-banner").get("data-open") == "0")
    await carol_screen.post("After closing")
    frame = await carol_screen.reply()
    assert frame.error == "round_closed"
    await carol_screen.send(type="card", op="edit", card=card_id, text="Changed after closing")
    frame = await carol_screen.reply()
    assert frame.error == "round_closed"
    assert carol_screen.cards() == {card_id: "Before closing"}
    await carol_screen.close()
    await alice_screen.close()


async def test_a_hundred_screens_all_receive_a_post(inquiry, carol, dave):
    """Proves the channel layer (in-memory, or channels-redis with the pinned redis-py) connects and
    delivers to every one of a room's sockets."""
    screens = [await Screen(inquiry.code, dave if i % 2 else carol).connect() for i in range(100)]
    await screens[0].post("Reaches the whole room")
    for screen in screens:
        await screen.until(lambda s: s.texts() == ["Reaches the whole room"])
    for screen in screens:
        await screen.close()
