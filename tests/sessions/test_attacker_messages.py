"""The newer message types (the systems map, next steps, tables) attacked with a raw client: wrong types,
unknown fields, huge frames, negative and fractional ids, another inquiry's ids, floods, and one
inquiry's phone on another inquiry's socket. Each gets a clear error to its sender only; the socket stays
open; nothing is stored and nobody else notices."""

import asyncio
import json
import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card, Theme
from board.nextsteps.models import NextStep
from board.systemmap.models import MapLink, MapNode
from board.tables.models import Seat, TableCard
from inquiry import limits
from inquiry.models import Participant

from ..support import ConnectionClosed, Screen, long_cards, one_of_each, text
from .test_bad_input import assert_refused, message, raw

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async

STEP = {"what": "Shared induction", "with_whom": "", "by_when": "", "theme": None, "loop": ""}


@pytest.fixture
def later(monkeypatch):
    """The limits' clock, stopped: buckets refill only when a test moves it on."""
    offset = [limits.monotonic()]
    monkeypatch.setattr(limits, "monotonic", lambda: offset[0])
    return lambda seconds: offset.__setitem__(0, offset[0] + seconds)


@pytest.fixture
async def screens(inquiry, carol, dave, alice):
    made = [await Screen(inquiry.code, client).connect() for client in (carol, dave, alice)]
    for screen, role in zip(made, ("participant", "participant", "facilitator"), strict=True):
        screen.role = role
    yield made
    for screen in made:
        await screen.close()


BAD = {
    "an action's text as a number": (
        "participant",
        message(type="step", op="add", client_id=str(uuid.uuid4()), **{**STEP, "what": 12345}),
        "invalid_field",
    ),
    "an action about a negative theme": (
        "participant",
        message(type="step", op="add", client_id=str(uuid.uuid4()), **{**STEP, "theme": -3}),
        "invalid_field",
    ),
    "an action about a fractional theme": (
        "participant",
        message(type="step", op="add", client_id=str(uuid.uuid4()), **{**STEP, "theme": 1.5}),
        "invalid_field",
    ),
    "an unknown field on an action": (
        "participant",
        message(type="step", op="add", client_id=str(uuid.uuid4()), **STEP, author=1),
        "unknown_field",
    ),
    "joining action 2.0": ("participant", message(type="step", op="join", step=2.0), "invalid_field"),
    "joining action -1": ("participant", message(type="step", op="join", step=-1), "invalid_field"),
    "a contact as a list": (
        "participant",
        message(type="contact", op="share", text=["a"], with_signups=True, with_theme_sectors=False),
        "invalid_field",
    ),
    "a link from theme -1": (
        "participant",
        message(type="link", op="add", source="theme--1", target="card-1", kind="enables", sign="+", note=""),
        "invalid_field",
    ),
    "a link to card 1.5": (
        "participant",
        message(
            type="link", op="add", source="theme-1", target="card-1.5", kind="enables", sign="+", note=""
        ),
        "invalid_field",
    ),
    "a link of an unknown kind": (
        "participant",
        message(type="link", op="add", source="theme-1", target="card-2", kind="<b>", sign="+", note=""),
        "invalid_field",
    ),
    "a table post of a megabyte": (
        "participant",
        message(type="table", op="post", client_id=str(uuid.uuid4()), text="x" * 1_000_000),
        "too_large",
    ),
    "a frame of a megabyte of actions": (
        "participant",
        raw(text=json.dumps([{"type": "step", "op": "add", **STEP}] * 10_000)),
        "too_large",
    ),
    "a table vote for card true": (
        "participant",
        message(type="table", op="vote", card=True),
        "invalid_field",
    ),
    "a topic with a field too many": (
        "participant",
        message(type="topic", op="add", title="Mine", breakout=1),
        "unknown_field",
    ),
    "steering the tables": ("participant", message(type="tables", op="close"), "forbidden"),
    "hiding an action": ("participant", message(type="step", op="hide", step=1), "forbidden"),
    "a node moved to x as text": (
        "facilitator",
        message(type="map", op="move", node=1, x="10", y=10),
        "invalid_field",
    ),
    "a node moved to a negative y": (
        "facilitator",
        message(type="map", op="move", node=1, x=10, y=-1),
        "invalid_field",
    ),
    "a node moved to NaN": (
        "facilitator",
        raw(text='{"type": "map", "op": "move", "node": 1, "x": NaN, "y": 1}'),
        "invalid_field",
    ),
    "a person seated at table -2": (
        "facilitator",
        message(type="tables", op="seat", participant=1, table=-2),
        "invalid_field",
    ),
    "tables of 9000 people": (
        "facilitator",
        message(type="tables", op="open", mode="random", size=9000, prompt=""),
        "invalid_field",
    ),
    "a facilitator proposing an action": (
        "facilitator",
        message(type="step", op="add", client_id=str(uuid.uuid4()), **STEP),
        "forbidden",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
async def test_a_bad_message_gets_a_clear_error_and_nobody_else_notices(case, screens):
    role, send, code = BAD[case]
    sender = next(screen for screen in screens if screen.role == role)
    await assert_refused(sender, [screen for screen in screens if screen is not sender], send, code)


def elsewhere(other_inquiry):
    """Another inquiry's things, each of a kind a message names by id: {field: id}."""
    return one_of_each(other_inquiry, Participant.objects.get(inquiry=other_inquiry))


def untouched(other_inquiry):
    """What another inquiry holds, to compare before and after."""
    return (
        sorted(Card.objects.filter(inquiry=other_inquiry).values_list("text", "theme_id", "status")),
        sorted(Theme.objects.filter(inquiry=other_inquiry).values_list("name", flat=True)),
        sorted(NextStep.objects.filter(inquiry=other_inquiry).values_list("what", "hidden")),
        sorted(MapLink.objects.filter(inquiry=other_inquiry).values_list("kind", "note")),
        sorted(MapNode.objects.filter(inquiry=other_inquiry).values_list("x", "y", "pinned")),
        sorted(
            TableCard.objects.filter(table__breakout__inquiry=other_inquiry).values_list("text", "picked")
        ),
        sorted(
            Seat.objects.filter(breakout__inquiry=other_inquiry).values_list("participant_id", "table_id")
        ),
        other_inquiry.events.count(),
    )


async def test_another_inquirys_actions_links_map_and_tables_cannot_be_touched(
    inquiry, other_inquiry, frank, screens
):
    carol, _dave, alice = screens
    ids = await sync(elsewhere)(other_inquiry)
    before = await sync(untouched)(other_inquiry)
    # The room is in a next-steps round and has tables open, so only the foreign id stands in the way.
    await alice.send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await alice.send(type="tables", op="open", mode="random", size=2)
    await carol.until(lambda s: s.seq >= 2)
    as_participant = [
        {"type": "step", "op": "join", "step": ids["step"]},
        {"type": "step", "op": "edit", "step": ids["step"], **STEP},
        {"type": "step", "op": "delete", "step": ids["step"]},
        {"type": "step", "op": "add", "client_id": str(uuid.uuid4()), **{**STEP, "theme": ids["theme"]}},
        {"type": "link", "op": "edit", "link": ids["link"], "kind": "blocks", "sign": "+", "note": "mine"},
        {"type": "link", "op": "delete", "link": ids["link"]},
        {"type": "table", "op": "vote", "card": ids["table_card"]},
        {"type": "table", "op": "move", "card": ids["table_card"], "theme": None},
        {"type": "table", "op": "pick", "card": ids["table_card"], "theme": None},
        {"type": "table", "op": "merge", "theme": ids["table_theme"], "into": ids["table_theme"]},
        {"type": "table", "op": "send", "table": ids["table"], "noticed": "", "by_vote": False},
    ]
    as_facilitator = [
        {"type": "step", "op": "hide", "step": ids["step"]},
        {"type": "link", "op": "edit", "link": ids["link"], "kind": "blocks", "sign": "+", "note": "mine"},
        {"type": "link", "op": "delete", "link": ids["link"]},
        {"type": "link", "op": "add", "source": f"theme-{ids['theme']}", "target": f"card-{ids['card']}",
         "kind": "enables", "sign": "+", "note": ""},
        {"type": "map", "op": "move", "node": ids["node"], "x": 5, "y": 5},
        {"type": "card", "op": "move_many", "cards": [ids["card"]], "theme": None},
        {"type": "tables", "op": "seat", "participant": ids["participant"], "table": ids["table"]},
        {"type": "tables", "op": "host", "participant": ids["participant"], "table": ids["table"]},
        {"type": "table", "op": "pick", "card": ids["table_card"], "theme": None},
        {"type": "table", "op": "send", "table": ids["table"], "noticed": "", "by_vote": False},
        {"type": "participant", "op": "remove", "participant": ids["participant"]},
    ]  # fmt: skip
    for screen, messages in ((carol, as_participant), (alice, as_facilitator)):
        for sent in messages:
            await screen.send(**sent)
            reply = await screen.reply()
            assert reply.error in ("not_found", "forbidden"), (sent, reply)
    assert await sync(untouched)(other_inquiry) == before


async def test_a_phone_of_one_inquiry_is_refused_on_anothers_socket(inquiry, other_inquiry, carol, alice):
    for client in (carol, alice):  # a participant of the inquiry; its facilitator, who has no part there
        screen = Screen(other_inquiry.code, client)
        await screen.connect(expect_frame=False)
        assert (await screen.receive()).error == "forbidden"
        with pytest.raises(ConnectionClosed) as closed:
            await screen.receive()
        assert closed.value.code == 4403


def steps_shown(screen):
    return len(screen.page.xpath("//*[@id='steps-list']/li[starts-with(@id, 'step-')]"))


async def answers(screen, count, timeout=30):
    """The next ``count`` error frames this screen gets (the accepted messages answer with events)."""
    errors = []
    async with asyncio.timeout(timeout):
        while len(errors) < count:
            frame = await screen.receive(timeout)
            if frame.error:
                errors.append(frame)
    return errors


async def test_500_action_proposals_at_once_put_20_on_the_board_like_posts(inquiry, screens, later):
    carol, dave, alice = screens
    await alice.send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await carol.until(lambda s: s.seq == 1)
    for n in range(500):
        await carol.send(type="step", op="add", client_id=str(uuid.uuid4()), **{**STEP, "what": f"Spam {n}"})
    # 120 within the message limit (20 stored, 100 refused by the posting allowance), then the screen is
    # told once that it sends too many messages; the rest go unanswered (test_attacker_flood.py).
    refused = await answers(carol, 101)
    assert {frame.error for frame in refused} == {"rate_limited"}
    assert any("posting faster than the room can read" in frame.error_message for frame in refused)
    assert "sending too many messages" in refused[-1].error_message
    assert await NextStep.objects.acount() == 20
    await dave.until(lambda s: steps_shown(s) == 20)
    # Dave was never limited by it.
    await dave.send(type="step", op="add", client_id=str(uuid.uuid4()), **{**STEP, "what": "Dave's"})
    await alice.until(lambda s: steps_shown(s) == 21)


async def test_a_flood_of_links_from_one_phone_is_held_to_the_posting_allowance(
    inquiry, carol, screens, later
):
    phone, _dave, alice = screens
    author = await Participant.objects.aget(display_name="Carol")
    await sync(long_cards)(author, 9, "on the map")
    cards = [pk async for pk in Card.objects.order_by("pk").values_list("pk", flat=True)]
    await alice.send(type="round", op="kind", round=inquiry.current_round_id, kind="map")
    await phone.until(lambda s: s.seq == 1)
    pairs = [(a, b) for a in cards for b in cards if a != b][:40]
    for a, b in pairs:
        await phone.send(
            type="link", op="add", source=f"card-{a}", target=f"card-{b}", kind="enables", sign="+", note=""
        )
    refused = await answers(phone, 20)
    assert {frame.error for frame in refused} == {"rate_limited"}
    assert await MapLink.objects.acount() == 20
    await alice.until(lambda s: text(s, "map-link-count") == "20")
    later(60)
    a, b = pairs[20]  # refused a moment ago; a minute later it goes in
    await phone.send(
        type="link", op="add", source=f"card-{a}", target=f"card-{b}", kind="blocks", sign="+", note=""
    )
    await alice.until(lambda s: text(s, "map-link-count") == "21")
