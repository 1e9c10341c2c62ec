"""The room's state is held on the server, the same on every screen and on one that connects later:
"Time is up" until the room moves on, a paused room's dots, the wall following a new round, closing the
inquiry from the workspace, and the count of contributions."""

import pytest
from channels.db import database_sync_to_async

from board.models import Dot, Reaction
from inquiry.models import AuditEntry, Inquiry

from ..support import Screen, attr, everyone, text

pytestmark = pytest.mark.django_db(transaction=True)


async def rounds_of(inquiry):
    return await database_sync_to_async(
        lambda: list(inquiry.rounds.order_by("position").values_list("pk", flat=True))
    )()


def time_up(screen):
    return text(screen, "timer-up") == "Time is up"


async def shown_to_a_late_screen(inquiry, client, predicate, query=""):
    late = await Screen(inquiry.code, client, query).connect()
    try:
        return predicate(late)
    finally:
        await late.close()


async def time_runs_out(room, **options):
    await room["alice"].send(type="timer", op="start", seconds=1, **options)
    await everyone(room, lambda s: attr(s, "timer", "data-ends-at") == "" and time_up(s))


# "Time is up" -----------------------------------------------------------------------------------------------


async def test_time_is_up_shows_on_every_screen_and_on_one_that_connects_later(inquiry, room, carol, alice):
    await time_runs_out(room)
    assert await database_sync_to_async(lambda: Inquiry.objects.get(pk=inquiry.pk).time_up)()
    # A phone that reconnects, and a presenter view opened now, are told too.
    assert await shown_to_a_late_screen(inquiry, carol, time_up)
    assert await shown_to_a_late_screen(inquiry, alice, time_up, query="view=presenter")


async def test_time_is_up_goes_when_the_room_moves_to_another_round(inquiry, room, carol):
    first, second = await rounds_of(inquiry)
    await time_runs_out(room)
    await room["alice"].send(type="round", op="activate", round=second)
    await everyone(room, lambda s: s.round_question() == "What would you try first?")
    await everyone(room, lambda s: not time_up(s))
    assert not await shown_to_a_late_screen(inquiry, carol, time_up)


async def test_time_is_up_goes_when_the_round_changes_phase(inquiry, room, carol):
    first, _ = await rounds_of(inquiry)
    await time_runs_out(room)
    await room["bob"].send(type="round", op="phase", round=first, phase="reveal")
    await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "reveal")
    await everyone(room, lambda s: not time_up(s))
    assert not await shown_to_a_late_screen(inquiry, carol, time_up)


async def test_time_is_up_goes_when_the_timer_starts_again(inquiry, room, carol):
    await time_runs_out(room)
    await room["alice"].send(type="timer", op="start", seconds=300)
    await everyone(room, lambda s: attr(s, "timer", "data-ends-at") != "" and not time_up(s))
    assert not await shown_to_a_late_screen(inquiry, carol, time_up)


async def test_a_timer_that_closes_its_round_leaves_time_is_up_with_the_closed_round(inquiry, room, dave):
    await time_runs_out(room, closes_round=True)
    await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "closed")
    # Closing the round was the timer's own doing: the room has not moved on.
    assert all(time_up(screen) for screen in room.values())
    assert await shown_to_a_late_screen(inquiry, dave, time_up)


# A paused room's dots ---------------------------------------------------------------------------------------


async def test_a_paused_room_refuses_dots_and_reactions_to_their_sender_nothing_else_changes(inquiry, room):
    await room["dave"].post("Fund link workers")
    await room["alice"].until(lambda s: len(s.cards()) == 1)
    (card,) = room["alice"].cards()
    await room["alice"].send(
        type="vote", op="open", round=None, target="cards", budget=3, per_item=1, live=True
    )
    await everyone(room, lambda s: attr(s, "vote-bar", "data-vote-open") == "1")
    await room["carol"].send(type="dot", op="add", card=card, theme=None)
    await room["alice"].until(lambda s: "1 dot" in text(s, f"card-{card}-votes"))
    await room["alice"].send(type="room", op="pause", paused=True)
    await everyone(room, lambda s: attr(s, "room-state", "data-paused") == "1")
    seq = room["carol"].seq

    await room["carol"].send(type="dot", op="add", card=card, theme=None)
    refused = await room["carol"].reply()
    assert refused.error == "paused"
    assert "paused the room: voting is back when they resume" in refused.error_message
    await room["carol"].send(type="dot", op="remove", card=card, theme=None)
    assert (await room["carol"].reply()).error == "paused"
    await room["carol"].send(type="reaction", op="toggle", card=card)  # "This resonates" holds still too
    refused = await room["carol"].reply()
    assert refused.error == "paused" and "reacting is back when they resume" in refused.error_message

    # Nothing changed: one dot still, no reaction, and no change was published (resuming is the next).
    assert await database_sync_to_async(Dot.objects.count)() == 1
    assert await database_sync_to_async(Reaction.objects.count)() == 0
    assert room["carol"].seq == seq

    await room["alice"].send(type="room", op="pause", paused=False)
    await everyone(room, lambda s: attr(s, "room-state", "data-paused") == "")
    assert room["carol"].seq == seq + 1
    # The connection stayed up: the same socket takes its dot back now.
    await room["carol"].send(type="dot", op="remove", card=card, theme=None)
    await room["alice"].until(lambda s: "1 dot" not in text(s, f"card-{card}-votes"))
    assert await database_sync_to_async(Dot.objects.count)() == 0


# The wall follows a new round -------------------------------------------------------------------------------


def board_shows(screen):
    """The round a screen's board shows (room-state), and on a facilitator's the round its select chose."""
    chosen = screen.page.xpath("//select[@id='view-round']/option[@selected]/@value")
    return attr(screen, "room-state", "data-view-round"), (chosen[0] if chosen else None)


async def test_the_board_showing_one_round_shows_the_next_when_the_room_moves_there(inquiry, room, alice):
    first, second = await rounds_of(inquiry)
    await room["alice"].send(type="room", op="view", round=first, follow=True)
    await everyone(room, lambda s: board_shows(s)[0] == str(first))
    await room["alice"].send(type="round", op="activate", round=second)
    await everyone(room, lambda s: s.round_question() == "What would you try first?")
    # Every screen: the facilitators' select and, since every screen follows, the presenter and phones.
    await everyone(room, lambda s: board_shows(s)[0] == str(second))
    assert board_shows(room["alice"]) == (str(second), str(second))
    assert board_shows(room["bob"]) == (str(second), str(second))
    assert attr(room["presenter"], "room-state", "data-follow") == "1"
    late = await shown_to_a_late_screen(inquiry, alice, board_shows)
    assert late == (str(second), str(second))
    detail = await database_sync_to_async(
        lambda: AuditEntry.objects.filter(action="round.activate").values_list("detail", flat=True).get()
    )()
    assert detail == "round 2: What would you try first?; the board shows round 2"


async def test_a_board_showing_every_round_keeps_showing_every_round(inquiry, room):
    first, second = await rounds_of(inquiry)
    await room["alice"].send(type="room", op="view", round=None, follow=True)
    await everyone(room, lambda s: attr(s, "room-state", "data-follow") == "1")
    await room["alice"].send(type="round", op="activate", round=second)
    await everyone(room, lambda s: s.round_question() == "What would you try first?")
    assert all(board_shows(s)[0] == "" for s in room.values())


# Closing the inquiry from the workspace ---------------------------------------------------------------------


async def test_a_facilitator_closes_the_inquiry_over_the_socket_and_every_screen_shows_it(inquiry, room):
    assert attr(room["alice"], "inquiry-close", "data-action") == "inquiry-close"
    await room["bob"].send(type="inquiry", op="close")
    await everyone(room, lambda s: attr(s, "round-banner", "data-inquiry-closed") == "1")
    assert await database_sync_to_async(lambda: Inquiry.objects.get(pk=inquiry.pk).closed_at is not None)()
    assert "This inquiry has closed" in text(room["carol"], "inquiry-closed")
    # Closed, the agenda offers Reopen instead; the socket stays up and a second close says why not.
    assert room["alice"].find("inquiry-close") is None
    assert room["alice"].find("inquiry-reopen") is not None
    await room["alice"].send(type="inquiry", op="close")
    refused = await room["alice"].reply()
    assert refused.error == "invalid_state" and "already closed" in refused.error_message
    await room["carol"].post("After the close")
    assert (await room["carol"].reply()).error == "inquiry_closed"
    # Nothing is open to pause: refused, and no screen shows the room paused.
    await room["alice"].send(type="room", op="pause", paused=True)
    refused = await room["alice"].reply()
    assert refused.error == "invalid_state" and "nothing to pause" in refused.error_message
    assert not await database_sync_to_async(lambda: Inquiry.objects.get(pk=inquiry.pk).paused)()
    assert (
        await database_sync_to_async(lambda: AuditEntry.objects.filter(action="inquiry.close").count())() == 1
    )


async def test_a_participant_cannot_close_the_inquiry(inquiry, room):
    await room["carol"].send(type="inquiry", op="close")
    assert (await room["carol"].reply()).error == "forbidden"
    assert room["carol"].find("inquiry-close") is None
    assert await database_sync_to_async(lambda: Inquiry.objects.get(pk=inquiry.pk).closed_at is None)()


# One count of contributions ---------------------------------------------------------------------------------


def counted(screen):
    """(the room's count of contributions the presenter's head shows, the silent count's words)."""
    return attr(screen, "contribution-count", "data-total"), text(screen, "silent-count")


async def test_the_presenters_count_takes_in_what_silent_writing_counts(inquiry, room, alice):
    first, _ = await rounds_of(inquiry)
    await room["carol"].post("Said out loud")
    await room["presenter"].until(lambda s: counted(s) == ("1", ""))
    await room["alice"].send(type="round", op="phase", round=first, phase="silent")
    await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "silent")
    await room["dave"].post("Written in silence")
    await room["carol"].post("Also in silence")
    hidden = "2 contributions written so far, hidden until the reveal."
    await room["presenter"].until(lambda s: counted(s) == ("1", hidden))
    await room["dave"].until(lambda s: counted(s) == ("1", hidden))
    # The presenter's board shows one card, and so does its count (the silent line counts the others), as
    # a presenter opened now counts them.
    assert len(room["presenter"].cards()) == 1
    assert await shown_to_a_late_screen(inquiry, alice, counted, query="view=presenter") == ("1", hidden)

    await room["alice"].send(type="round", op="phase", round=first, phase="reveal")
    await room["presenter"].until(lambda s: len(s.cards()) == 3 and counted(s) == ("3", ""))
    # A card hidden by a facilitator leaves the count with the board.
    await room["alice"].until(lambda s: len(s.cards()) == 3)
    card = next(pk for pk, words in room["alice"].cards().items() if words == "Also in silence")
    await room["alice"].send(type="card", op="hide", card=card)
    await room["presenter"].until(lambda s: len(s.cards()) == 2 and counted(s) == ("2", ""))
