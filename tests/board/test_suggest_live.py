"""Suggested themes in a live round: a facilitator asks, previews (nobody else sees anything), renames,
drops and accepts; the accepted result reaches every screen as an ordinary board change."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card, Theme

from ..support import Screen
from .test_suggester import HOUSING, STAFFING, TRANSPORT

pytestmark = pytest.mark.django_db(transaction=True)

TOPICS = {"staff": STAFFING, "housing": HOUSING, "transport": TRANSPORT}


@pytest.fixture
async def room(inquiry, alice, bob, carol, dave):
    screens = {
        "alice": await Screen(inquiry.code, alice).connect(),
        "bob": await Screen(inquiry.code, bob).connect(),
        "carol": await Screen(inquiry.code, carol).connect(),
        "dave": await Screen(inquiry.code, dave).connect(),
    }
    count = 0
    for texts in TOPICS.values():
        for text in texts:
            await screens["carol" if count % 2 else "dave"].post(text)
            count += 1
    for screen in screens.values():
        await screen.until(lambda s: len(s.cards()) == count)
    yield screens
    for screen in screens.values():
        await screen.close()


async def preview(screen, **message):
    """Ask for suggestions and wait for the preview frame that answers."""
    seen = len(screen.frames)
    await screen.send(type="suggest", op="preview", **message)
    await screen.until(lambda s: any(f.first("suggestions") is not None for f in s.frames[seen:]))
    return next(f for f in screen.frames[seen:] if f.first("suggestions") is not None)


def proposals(frame):
    """[(name, [card ids])] from a preview frame."""
    section = frame.first("suggestions")
    return [
        (
            fieldset.xpath(".//input[@name='name']")[0].get("value"),
            [int(i.get("value")) for i in fieldset.xpath(".//input[@name='card']")],
        )
        for fieldset in section.xpath(".//fieldset[@data-suggested]")
    ]


async def test_a_facilitator_previews_renames_drops_and_accepts_suggested_themes(inquiry, room):
    seq_before = room["carol"].seq
    preview_frame = await preview(room["alice"], round=None)
    suggested = proposals(preview_frame)
    assert len(suggested) == 3
    texts = {pk: text for pk, text in room["alice"].cards().items()}
    groups = [{texts[pk] for pk in ids} for _, ids in suggested]
    assert sorted(len(g) for g in groups) == [7, 7, 7]
    assert all(g in [set(t) for t in TOPICS.values()] for g in groups)
    # Nobody else saw anything, and nothing changed on the board.
    assert all(f.first("suggestions") is None for f in room["bob"].frames + room["carol"].frames)
    assert await database_sync_to_async(Theme.objects.count)() == 0

    # Rename the first, drop the second, take one card out of the third.
    (name1, ids1), _, (name3, ids3) = suggested
    await room["alice"].send(
        type="suggest",
        op="accept",
        themes=[{"name": "Workforce", "cards": ids1}, {"name": name3, "cards": ids3[1:]}],
        placements=[],
    )
    await room["carol"].until(lambda s: len(s.themes()) == 2)
    assert room["carol"].seq == seq_before + 1  # one ordinary change
    themes = room["carol"].themes()
    assert themes[0][1] == "Workforce" and themes[0][3] == ids1
    assert themes[1][3] == ids3[1:]
    assert len(room["carol"].unsorted()) == 21 - len(ids1) - len(ids3) + 1
    await room["alice"].until(lambda s: s.find("suggestions").get("hidden") is not None)


async def test_fewer_and_more_change_the_number_of_themes(inquiry, room):
    counts = {}
    for granularity in (-5, 0, 5):
        counts[granularity] = len(
            proposals(await preview(room["alice"], round=None, granularity=granularity))
        )
    assert counts[-5] <= counts[0] <= counts[5] and counts[-5] < counts[5]


async def test_new_cards_are_placed_into_existing_themes(inquiry, room):
    await room["alice"].send(type="theme", op="add", name="Workforce")
    await room["alice"].until(lambda s: len(s.themes()) == 1)
    workforce = room["alice"].themes()[0][0]
    staff = [pk for pk, text in room["alice"].cards().items() if text in TOPICS["staff"]]
    for pk in staff[:3]:
        await room["alice"].send(type="card", op="move", card=pk, theme=workforce)
    await room["alice"].until(lambda s: len(s.themes()[0][3]) == 3)
    section = (await preview(room["alice"], round=inquiry.current_round_id)).first("suggestions")
    placed = [
        tuple(int(x) for x in i.get("value").split(":")) for i in section.xpath(".//input[@name='place']")
    ]
    # "These cards probably belong to Workforce": staff cards only, and most of those left.
    assert {theme for _, theme in placed} == {workforce}
    assert {card for card, _ in placed} <= set(staff[3:]) and len(placed) >= len(staff[3:]) / 2
    await room["alice"].send(
        type="suggest", op="accept", themes=[], placements=[{"card": c, "theme": t} for c, t in placed]
    )
    await room["dave"].until(lambda s: s.themes() and len(s.themes()[0][3]) == 3 + len(placed))


async def test_a_card_placed_meanwhile_stays_where_a_facilitator_put_it(inquiry, room):
    name, ids = proposals(await preview(room["alice"], round=None))[0]
    await room["bob"].send(type="theme", op="add", name="Bob's")
    await room["bob"].until(lambda s: len(s.themes()) == 1)
    bobs = room["bob"].themes()[0][0]
    await room["bob"].send(type="card", op="move", card=ids[0], theme=bobs)
    await room["alice"].until(lambda s: s.theme_of(ids[0]) == bobs)
    await room["alice"].send(
        type="suggest", op="accept", themes=[{"name": name, "cards": ids}], placements=[]
    )
    await room["carol"].until(lambda s: len(s.themes()) == 2)
    assert await database_sync_to_async(lambda: Card.objects.get(pk=ids[0]).theme_id)() == bobs


async def test_participants_cannot_ask_for_suggestions(inquiry, room):
    await room["carol"].send(type="suggest", op="preview", round=None)
    assert (await room["carol"].reply()).error == "forbidden"


async def test_the_off_switch_refuses_the_messages_and_hides_the_button(inquiry, room, settings, alice):
    settings.SUGGESTIONS_ENABLED = False
    await room["alice"].send(type="suggest", op="preview", round=None)
    assert (await room["alice"].reply()).error == "disabled"
    await room["alice"].send(type="suggest", op="accept", themes=[], placements=[])
    assert (await room["alice"].reply()).error == "disabled"
    page = (await database_sync_to_async(alice.get)(f"/i/{inquiry.code}/facilitate/")).content.decode()
    assert "Suggest themes" not in page and 'id="suggestions"' not in page
    settings.SUGGESTIONS_ENABLED = True
    page = (await database_sync_to_async(alice.get)(f"/i/{inquiry.code}/facilitate/")).content.decode()
    assert "Suggest themes" in page


async def test_a_card_of_another_inquiry_in_an_accepted_suggestion_is_refused_and_nothing_moves(
    inquiry, other_inquiry, frank, room
):
    frankie = await database_sync_to_async(lambda: other_inquiry.participants.get())()
    elsewhere = await Card.objects.acreate(
        inquiry=other_inquiry,
        round=other_inquiry.current_round,
        author=frankie,
        client_id=uuid.uuid4(),
        text="Frank's card",
    )
    mine = list(room["alice"].cards())[:2]
    seq = room["dave"].seq
    await room["alice"].send(
        type="suggest", op="accept", themes=[{"name": "Mixed", "cards": [*mine, elsewhere.pk]}], placements=[]
    )
    assert (await room["alice"].reply()).error == "not_found"
    assert await Theme.objects.acount() == 0
    assert [pk async for pk in Card.objects.filter(theme__isnull=False).values_list("pk", flat=True)] == []
    # Nobody else saw a change: the next event every screen gets is the facilitator's next one.
    await room["alice"].send(type="theme", op="add", name="After")
    assert (await room["dave"].next_event()).seq == seq + 1


async def test_a_suggested_theme_named_like_a_theme_there_is_refused_and_nothing_moves(inquiry, room):
    await room["bob"].send(type="theme", op="add", name="Workforce")
    await room["alice"].until(lambda s: len(s.themes()) == 1)
    ids = list(room["alice"].cards())
    seq = room["dave"].seq
    for themes in (
        [{"name": "workforce ", "cards": ids[:2]}],
        [{"name": "Access", "cards": ids[:2]}, {"name": "ACCESS", "cards": ids[2:4]}],
    ):
        await room["alice"].send(type="suggest", op="accept", themes=themes, placements=[])
        frame = await room["alice"].reply()
        assert frame.error == "taken"
        assert "There is already a theme called “" in frame.error_message
    assert [t.name async for t in Theme.objects.all()] == ["Workforce"]
    assert not await Card.objects.filter(theme__isnull=False).aexists()
    # Nobody saw a change: the next event every screen gets is the facilitator's next one.
    await room["alice"].send(type="theme", op="add", name="After")
    assert (await room["dave"].next_event()).seq == seq + 1


async def test_no_suggested_theme_is_named_like_a_theme_the_inquiry_has_and_accepting_them_works(
    inquiry, room
):
    names = [name for name, _ in proposals(await preview(room["alice"], round=None))]
    # Themes named as the suggestions would be, in other case and spacing, made before asking again.
    for name in names:
        await room["bob"].send(type="theme", op="add", name=f" {name.upper()} ")
    await room["alice"].until(lambda s: len(s.themes()) == len(names))
    suggested = proposals(await preview(room["alice"], round=None))
    assert len(suggested) == len(names)
    taken = {" ".join(name.split()).casefold() for name in names}
    again = [" ".join(name.split()).casefold() for name, _ in suggested]
    assert not taken & set(again) and len(set(again)) == len(again), (names, suggested)
    await room["alice"].send(
        type="suggest",
        op="accept",
        themes=[{"name": name, "cards": ids} for name, ids in suggested],
        placements=[],
    )
    await room["carol"].until(lambda s: len(s.themes()) == 2 * len(names))
    assert not room["carol"].unsorted()
