"""A raw client asking for the room's past (``?since=0`` at connect, or ``sync.resume`` with
``last_seq`` 0): what it is sent must never show what the room may no longer see, in any frame, even
one the next frame would overwrite. Names once names are turned off; an action a facilitator hid; an
action's or a link's words once their author changed or withdrew them."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board.nextsteps.models import NextStep
from board.systemmap.models import MapLink

from ..inquiry.test_settings import form_of
from ..support import Screen, join_as, text

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async

STEP = {"with_whom": "", "by_when": "", "theme": None, "loop": ""}


async def everything_sent(code, client):
    """Every frame a newcomer's raw client gets by asking for the room's history, both ways: at connect
    (``since=0``) and by ``sync.resume`` from 0 on a socket that connected as usual."""
    asking = await Screen(code, client, query="since=0").connect()
    resuming = await Screen(code, client).connect()
    await resuming.send(type="sync", op="resume", last_seq=0)
    await resuming.next_event()
    sent = "".join(frame.text for frame in asking.frames + resuming.frames)
    for screen in (asking, resuming):
        await screen.close()
    return sent


async def test_names_turned_off_are_not_replayed_to_a_newcomer(inquiry, alice, room):
    await room["carol"].post("Carol writes about shared records")
    await room["presenter"].until(lambda s: "Carol ·" in text(s, "live"))
    response = await sync(alice.post)(f"/i/{inquiry.code}/settings/", form_of(inquiry, show_names=None))
    assert response.status_code == 302
    await room["presenter"].until(lambda s: "Carol ·" not in text(s, "live"))
    mallory = await sync(join_as)(inquiry, "Mallory", "Other")
    sent = await everything_sent(inquiry.code, mallory)
    assert "Carol writes about shared records" in sent
    assert "Carol" not in sent.replace("Carol writes", "")


async def test_an_action_hidden_or_changed_is_not_replayed_to_a_newcomer(inquiry, alice, room):
    await room["alice"].send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await room["carol"].until(lambda s: s.find("steps-view").get("data-steps-rounds"))
    for what in ("Call me on 07700 900123 to join", "Shared induction, first draft", "Ring 07700 900456"):
        await room["carol"].send(type="step", op="add", client_id=str(uuid.uuid4()), what=what, **STEP)
    await room["alice"].until(lambda s: len(s.find("steps-list")) == 3)
    steps = {s.what: s.pk async for s in NextStep.objects.all()}
    await room["alice"].send(type="step", op="hide", step=steps["Call me on 07700 900123 to join"])
    await room["carol"].send(
        type="step", op="edit", step=steps["Shared induction, first draft"], what="Shared induction", **STEP
    )
    await room["carol"].send(type="step", op="delete", step=steps["Ring 07700 900456"])
    await room["presenter"].until(lambda s: text(s, "steps-list").startswith("Shared induction "))
    await room["presenter"].until(lambda s: len(s.find("steps-list")) == 1)
    mallory = await sync(join_as)(inquiry, "Mallory", "Other")
    sent = await everything_sent(inquiry.code, mallory)
    assert "Shared induction" in sent
    for gone in ("07700 900123", "first draft", "07700 900456"):
        assert gone not in sent, gone


async def test_a_links_note_changed_or_deleted_is_not_replayed_to_a_newcomer(inquiry, alice, room):
    await room["alice"].send(type="theme", op="add", name="Workforce")
    await room["alice"].send(type="theme", op="add", name="Waiting lists")
    await room["alice"].until(lambda s: len(s.themes()) == 2)
    first, second = (theme[0] for theme in room["alice"].themes())
    await room["alice"].send(type="round", op="kind", round=inquiry.current_round_id, kind="map")
    await room["carol"].until(lambda s: s.find("map-view").get("data-map-rounds"))
    for source, target, note in ((first, second, "Dr Jones at ward 4"), (second, first, "Nurse Ali's rota")):
        await room["carol"].send(
            type="link", op="add", source=f"theme-{source}", target=f"theme-{target}", kind="enables",
            sign="+", note=note,
        )  # fmt: skip
    await room["alice"].until(lambda s: text(s, "map-link-count") == "2")
    links = {link.note: link.pk async for link in MapLink.objects.all()}
    await room["carol"].send(type="link", op="edit", link=links["Dr Jones at ward 4"], kind="enables",
                             sign="+", note="a doctor")  # fmt: skip
    await room["carol"].send(type="link", op="delete", link=links["Nurse Ali's rota"])
    await room["presenter"].until(
        lambda s: text(s, "map-links-ul") == "Workforce enables Waiting lists: a doctor"
    )
    mallory = await sync(join_as)(inquiry, "Mallory", "Other")
    sent = await everything_sent(inquiry.code, mallory)
    assert "a doctor" in sent
    for gone in ("Dr Jones", "Nurse Ali"):
        assert gone not in sent, gone
