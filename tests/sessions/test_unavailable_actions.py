"""A message the database did not answer for (down, restarting, out of connections): nothing was stored.
A post, a table post or a proposed action stays queued on the page, which sends it again by itself (a
client id makes a resend harmless), so its refusal says so; anything else is not resent (the room may have
moved on: a move, a phase or a toggle applied late could undo a later change), so its refusal names what
was not saved, for the person to do again (docs/protocol.md)."""

import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError

from board import actions as board_actions
from board.models import Card, NextStep
from board.nextsteps import actions as steps_actions
from board.tables import actions as tables_actions
from board.tables.models import TableCard

from ..board.tables_support import open_room, tack
from ..support import Screen, everyone

pytestmark = pytest.mark.django_db(transaction=True)


def database_down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


@pytest.fixture
async def card(inquiry, carol):
    screen = await Screen(inquiry.code, carol).connect()
    await screen.post("Shared care records")
    await screen.reply()
    await screen.close()
    return await database_sync_to_async(Card.objects.get)(text="Shared care records")


async def test_a_facilitators_action_is_named_as_not_saved_and_not_promised_again(
    inquiry, alice, card, monkeypatch
):
    screen = await Screen(inquiry.code, alice).connect()
    monkeypatch.setattr(board_actions, "hide_card", database_down)
    await screen.send(type="card", op="hide", card=card.pk)
    frame = await screen.reply()
    assert frame.error == "unavailable"
    assert frame.error_message.startswith("Not saved: hiding a card.")
    assert "do it again" in frame.error_message and "by itself" not in frame.error_message
    assert screen.find("lw-status").find(".//p").get("data-action") == "hiding a card"
    assert frame.refused_client is None
    await screen.close()


async def test_a_participants_dot_and_reaction_are_named_as_not_saved(
    inquiry, alice, dave, card, monkeypatch
):
    facilitator = await Screen(inquiry.code, alice).connect()
    await facilitator.send(type="vote", op="open", round=None, target="cards", budget=3, per_item=2)
    phone = await Screen(inquiry.code, dave).connect()
    monkeypatch.setattr(board_actions, "cast_votes", database_down)
    await phone.send(type="dot", op="add", card=card.pk, theme=None)
    assert (await phone.reply()).error_message.startswith("Not saved: your dot.")
    await phone.send(type="reaction", op="toggle", card=card.pk)
    assert (await phone.reply()).error_message.startswith("Not saved: your reaction.")
    for screen in (phone, facilitator):
        await screen.close()


async def test_a_post_is_still_promised_to_be_sent_again(inquiry, carol, monkeypatch):
    phone = await Screen(inquiry.code, carol).connect()
    monkeypatch.setattr(board_actions, "post_cards", database_down)
    await phone.post("Written while the database was away", client_id=str(uuid.uuid4()))
    frame = await phone.reply()
    assert frame.error == "unavailable" and frame.error_message.endswith("Trying again by itself.")
    await phone.close()


def promised_again(screen, frame):
    """A refusal that says the page sends it again by itself, and names nothing as not saved."""
    status = screen.find("lw-status").find(".//p")
    return (
        frame.error == "unavailable"
        and frame.error_message.endswith("Trying again by itself.")
        and "Not saved" not in frame.error_message
        and status.get("data-action") is None
    )


async def answer(screen, ack_id):
    """The next frame answering this screen's own message: an error, or the ack ``ack_id`` (lw-tack,
    lw-step-ack) naming a client id; the room's frames may come first."""
    while True:
        frame = await screen.receive()
        ack = frame.first(ack_id)
        if frame.error or ack is not None:
            return frame


async def test_a_table_post_is_promised_again_and_its_resend_lands_once(inquiry, alice, monkeypatch):
    facilitator, phones = await open_room(inquiry, alice, ["NHS", "Other"], mode="mixed", size=2)
    author, mate = phones
    try:
        monkeypatch.setattr(tables_actions, "post", database_down)
        client_id = await author.table_post("Said while the database was away")
        assert promised_again(author, await answer(author, "lw-tack"))
        monkeypatch.undo()
        # What the page does: the same message again, as many times as it takes to hear an ack.
        for _ in range(2):
            await author.table_post("Said while the database was away", client_id=client_id)
            assert tack(await answer(author, "lw-tack")) == client_id
        await mate.until(lambda s: "Said while the database was away" in s.table()[1].values())
        assert list(mate.table()[1].values()) == ["Said while the database was away"]
        assert await database_sync_to_async(TableCard.objects.count)() == 1
    finally:
        for screen in (facilitator, *phones):
            await screen.close()


async def test_a_proposed_action_is_promised_again_and_its_resend_lands_once(room, inquiry, monkeypatch):
    await room["alice"].send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await everyone(
        room, lambda s: s.find("steps-view").get("data-steps-rounds") == str(inquiry.current_round_id)
    )
    phone = room["carol"]
    fields = {"what": "Joint induction", "with_whom": "", "by_when": "", "theme": None, "loop": ""}
    client_id = str(uuid.uuid4())
    monkeypatch.setattr(steps_actions, "propose", database_down)
    await phone.send(type="step", op="add", client_id=client_id, **fields)
    assert promised_again(phone, await answer(phone, "lw-step-ack"))
    monkeypatch.undo()
    steps = []
    for _ in range(2):
        await phone.send(type="step", op="add", client_id=client_id, **fields)
        ack = (await answer(phone, "lw-step-ack")).first("lw-step-ack")
        assert ack is not None and ack.get("data-ack") == client_id
        steps.append(ack.get("data-step"))
    stored = await database_sync_to_async(lambda: list(NextStep.objects.values_list("pk", "what")))()
    assert stored == [(int(steps[0]), "Joint induction")] and steps[0] == steps[1]
    await room["dave"].until(lambda s: s.find(f"step-{steps[0]}") is not None)
    assert len(room["dave"].page.xpath("//ol[@id='steps-list']/li")) == 1


def test_every_message_a_person_sends_has_a_name_for_when_it_is_not_saved():
    from sessions import protocol

    assert set(protocol.INBOUND) - set(protocol.ACTION_NAMES) == set()
