"""A vote opening, closing, showing its results or reopening sends every screen what changes (the vote bar,
the round's banner, the counts of the cards and themes the vote is or was on, the sector lens), not the
whole board again: after each, every kind of screen shows exactly what a screen that connects then shows,
and on an event-size board (300 cards, 12 themes, 100 people) a phone's frame for a vote opening is a
small part of what re-drawing its board would be."""

import copy
import uuid

import pytest
from channels.db import database_sync_to_async

from board import actions as board_actions
from board.models import Card, MapLink, NextStep, Theme
from board.sample import create_sample
from inquiry.access import FACILITATOR, Actor
from inquiry.models import Inquiry

from ..support import Screen, join_as, text

pytestmark = pytest.mark.django_db(transaction=True)

# Who is connected changes with the fresh screen itself: everything else in the live region must agree.
CONNECTED = "presence"


def shown(screen):
    """Everything a screen's live region shows: each element with an id, its tag, attributes (less the
    swap instructions) and the text a person reads in it (less the white space, which the screens'
    scripts lay out: static/linewalk/cards.js)."""
    live = copy.deepcopy(screen.find("live"))
    for element in live.xpath("//*[@id=$i]", i=CONNECTED):
        element.getparent().remove(element)
    return {
        element.get("id"): (
            element.tag,
            sorted((name, value) for name, value in element.attrib.items() if name != "hx-swap-oob"),
            "".join(element.text_content().split()),
        )
        for element in live.iter()
        if isinstance(element.tag, str) and element.get("id")
    }


async def all_caught_up(room, inquiry):
    """Every screen has every change made so far: each socket has been answered (the reply to a
    deliberately bad message comes after its earlier ones), and every screen has the latest event."""
    for screen in room.values():
        await screen.communicator.send_to(text_data="marker: not json")
        await screen.until(lambda s: s.frames and s.frames[-1].error == "invalid_json")
    seq = await database_sync_to_async(lambda: Inquiry.objects.get(pk=inquiry.pk).seq)()
    for screen in room.values():
        await screen.until(lambda s: s.seq == seq)


async def steer(room, **message):
    """A facilitator's change, once it has reached their screen (the change's event: every change to a
    vote makes one)."""
    before = room["alice"].seq
    await room["alice"].send(**message)
    await room["alice"].until(lambda s: s.seq > before)


async def agree_with_fresh_screens(room, inquiry, clients):
    """Every screen of the room shows what the same screen shows when it connects now."""
    assert all(frame.error in (None, "invalid_json") for screen in room.values() for frame in screen.frames)
    await all_caught_up(room, inquiry)
    for name, screen in room.items():
        client, query = clients[name]
        fresh = await Screen(inquiry.code, client, query).connect()
        try:
            live, afresh = shown(screen), shown(fresh)
            differ = {
                key: (live.get(key), afresh.get(key))
                for key in live.keys() | afresh.keys()
                if live.get(key) != afresh.get(key)
            }
            for key, pair in differ.items():
                print("DIFF", name, key, "\n  LIVE ", pair[0], "\n  FRESH", pair[1])
            assert not differ, (name, differ)
        finally:
            await fresh.close()


@pytest.fixture
async def board(inquiry, users, alice, bob, carol, dave):
    """The room (two facilitators, two participants, the presenter view) around a board with cards in a
    theme and outside it, one of them with a reaction."""
    clients = {
        "alice": (alice, ""),
        "bob": (bob, ""),
        "carol": (carol, ""),
        "dave": (dave, ""),
        "presenter": (alice, "view=presenter"),
    }
    # The theme comes first: adding one does not refresh the next steps' list of themes on screens
    # already connected (left alone here: not a vote's change).
    facilitator = Actor(FACILITATOR, inquiry.pk, user_id=users["alice"].pk)
    for name in ("Prevention", "Housing"):
        await database_sync_to_async(board_actions.add_theme)(facilitator, name)
    room = {
        name: await Screen(inquiry.code, client, query).connect() for name, (client, query) in clients.items()
    }
    for n in range(3):
        await room["carol"].post(f"Carol idea {n}")
        await room["dave"].post(f"Dave idea {n}")
    await room["alice"].until(lambda s: len(s.cards()) == 6)
    cards = {text: pk for pk, text in room["alice"].cards().items()}
    theme = room["alice"].themes()[0][0]
    for card in ("Carol idea 0", "Dave idea 0"):
        await room["alice"].send(type="card", op="move", card=cards[card], theme=theme, position=0)
    await room["carol"].send(type="reaction", op="toggle", card=cards["Dave idea 1"])
    await all_caught_up(room, inquiry)
    yield room, clients, cards, theme
    for screen in room.values():
        await screen.close()


async def test_every_screen_shows_what_a_fresh_one_shows_through_a_votes_life(inquiry, board):
    room, clients, cards, theme = board
    await steer(room, type="vote", op="open", round=None, target="cards", budget=3, per_item=2, live=False)
    await agree_with_fresh_screens(room, inquiry, clients)
    await room["carol"].send(type="dot", op="add", card=cards["Dave idea 0"], theme=None)
    await room["carol"].send(type="dot", op="add", card=cards["Dave idea 1"], theme=None)
    await room["dave"].send(type="dot", op="add", card=cards["Carol idea 2"], theme=None)
    await room["alice"].until(lambda s: "1 dot" in text(s, f"card-{cards['Carol idea 2']}-votes"))
    for op in ("close", "reveal", "reopen", "close"):
        await steer(room, type="vote", op=op)
        await agree_with_fresh_screens(room, inquiry, clients)
    # Another vote: the last one's counts go from every card, the themes' come.
    await steer(room, type="vote", op="open", round=None, target="themes", budget=3, per_item=2, live=True)
    await agree_with_fresh_screens(room, inquiry, clients)
    await room["dave"].send(type="dot", op="add", card=None, theme=theme)
    await room["carol"].until(lambda s: "1 dot" in text(s, f"theme-{theme}-votes"))
    await steer(room, type="vote", op="close")
    await agree_with_fresh_screens(room, inquiry, clients)
    # The cards of this round, results live: every card's count shows, and the themes' goes.
    await steer(
        room,
        type="vote",
        op="open",
        round=inquiry.current_round_id,
        target="cards",
        budget=3,
        per_item=1,
        live=True,
    )
    await agree_with_fresh_screens(room, inquiry, clients)
    await room["dave"].send(type="dot", op="add", card=cards["Carol idea 1"], theme=None)
    await room["carol"].until(lambda s: "1 dot" in text(s, f"card-{cards['Carol idea 1']}-votes"))
    for op in ("close", "reopen"):
        await steer(room, type="vote", op=op)
        await agree_with_fresh_screens(room, inquiry, clients)
    # Hidden results after shown ones: the counts go from the participants' cards, the reaction stays.
    await steer(room, type="vote", op="open", round=None, target="cards", budget=3, per_item=2, live=False)
    await agree_with_fresh_screens(room, inquiry, clients)
    assert "1 person finds this resonates" in text(room["dave"], f"card-{cards['Dave idea 1']}-votes")
    assert room["dave"].find(f"card-{cards['Carol idea 1']}-votes") is None


async def test_the_vote_phase_opens_and_closes_the_vote_on_every_screen_as_a_fresh_one_shows(inquiry, board):
    room, clients, cards, theme = board
    await steer(room, type="round", op="phase", round=inquiry.current_round_id, phase="vote")
    await agree_with_fresh_screens(room, inquiry, clients)
    await room["carol"].send(type="dot", op="add", card=cards["Dave idea 2"], theme=None)
    await room["alice"].until(lambda s: "1 dot" in text(s, f"card-{cards['Dave idea 2']}-votes"))
    await steer(room, type="vote", op="reveal")
    await agree_with_fresh_screens(room, inquiry, clients)
    await steer(room, type="round", op="phase", round=inquiry.current_round_id, phase="gather")
    await agree_with_fresh_screens(room, inquiry, clients)


async def test_a_cards_last_reaction_or_shown_dot_taken_back_leaves_every_screen_as_a_fresh_one(
    inquiry, board
):
    """A phone's card shows its counts only while it has some: taking back the last one takes the counts'
    element off every phone, as a phone connecting then has none (before, an empty one stayed)."""
    room, clients, cards, theme = board
    reacted = cards["Dave idea 1"]  # the fixture's one reaction, Carol's
    await room["carol"].send(type="reaction", op="toggle", card=reacted)
    await room["alice"].until(lambda s: "0 people find" in text(s, f"card-{reacted}-votes"))
    await agree_with_fresh_screens(room, inquiry, clients)
    assert room["dave"].find(f"card-{reacted}-votes") is None
    # Results shown live: a dot comes and goes again.
    await steer(room, type="vote", op="open", round=None, target="cards", budget=3, per_item=2, live=True)
    dotted = cards["Dave idea 2"]
    await room["carol"].send(type="dot", op="add", card=dotted, theme=None)
    await room["dave"].until(lambda s: "1 dot" in text(s, f"card-{dotted}-votes"))
    await room["carol"].send(type="dot", op="remove", card=dotted, theme=None)
    await room["alice"].until(lambda s: "0 dots" in text(s, f"card-{dotted}-votes"))
    await agree_with_fresh_screens(room, inquiry, clients)
    assert "0 dots" in text(room["dave"], f"card-{dotted}-votes")  # in the vote: its count shows, 0 too


async def test_votes_on_the_map_and_on_next_steps_show_on_every_screen_as_on_a_fresh_one(inquiry, board):
    room, clients, cards, theme = board
    housing = room["alice"].themes()[1][0]
    await room["alice"].send(
        type="link",
        op="add",
        source=f"theme-{theme}",
        target=f"theme-{housing}",
        kind="influences",
        sign="+",
        note="",
    )
    await room["alice"].send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    steps_round = str(inquiry.current_round_id)
    await room["carol"].until(lambda s: s.find("steps-view").get("data-steps-rounds") == steps_round)
    await room["carol"].send(
        type="step", op="add", client_id=str(uuid.uuid4()), what="A shared record",
        with_whom="", by_when="", theme=None, loop="",
    )  # fmt: skip
    await room["alice"].until(lambda s: len(s.page.xpath("//ol[@id='steps-list']/li")) == 1)
    await agree_with_fresh_screens(room, inquiry, clients)
    link = await database_sync_to_async(lambda: MapLink.objects.get().pk)()
    step = await database_sync_to_async(lambda: NextStep.objects.get().pk)()
    await steer(room, type="vote", op="open", round=None, target="leverage", budget=3, per_item=2, live=True)
    await agree_with_fresh_screens(room, inquiry, clients)
    await room["carol"].send(type="dot", op="add", card=None, theme=None, link=link)
    await room["dave"].send(type="dot", op="add", card=None, theme=housing)
    await room["carol"].until(lambda s: "1 dot" in text(s, f"theme-{housing}-votes"))
    await steer(room, type="vote", op="close")
    await agree_with_fresh_screens(room, inquiry, clients)
    # From the map to next steps, results hidden: the map's dots and its vote go, the actions' come.
    await steer(room, type="vote", op="open", round=None, target="actions", budget=2, per_item=1, live=False)
    await agree_with_fresh_screens(room, inquiry, clients)
    await room["dave"].send(type="dot", op="add", card=None, theme=None, step=step)
    await room["alice"].until(lambda s: "1 dot" in text(s, f"step-{step}-votes"))
    for op in ("close", "reveal"):
        await steer(room, type="vote", op=op)
        await agree_with_fresh_screens(room, inquiry, clients)
    await steer(room, type="vote", op="open", round=None, target="cards", budget=2, per_item=1, live=True)
    await agree_with_fresh_screens(room, inquiry, clients)


def event_size(user):
    """The demo's event: 100 participants, ~300 cards, 12 themes, in the Gather phase."""
    inquiry = create_sample(user, event_size=True, phase="gather")
    assert Card.objects.filter(inquiry=inquiry).count() >= 300
    assert Theme.objects.filter(inquiry=inquiry).count() == 12
    return inquiry


def board_size(screen):
    """What re-drawing a screen's board takes: its part of the page, as the page's snapshot sends it."""
    import lxml.html

    return len(lxml.html.tostring(screen.find("board")))


async def test_a_phone_gets_a_small_frame_when_a_vote_opens_or_closes_on_an_event_size_board(users, alice):
    inquiry = await database_sync_to_async(event_size)(users["alice"])
    phone_client = await database_sync_to_async(join_as)(inquiry, "Pat", inquiry.sectors[0])
    facilitator = await Screen(inquiry.code, alice).connect()
    phone = await Screen(inquiry.code, phone_client).connect()
    try:
        phone_board, facilitator_board = board_size(phone), board_size(facilitator)
        assert phone_board > 40_000 and facilitator_board > 500_000
        for message in (
            {"op": "open", "round": None, "target": "cards", "budget": 3, "per_item": 1, "live": False},
            {"op": "close"},
        ):
            await facilitator.send(type="vote", **message)
            frame = await phone.next_event()
            at_facilitator = await facilitator.next_event()
            # A tenth of the board: what the vote changes (its bar, the round's banner, the lens) is a
            # few hundred bytes; every card's count, where each must change, is more (the reveal).
            assert len(frame.text.encode()) < phone_board / 10, message
            assert len(at_facilitator.text.encode()) < facilitator_board / 4, message
    finally:
        await phone.close()
        await facilitator.close()


@pytest.mark.parametrize("target", ["leverage", "actions"])
async def test_a_participant_erasing_their_dot_on_a_link_or_an_action_takes_it_off_every_screen(
    inquiry, board, target
):
    room, clients, cards, theme = board
    housing = room["alice"].themes()[1][0]
    link = dict(source=f"theme-{theme}", target=f"theme-{housing}", kind="influences", sign="+", note="")
    await steer(room, type="link", op="add", **link)
    await steer(room, type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await room["carol"].send(
        type="step", op="add", client_id=str(uuid.uuid4()), what="A shared record",
        with_whom="", by_when="", theme=None, loop="",
    )  # fmt: skip
    await room["alice"].until(lambda s: len(s.page.xpath("//ol[@id='steps-list']/li")) == 1)
    item = {
        "leverage": {"link": await database_sync_to_async(lambda: MapLink.objects.get().pk)()},
        "actions": {"step": await database_sync_to_async(lambda: NextStep.objects.get().pk)()},
    }[target]
    votes = f"map-link-{item['link']}-votes" if "link" in item else f"step-{item['step']}-votes"
    await steer(room, type="vote", op="open", round=None, target=target, budget=3, per_item=2, live=True)
    await room["dave"].send(type="dot", op="add", card=None, theme=None, **item)
    await room["carol"].until(lambda s: "1 dot" in text(s, votes))
    response = await database_sync_to_async(clients["dave"][0].post)(f"/i/{inquiry.code}/erase/")
    assert response.status_code == 302
    await room["carol"].until(lambda s: "0 dots" in text(s, votes))
    await agree_with_fresh_screens(room, inquiry, clients)
