"""The round's Vote phase and its dot vote are one thing on every screen: pressing Vote opens a vote the
phones can put dots in, opening a vote puts the round in the Vote phase, and the two end together."""

import pytest
from channels.db import database_sync_to_async

from board.models import Vote
from inquiry.models import Inquiry

from ..support import Screen, attr, everyone, text

pytestmark = pytest.mark.django_db(transaction=True)


def phase(screen):
    return attr(screen, "round-banner", "data-phase")


def voting(screen):
    return attr(screen, "vote-bar", "data-vote-open") == "1"


def in_one_event(screen, phase_now, vote_open):
    """Whether one sequenced frame brought both the round's phase and the vote bar, as they are now."""
    return any(
        frame.seq is not None
        and frame.first("round-banner") is not None
        and frame.first("round-banner").get("data-phase") == phase_now
        and frame.first("vote-bar") is not None
        and (frame.first("vote-bar").get("data-vote-open") == "1") == vote_open
        for frame in screen.frames
    )


def left(screen):
    return attr(screen, "lw-mine", "data-left")


async def a_card_each(room):
    await room["carol"].post("Carol's idea")
    await room["dave"].post("Dave's idea")
    await everyone(room, lambda s: len(s.texts()) == 2)
    return {text: pk for pk, text in room["alice"].cards().items()}


async def test_pressing_the_vote_phase_opens_a_vote_on_every_phone(inquiry, room):
    cards = await a_card_each(room)
    await room["alice"].send(type="round", op="phase", round=inquiry.current_round_id, phase="vote")
    await everyone(room, lambda s: phase(s) == "vote" and voting(s))
    await everyone(room, lambda s: in_one_event(s, "vote", True))
    for name in ("carol", "dave", "presenter"):
        assert "Dot voting on the cards of round 1: 3 dots each, at most 1 per item." in text(
            room[name], "vote-bar"
        )
    assert "Close the vote" in text(room["alice"], "vote-steer")
    carols = cards["Carol's idea"]
    await room["dave"].send(type="dot", op="add", card=carols, theme=None)
    await room["dave"].until(lambda s: left(s) == "2")
    await room["alice"].until(lambda s: "1 dot" in text(s, f"card-{carols}-votes"))


async def test_the_vote_phase_refuses_a_votes_settings_which_go_with_vote_open(inquiry, room):
    """The workspace's Vote asks for the settings in a dialog and sends vote.open: round.phase takes
    none, and says so to its sender alone, who stays connected; nothing opens."""
    last_seq = await database_sync_to_async(lambda: Inquiry.objects.get(pk=inquiry.pk).seq)()
    for settings in ({"budget": 2}, {"target": "themes", "per_item": 1, "live": True}):
        await room["alice"].send(
            type="round", op="phase", round=inquiry.current_round_id, phase="vote", **settings
        )
        reply = await room["alice"].reply()
        assert reply.error == "unknown_field" and reply.seq is None, reply
        for name in settings:
            assert name in reply.error_message
        assert "round.phase" in reply.error_message
    assert await database_sync_to_async(Vote.objects.count)() == 0
    # Still connected; the next change is the first anyone hears of.
    await room["alice"].send(type="round", op="phase", round=inquiry.current_round_id, phase="silent")
    await everyone(room, lambda s: phase(s) == "silent")
    for name, screen in room.items():
        assert [f.seq for f in screen.frames if f.seq is not None][-1:] == [last_seq + 1]
        assert name == "alice" or not any(f.error for f in screen.frames)


async def test_the_vote_phase_without_settings_opens_the_forms_default_vote(inquiry, room):
    await room["bob"].send(type="round", op="phase", round=inquiry.current_round_id, phase="vote")
    await everyone(room, lambda s: phase(s) == "vote" and voting(s))
    assert "3 dots each, at most 1 per item" in text(room["carol"], "vote-bar")
    assert "Results are hidden until the facilitator reveals them." in text(room["carol"], "vote-bar")
    # Pressed again, it keeps the vote open, with its dots: it does not open another.
    await room["bob"].send(type="round", op="phase", round=inquiry.current_round_id, phase="vote")
    # Messages are handled in order: the answer to a bad one comes once the press before it is handled.
    await room["bob"].communicator.send_to(text_data="marker: not json")
    await room["bob"].until(lambda s: s.frames[-1].error == "invalid_json")
    assert await database_sync_to_async(lambda: Vote.objects.filter(is_open=True).count())() == 1
    assert await database_sync_to_async(Vote.objects.count)() == 1


async def test_opening_a_vote_puts_the_round_in_the_vote_phase_on_every_screen(inquiry, room):
    await a_card_each(room)
    await room["alice"].send(type="round", op="phase", round=inquiry.current_round_id, phase="reveal")
    await everyone(room, lambda s: phase(s) == "reveal")
    await room["alice"].send(type="vote", op="open", round=None, target="themes", budget=3, per_item=2)
    await everyone(room, lambda s: phase(s) == "vote" and voting(s))
    await everyone(room, lambda s: in_one_event(s, "vote", True))
    assert text(room["presenter"], "round-banner").startswith("Round 1 of 2 · Vote")
    assert room["alice"].find("phase-vote").get("aria-pressed") == "true"
    # The Vote phase stops posting, as pressing it does.
    await room["carol"].post("During the vote")
    assert (await room["carol"].reply()).error == "round_closed"


async def test_closing_the_vote_closes_the_round(inquiry, room):
    await room["alice"].send(type="vote", op="open", round=None, target="cards", budget=3, per_item=1)
    await everyone(room, lambda s: phase(s) == "vote" and voting(s))
    await room["alice"].send(type="vote", op="close")
    await everyone(room, lambda s: phase(s) == "closed" and not voting(s))
    await everyone(room, lambda s: in_one_event(s, "closed", False))
    assert "The vote is closed." in text(room["carol"], "vote-bar")


async def test_leaving_the_vote_phase_closes_the_vote(inquiry, room):
    await room["alice"].send(type="round", op="phase", round=inquiry.current_round_id, phase="vote")
    await everyone(room, lambda s: phase(s) == "vote" and voting(s))
    await room["bob"].send(type="round", op="phase", round=inquiry.current_round_id, phase="gather")
    await everyone(room, lambda s: phase(s) == "gather" and not voting(s))
    await everyone(room, lambda s: in_one_event(s, "gather", False))
    assert await database_sync_to_async(lambda: Vote.objects.filter(is_open=True).count())() == 0
    await room["carol"].post("Posting again")
    await everyone(room, lambda s: "Posting again" in s.texts())


async def test_the_vote_phase_reveals_silent_cards_so_they_can_be_voted_on(inquiry, room):
    await room["alice"].send(type="round", op="phase", round=inquiry.current_round_id, phase="silent")
    await everyone(room, lambda s: phase(s) == "silent")
    await room["carol"].post("Written in silence")
    await room["carol"].until(lambda s: "Written in silence" in s.texts())
    await room["alice"].send(type="round", op="phase", round=inquiry.current_round_id, phase="vote")
    await everyone(room, lambda s: phase(s) == "vote" and voting(s) and "Written in silence" in s.texts())


async def test_a_round_the_room_is_not_in_cannot_open_its_vote(inquiry, room):
    second = await database_sync_to_async(lambda: inquiry.rounds.order_by("position").last().pk)()
    await room["alice"].send(type="round", op="phase", round=second, phase="vote")
    reply = await room["alice"].reply()
    assert reply.error == "invalid_state"
    assert "Move the room to this round first" in reply.error_message
    assert await database_sync_to_async(Vote.objects.count)() == 0


async def test_a_vote_stored_without_its_round_closes_the_round_the_room_is_in(inquiry, alice, carol):
    """The demo in its vote phase, and votes from before rounds were recorded: no ``opened_in``."""

    def voting_without_a_round():
        inquiry.rounds.filter(pk=inquiry.current_round_id).update(phase="vote")
        Vote.objects.create(inquiry=inquiry, target=Vote.THEMES, opened_in=None)

    await database_sync_to_async(voting_without_a_round)()
    screens = {
        "alice": await Screen(inquiry.code, alice).connect(),
        "carol": await Screen(inquiry.code, carol).connect(),
    }
    await everyone(screens, lambda s: phase(s) == "vote" and voting(s))
    await screens["alice"].send(type="vote", op="close")
    await everyone(screens, lambda s: phase(s) == "closed" and not voting(s))
    for screen in screens.values():
        await screen.close()


async def test_a_timer_set_to_close_the_round_closes_the_vote_when_time_is_up(inquiry, room):
    cards = await a_card_each(room)
    await room["alice"].send(type="round", op="phase", round=inquiry.current_round_id, phase="vote")
    await everyone(room, lambda s: phase(s) == "vote" and voting(s))
    await room["alice"].send(type="timer", op="start", seconds=1, closes_round=True)
    await everyone(room, lambda s: phase(s) == "closed" and not voting(s))
    await everyone(room, lambda s: in_one_event(s, "closed", False))
    assert "The vote is closed." in text(room["presenter"], "vote-bar")
    assert await database_sync_to_async(lambda: Vote.objects.filter(is_open=True).count())() == 0
    await room["dave"].send(type="dot", op="add", card=cards["Carol's idea"], theme=None)
    assert (await room["dave"].reply()).error == "vote_closed"
    # Time is up until the room votes again: Reopen the vote takes it off every screen.
    assert text(room["presenter"], "timer-up") == "Time is up"
    await room["alice"].send(type="vote", op="reopen")
    await everyone(room, lambda s: phase(s) == "vote" and voting(s) and text(s, "timer-up") == "")
