"""A message the database did not answer for (down, restarting, out of connections): nothing was stored.
A post stays queued on the page, which sends it again by itself, so its refusal says so; anything else is
not resent (the room may have moved on: a move, a phase or a toggle applied late could undo a later
change), so its refusal names what was not saved, for the person to do again (docs/protocol.md)."""

import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError

from board import actions as board_actions
from board.models import Card

from ..support import Screen

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


def test_every_message_a_person_sends_has_a_name_for_when_it_is_not_saved():
    from sessions import protocol

    assert set(protocol.INBOUND) - set(protocol.ACTION_NAMES) == set()
