"""Bad input gets a clear error to its sender only; the socket stays open, nothing is stored, and
nobody else notices: the next event every other screen gets is the next real change."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card, Theme
from inquiry.models import Inquiry
from sessions.consumers import InquiryConsumer
from sessions.hub import hub
from sessions.models import Event, Presence

from ..support import Screen, text

pytestmark = pytest.mark.django_db(transaction=True)


async def room(inquiry, *clients):
    return [await Screen(inquiry.code, c).connect() for c in clients]


def counts():
    return Card.objects.count(), Theme.objects.count(), Event.objects.count()


async def assert_refused(sender, others, send, code):
    """Send a bad message: the sender gets error ``code``; a real change after it shows nobody else saw
    a thing."""
    before = await database_sync_to_async(counts)()
    last_seq = await database_sync_to_async(lambda: Inquiry.objects.get(code=sender.code).seq)()
    seen = {id(screen): len(screen.frames) for screen in others}
    await send(sender)
    frame = await sender.reply()
    assert frame.error == code, frame
    assert frame.seq is None and frame.error_message
    assert await database_sync_to_async(counts)() == before
    # The socket is still open and usable, and the next change every screen gets is the very next one.
    token = uuid.uuid4().hex[:8]
    if sender.role == "participant":
        await sender.post(f"still here {token}")
    else:
        await sender.send(type="theme", op="add", name=f"still here {token}")
    for screen in [sender, *others]:
        while True:
            event = await screen.next_event()
            if token in event.text:
                assert event.seq == last_seq + 1
                break
            assert event.seq <= last_seq, event
    for screen in others:
        assert not [f for f in screen.frames[seen[id(screen)] :] if f.error]


def raw(text=None, data=None):
    async def send(screen):
        await screen.communicator.send_to(text_data=text, bytes_data=data)

    return send


def message(**fields):
    async def send(screen):
        await screen.send(**fields)

    return send


def post(text):
    return message(type="card", op="add", client_id=str(uuid.uuid4()), text=text)


@pytest.fixture
async def participant_room(inquiry, carol, dave, alice):
    screens = await room(inquiry, carol, dave, alice)
    for screen, role in zip(screens, ("participant", "participant", "facilitator"), strict=True):
        screen.role = role
    yield screens
    for screen in screens:
        await screen.close()


BAD_POSTS = {
    "empty text": (post(""), "empty_text"),
    "whitespace-only text": (post(" \n\t "), "empty_text"),
    "text over the limit": (post("x" * 281), "text_too_long"),
    "invalid JSON": (raw(text="{not json"), "invalid_json"),
    "a JSON list": (raw(text="[1, 2]"), "invalid_message"),
    "a binary frame": (raw(data=b"\x00\x01binary"), "binary_frame"),
    "an unknown message type": (message(type="card", op="explode"), "unknown_type"),
    "no type at all": (raw(text=json.dumps({"text": "hi"})), "missing_field"),
    "a missing field": (message(type="card", op="add", text="no client id"), "missing_field"),
    "an unknown field": (
        message(type="card", op="add", client_id=str(uuid.uuid4()), text="x", admin=True),
        "unknown_field",
    ),
    "a client id that is not a UUID": (
        message(type="card", op="add", client_id="1", text="x"),
        "invalid_field",
    ),
    "a message over the size limit": (
        raw(text=json.dumps({"type": "card", "op": "add", "text": "x" * 9000})),
        "too_large",
    ),
    "a superscript digit as a sequence number": (
        message(type="sync", op="resume", last_seq="²"),
        "invalid_field",
    ),
    "a superscript digit as a card id": (message(type="card", op="delete", card="¹"), "invalid_field"),
    "a card id of 5,000 digits": (
        message(type="card", op="edit", card="9" * 5000, text="x"),
        "invalid_field",
    ),
    "a number of 5,000 digits": (
        raw(text='{"type": "sync", "op": "resume", "last_seq": ' + "9" * 5000 + "}"),
        "invalid_json",
    ),
    "JSON nested 3,900 deep": (raw(text="[" * 3900 + "]" * 3900), "invalid_json"),
    "a lone surrogate as the type": (raw(text=json.dumps({"type": "\ud800", "op": "add"})), "unknown_type"),
    "a lone surrogate as a field name": (
        raw(text=json.dumps({"type": "card", "op": "add", "client_id": str(uuid.uuid4()), "\udc00x": 1})),
        "unknown_field",
    ),
    "a lone surrogate in the text": (post("half a pair \ud83d"), "invalid_field"),
    "a facilitator action": (message(type="theme", op="add", name="Sneaky theme"), "forbidden"),
    "a card move": (message(type="card", op="move", card=1, theme=None), "forbidden"),
    "a round change": (message(type="round", op="phase", round=1, phase="closed"), "forbidden"),
}


@pytest.mark.parametrize("case", BAD_POSTS, ids=list(BAD_POSTS))
async def test_a_participant_gets_a_clear_error_for(case, participant_room):
    carol_screen, dave_screen, alice_screen = participant_room
    send, code = BAD_POSTS[case]
    await assert_refused(carol_screen, [dave_screen, alice_screen], send, code)


async def test_a_participant_cannot_edit_or_delete_another_participants_card(participant_room):
    carol_screen, dave_screen, alice_screen = participant_room
    await dave_screen.post("Dave's card")
    await carol_screen.until(lambda s: len(s.cards()) == 1)
    card_id = next(iter(carol_screen.cards()))
    await assert_refused(
        carol_screen,
        [dave_screen, alice_screen],
        message(type="card", op="edit", card=card_id, text="mine now"),
        "forbidden",
    )
    await assert_refused(
        carol_screen,
        [dave_screen, alice_screen],
        message(type="card", op="delete", card=card_id),
        "forbidden",
    )
    assert carol_screen.cards()[card_id] == "Dave's card"


async def test_ids_from_another_inquiry_are_refused(participant_room, other_inquiry, frank):
    carol_screen, dave_screen, alice_screen = participant_room
    frank_screen = await Screen(other_inquiry.code, frank).connect()
    await frank_screen.post("Frank's card elsewhere")
    await frank_screen.until(lambda s: len(s.cards()) == 1)
    foreign_card = next(iter(frank_screen.cards()))
    foreign_theme = await database_sync_to_async(
        lambda: Theme.objects.create(inquiry=other_inquiry, name="Elsewhere").pk
    )()
    foreign_round = other_inquiry.current_round_id
    for send in (
        message(type="card", op="move", card=foreign_card, theme=None),
        message(type="theme", op="rename", theme=foreign_theme, name="Taken over"),
        message(type="round", op="phase", round=foreign_round, phase="closed"),
    ):
        await assert_refused(alice_screen, [carol_screen, dave_screen], send, "not_found")
    await assert_refused(
        carol_screen,
        [dave_screen, alice_screen],
        message(type="card", op="delete", card=foreign_card),
        "not_found",
    )
    assert frank_screen.cards() == {foreign_card: "Frank's card elsewhere"}
    await frank_screen.close()


FACILITATOR_MISTAKES = {
    "a theme with no name": (message(type="theme", op="add", name="   "), "empty_text"),
    "a theme name over the limit": (message(type="theme", op="add", name="n" * 81), "text_too_long"),
    "an unknown colour": (message(type="theme", op="add", name="Colourful", colour="plaid"), "invalid_field"),
    "a card id that is not a number": (
        message(type="card", op="move", card="abc", theme=None),
        "invalid_field",
    ),
    "a card that does not exist": (message(type="card", op="move", card=999999, theme=None), "not_found"),
    "a post (facilitators do not post)": (post("From the facilitator"), "forbidden"),
    "timer seconds in superscript": (message(type="timer", op="start", seconds="-²"), "invalid_field"),
    "a theme id of 5,000 digits": (
        message(type="theme", op="rename", theme="1" * 5000, name="x"),
        "invalid_field",
    ),
    "a lone surrogate in a theme name": (message(type="theme", op="add", name="\udfff"), "invalid_field"),
}


@pytest.mark.parametrize("case", FACILITATOR_MISTAKES, ids=list(FACILITATOR_MISTAKES))
async def test_a_facilitator_gets_a_clear_error_for(case, participant_room):
    carol_screen, dave_screen, alice_screen = participant_room
    send, code = FACILITATOR_MISTAKES[case]
    await assert_refused(alice_screen, [carol_screen, dave_screen], send, code)


async def test_a_theme_cannot_merge_into_itself(participant_room):
    carol_screen, dave_screen, alice_screen = participant_room
    await alice_screen.send(type="theme", op="add", name="Workforce")
    await alice_screen.until(lambda s: len(s.themes()) == 1)
    await carol_screen.until(lambda s: len(s.themes()) == 1)
    await dave_screen.until(lambda s: len(s.themes()) == 1)
    theme_id = alice_screen.themes()[0][0]
    await assert_refused(
        alice_screen,
        [carol_screen, dave_screen],
        message(type="theme", op="merge", theme=theme_id, into=theme_id),
        "invalid_field",
    )


async def test_a_since_of_5000_digits_gets_a_snapshot_not_an_error(inquiry, carol):
    screen = await Screen(inquiry.code, carol, query="since=" + "9" * 5000).connect()
    assert screen.frames[0].snapshot
    await screen.post("Still works")
    await screen.until(lambda s: s.texts() == ["Still works"])
    await screen.close()


async def test_a_consumer_that_fails_leaves_presence_and_the_hub(inquiry, carol, dave, monkeypatch):
    """Whatever ends a consumer (here a bug that escapes its handler: Daphne closes such a socket with
    1011), it is no longer counted as present nor kept among the hub's sockets."""
    dave_screen = await Screen(inquiry.code, dave).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    # Arrivals are written with the presence frame that counts them (sessions/presence.py).
    for screen in (dave_screen, carol_screen):
        await screen.until(lambda s: text(s, "presence-total") == "2")
    assert await Presence.objects.filter(participant__display_name="Carol").acount() == 1

    async def broken(self, text_data=None, bytes_data=None):
        raise RuntimeError("a bug")

    monkeypatch.setattr(InquiryConsumer, "receive", broken)
    await carol_screen.post("This breaks the consumer")
    with pytest.raises(RuntimeError):
        await carol_screen.receive()
    assert await Presence.objects.filter(participant__display_name="Carol").acount() == 0
    assert len(hub.sockets[inquiry.pk]) == 1  # Dave's
    monkeypatch.undo()
    # The rest of the room carries on, and the presence count others see drops to one.
    await dave_screen.until(lambda s: text(s, "presence-total") == "1")
    await dave_screen.close()
