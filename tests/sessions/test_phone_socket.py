"""What the phone's socket needs besides the board (issue 11, part 3): its heartbeat is answered at once
and never spends the participant's message allowance; a post's acknowledgement says whether the room sees
it (held back, waiting for approval, silent until the reveal), so the phone can say so at the box."""

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, Actor
from sessions import protocol

from ..support import Screen

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_heartbeat_is_answered_and_never_counted_as_a_message(inquiry, carol):
    with override_settings(RATE_LIMITS={"message": (1, 3600)}):
        phone = await Screen(inquiry.code, carol).connect()
        await phone.communicator.send_to(text_data=protocol.PING)
        pong = await phone.receive()
        assert pong.text == protocol.PONG
        # The one message the limit allows is still there after the ping: a reaction to nothing is
        # refused for what it is, not for coming too often.
        await phone.send(type="reaction", op="toggle", card=999_999)
        assert (await phone.reply()).error == "not_found"
        await phone.send(type="reaction", op="toggle", card=999_999)
        assert (await phone.reply()).error == "rate_limited"
        await phone.close()


async def test_a_ping_in_another_form_is_an_ordinary_message(inquiry, carol):
    phone = await Screen(inquiry.code, carol).connect()
    await phone.send(type="sync", op="ping", extra=1)
    assert (await phone.reply()).error is not None
    await phone.close()


async def ack_of(phone, text):
    await phone.post(text)
    frame = await phone.reply()
    assert frame.ack, frame
    return frame.first("lw-ack").get("data-status")


async def test_the_ack_says_what_the_room_sees_of_a_post(inquiry, alice, carol):
    phone = await Screen(inquiry.code, carol).connect()
    assert await ack_of(phone, "An ordinary thought") == "visible"
    assert await ack_of(phone, "Ring me on 07700 900123 about my dad") == "held"

    facilitator = Actor(FACILITATOR, inquiry.pk, user_id=inquiry.created_by_id)
    await database_sync_to_async(inquiry_actions.change_settings)(facilitator, True, True)
    assert await ack_of(phone, "Waiting for a facilitator") == "pending"
    await phone.close()
