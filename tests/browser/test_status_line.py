"""The status line (#lw-status, a polite live region) says what happened and then makes way: a line about
the connection goes when the connection is back, an error when the person next acts and it succeeds, a
suggestion's line once the suggestions are closed. Offline, a reaction is not sent and says so in the
header's terms. The facilitator's line is in view wherever the control that caused it is."""

import re

import pytest
from playwright.sync_api import expect

from ..board.test_suggester import HOUSING, STAFFING, TRANSPORT
from .conftest import seed
from .pages import card
from .test_presenter import Steering

pytestmark = pytest.mark.django_db(transaction=True)


def in_view(page, locator):
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= size["height"]


def test_offline_a_reaction_is_not_sent_says_so_and_the_line_goes_when_back(screens):
    seed(screens.inquiry, cards=["Nobody owns the discharge plan"])
    carol = screens.participant("Carol")
    carol.context.set_offline(True)
    expect(carol.locator("#lw-connection")).to_have_text("Offline - will send when back", timeout=3000)
    theirs = card(carol, "Nobody owns the discharge plan")
    resonates = theirs.get_by_role("button", name=re.compile("This resonates"))
    resonates.click()
    # The header says posts wait; the reaction did not, and the line says so.
    expect(carol.locator("#lw-status")).to_have_text(
        "Offline: your reaction was not sent (only posts wait to be sent). "
        "Do it again once you are back online."
    )
    carol.context.set_offline(False)
    expect(carol.locator("#lw-connection")).to_have_text("Live", timeout=20_000)
    expect(carol.locator("#lw-status")).to_be_empty()


def test_an_error_goes_with_the_next_action_that_succeeds(screens):
    alice = screens.facilitator()
    name = alice.get_by_label("New theme")
    name.fill("   ")
    name.press("Enter")
    expect(alice.locator("#lw-status")).to_have_text("Give the theme a name.")
    name.fill("Housing")
    name.press("Enter")
    expect(alice.locator("#themes .theme-name")).to_have_text(["Housing"])
    expect(alice.locator("#lw-status")).to_be_empty()


def test_a_blank_announcement_is_refused_where_the_facilitator_sees_it(screens):
    alice = screens.facilitator()
    box = alice.get_by_label("Announcement to everyone")
    box.fill("   ")
    box.press("Enter")
    status = alice.locator("#lw-status")
    expect(status).to_have_text("Write the announcement first.")
    assert in_view(alice, status), status.bounding_box()
    box.fill("Coffee at 11:15")
    box.press("Enter")
    expect(alice.locator("#announcement-text")).to_have_text("Coffee at 11:15")
    expect(status).to_be_empty()


def test_suggested_themes_ready_goes_once_the_suggestions_are_closed(screens):
    seed(screens.inquiry, cards=STAFFING + HOUSING + TRANSPORT)
    alice = screens.facilitator()
    alice.get_by_role("button", name="Suggest themes").click()
    expect(alice.locator("#lw-status")).to_contain_text("Suggested themes are ready")
    alice.get_by_role("button", name="Close without changes").click()
    expect(alice.get_by_role("region", name="Suggested themes")).to_be_hidden()
    expect(alice.locator("#lw-status")).to_be_empty()


def test_im_in_is_unavailable_on_the_phone_while_the_room_is_paused(screens):
    screens.inquiry.rounds_in_order().filter(position=0).update(kind="next_steps")
    carol = screens.participant("Carol", "NHS")
    dave = screens.participant("Dave", "Local authority")
    step = "Joint workforce plan"
    carol.get_by_label("What will happen").fill(step)
    carol.get_by_role("button", name="Propose this action").click()
    action = dave.locator("#steps-list > li").filter(has_text=step)
    join = action.get_by_role("button", name=re.compile("^I’m in"))
    expect(join).to_be_enabled()
    alice = Steering(screens)
    alice.send(type="room", op="pause", paused=True)
    expect(dave.locator("#room-state")).to_have_attribute("data-paused", "1")
    expect(join).to_be_disabled()
    alice.send(type="room", op="pause", paused=False)
    expect(join).to_be_enabled()
