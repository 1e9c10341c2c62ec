"""Dot voting and reactions over the websocket: the budget holds on the server whatever a client sends,
results stay hidden until revealed (or show live), and bad votes change nothing."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from board.models import Dot, Reaction
from inquiry.models import Participant

from ..support import Screen, counts, join_as

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def room(inquiry, alice, carol, dave):
    screens = {
        "alice": await Screen(inquiry.code, alice).connect(),
        "carol": await Screen(inquiry.code, carol).connect(),
        "dave": await Screen(inquiry.code, dave).connect(),
    }
    for n in range(4):
        await screens["dave"].post(f"Idea {n}")
    for screen in screens.values():
        await screen.until(lambda s: len(s.cards()) == 4)
    screens["cards"] = {text: pk for pk, text in screens["alice"].cards().items()}
    yield screens
    for name, screen in screens.items():
        if name != "cards":
            await screen.close()


def dots_shown(screen, card):
    return counts(screen, card)[1]


def mine(screen):
    element = screen.find("lw-mine")
    return element.get("data-dots"), element.get("data-left")


async def open_vote(room, **options):
    fields = {"round": None, "target": "cards", "budget": 2, "per_item": 1, "live": False, **options}
    await room["alice"].send(type="vote", op="open", **fields)
    for name in ("alice", "carol", "dave"):
        await room[name].until(
            lambda s: s.find("vote-bar") is not None and "Dot voting" in s.find("vote-bar").text_content()
        )


async def dot(screen, card, op="add"):
    await screen.send(type="dot", op=op, card=card, theme=None)


async def test_the_budget_is_enforced_on_the_server(inquiry, room):
    await open_vote(room, budget=2, per_item=1)
    cards = room["cards"]
    await dot(room["carol"], cards["Idea 0"])
    await dot(room["carol"], cards["Idea 1"])
    await room["carol"].until(lambda s: mine(s)[1] == "0")
    await dot(room["carol"], cards["Idea 2"])
    frame = await room["carol"].until(lambda s: any(f.error == "over_budget" for f in s.frames))
    assert frame is not None
    await dot(room["carol"], cards["Idea 1"], "remove")
    await room["carol"].until(lambda s: mine(s)[1] == "1")
    await dot(room["carol"], cards["Idea 0"])
    await room["carol"].until(lambda s: any(f.error == "item_limit" for f in s.frames))
    assert await database_sync_to_async(Dot.objects.count)() == 1


async def processed(tab):
    """Wait until the server has handled everything this tab sent: a socket's messages are handled in
    order, so the reply to a deliberately bad marker message comes after all of them."""
    await tab.communicator.send_to(text_data="marker: not json")
    await tab.until(lambda s: s.frames and s.frames[-1].error == "invalid_json")


async def test_two_tabs_of_one_participant_share_one_budget(inquiry, room, carol):
    await open_vote(room, budget=3, per_item=3)
    second_tab = await Screen(inquiry.code, carol).connect()
    card = room["cards"]["Idea 0"]
    # Both tabs fire three dots each at once: only three may land.
    await asyncio.gather(*(dot(tab, card) for tab in (room["carol"], second_tab) for _ in range(3)))
    for tab in (room["carol"], second_tab):
        await processed(tab)
    refusals = sum(f.error == "over_budget" for tab in (room["carol"], second_tab) for f in tab.frames)
    assert refusals == 3
    await room["alice"].until(lambda s: dots_shown(s, card) == 3)
    carol_id = await database_sync_to_async(lambda: Participant.objects.get(display_name="Carol").pk)()
    assert await database_sync_to_async(Dot.objects.filter(participant_id=carol_id).count)() == 3
    await second_tab.close()


async def test_results_stay_hidden_from_participants_until_revealed(inquiry, room):
    await open_vote(room, budget=2, per_item=2, live=False)
    card = room["cards"]["Idea 3"]
    await dot(room["carol"], card)
    await dot(room["carol"], card)
    await room["alice"].until(lambda s: dots_shown(s, card) == 2)
    await room["dave"].until(lambda s: s.seq == room["alice"].seq)
    assert dots_shown(room["dave"], card) is None
    assert dots_shown(room["carol"], card) is None
    await room["carol"].until(lambda s: mine(s)[0] == f'{{"card-{card}": 2}}')
    await room["alice"].send(type="vote", op="reveal")
    await room["dave"].until(lambda s: dots_shown(s, card) == 2)


async def test_live_results_show_as_dots_arrive(inquiry, room):
    await open_vote(room, live=True)
    card = room["cards"]["Idea 2"]
    await dot(room["carol"], card)
    await room["dave"].until(lambda s: dots_shown(s, card) == 1)


async def test_a_closed_vote_refuses_dots_and_keeps_counts(inquiry, room):
    await open_vote(room)
    card = room["cards"]["Idea 0"]
    await dot(room["carol"], card)
    await room["alice"].until(lambda s: dots_shown(s, card) == 1)
    await room["alice"].send(type="vote", op="close")
    await room["carol"].until(lambda s: "The vote is closed" in s.find("vote-bar").text_content())
    await dot(room["dave"], card)
    assert (await room["dave"].until(lambda s: any(f.error == "vote_closed" for f in s.frames))) is not None
    assert await database_sync_to_async(Dot.objects.count)() == 1


async def test_dots_on_hidden_or_foreign_items_are_refused(inquiry, room, other_inquiry, frank):
    await open_vote(room)
    hidden = room["cards"]["Idea 1"]
    await room["alice"].send(type="card", op="hide", card=hidden)
    await room["carol"].until(lambda s: hidden not in s.cards())
    await dot(room["carol"], hidden)
    await room["carol"].until(lambda s: any(f.error == "not_found" for f in s.frames))
    frank_screen = await Screen(other_inquiry.code, frank).connect()
    await frank_screen.post("Elsewhere")
    await frank_screen.until(lambda s: len(s.cards()) == 1)
    foreign = next(iter(frank_screen.cards()))
    await dot(room["carol"], foreign)
    await room["carol"].until(lambda s: sum(f.error == "not_found" for f in s.frames) == 2)
    await room["carol"].send(type="dot", op="add", card=room["cards"]["Idea 0"], theme=1)
    await room["carol"].until(lambda s: any(f.error == "invalid_field" for f in s.frames))
    assert await database_sync_to_async(Dot.objects.count)() == 0
    await frank_screen.close()


async def test_a_removed_participant_cannot_vote(inquiry, room, carol):
    await open_vote(room)
    carol_id = await database_sync_to_async(lambda: Participant.objects.get(display_name="Carol").pk)()
    await room["alice"].send(type="participant", op="remove", participant=carol_id)
    await room["carol"].until(lambda s: any(f.error == "removed" for f in s.frames))
    assert await database_sync_to_async(Dot.objects.count)() == 0


async def test_facilitators_cannot_vote_and_participants_cannot_open_votes(inquiry, room):
    await room["carol"].send(type="vote", op="open", round=None, target="cards", budget=3, per_item=1)
    await room["carol"].until(lambda s: any(f.error == "forbidden" for f in s.frames))
    await open_vote(room)
    await dot(room["alice"], room["cards"]["Idea 0"])
    await room["alice"].until(lambda s: any(f.error == "forbidden" for f in s.frames))


async def test_votes_on_themes(inquiry, room):
    await room["alice"].send(type="theme", op="add", name="Prevention")
    await room["alice"].until(lambda s: len(s.themes()) == 1)
    theme = room["alice"].themes()[0][0]
    await open_vote(room, target="themes", live=True)
    await room["carol"].send(type="dot", op="add", card=None, theme=theme)
    await room["dave"].until(
        lambda s: (
            s.find(f"theme-{theme}-votes") is not None
            and "1 dot" in s.find(f"theme-{theme}-votes").text_content()
        )
    )
    await room["carol"].send(type="dot", op="add", card=room["cards"]["Idea 0"], theme=None)
    await room["carol"].until(lambda s: any(f.error == "not_found" for f in s.frames))


async def test_this_resonates_once_per_participant_with_live_counts(inquiry, room):
    card = room["cards"]["Idea 0"]

    def reactions(screen):
        return counts(screen, card)[0]

    await room["carol"].send(type="reaction", op="toggle", card=card)
    await room["alice"].until(lambda s: reactions(s) == 1)
    await room["dave"].until(lambda s: reactions(s) == 1)
    await room["carol"].until(lambda s: str(card) in s.find("lw-mine").get("data-reactions"))
    await room["carol"].send(type="reaction", op="toggle", card=card)
    await room["dave"].until(lambda s: reactions(s) is None)  # no count shown once nobody resonates
    assert await database_sync_to_async(Reaction.objects.count)() == 0


async def test_nobody_resonates_with_or_dots_their_own_card(inquiry, room):
    card = room["cards"]["Idea 0"]  # Dave's
    await room["dave"].send(type="reaction", op="toggle", card=card)
    refused = await room["dave"].reply()
    assert refused.error == "own_card"
    assert "your own contribution" in refused.error_message
    await open_vote(room)
    await room["dave"].send(type="dot", op="add", card=card, theme=None)
    assert (await room["dave"].reply()).error == "own_card"
    await room["carol"].send(type="dot", op="add", card=card, theme=None)
    await room["alice"].until(lambda s: dots_shown(s, card) == 1)
    assert await database_sync_to_async(Reaction.objects.count)() == 0
    assert await database_sync_to_async(Dot.objects.filter(card_id=card).count)() == 1


async def test_the_sector_lens_shows_on_the_board_once_results_show(inquiry, room, frank_in_inquiry):
    def lens(screen):
        element = screen.find("lens")
        return " ".join(element.text_content().split()) if element is not None else ""

    await room["alice"].send(type="theme", op="add", name="Prevention")
    await room["alice"].until(lambda s: len(s.themes()) == 1)
    theme = room["alice"].themes()[0][0]
    await room["alice"].send(type="card", op="move", card=room["cards"]["Idea 0"], theme=theme)
    await open_vote(room, budget=2, per_item=2, live=False)
    await dot(room["carol"], room["cards"]["Idea 0"])
    await room["alice"].until(
        lambda s: "1 from 1" in lens(s) or "withheld" in lens(s) and "total support 1" in lens(s)
    )
    # Results hidden: participants see no figures yet; with fewer than 3 people a sector is withheld.
    await room["dave"].until(lambda s: s.seq == room["alice"].seq)
    assert "Shown when the vote's results are revealed" in lens(room["dave"])
    assert "fewer than 3: withheld" in lens(room["alice"])
    await room["alice"].send(type="vote", op="reveal")
    await room["dave"].until(lambda s: "Prevention" in lens(s) and "total support 1" in lens(s))
    assert "fewer than 3: withheld" in lens(room["dave"])


async def test_a_removed_participants_dots_and_reactions_leave_every_screens_counts(inquiry, room):
    """The board counts what the vote's results, the sector lens and the harvest count: a participant a
    facilitator removes takes their dots and "This resonates" out of the counts on every screen at once."""
    erin = await database_sync_to_async(join_as)(inquiry, "Erin", "NHS")
    room["erin"] = await Screen(inquiry.code, erin).connect()
    await open_vote(room, live=True)
    card = room["cards"]["Idea 0"]  # Dave's
    await dot(room["carol"], card)
    await dot(room["erin"], card)
    await room["erin"].send(type="reaction", op="toggle", card=card)
    for name in ("alice", "dave"):
        await room[name].until(lambda s: counts(s, card) == (1, 2))
    removed = await database_sync_to_async(lambda: Participant.objects.get(display_name="Erin").pk)()
    await room["alice"].send(type="participant", op="remove", participant=removed)
    await room["dave"].until(lambda s: counts(s, card) == (None, 1))
    await room["carol"].until(lambda s: counts(s, card) == (None, 1))
    await room["alice"].until(lambda s: dots_shown(s, card) == 1)
    assert counts(room["alice"], card)[0] in (None, 0)
    # What they gave is kept (a facilitator may want the record), only not counted.
    assert await Dot.objects.filter(participant_id=removed).acount() == 1
    assert await Reaction.objects.filter(participant_id=removed).acount() == 1
