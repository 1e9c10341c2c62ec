"""The public harvest (/h/<token>/) read by anyone with its link, and its publishing attacked: nothing the
room could not see (hidden cards, even on the map; hidden actions; table posts never brought back), no
name once names are off, no small sector's figures, in the newer chapters (map, next steps, tables) too;
only the inquiry's facilitators publish or unpublish it, and only with the CSRF token."""

import uuid

import pytest
from django.test import Client

from board import actions as board_actions
from board.nextsteps import actions as steps
from board.systemmap import actions as map_actions
from board.tables import actions as tables
from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, PARTICIPANT, Actor
from inquiry.models import Inquiry, Round

from ..conftest import PASSWORD
from ..inquiry.test_settings import form_of

pytestmark = pytest.mark.django_db

STEP = {"with_whom": "", "by_when": "", "theme": None, "loop": ""}
SECRETS = [
    "An insult the facilitator hid",
    "A lure for contacts, hidden",
    "Said at the table, never brought back",
    "Brought back, then hidden",
]
NAMES = ["Nadia", "Lena", "Vic"]


@pytest.fixture
def harvested(inquiry, users, alice):
    """Everything in every state, made by the actions the pages and sockets call; then names turned off
    on the settings page, the inquiry closed and its harvest published."""
    facilitator = Actor(FACILITATOR, inquiry.pk, user_id=users["alice"].pk)
    people = {
        name: inquiry_actions.join(inquiry, display_name=name, sector=sector)
        for name, sector in (("Nadia", "NHS"), ("Lena", "Local authority"), ("Vic", "Other"))
    }
    actor = {name: Actor(PARTICIPANT, inquiry.pk, participant_id=p.pk) for name, p in people.items()}
    seen, _ = board_actions.post_card(actor["Nadia"], uuid.uuid4(), "Records that follow the resident")
    hidden, _ = board_actions.post_card(actor["Lena"], uuid.uuid4(), SECRETS[0])
    theme = board_actions.add_theme(facilitator, "Shared records")
    map_actions.add_link(facilitator, ("theme", theme.pk), ("card", hidden.pk), "influences", 1, "")
    map_actions.add_link(facilitator, ("theme", theme.pk), ("card", seen.pk), "enables", 1, "")
    board_actions.hide_card(facilitator, hidden.pk)

    inquiry_actions.set_round_kind(facilitator, inquiry.current_round_id, Round.NEXT_STEPS)
    shown, _ = steps.propose(actor["Nadia"], uuid.uuid4(), {"what": "Joint rota", **STEP})
    lure, _ = steps.propose(actor["Vic"], uuid.uuid4(), {"what": SECRETS[1], **STEP})
    steps.hide(facilitator, lure.pk)
    steps.join(actor["Vic"], shown.pk)  # Vic's sector has one person: counted with the smaller sectors

    tables.open_tables(facilitator, None, "random", size=4, everyone=True)  # nobody on a phone here
    posted = {
        words: tables.post(actor["Nadia"], uuid.uuid4(), words).value.pk
        for words in ("Brought back from the table", SECRETS[2], SECRETS[3])
    }
    for words in ("Brought back from the table", SECRETS[3]):
        tables.pick(facilitator, card_id=posted[words])
    table = tables.tables_render.open_breakout(inquiry.pk).tables.get()
    picks = tables.send_picks(facilitator, table.pk, "We noticed the records")
    board_actions.hide_card(facilitator, next(c.pk for c in picks if c.text == SECRETS[3]))

    assert alice.post(f"/i/{inquiry.code}/settings/", form_of(inquiry, show_names=None)).status_code == 302
    assert alice.post(f"/i/{inquiry.code}/data/close/").status_code == 302
    assert alice.post(f"/i/{inquiry.code}/harvest/publish/").status_code == 302
    inquiry.refresh_from_db()
    return f"/h/{inquiry.harvest_token}/"


def test_the_public_harvest_shows_only_what_the_room_could_see_and_no_names(harvested, anonymous, inquiry):
    page = anonymous.get(harvested).content.decode()
    for shown in ("Records that follow the resident", "Joint rota", "Brought back from the table"):
        assert shown in page, shown
    assert "We noticed the records" in page
    for secret in SECRETS:
        assert secret not in page, secret
    for name in (*NAMES, "Carol", "Dave"):
        assert name not in page, name
    # The one person of "Other" is not picked out: counted with the smaller sectors, figures withheld.
    assert "2 from smaller sectors (fewer than 3 people each)" in page  # Nadia's NHS is small too
    assert "Other 1" not in page
    other = page.split('<th scope="row">Other</th>')[1][:120]
    assert "fewer than 3</td>" in other


def test_only_the_inquirys_facilitators_unpublish_it_and_only_with_the_csrf_token(
    carol, eve, anonymous, inquiry, harvested
):
    for client in (anonymous, carol, eve):
        client.post(f"/i/{inquiry.code}/harvest/unpublish/")
        client.post(f"/i/{inquiry.code}/harvest/", {"note": "Defaced", "featured": []})
    forged = Client(enforce_csrf_checks=True)
    assert forged.login(username="bob", password=PASSWORD)  # a co-facilitator, lured to another site
    assert forged.post(f"/i/{inquiry.code}/harvest/unpublish/").status_code == 403
    page = anonymous.get(harvested)
    assert page.status_code == 200 and "Defaced" not in page.content.decode()
    assert Inquiry.objects.get(pk=inquiry.pk).harvest_published
