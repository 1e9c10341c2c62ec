"""Every out-of-band swap a screen is sent finds its element there (the page's htmx logs
`htmx:oobErrorNoTarget` for each that does not): hiding, restoring, deleting, rejecting and erasing cards
send each kind of screen only what it shows, the facilitators' review queue included, and an author's
own unshared cards leave their screen by a frame of their own. The browser's side of this is
tests/browser/test_console_errors.py."""

import re

import pytest
from channels.db import database_sync_to_async

from inquiry.models import Inquiry

from ..conftest import connect_room
from ..support import Screen, everyone

pytestmark = pytest.mark.django_db(transaction=True)

HELD = "Call me on 07700 900123 about my mum"


class StrictScreen(Screen):
    """A screen that notes every swap of a card (on the board or in the queue) that it lacks. Only cards:
    the parts of a page outside its live region (the tables' panel...) are not in the test's page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.missed, self.applying = [], False

    def find(self, dom_id):
        found = super().find(dom_id)
        if found is None and self.applying and re.fullmatch(r"(card|queued)-\d+", dom_id or ""):
            self.missed.append(dom_id)
        return found

    def apply(self, frame):
        self.applying = True
        try:
            super().apply(frame)
        finally:
            self.applying = False


@pytest.fixture
async def strict(inquiry, alice, bob, carol, dave):
    screens = await connect_room(inquiry, alice, bob, carol, dave, screen=StrictScreen)
    yield screens
    for screen in screens.values():
        await screen.close()


def missed(room):
    return {name: screen.missed for name, screen in room.items() if screen.missed}


def queued(screen):
    return [int(li.get("data-card")) for li in screen.page.xpath("//ol[@id='queue-cards']/li")]


async def posted(room, words):
    await room["carol"].post(words)
    await everyone(room, lambda s: words in s.texts())
    return next(pk for pk, said in room["alice"].cards().items() if said == words)


async def test_hiding_restoring_and_deleting_a_card_swap_only_what_each_screen_has(strict):
    card = await posted(strict, "Shared care records")
    await strict["alice"].send(type="card", op="hide", card=card)
    await everyone(strict, lambda s: "Shared care records" not in s.texts(), ["carol", "dave", "presenter"])
    await strict["alice"].send(type="card", op="restore", card=card)
    await everyone(strict, lambda s: "Shared care records" in s.texts())
    await strict["carol"].send(type="card", op="delete", card=card)
    await everyone(strict, lambda s: s.find(f"card-{card}") is None)
    assert missed(strict) == {}


async def test_a_held_post_deleted_or_rejected_leaves_only_the_screens_that_had_it(strict):
    for op, by in (("delete", "carol"), ("reject", "alice")):
        await strict["carol"].post(HELD)
        await strict["alice"].until(lambda s: len(queued(s)) == 1)
        card = queued(strict["alice"])[0]
        await strict["carol"].until(lambda s, card=card: s.find(f"card-{card}") is not None)
        await strict[by].send(type="card", op=op, card=card)
        await everyone(strict, lambda s, card=card: not queued(s) and s.find(f"card-{card}") is None)
    assert missed(strict) == {}


async def test_erasing_posts_still_waiting_for_approval_swaps_only_what_each_screen_has(inquiry, strict):
    await strict["alice"].send(type="room", op="settings", premoderation=True, safeguarding=True)
    await strict["carol"].post("Waiting for approval")
    await strict["dave"].post("Dave waits too")
    await strict["alice"].until(lambda s: len(queued(s)) == 2)
    await strict["carol"].until(lambda s: "Waiting for approval" in s.texts())
    response = await database_sync_to_async(strict["carol"].client.post)(f"/i/{inquiry.code}/erase/")
    assert response.status_code == 302
    seq = (await Inquiry.objects.aget(pk=inquiry.pk)).seq
    await everyone(strict, lambda s: s.seq >= seq)
    await strict["carol"].until(lambda s: "Waiting for approval" not in s.texts())
    assert queued(strict["alice"]) == queued(strict["bob"]) and len(queued(strict["alice"])) == 1
    assert missed(strict) == {}
