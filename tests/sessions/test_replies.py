"""A screen's own messages are answered in order, each post's ack naming its client id: so the answer to
the message a phone just sent can be told from late answers to the ones it sent before (tests/support.py,
Screen.reply)."""

import pytest

from ..support import Screen

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def phone(inquiry, dave):
    screen = await Screen(inquiry.code, dave).connect()
    await screen.post("Mine")
    await screen.until(lambda s: "Mine" in s.texts())
    screen.card = next(iter(screen.cards()))
    yield screen
    await screen.close()


async def test_the_reply_to_a_message_is_its_own_not_an_earlier_posts_ack(phone):
    await phone.post("Two")
    await phone.post("Three")
    await phone.send(type="reaction", op="toggle", card=phone.card)
    refused = await phone.reply()
    assert refused.error == "own_card", refused
    assert "your own contribution" in refused.error_message


async def test_the_replies_to_several_posts_are_their_acks_in_order(phone):
    sent = [await phone.post(f"Idea {n}") for n in range(3)]
    assert [frame.ack for frame in await phone.replies(3)] == sent


async def test_a_reply_already_received_is_still_the_reply(phone):
    await phone.send(type="reaction", op="toggle", card=phone.card)
    await phone.until(lambda s: any(frame.error for frame in s.frames))
    assert (await phone.reply(timeout=1)).error == "own_card"
