"""The spotlight shows only a card the whole room may see. A spotlit card that its author edits into a
post held back as personal data, or into one waiting for approval, or deletes, leaves the spotlight on
every open screen at once, and no screen that connects later (a fresh page, a reconnect) shows it there;
an edit that stays public shows its new words in the spotlight. Through the socket, and HTTP for pages."""

import pytest
from channels.db import database_sync_to_async

from board.models import Card
from inquiry.models import Inquiry

from ..support import Screen, everyone, text

pytestmark = pytest.mark.django_db(transaction=True)

NHS_NUMBER = "943 476 5919"
HELD = f"Ask Mrs Jones at SW1A 1AA, NHS number {NHS_NUMBER}, she was left for hours"
SCREENS = ["alice", "bob", "carol", "dave", "presenter"]


async def spotlit(room, words):
    """Carol posts ``words`` and Alice puts the card in the spotlight, seen on every screen."""
    await room["carol"].post(words)
    await everyone(room, lambda s: words in s.texts())
    card = next(pk for pk, said in room["alice"].cards().items() if said == words)
    await room["alice"].send(type="spotlight", op="set", card=card, theme=None)
    await everyone(room, lambda s: words in text(s, "spotlight"))
    return card


def dark(screen):
    """The screen shows no spotlight at all."""
    found = screen.find("spotlight")
    return found is not None and found.get("hidden") is not None and text(screen, "spotlight") == ""


async def screens_connecting_now(inquiry, room):
    """What the spotlight says on each kind of screen connecting now (its first frame: a snapshot)."""
    said = []
    for name in SCREENS:
        late = await Screen(inquiry.code, room[name].client).connect()
        assert late.frames[0].snapshot
        said.append(text(late, "spotlight"))
        await late.close()
    return said


async def test_a_spotlit_card_edited_into_a_held_post_leaves_the_spotlight_on_every_screen(inquiry, room):
    card = await spotlit(room, "Ward huddles with pharmacy")
    await room["carol"].send(type="card", op="edit", card=card, text=HELD)
    await room["carol"].until(lambda s: "Held back" in text(s, f"card-{card}"))
    await everyone(room, dark)
    assert not any(NHS_NUMBER in text for text in await screens_connecting_now(inquiry, room))
    assert (await Inquiry.objects.aget(pk=inquiry.pk)).spotlight_card_id is None
    for name in ("dave", "presenter"):  # Carol, its author, sees her own card, marked held back
        assert not any(NHS_NUMBER in frame.text for frame in room[name].frames), name


async def test_a_spotlit_card_edited_into_one_waiting_for_approval_leaves_the_spotlight(inquiry, room):
    card = await spotlit(room, "Ward huddles with pharmacy")
    await room["alice"].send(type="room", op="settings", premoderation=True, safeguarding=True)
    await room["carol"].send(type="card", op="edit", card=card, text="Ward huddles with pharmacy daily")
    await everyone(room, dark)
    assert not any("daily" in text for text in await screens_connecting_now(inquiry, room))


async def test_a_spotlit_card_edited_in_plain_words_shows_them_in_the_spotlight(inquiry, room):
    card = await spotlit(room, "Ward huddles with pharmacy")
    await room["carol"].send(type="card", op="edit", card=card, text="Ward huddles with pharmacy and therapy")
    await everyone(room, lambda s: "pharmacy and therapy" in text(s, "spotlight"))
    assert all("and therapy" in said for said in await screens_connecting_now(inquiry, room))


async def test_a_spotlit_card_its_author_deletes_leaves_the_spotlight_on_every_screen(inquiry, room):
    card = await spotlit(room, "Ward huddles with pharmacy")
    await room["carol"].send(type="card", op="delete", card=card)
    await everyone(room, lambda s: s.find(f"card-{card}") is None and dark(s))
    assert not any("huddles" in text for text in await screens_connecting_now(inquiry, room))


async def test_no_screen_shows_a_card_the_room_may_not_see_in_the_spotlight(inquiry, room, alice, carol):
    """Whatever the spotlight points at, a page or a snapshot shows a card held back nowhere."""
    card = await spotlit(room, "Ward huddles with pharmacy")

    @database_sync_to_async
    def held_behind_the_actions_back():
        Card.objects.filter(pk=card).update(text=HELD, status=Card.HELD)
        pages = [alice.get(f"/i/{inquiry.code}/present/"), alice.get(f"/i/{inquiry.code}/facilitate/")]
        pages.append(carol.get(f"/i/{inquiry.code}/"))
        assert all(page.status_code == 200 for page in pages)
        return [page.content.decode() for page in pages]

    for page in await held_behind_the_actions_back():
        assert NHS_NUMBER not in page
    assert not any(NHS_NUMBER in text for text in await screens_connecting_now(inquiry, room))
