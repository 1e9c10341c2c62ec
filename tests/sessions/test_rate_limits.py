"""Rate limits on the socket (issue 13, finding 8): one participant sending 500 posts at once, one screen
flooding messages, refused steering messages flooding the audit log. Each refusal is an error frame
with the code ``rate_limited`` to that screen only; the socket stays open; nothing else is stored."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async

from board.models import Card
from inquiry import limits
from inquiry.models import AuditEntry
from sessions import protocol

from ..support import everyone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def later(monkeypatch):
    """The limits' in-process clock, stopped (token buckets refill only when the test moves it on)."""
    offset = [limits.monotonic()]
    monkeypatch.setattr(limits, "monotonic", lambda: offset[0])

    def forward(seconds):
        offset[0] += seconds

    return forward


async def answers_until_pong(screen):
    """The answers (acks and errors) to what the screen sent, once the server has handled all of it: a
    ping is answered in turn after the messages before it, over the limit or not."""
    await screen.communicator.send_to(text_data=protocol.PING)
    answers = []
    async with asyncio.timeout(10):
        while (frame := await screen.receive()).text != protocol.PONG:
            if frame.ack or frame.error:
                answers.append(frame)
    return answers


async def test_a_participant_posting_500_at_once_gets_20_stored_and_a_clear_refusal_for_the_rest(
    inquiry, room, later
):
    carol = room["carol"]
    sent = [await carol.post(f"Spam {n}") for n in range(500)]
    # The first 120 are within the message limit: 20 stored, 100 refused by the post limit. The screen is
    # then told once that it sends too many messages; the other 379 go unanswered (a client that sends
    # without reading would have the server hold a refusal for each: test_attacker_flood.py). The page
    # keeps each unacknowledged post and sends it again after a refusal.
    answers = await answers_until_pong(carol)
    acked = [frame.ack for frame in answers if frame.ack]
    assert acked == sent[:20]
    refusals = [frame for frame in answers if frame.error]
    assert len(refusals) == 101 and {frame.error for frame in refusals} == {"rate_limited"}
    assert any("posting faster than the room can read: wait 3 seconds" in f.error_message for f in refusals)
    assert "sending too many messages" in refusals[-1].error_message
    assert await database_sync_to_async(Card.objects.count)() == 20
    await everyone(room, lambda s: len(s.texts()) == 20)

    # A resend of a stored post costs no post (only a message: two seconds give the screen a few back);
    # the socket is still open; posting comes back with time.
    later(2)
    await carol.post("Spam 0", client_id=sent[0])
    assert (await carol.reply()).ack == sent[0]
    await carol.post("Too soon")
    assert (await carol.reply()).error == "rate_limited"
    later(60)
    await carol.post("A minute later")
    assert (await carol.reply()).ack
    await everyone(room, lambda s: "A minute later" in s.texts())
    # Others were never limited by it.
    await room["dave"].post("Dave posts as usual")
    assert (await room["dave"].reply()).ack


async def test_a_screen_flooding_messages_is_told_to_wait_and_stays_open(inquiry, room, later):
    await room["carol"].post("Something to react to")
    await room["dave"].until(lambda s: len(s.cards()) == 1)
    card = next(iter(room["dave"].cards()))
    dave = room["dave"]
    for _ in range(150):
        await dave.send(type="reaction", op="toggle", card=card)
    for _ in range(30):  # bad messages count as well
        await dave.communicator.send_to(text_data="not json")
    # 120 within the limit; the other 60 are told once, not once each.
    limited = [frame for frame in await answers_until_pong(dave) if frame.error == "rate_limited"]
    assert len(limited) == 1 and "sending too many messages" in limited[0].error_message
    later(60)
    await dave.send(type="sync", op="resume", last_seq=0)
    assert (await dave.next_event()).seq is not None


async def test_a_flood_of_refused_steering_messages_leaves_the_facilitators_actions_in_view(
    inquiry, room, alice, settings
):
    settings.RATE_LIMITS = {"message": (100_000, 60)}  # the audit log must hold even without the limit
    await room["alice"].send(type="announce", op="set", text="Welcome, everyone")
    await room["alice"].send(type="round", op="add", question="What would help most?", guidance="")
    await room["alice"].until(lambda s: s.seq == 2)
    carol = room["carol"]
    for n in range(600):
        await carol.communicator.send_to(
            text_data=json.dumps({"type": "round", "op": "add", "question": f"Hijack {n}", "guidance": ""})
        )
    await carol.replies(600)
    entries = await database_sync_to_async(
        lambda: list(AuditEntry.objects.values_list("action", "refused", "times"))
    )()
    assert sorted(entries) == [("announce.set", False, 1), ("round.add", False, 1), ("round.add", True, 600)]
    page = (await database_sync_to_async(alice.get)(f"/i/{inquiry.code}/audit/")).content.decode()
    assert "Welcome, everyone" in page and "What would help most?" in page
    assert "600 times" in page
    done = (await database_sync_to_async(alice.get)(f"/i/{inquiry.code}/audit/?show=done")).content.decode()
    assert "Welcome, everyone" in done and "Refused" not in done.split("<tbody>")[1]
