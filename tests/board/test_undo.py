"""A facilitator undoes their own board-arranging changes (board.undo): after each, their screen says what
they did with an Undo button; undoing puts the board back for every screen through the normal live
frames, leaves alone what someone else changed since (and says so), and brings a deleted or merged theme
back with its name, colour, place and cards. Only the facilitator who made a change can undo it."""

import pytest

from inquiry.audit import AuditEntry

from .. import servers
from ..servers import TIMEOUT, RemoteScreen
from ..support import Screen, everyone, fresh_board

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = [f"Contribution number {n} about housing" for n in range(6)]


async def posts(room, texts=TEXTS):
    for index, text in enumerate(texts):
        await room["carol" if index % 2 == 0 else "dave"].post(text)
    await everyone(room, lambda s: len(s.cards()) == len(texts))
    return [pk for pk, _ in sorted(room["alice"].cards().items())]


async def themes(room, *names):
    have = len(room["alice"].themes())
    for name in names:
        await room["alice"].send(type="theme", op="add", name=name)
    await everyone(room, lambda s: len(s.themes()) == have + len(names))
    return [t[0] for t in room["alice"].themes()[have:]]


def status(screen):
    return " ".join(screen.find("lw-status").text_content().split())


def undo_button(screen):
    buttons = screen.find("lw-status").xpath(".//button[@data-undo]")
    return int(buttons[0].get("data-undo")) if buttons else None


async def said(screen, words):
    """Wait until the screen's status line says ``words``; returns the line."""
    await screen.until(lambda s: words in status(s))
    return status(screen)


async def assert_converged(inquiry, room, alice, carol):
    participant_view = await fresh_board(inquiry.code, carol)
    facilitator_view = await fresh_board(inquiry.code, alice)
    assert participant_view == facilitator_view
    for screen in room.values():
        assert screen.board() == participant_view


async def test_moving_selected_cards_is_undone_for_every_screen(inquiry, room, alice, carol):
    cards = await posts(room)
    (housing,) = await themes(room, "Housing")
    await room["alice"].send(type="card", op="move_many", cards=cards[:4], theme=housing)
    assert await said(room["alice"], "Moved 4 cards to “Housing”.") == "Moved 4 cards to “Housing”. Undo"
    await everyone(room, lambda s: s.themes()[0][3] == cards[:4])
    assert "Undo" not in status(room["bob"])  # only who did it is offered to undo it
    await room["alice"].send(type="board", op="undo", change=undo_button(room["alice"]))
    assert await said(room["alice"], "moved back") == "4 cards moved back."
    await everyone(room, lambda s: s.unsorted() == cards)
    assert room["alice"].themes()[0][3] == []
    await assert_converged(inquiry, room, alice, carol)
    entry = await AuditEntry.objects.filter(action="board.undo").alast()
    assert entry.detail == "Moved 4 cards to “Housing”: 4 cards moved back."


async def test_a_card_someone_moved_since_stays_where_they_put_it(inquiry, room, alice, carol):
    cards = await posts(room)
    housing, transport = await themes(room, "Housing", "Transport")
    await room["alice"].send(type="card", op="move_many", cards=cards[:3], theme=housing)
    await everyone(room, lambda s: len(s.themes()[0][3]) == 3)
    await room["bob"].send(type="card", op="move", card=cards[1], theme=transport)
    await everyone(room, lambda s: s.themes()[1][3] == [cards[1]])
    await room["alice"].send(type="board", op="undo")  # Ctrl+Z: the last of hers
    line = await said(room["alice"], "moved back")
    assert line == "2 cards moved back; 1 was moved since and stays."
    await everyone(room, lambda s: s.unsorted() == [cards[0], *cards[2:]])
    assert room["carol"].themes()[1][3] == [cards[1]]
    await assert_converged(inquiry, room, alice, carol)


async def test_a_card_hidden_since_stays_and_the_status_says_so(inquiry, room):
    cards = await posts(room, TEXTS[:3])
    (housing,) = await themes(room, "Housing")
    await room["alice"].send(type="card", op="move_many", cards=cards, theme=housing)
    await everyone(room, lambda s: len(s.themes()[0][3]) == 3, names=["alice", "bob"])
    await room["bob"].send(type="card", op="hide", card=cards[2])
    await room["carol"].until(lambda s: cards[2] not in s.cards())  # the room no longer sees it
    await room["alice"].send(type="board", op="undo")
    line = await said(room["alice"], "moved back")
    assert line == "2 cards moved back; 1 was hidden or deleted since and stays."
    await room["alice"].until(lambda s: s.theme_of(cards[2]) == housing and s.unsorted() == cards[:2])


async def test_a_card_already_hidden_when_moved_goes_back_like_the_others(inquiry, room):
    cards = await posts(room, TEXTS[:2])
    (housing,) = await themes(room, "Housing")
    await room["alice"].send(type="card", op="hide", card=cards[0])
    await room["carol"].until(lambda s: cards[0] not in s.cards())
    await room["alice"].send(type="card", op="move_many", cards=cards, theme=housing)
    await room["alice"].until(lambda s: s.themes()[0][3] == cards)
    await room["alice"].send(type="board", op="undo")
    assert await said(room["alice"], "moved back") == "2 cards moved back."
    await room["alice"].until(lambda s: s.unsorted() == cards)


async def test_a_card_moved_with_the_move_dialog_goes_back_to_its_place_in_its_theme(
    inquiry, room, alice, carol
):
    cards = await posts(room, TEXTS[:4])
    housing, transport = await themes(room, "Housing", "Transport")
    await room["alice"].send(type="card", op="move_many", cards=cards[:3], theme=housing)
    await everyone(room, lambda s: s.themes()[0][3] == cards[:3])
    await room["alice"].send(type="card", op="move", card=cards[1], theme=transport, position=0)
    assert await said(room["alice"], "Moved a card") == "Moved a card to “Transport”. Undo"
    await room["alice"].send(type="board", op="undo")
    await said(room["alice"], "1 card moved back.")
    await everyone(room, lambda s: s.themes()[0][3] == cards[:3] and s.themes()[1][3] == [])
    await assert_converged(inquiry, room, alice, carol)


async def test_a_card_goes_back_to_its_place_in_a_column_someone_added_to_since(inquiry, room, alice, carol):
    cards = await posts(room, TEXTS[:4])
    housing, transport = await themes(room, "Housing", "Transport")
    await room["alice"].send(type="card", op="move_many", cards=cards[:3], theme=housing)
    await everyone(room, lambda s: s.themes()[0][3] == cards[:3])
    await room["alice"].send(type="card", op="move", card=cards[1], theme=transport)
    await everyone(room, lambda s: s.themes()[0][3] == [cards[0], cards[2]])
    await room["bob"].send(type="card", op="move", card=cards[3], theme=housing, position=1)
    await everyone(room, lambda s: s.themes()[0][3] == [cards[0], cards[3], cards[2]])
    await room["alice"].send(type="board", op="undo")
    await said(room["alice"], "1 card moved back.")
    await everyone(room, lambda s: s.themes()[0][3] == [cards[0], cards[1], cards[3], cards[2]])
    await assert_converged(inquiry, room, alice, carol)


async def test_a_card_dropped_back_in_its_own_place_is_nothing_to_undo(inquiry, room):
    cards = await posts(room, TEXTS[:1])
    (housing,) = await themes(room, "Housing")
    await room["alice"].send(type="card", op="move", card=cards[0], theme=housing)
    await said(room["alice"], "Moved a card")
    await room["alice"].send(type="card", op="move", card=cards[0], theme=housing, position=0)
    await room["alice"].send(type="board", op="undo")  # the move into Housing, the last that did something
    await said(room["alice"], "1 card moved back.")
    await everyone(room, lambda s: s.unsorted() == cards)


async def test_a_deleted_theme_comes_back_with_its_name_colour_place_and_cards(inquiry, room, alice, carol):
    cards = await posts(room, TEXTS[:4])
    first, transport, last = await themes(room, "First", "Transport", "Last")
    await room["alice"].send(type="theme", op="recolour", theme=transport, colour="coral")
    await room["alice"].send(type="card", op="move_many", cards=cards[:3], theme=transport)
    await everyone(room, lambda s: s.themes()[1][2] == "coral" and len(s.themes()[1][3]) == 3)
    await room["alice"].send(type="theme", op="delete", theme=transport)
    assert await said(room["alice"], "Deleted") == "Deleted the theme “Transport”. Undo"
    await everyone(room, lambda s: len(s.themes()) == 2)
    await room["alice"].send(type="board", op="undo", change=undo_button(room["alice"]))
    line = await said(room["alice"], "Restored")
    assert line == "Restored the theme “Transport”: 3 cards moved back. Undo “Moved 3 cards to “Transport””"
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["First", "Transport", "Last"])
    theme = room["carol"].themes()[1]
    assert theme[0] not in (first, transport, last)  # a new id
    assert theme[2:] == ("coral", cards[:3])
    assert room["carol"].unsorted() == [cards[3]]
    await assert_converged(inquiry, room, alice, carol)
    # The step before it names the theme by its new id: undoing it takes the cards out again.
    await room["alice"].send(type="board", op="undo", change=undo_button(room["alice"]))
    await said(room["alice"], "3 cards moved back.")
    await everyone(room, lambda s: s.themes()[1][3] == [] and s.unsorted() == cards)


async def test_a_restored_theme_whose_name_is_taken_now_says_so(inquiry, room):
    cards = await posts(room, TEXTS[:2])
    (transport,) = await themes(room, "Transport")
    await room["alice"].send(type="card", op="move", card=cards[0], theme=transport)
    await room["alice"].send(type="theme", op="delete", theme=transport)
    await said(room["alice"], "Deleted the theme")
    await room["bob"].send(type="theme", op="add", name="transport")
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["transport"])
    await room["alice"].send(type="board", op="undo")
    line = await said(room["alice"], "Restored")
    assert line.endswith(
        "The name “Transport” is taken now, so it is back as “Transport (restored)”: rename one of them."
        " Undo “Moved a card to “Transport””"
    )
    await everyone(
        room,
        lambda s: (
            [(t[1], t[3]) for t in s.themes()] == [("Transport (restored)", [cards[0]]), ("transport", [])]
        ),
    )


async def test_a_merge_is_undone_and_the_theme_merged_into_keeps_its_own_cards(inquiry, room, alice, carol):
    cards = await posts(room, TEXTS[:5])
    transport, buses = await themes(room, "Transport", "Buses")
    await room["alice"].send(type="card", op="move_many", cards=cards[:2], theme=transport)
    await room["alice"].send(type="card", op="move_many", cards=cards[2:4], theme=buses)
    await everyone(room, lambda s: len(s.themes()[1][3]) == 2)
    await room["alice"].send(type="theme", op="merge", theme=buses, into=transport)
    assert await said(room["alice"], "Merged") == "Merged “Buses” into “Transport”. Undo"
    await everyone(room, lambda s: len(s.themes()) == 1)
    await room["alice"].send(type="board", op="undo")
    assert (await said(room["alice"], "Split")).startswith("Split “Buses” out again: 2 cards moved back.")
    await everyone(
        room,
        lambda s: [(t[1], t[3]) for t in s.themes()] == [("Transport", cards[:2]), ("Buses", cards[2:4])],
    )
    await assert_converged(inquiry, room, alice, carol)


async def test_accepted_suggestions_are_undone(inquiry, room, alice, carol):
    cards = await posts(room, TEXTS[:6])
    (housing,) = await themes(room, "Housing")
    await room["alice"].send(
        type="suggest",
        op="accept",
        themes=[{"name": "Rents", "cards": cards[:2]}, {"name": "Repairs", "cards": cards[2:4]}],
        placements=[{"card": cards[4], "theme": housing}],
    )
    line = await said(room["alice"], "Accepted")
    assert line == "Accepted 2 suggested themes and placed 1 card in themes. Undo"
    await everyone(room, lambda s: len(s.themes()) == 3)
    rents = room["alice"].themes()[1][0]
    await room["bob"].send(type="card", op="move", card=cards[5], theme=rents)  # someone sorts one there
    await everyone(room, lambda s: len(s.themes()[1][3]) == 3)
    await room["alice"].send(type="board", op="undo")
    line = await said(room["alice"], "Removed")
    assert line == (
        "Removed 1 suggested theme; 5 cards back in Not yet in a theme."
        " “Rents” stays: it holds cards placed since."
    )
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["Housing", "Rents"])
    assert room["carol"].themes()[0][3] == []
    assert room["carol"].themes()[1][3] == [cards[5]]
    assert room["carol"].unsorted() == cards[:5]
    await assert_converged(inquiry, room, alice, carol)


async def test_several_steps_back_and_a_rename(inquiry, room):
    cards = await posts(room, TEXTS[:1])
    (housing,) = await themes(room, "Housing")
    await room["alice"].send(type="card", op="move", card=cards[0], theme=housing)
    await room["alice"].send(type="theme", op="rename", theme=housing, name="Homes")
    await said(room["alice"], "Renamed “Housing” to “Homes”.")
    await room["alice"].send(type="board", op="undo")
    assert (
        await said(room["alice"], "back to")
        == "Renamed “Homes” back to “Housing”. Undo “Moved a card to “Housing””"
    )
    await room["alice"].send(type="board", op="undo")
    await said(room["alice"], "1 card moved back.")
    await everyone(room, lambda s: s.unsorted() == cards and s.themes()[0][1] == "Housing")
    # Adding a theme is not one of the changes undo covers: nothing more of hers to undo.
    await room["alice"].send(type="board", op="undo")
    assert (await room["alice"].reply()).error == "nothing_to_undo"


async def test_a_rename_with_its_colour_is_undone_with_its_colour(inquiry, room):
    """The edit dialog sends a new name and colour as one change: one undo takes both back."""
    (housing,) = await themes(room, "Housing")
    colour = room["alice"].themes()[0][2]
    assert colour != "coral"
    await room["alice"].send(type="theme", op="rename", theme=housing, name="Homes", colour="coral")
    await everyone(room, lambda s: s.themes()[0][1:3] == ("Homes", "coral"))
    await said(room["alice"], "Renamed “Housing” to “Homes”.")
    await room["alice"].send(type="board", op="undo")
    assert (await said(room["alice"], "back to")).startswith(
        "Renamed “Homes” back to “Housing”, its colour too."
    )
    await everyone(room, lambda s: s.themes()[0][1:3] == ("Housing", colour))
    # A colour changed alone in the dialog (the same name) is a recolour, undone as one.
    await room["alice"].send(type="theme", op="rename", theme=housing, name="Housing", colour="coral")
    await said(room["alice"], "Recoloured “Housing”")
    await room["alice"].send(type="board", op="undo")
    await said(room["alice"], "has its colour back.")
    await everyone(room, lambda s: s.themes()[0][1:3] == ("Housing", colour))


async def test_a_recolour_and_a_theme_move_are_undone_and_a_rename_by_someone_else_stays(inquiry, room):
    first, second, third = await themes(room, "First", "Second", "Third")
    colour = room["alice"].themes()[0][2]
    await room["alice"].send(type="theme", op="recolour", theme=first, colour="coral")
    await room["alice"].send(type="theme", op="move", theme=first, position=2)
    assert await said(room["alice"], "Moved the theme") == "Moved the theme “First”. Undo"
    await room["alice"].send(type="board", op="undo")
    assert (await said(room["alice"], "back to its place")).startswith("Moved “First” back to its place.")
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["First", "Second", "Third"])
    await room["bob"].send(type="theme", op="rename", theme=first, name="Renamed by Bob")
    await everyone(room, lambda s: s.themes()[0][1] == "Renamed by Bob")
    await room["alice"].send(type="board", op="undo")
    assert (await said(room["alice"], "colour back")).startswith("“Renamed by Bob” has its colour back.")
    await everyone(room, lambda s: s.themes()[0][1:3] == ("Renamed by Bob", colour))


async def test_another_facilitator_cannot_undo_yours(inquiry, room):
    cards = await posts(room, TEXTS[:2])
    (housing,) = await themes(room, "Housing")
    await room["alice"].send(type="card", op="move_many", cards=cards, theme=housing)
    await said(room["alice"], "Moved 2 cards")
    change = undo_button(room["alice"])
    await room["bob"].send(type="board", op="undo")
    reply = await room["bob"].reply()
    assert (reply.error, reply.error_message) == (
        "nothing_to_undo",
        "Nothing of yours to undo on this board.",
    )
    await room["bob"].send(type="board", op="undo", change=change)
    reply = await room["bob"].reply()
    assert (reply.error, reply.error_message) == (
        "forbidden",
        "Only the facilitator who made that change can undo it.",
    )
    assert (await fresh_board(inquiry.code, room["alice"].client))["themes"][0][3] == cards
    # Still hers to undo.
    await room["alice"].send(type="board", op="undo", change=change)
    await said(room["alice"], "2 cards moved back.")


async def test_a_participant_and_another_inquirys_facilitator_are_refused(inquiry, other_inquiry, room, eve):
    cards = await posts(room, TEXTS[:1])
    (housing,) = await themes(room, "Housing")
    await room["alice"].send(type="card", op="move", card=cards[0], theme=housing)
    await said(room["alice"], "Moved a card")
    change = undo_button(room["alice"])
    await room["carol"].send(type="board", op="undo", change=change)
    reply = await room["carol"].reply()
    assert (reply.error, reply.error_message) == ("forbidden", "board.undo is not allowed for participants.")
    outsider = await Screen(other_inquiry.code, eve).connect()
    try:
        await outsider.send(type="board", op="undo", change=change)
        reply = await outsider.reply()
        assert reply.error == "not_found"
    finally:
        await outsider.close()
    await room["carol"].send(type="board", op="undo", change="12; drop")
    assert (await room["carol"].reply()).error == "forbidden"
    await room["alice"].send(type="board", op="undo", change="twelve")
    assert (await room["alice"].reply()).error == "invalid_field"
    assert (await fresh_board(inquiry.code, room["alice"].client))["themes"][0][3] == cards


@servers.needs_redis
async def test_a_change_made_on_one_process_is_undone_from_another(tmp_path, inquiry, alice, bob, carol):
    """Two Daphne processes on one Redis and one database: Alice moves cards from her screen on process 1
    and undoes from her screen on process 2 (a reconnect, a second tab); Bob's screen on process 1 sees
    the cards go back."""
    with servers.running(tmp_path) as (one, two):
        pairs = ((one, carol), (one, alice), (two, alice), (one, bob))
        screens = [
            RemoteScreen(server, inquiry.code, client, all_servers=(one, two)) for server, client in pairs
        ]
        phone, alice_one, alice_two, bob_one = [await screen.connect() for screen in screens]
        try:
            for text in TEXTS[:3]:
                await phone.post(text)
            await bob_one.until(lambda s: len(s.cards()) == 3, timeout=TIMEOUT)
            cards = sorted(bob_one.cards())
            await alice_one.send(type="theme", op="add", name="Housing")
            await alice_two.until(lambda s: len(s.themes()) == 1, timeout=TIMEOUT)
            housing = alice_two.themes()[0][0]
            await alice_one.send(type="card", op="move_many", cards=cards, theme=housing)
            await alice_one.until(lambda s: "Moved 3 cards" in status(s), timeout=TIMEOUT)
            await alice_two.until(lambda s: s.themes()[0][3] == cards, timeout=TIMEOUT)
            await alice_two.send(type="board", op="undo")
            await alice_two.until(lambda s: status(s) == "3 cards moved back.", timeout=TIMEOUT)
            await bob_one.until(lambda s: s.unsorted() == cards, timeout=TIMEOUT)
            await bob_one.send(type="board", op="undo")
            assert (await bob_one.reply(timeout=TIMEOUT)).error == "nothing_to_undo"
        finally:
            for screen in (phone, alice_one, alice_two, bob_one):
                await screen.close()


async def test_a_deleted_themes_map_links_and_dots_are_not_restored_and_the_status_says_so(inquiry, room):
    cards = await posts(room, TEXTS[:2])
    transport, housing = await themes(room, "Transport", "Housing")
    await room["alice"].send(type="card", op="move", card=cards[0], theme=transport)
    await room["alice"].send(
        type="link",
        op="add",
        source=f"theme-{transport}",
        target=f"theme-{housing}",
        kind="enables",
        sign="+",
        note="",
    )
    await room["alice"].until(lambda s: bool(s.page.xpath("//li[@data-link]")))
    await room["alice"].send(type="vote", op="open", round=None, target="themes", budget=3, per_item=2)
    await room["alice"].until(lambda s: "0 dots" in dots_on(s, transport))
    await room["carol"].send(type="dot", op="add", card=None, theme=transport)
    await room["alice"].until(lambda s: "1 dot" in dots_on(s, transport))
    await room["alice"].send(type="theme", op="delete", theme=transport)
    await said(room["alice"], "Deleted the theme")
    await room["alice"].send(type="board", op="undo")
    line = await said(room["alice"], "Restored")
    assert line.startswith(
        "Restored the theme “Transport”: 1 card moved back. Its 1 map link and 1 dot went with it and are"
        " not restored."
    )
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["Transport", "Housing"])
    assert not room["alice"].page.xpath("//li[@data-link]")


def dots_on(screen, theme):
    found = screen.find(f"theme-{theme}-votes")
    return found.text_content() if found is not None else ""
