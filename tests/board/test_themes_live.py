"""Facilitators cluster contributions into themes; every screen follows, and what each screen builds
from the pushed events equals a fresh snapshot (a light version of Zulip's verify_action)."""

import pytest

from board.models import Theme
from inquiry.models import Participant

from ..support import everyone, fresh_board, long_cards

pytestmark = pytest.mark.django_db(transaction=True)


async def assert_converged(inquiry, room, clients):
    """Every screen shows what a screen connecting now would show."""
    participant_view = await fresh_board(inquiry.code, clients["carol"])
    facilitator_view = await fresh_board(inquiry.code, clients["alice"])
    assert participant_view == facilitator_view
    for screen in room.values():
        assert screen.board() == participant_view


async def posts(room, *texts):
    for index, text in enumerate(texts):
        await room["carol" if index % 2 == 0 else "dave"].post(text)
    await everyone(room, lambda s: len(s.cards()) == len(texts))
    return {text: pk for pk, text in room["alice"].cards().items()}


@pytest.fixture
def clients(alice, carol):
    return {"alice": alice, "carol": carol}


async def test_it_creates_renames_and_recolours_a_theme_on_every_screen(inquiry, room, clients):
    await room["alice"].send(type="theme", op="add", name="Workforce")
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["Workforce"])
    theme_id = room["alice"].themes()[0][0]
    await room["bob"].send(type="theme", op="rename", theme=theme_id, name="Workforce & skills")
    await everyone(room, lambda s: s.themes()[0][1] == "Workforce & skills")
    await room["alice"].send(type="theme", op="recolour", theme=theme_id, colour="mint")
    await everyone(room, lambda s: s.themes()[0][2] == "mint")
    await assert_converged(inquiry, room, clients)


async def test_it_moves_cards_into_out_of_and_between_themes(inquiry, room, clients):
    cards = await posts(
        room, "Not enough district nurses", "Agency staff costs", "Bus routes to the hospital"
    )
    await room["alice"].send(type="theme", op="add", name="Workforce")
    await room["alice"].send(type="theme", op="add", name="Transport")
    await everyone(room, lambda s: len(s.themes()) == 2)
    workforce, transport = (t[0] for t in room["alice"].themes())

    await room["alice"].send(
        type="card", op="move", card=cards["Not enough district nurses"], theme=workforce
    )
    await room["bob"].send(
        type="card", op="move", card=cards["Agency staff costs"], theme=workforce, position=0
    )
    await room["alice"].send(
        type="card", op="move", card=cards["Bus routes to the hospital"], theme=workforce
    )
    expected = [
        cards["Agency staff costs"],
        cards["Not enough district nurses"],
        cards["Bus routes to the hospital"],
    ]
    await everyone(room, lambda s: s.themes()[0][3] == expected)
    assert room["carol"].unsorted() == []

    await room["alice"].send(
        type="card", op="move", card=cards["Bus routes to the hospital"], theme=transport
    )
    await everyone(room, lambda s: s.themes()[1][3] == [cards["Bus routes to the hospital"]])
    await room["alice"].send(type="card", op="move", card=cards["Agency staff costs"], theme=None)
    await everyone(room, lambda s: s.unsorted() == [cards["Agency staff costs"]])
    assert room["dave"].theme_of(cards["Not enough district nurses"]) == workforce
    await assert_converged(inquiry, room, clients)


async def test_it_reorders_cards_within_a_theme(inquiry, room, clients):
    cards = await posts(room, "one", "two", "three")
    await room["alice"].send(type="theme", op="add", name="Order")
    await everyone(room, lambda s: len(s.themes()) == 1)
    theme = room["alice"].themes()[0][0]
    for text in ("one", "two", "three"):
        await room["alice"].send(type="card", op="move", card=cards[text], theme=theme)
    await everyone(room, lambda s: s.themes()[0][3] == [cards["one"], cards["two"], cards["three"]])
    await room["alice"].send(type="card", op="move", card=cards["three"], theme=theme, position=0)
    await everyone(room, lambda s: s.themes()[0][3] == [cards["three"], cards["one"], cards["two"]])
    await room["alice"].send(type="card", op="move", card=cards["three"], theme=theme, position=99)
    await everyone(room, lambda s: s.themes()[0][3] == [cards["one"], cards["two"], cards["three"]])
    await assert_converged(inquiry, room, clients)


async def test_it_orders_themes(inquiry, room, clients):
    for name in ("A", "B", "C"):
        await room["alice"].send(type="theme", op="add", name=name)
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["A", "B", "C"])
    c = room["alice"].themes()[2][0]
    await room["bob"].send(type="theme", op="move", theme=c, position=0)
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["C", "A", "B"])
    await assert_converged(inquiry, room, clients)


async def test_it_merges_a_theme_into_another_keeping_every_card(inquiry, room, clients):
    cards = await posts(room, "Rota gaps", "Burnout", "Retention")
    await room["alice"].send(type="theme", op="add", name="Staffing")
    await room["alice"].send(type="theme", op="add", name="Wellbeing")
    await everyone(room, lambda s: len(s.themes()) == 2)
    staffing, wellbeing = (t[0] for t in room["alice"].themes())
    await room["alice"].send(type="card", op="move", card=cards["Rota gaps"], theme=staffing)
    await room["alice"].send(type="card", op="move", card=cards["Burnout"], theme=wellbeing)
    await room["alice"].send(type="card", op="move", card=cards["Retention"], theme=wellbeing)
    await everyone(room, lambda s: not s.unsorted())
    await room["alice"].send(type="theme", op="merge", theme=wellbeing, into=staffing)
    await everyone(room, lambda s: len(s.themes()) == 1)
    assert room["carol"].themes()[0][3] == [cards["Rota gaps"], cards["Burnout"], cards["Retention"]]
    await assert_converged(inquiry, room, clients)


async def test_deleting_a_theme_returns_its_cards_to_unsorted(inquiry, room, clients):
    cards = await posts(room, "Shared records", "Single front door")
    await room["alice"].send(type="theme", op="add", name="Systems")
    await everyone(room, lambda s: len(s.themes()) == 1)
    systems = room["alice"].themes()[0][0]
    for text in ("Shared records", "Single front door"):
        await room["alice"].send(type="card", op="move", card=cards[text], theme=systems)
    await everyone(room, lambda s: not s.unsorted())
    await room["bob"].send(type="theme", op="delete", theme=systems)
    await everyone(room, lambda s: s.themes() == [] and len(s.unsorted()) == 2)
    assert room["dave"].texts() == ["Shared records", "Single front door"]
    await assert_converged(inquiry, room, clients)


async def test_two_facilitators_moving_the_same_card_converge(inquiry, room, clients):
    cards = await posts(room, "Contested card")
    await room["alice"].send(type="theme", op="add", name="Left")
    await room["alice"].send(type="theme", op="add", name="Right")
    await everyone(room, lambda s: len(s.themes()) == 2)
    left, right = (t[0] for t in room["alice"].themes())
    await room["alice"].send(type="card", op="move", card=cards["Contested card"], theme=left)
    await room["bob"].send(type="card", op="move", card=cards["Contested card"], theme=right)
    await everyone(room, lambda s: not s.unsorted() and s.seq == room["alice"].seq and s.seq >= 5)
    await assert_converged(inquiry, room, clients)


async def test_a_participant_card_edit_shows_inside_its_theme(inquiry, room, clients):
    cards = await posts(room, "Speling")
    await room["alice"].send(type="theme", op="add", name="Words")
    await everyone(room, lambda s: len(s.themes()) == 1)
    await room["alice"].send(
        type="card", op="move", card=cards["Speling"], theme=room["alice"].themes()[0][0]
    )
    await everyone(room, lambda s: not s.unsorted())
    await room["carol"].send(type="card", op="edit", card=cards["Speling"], text="Spelling")
    await everyone(room, lambda s: s.cards() == {cards["Speling"]: "Spelling"})
    assert room["bob"].themes()[0][3] == [cards["Speling"]]
    await assert_converged(inquiry, room, clients)


@pytest.fixture
def big_theme(inquiry):
    """A theme holding 150 contributions, made before the room connects (so every screen starts with it)."""
    author = Participant.objects.create(inquiry=inquiry, display_name="Erin", sector="NHS")
    theme = Theme.objects.create(inquiry=inquiry, name="Workforce", position=0)
    long_cards(author, 150, "rota gaps, agency costs and retention", theme=theme)
    return theme


async def test_a_move_into_a_big_theme_sends_the_card_not_the_whole_column(inquiry, big_theme, room, clients):
    await room["carol"].post("Nurses leave for better pay")
    await everyone(room, lambda s: "Nurses leave for better pay" in s.texts())
    card = next(pk for pk, text in room["alice"].cards().items() if text == "Nurses leave for better pay")
    sizes = {}
    for name, screen in room.items():
        sizes[name] = len(screen.frames)
    await room["alice"].send(type="card", op="move", card=card, theme=big_theme.pk, position=0)
    await everyone(room, lambda s: s.themes()[0][3][0] == card and len(s.themes()[0][3]) == 151)
    for name, screen in room.items():
        moved = [frame for frame in screen.frames[sizes[name] :] if frame.seq is not None]
        assert len(moved) == 1
        assert len(moved[0].text.encode()) < 6_000, (name, len(moved[0].text))
    assert room["carol"].unsorted() == []
    assert room["dave"].find(f"theme-{big_theme.pk}-count").text_content() == "151"
    await assert_converged(inquiry, room, clients)


async def test_a_theme_name_differing_only_in_case_or_spacing_is_refused(inquiry, room, clients):
    await room["alice"].send(type="theme", op="add", name="Housing")
    await room["alice"].send(type="theme", op="add", name="Social care")
    await room["alice"].send(type="theme", op="add", name="Transport")
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["Housing", "Social care", "Transport"])
    housing, _care, transport = (t[0] for t in room["alice"].themes())
    for name, taken in [
        ("Housing", "Housing"),
        ("housing", "Housing"),
        ("  HOUSING ", "Housing"),
        ("Ｈｏｕｓｉｎｇ", "Housing"),
        ("social   CARE", "Social care"),
    ]:
        await room["bob"].send(type="theme", op="add", name=name)
        frame = await room["bob"].reply()
        assert frame.error == "taken", name
        assert frame.error_message == f"There is already a theme called “{taken}”. Choose another name."
    await room["bob"].send(type="theme", op="rename", theme=transport, name="housing")
    frame = await room["bob"].reply()
    assert frame.error == "taken"
    assert frame.error_message == "There is already a theme called “Housing”. Choose another name."
    # A theme may change the case of its own name.
    await room["bob"].send(type="theme", op="rename", theme=housing, name="HOUSING")
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["HOUSING", "Social care", "Transport"])
    await assert_converged(inquiry, room, clients)


async def test_a_rename_carrying_a_colour_changes_both_in_one_event(inquiry, room, clients):
    await room["alice"].send(type="theme", op="add", name="Workforce", colour="sky")
    await everyone(room, lambda s: s.themes() and s.themes()[0][2] == "sky")
    theme_id = room["alice"].themes()[0][0]
    seq = room["carol"].seq
    await room["alice"].send(type="theme", op="rename", theme=theme_id, name="Staffing", colour="rose")
    await everyone(room, lambda s: s.themes()[0][1:3] == ("Staffing", "rose"))
    assert room["carol"].seq == seq + 1
    await assert_converged(inquiry, room, clients)


async def test_a_refused_rename_leaves_the_colour_chosen_with_it_unchanged(inquiry, room, clients):
    await room["alice"].send(type="theme", op="add", name="Housing", colour="sky")
    await room["alice"].send(type="theme", op="add", name="Transport", colour="mint")
    await everyone(
        room, lambda s: [t[1:3] for t in s.themes()] == [("Housing", "sky"), ("Transport", "mint")]
    )
    transport = room["alice"].themes()[1][0]
    await room["bob"].send(type="theme", op="rename", theme=transport, name=" housing", colour="rose")
    frame = await room["bob"].reply()
    assert frame.error == "taken"
    assert frame.error_message == "There is already a theme called “Housing”. Choose another name."
    # Bob's socket is still up, and the room's next change comes after no recolour.
    await room["bob"].send(type="theme", op="add", name="Roads")
    await everyone(room, lambda s: len(s.themes()) == 3)
    assert [t[1:3] for t in room["bob"].themes()[:2]] == [("Housing", "sky"), ("Transport", "mint")]
    assert await Theme.objects.filter(pk=transport).values_list("name", "colour").aget() == (
        "Transport",
        "mint",
    )
    await assert_converged(inquiry, room, clients)
