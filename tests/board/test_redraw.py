"""A full redraw (a change that draws the whole live region afresh, here a round added): the room's region
comes blank of anyone's own part of next steps, and each participant gets their own back in a private
frame: theirs and nobody else's. Their parts are read for the whole room at once, so the change costs the
same queries in a room of three or thirty."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from board.models import Contact, NextStep
from board.nextsteps import actions as steps_actions
from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, PARTICIPANT, Actor
from inquiry.models import Participant, Round
from sessions.models import Event

from ..support import everyone

pytestmark = pytest.mark.django_db(transaction=True)

CONTACTS = {"carol": "carol@example.org", "dave": "dave, 01632 960001", "erin": "erin-private@example.org"}
PEOPLE = ("carol", "dave", "erin")


def own_part(screen):
    """What a participant's screen shows as their own: the actions they proposed and signed up to, their
    private link, their contact form and the contacts shared with them."""
    state = screen.find("my-steps-state")
    link = screen.find("private-link")
    form = screen.find("contact-text")
    shown = screen.find("my-connections")
    return {
        "own": state.get("data-own") if state is not None else None,
        "signed": state.get("data-signed") if state is not None else None,
        "link": link.get("href") if link is not None else None,
        "contact": form.get("value") if form is not None else None,
        "connections": [el.text_content() for el in shown.find_class("connection-contact")]
        if shown is not None
        else [],
    }


def stored_part(name):
    """What ``name``'s own part is, as the database has it."""
    person = Participant.objects.get(display_name=name.capitalize())
    contact = Contact.objects.get(participant=person)
    return {
        "own": json.dumps(list(NextStep.objects.filter(author=person).values_list("pk", flat=True))),
        "signed": json.dumps(sorted(person.signups.values_list("step_id", flat=True))),
        "link": reverse("board:steps_private", args=[contact.token]),
        "contact": contact.text,
    }


async def test_after_a_redraw_each_participant_has_their_own_part_back_and_nobody_elses(steps_room, inquiry):
    room = steps_room
    for name in PEOPLE:
        await room[name].send(
            type="step", op="add", client_id=str(uuid.uuid4()), what=f"{name}'s plan",
            with_whom="", by_when="", theme=None, loop="",
        )  # fmt: skip
    await everyone(room, lambda s: len(s.page.xpath("//ol[@id='steps-list']/li")) == 3)
    carols = await database_sync_to_async(lambda: NextStep.objects.get(what="carol's plan").pk)()
    await room["dave"].send(type="step", op="join", step=carols)
    # Carol and Dave share with the people of their actions (each other); Erin with the other sectors of
    # her themes, where she has no card: nobody may see hers.
    for name in PEOPLE:
        await room[name].send(
            type="contact", op="share", text=CONTACTS[name],
            with_signups=name != "erin", with_theme_sectors=name == "erin",
        )  # fmt: skip
    await room["carol"].until(lambda s: own_part(s)["connections"] == [CONTACTS["dave"]])
    await room["dave"].until(lambda s: own_part(s)["connections"] == [CONTACTS["carol"]])
    await room["erin"].until(lambda s: own_part(s)["contact"] == CONTACTS["erin"])
    expected = {name: await database_sync_to_async(stored_part)(name) for name in PEOPLE}
    expected["carol"]["connections"] = [CONTACTS["dave"]]
    expected["dave"]["connections"] = [CONTACTS["carol"]]
    expected["erin"]["connections"] = []
    assert len({part["link"] for part in expected.values()}) == 3

    await room["alice"].send(type="round", op="add", question="And after the event?", guidance="")
    await room["alice"].until(lambda s: "And after the event?" in s.page.text_content())
    redraw = await database_sync_to_async(lambda: Event.objects.get(type="round", op="add").seq)()
    # The redraw itself is the room's, blank of anyone's part: each screen has theirs back after it.
    assert 'data-own="[]"' in (await database_sync_to_async(Event.objects.get)(seq=redraw)).html_participant
    for name in PEOPLE:
        await room[name].until(lambda s, name=name: s.seq >= redraw and own_part(s) == expected[name])
    # Nobody's frames ever carried another's private link, nor Erin's contact that nobody may see; the
    # presenter view and the facilitators' screens got no one's.
    for name, screen in room.items():
        received = "".join(frame.text for frame in screen.frames)
        for other in PEOPLE:
            if other != name:
                assert expected[other]["link"] not in received, (name, other)
        if name != "erin":
            assert CONTACTS["erin"] not in received, name
    assert own_part(room["presenter"])["own"] in ("[]", None)


def room_with_own_parts(inquiry, people, start):
    """``people`` more participants, each with a part of their own: an action they proposed (so a private
    link), a sign-up to the one before theirs, and a contact shared with the people of their actions."""
    sectors = inquiry.sectors
    for n in range(start, start + people):
        person = inquiry_actions.join(inquiry, display_name=f"Person {n}", sector=sectors[n % len(sectors)])
        actor = Actor(PARTICIPANT, inquiry.pk, participant_id=person.pk)
        step, _ = steps_actions.propose(actor, uuid.uuid4(), {"what": f"Action {n}"})
        before = NextStep.objects.filter(inquiry=inquiry, pk__lt=step.pk).order_by("-pk").first()
        if before is not None:
            steps_actions.join(actor, before.pk)
        steps_actions.share_contact(actor, f"person-{n}@example.org", True, n % 2 == 0)


def test_a_redraw_reads_as_many_queries_for_thirty_participants_as_for_three(inquiry, users, monkeypatch):
    """Each participant's own part is read for the whole room at once, not one participant at a time."""
    # The presence counts a redraw shows are read at most once a second: read them every time, so that
    # both redraws read what they would a second apart.
    monkeypatch.setattr("sessions.presence.CACHE_FOR", 0)
    facilitator = Actor(FACILITATOR, inquiry.pk, user_id=users["alice"].pk)
    inquiry_actions.set_round_kind(facilitator, inquiry.current_round_id, Round.NEXT_STEPS)

    def queries_of_a_redraw():
        with CaptureQueriesContext(connection) as queries:
            inquiry_actions.add_round(facilitator, "And then?")
        return len(queries)

    room_with_own_parts(inquiry, 3, start=0)
    few = queries_of_a_redraw()
    room_with_own_parts(inquiry, 27, start=3)
    assert queries_of_a_redraw() == few
