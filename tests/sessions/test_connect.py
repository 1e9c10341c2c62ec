"""Who a socket is let in as, now that a connect's reads run as SQL compiled once (inquiry/compiled.py,
sessions/cookies.py): the same answers as the ordinary queries, for the cases a room brings."""

import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.contrib.sessions.serializers import JSONSerializer
from django.core import signing
from django.utils import timezone

from inquiry import phone_sessions
from inquiry.models import Participant

from ..support import ConnectionClosed, Screen, attr, joined

pytestmark = pytest.mark.django_db(transaction=True)


async def refused(code, client):
    screen = Screen(code, client)
    await screen.connect(expect_frame=False)
    frame = await screen.receive()
    with pytest.raises(ConnectionClosed) as closed:
        await screen.receive()
    return frame.error, closed.value.code


class SignedLongAgo(signing.TimestampSigner):
    """Signs as a phone's session cookie was signed SESSION_COOKIE_AGE and a second ago."""

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - settings.SESSION_COOKIE_AGE - 1)


async def test_a_phone_whose_session_has_expired_is_refused(inquiry, carol):
    await (await Screen(inquiry.code, carol).connect()).close()
    token = (await Participant.objects.aget(display_name="Carol")).token
    # A phone's session is its signed cookie (inquiry/phone_sessions.py): the same one, signed too long ago.
    carol.cookies[settings.SESSION_COOKIE_NAME] = SignedLongAgo(salt=phone_sessions.SALT).sign_object(
        {f"participant:{inquiry.pk}": token}, serializer=JSONSerializer, compress=True
    )
    assert await refused(inquiry.code, carol) == ("forbidden", 4403)


async def test_a_facilitator_whose_session_has_expired_is_refused(inquiry, alice):
    key = alice.cookies[settings.SESSION_COOKIE_NAME].value
    await (await Screen(inquiry.code, alice).connect()).close()
    await database_sync_to_async(
        lambda: Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
    )()
    assert await refused(inquiry.code, alice) == ("forbidden", 4403)


async def test_a_phone_removed_from_the_room_is_refused(inquiry, carol):
    await database_sync_to_async(
        lambda: Participant.objects.filter(display_name="Carol").update(removed=True)
    )()
    assert await refused(inquiry.code, carol) == ("forbidden", 4403)


async def test_a_phone_that_joined_two_inquiries_is_itself_in_each(inquiry, other_inquiry, carol):
    response = await database_sync_to_async(carol.post)(
        f"/i/{other_inquiry.code}/join/", {"display_name": "Carol too", "sector": "NHS"}
    )
    assert joined(response, other_inquiry)
    for code, text in ((inquiry.code, "In the first room"), (other_inquiry.code, "In the second room")):
        screen = await Screen(code, carol).connect()
        assert screen.frames[0].snapshot
        await screen.post(text)
        assert (await screen.reply()).ack
        await screen.until(lambda s, text=text: text in s.texts())
        await screen.close()
    authors = await database_sync_to_async(
        lambda: dict(
            Participant.objects.filter(cards__isnull=False).values_list("display_name", "inquiry__code")
        )
    )()
    assert authors == {"Carol": inquiry.code, "Carol too": other_inquiry.code}


async def test_a_phone_reconnecting_sees_its_own_silent_card_and_no_one_else_does(
    inquiry, alice, carol, dave
):
    facilitator = await Screen(inquiry.code, alice).connect()
    round_id = await database_sync_to_async(lambda: inquiry.rounds.order_by("position").first().pk)()
    await facilitator.send(type="round", op="phase", round=round_id, phase="silent")
    await facilitator.until(lambda s: attr(s, "round-banner", "data-phase") == "silent")
    phone = await Screen(inquiry.code, carol).connect()
    await phone.post("Only mine until the reveal")
    assert (await phone.reply()).ack
    await phone.close()
    again = await Screen(inquiry.code, carol).connect()
    assert "Only mine until the reveal" in again.texts()
    other = await Screen(inquiry.code, dave).connect()
    assert "Only mine until the reveal" not in other.frames[0].text
    for screen in (again, other, facilitator):
        await screen.close()
