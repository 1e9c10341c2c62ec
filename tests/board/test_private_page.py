"""A participant's private page (/n/<token>/): every participant who signs up to or proposes an action
has one, shared contact or not, its link on their phone only; it shows what they wrote (only their own),
their actions with each detail labelled; after the close it links to the harvest, takes no new contact
and still lets a shared one be withdrawn."""

import uuid

import lxml.html
import pytest
from channels.db import database_sync_to_async
from django.test import Client

from board.models import Contact, NextStep
from inquiry.models import Inquiry

from ..support import everyone, text

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async


def private_link(screen):
    link = screen.find("private-link")
    return link.get("href") if link is not None else None


async def steps_room(room, inquiry):
    await room["alice"].send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await everyone(
        room, lambda s: s.find("steps-view").get("data-steps-rounds") == str(inquiry.current_round_id)
    )
    await room["carol"].post("Carol's idea about shared records")
    await room["dave"].post("Dave's idea about transport")
    await everyone(room, lambda s: len(s.texts()) == 2)
    await room["carol"].send(
        type="step", op="add", client_id=str(uuid.uuid4()), what="Shared induction",
        with_whom="Age UK", by_when="From January", theme=None, loop="",
    )  # fmt: skip
    await room["alice"].until(lambda s: "Shared induction" in text(s, "steps-list"))
    return await sync(lambda: NextStep.objects.get(what="Shared induction").pk)()


async def test_signing_up_gives_a_private_page_with_what_they_wrote(room, inquiry, alice):
    step = await steps_room(room, inquiry)
    assert private_link(room["dave"]) is None
    await room["dave"].send(type="step", op="join", step=step)
    # Dave shared no contact, yet his phone links to his own page; nobody else's screen has that link.
    await room["dave"].until(lambda s: private_link(s) is not None)
    link = private_link(room["dave"])
    await room["carol"].until(lambda s: private_link(s) is not None)  # she proposed it
    assert private_link(room["carol"]) != link
    for name in ("alice", "bob", "presenter"):
        assert link not in "".join(frame.text for frame in room[name].frames)
    assert await sync(lambda: Contact.objects.get(participant__display_name="Dave").shared)() is False
    assert "0 participants chose to share a contact" in text(room["alice"], "steps-consents")

    response = await sync(Client().get)(link)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    page = lxml.html.fromstring(response.content)
    wrote = [
        p.text_content() for p in page.xpath("//ol[@aria-labelledby='wrote-heading']//p[@class='card-text']")
    ]
    assert wrote == ["Dave's idea about transport"]  # his own, never Carol's
    meta = page.xpath("//li[@class='step']//p[@class='step-meta']")[0].text_content()
    assert meta == "With: Age UK · From January"  # as written: it says when already
    assert "Shared induction" in page.xpath("//ol[@class='steps']")[0].text_content()


async def test_after_the_close_the_private_page_links_the_harvest_and_takes_no_new_contact(
    room, inquiry, alice
):
    step = await steps_room(room, inquiry)
    await room["dave"].send(type="step", op="join", step=step)
    await room["carol"].send(
        type="contact", op="share", text="carol@example.org", with_signups=True, with_theme_sectors=False
    )
    await room["dave"].until(lambda s: private_link(s) is not None)
    await room["carol"].until(lambda s: "You share your contact" in text(s, "contact-state"))
    daves, carols = private_link(room["dave"]), private_link(room["carol"])
    assert (await sync(alice.post)(f"/i/{inquiry.code}/data/close/")).status_code == 302
    assert (await sync(alice.post)(f"/i/{inquiry.code}/harvest/publish/")).status_code == 302
    token = (await Inquiry.objects.aget(pk=inquiry.pk)).harvest_token
    # The phone keeps its link after the close redraws the room.
    await room["dave"].until(lambda s: s.find("harvest-link") is not None and private_link(s) == daves)

    client = Client()
    page = (await sync(client.get)(daves)).content.decode()
    assert "This inquiry has closed" in page and f'href="/h/{token}/"' in page
    assert 'name="text"' not in page  # no form to start sharing
    response = await sync(client.post)(daves, {"text": "dave@example.org", "with_signups": "on"})
    assert response.status_code == 400 and "This inquiry has closed" in response.content.decode()
    assert await sync(lambda: Contact.objects.get(participant__display_name="Dave").text)() == ""
    # Carol may still stop sharing.
    assert "Stop sharing" in (await sync(client.get)(carols)).content.decode()
    assert (await sync(client.post)(carols, {"withdraw": "1"})).status_code == 302
    assert await sync(lambda: Contact.objects.get(participant__display_name="Carol").text)() == ""
