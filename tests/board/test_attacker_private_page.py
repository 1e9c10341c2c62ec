"""The private page each signer of an action gets (/n/<token>/), attacked: guessed or stale addresses,
other people's links, and contacts reaching people their owner did not choose."""

import uuid

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from board.nextsteps.models import Contact, NextStep
from inquiry.models import Participant

from ..support import ConnectionClosed, text
from .test_private_page import private_link, steps_room

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async

CAROLS = "carol@example.org"


def downloaded(client, url):
    response = client.get(url)
    return b"".join(response.streaming_content) if response.streaming else response.content


def contacts_on(page):
    return page.content.decode().count(CAROLS)


async def test_a_guessed_or_stale_address_shows_nothing(room, inquiry, alice):
    step = await steps_room(room, inquiry)
    await room["dave"].send(type="step", op="join", step=step)
    await room["dave"].until(lambda s: private_link(s) is not None)
    link = private_link(room["dave"])
    token = link.strip("/").split("/")[-1]
    assert len(token) >= 43  # 32 random bytes: not to be guessed
    client = Client()
    for guess in ("", "1", "a" * 43, token[:-1], token.upper(), token + "x", "..%2F..%2Fadmin"):
        assert (await sync(client.get)(f"/n/{guess}/")).status_code == 404, guess
    # Nobody else's screen was sent Dave's address.
    for name in ("carol", "alice", "bob", "presenter"):
        assert token not in "".join(frame.text for frame in room[name].frames), name
    # Removed from the room, Dave's page is gone too.
    await room["alice"].send(type="participant", op="remove", participant=await dave_pk())
    with pytest.raises(ConnectionClosed):  # his phone is told, and its socket closes
        await room["dave"].until(lambda s: False)
    assert (await sync(client.get)(link)).status_code == 404


async def dave_pk():
    return await Participant.objects.values_list("pk", flat=True).aget(display_name="Dave")


async def test_a_contact_reaches_only_the_people_its_owner_chose(room, inquiry, alice):
    step = await steps_room(room, inquiry)  # Carol proposed "Shared induction" and is signed up to it
    await room["carol"].send(
        type="contact", op="share", text=CAROLS, with_signups=True, with_theme_sectors=False
    )
    await room["carol"].until(lambda s: "You share your contact" in text(s, "contact-state"))
    # Dave proposes an action of his own; Carol's contact is not his to see.
    await room["dave"].send(
        type="step", op="add", client_id=str(uuid.uuid4()), what="Dave's own action", with_whom="",
        by_when="", theme=None, loop="",
    )  # fmt: skip
    await room["dave"].until(lambda s: private_link(s) is not None)
    daves = private_link(room["dave"])
    assert contacts_on(await sync(Client().get)(daves)) == 0
    assert CAROLS not in "".join(frame.text for frame in room["dave"].frames)
    # Signed up to hers, he sees it; the facilitators learn only that she shares one, never what.
    await room["dave"].send(type="step", op="join", step=step)
    await room["dave"].until(lambda s: CAROLS in text(s, "my-connections"))
    assert contacts_on(await sync(Client().get)(daves)) == 1
    for name in ("alice", "bob", "presenter"):
        assert CAROLS not in "".join(frame.text for frame in room[name].frames), name
    for url in (f"/i/{inquiry.code}/export/next-steps.csv", f"/i/{inquiry.code}/export/inquiry.json"):
        assert CAROLS.encode() not in await sync(downloaded)(alice, url), url


async def test_an_action_a_facilitator_hides_stops_passing_contacts_to_its_signers(room, inquiry, alice):
    step = await steps_room(room, inquiry)
    # Dave proposes an action that is a lure; Carol, who shares with her actions' people, signs up.
    await room["dave"].send(
        type="step", op="add", client_id=str(uuid.uuid4()), what="Join our group: free tickets",
        with_whom="", by_when="", theme=None, loop="",
    )  # fmt: skip
    await room["alice"].until(lambda s: "free tickets" in text(s, "steps-list"))
    lure = await NextStep.objects.values_list("pk", flat=True).aget(what="Join our group: free tickets")
    await room["carol"].send(
        type="contact", op="share", text=CAROLS, with_signups=True, with_theme_sectors=False
    )
    await room["carol"].send(type="step", op="join", step=lure)
    await room["dave"].until(lambda s: CAROLS in text(s, "my-connections"))
    daves = private_link(room["dave"])
    assert contacts_on(await sync(Client().get)(daves)) == 1

    await room["alice"].send(type="step", op="hide", step=lure)
    await room["dave"].until(lambda s: CAROLS not in text(s, "my-connections"))
    assert contacts_on(await sync(Client().get)(daves)) == 0
    # Through an action still shown, she is still seen by whom she chose.
    await room["dave"].send(type="step", op="join", step=step)
    await room["dave"].until(lambda s: CAROLS in text(s, "my-connections"))
    assert "Shared induction" in text(room["dave"], "my-connections")
    assert "free tickets" not in text(room["dave"], "my-connections")
    assert await Contact.objects.filter(text=CAROLS).aexists()
