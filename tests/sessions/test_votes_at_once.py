"""A room voting in the same instant: dots and reactions that arrive while earlier ones are being stored
go in together, yet every budget holds per participant, each refusal reaches its sender only, and every
screen ends with the counts a fresh screen gets."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from board.models import Dot, Reaction

from ..support import Screen, counts, everyone, fresh_board, join_as

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 20


def dots_shown(screen, card):
    return counts(screen, card)[1]


def reactions_shown(screen, card):
    return counts(screen, card)[0]


async def test_dots_and_reactions_arriving_together_are_each_checked_and_counted(inquiry, alice):
    clients = [await asyncio.to_thread(join_as, inquiry, f"P{n}", "NHS") for n in range(PEOPLE)]
    facilitator = await Screen(inquiry.code, alice).connect()
    screens = [await Screen(inquiry.code, client).connect() for client in clients]
    room = {"facilitator": facilitator, **{f"P{n}": screen for n, screen in enumerate(screens)}}
    # The ideas are a third person's: nobody dots or resonates with their own card.
    poster = await Screen(inquiry.code, await asyncio.to_thread(join_as, inquiry, "Poster", "NHS")).connect()
    for n in range(3):
        await poster.post(f"Idea {n}")
    await poster.close()
    await everyone(room, lambda s: len(s.cards()) == 3)
    ideas = {text: pk for pk, text in facilitator.cards().items()}
    first, second, third = ideas["Idea 0"], ideas["Idea 1"], ideas["Idea 2"]
    await facilitator.send(
        type="vote", op="open", round=None, target="cards", budget=2, per_item=1, live=True
    )
    await everyone(
        room, lambda s: s.find("vote-bar") is not None and "Dot voting" in s.find("vote-bar").text_content()
    )

    # Everyone at once: two dots, a third over the budget, and "this resonates" on the third idea.
    sends = []
    for screen in screens:
        sends += [
            screen.send(type="dot", op="add", card=first, theme=None),
            screen.send(type="dot", op="add", card=second, theme=None),
            screen.send(type="dot", op="add", card=third, theme=None),
            screen.send(type="reaction", op="toggle", card=third),
        ]
    await asyncio.gather(*sends)

    await everyone(
        room,
        lambda s: (
            (dots_shown(s, first), dots_shown(s, second), dots_shown(s, third), reactions_shown(s, third))
            == (PEOPLE, PEOPLE, 0, PEOPLE)
        ),
    )
    for screen in screens:
        await screen.until(lambda s: any(frame.error for frame in s.frames))
        assert [frame.error for frame in screen.frames if frame.error] == ["over_budget"]
        await screen.until(
            lambda s: s.find("lw-mine") is not None and s.find("lw-mine").get("data-left") == "0"
        )
    assert [frame.error for frame in facilitator.frames if frame.error] == []
    assert await database_sync_to_async(Dot.objects.count)() == 2 * PEOPLE
    assert await database_sync_to_async(Reaction.objects.count)() == PEOPLE

    participant_view = await fresh_board(inquiry.code, clients[5])
    facilitator_view = await fresh_board(inquiry.code, alice)
    for name, screen in room.items():
        assert screen.board() == (facilitator_view if name == "facilitator" else participant_view), name
    for screen in room.values():
        await screen.close()
