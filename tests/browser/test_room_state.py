"""The room's state as people see it when they come back to it or the room moves on: "Time is up" after a
reload, the facilitator's wall (and the shared screen, when it follows) moving with a new round, and
closing the inquiry from the workspace's agenda."""

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible
from .conftest import seed
from .pages import card, post

pytestmark = pytest.mark.django_db(transaction=True)


def agenda(page):
    controls = page.locator("#round-controls")
    if controls.get_attribute("open") is None:
        controls.locator("summary").click()
    return controls


def test_time_is_up_stays_on_a_reloaded_screen_until_the_round_changes_phase(screens):
    alice = screens.facilitator()
    presenter = screens.presenter()
    alice.evaluate("() => window.LinewalkSender.send({type: 'timer', op: 'start', seconds: 1})")
    up = presenter.locator("#timer .timer-up")
    expect(up).to_have_text("Time is up")
    # A shared screen reloaded (or a phone back from its lock screen) is told what the room is told.
    presenter.reload()
    screens.live(presenter)
    expect(up).to_have_text("Time is up")
    carol = screens.participant("Carol")
    expect(carol.locator("#timer .timer-up")).to_have_text("Time is up")
    alice.get_by_role("button", name="Reveal", exact=True).click()
    expect(up).to_have_count(0)
    expect(carol.locator("#timer .timer-up")).to_have_count(0)


def test_the_wall_and_the_shared_screen_move_with_the_room_to_its_new_round(screens):
    rounds = list(screens.inquiry.rounds.order_by("position").values_list("pk", flat=True))
    seed(screens.inquiry, cards=["Waiting lists come first"])
    alice = screens.facilitator()
    presenter = screens.presenter()
    carol = screens.participant("Carol")
    # The facilitator looks at round 1 only, on every screen, and filters their own wall to it too.
    alice.get_by_label("Board shows").select_option(label="Round 1")
    alice.get_by_label("Every screen follows my view").check()
    expect(presenter.locator("#room-state")).to_have_attribute("data-follow", "1")
    alice.get_by_label("Filter by round").select_option(label="Round 1")

    agenda(alice).get_by_role("button", name="Move the room here").click()
    expect(alice.locator("#round-question")).to_have_text("What would you try first?")
    post(carol, "Try one neighbourhood first")
    # The new round's post is in view on the wall and on the shared screen; round 1's steps aside.
    expect(card(alice, "Try one neighbourhood first")).to_be_visible()
    expect(card(presenter, "Try one neighbourhood first")).to_be_visible()
    expect(card(alice, "Waiting lists come first")).to_be_hidden()
    expect(card(presenter, "Waiting lists come first")).to_be_hidden()
    expect(alice.get_by_label("Board shows")).to_have_value(str(rounds[1]))
    expect(alice.get_by_label("Filter by round")).to_have_value(str(rounds[1]))


def test_the_agenda_closes_the_inquiry_after_a_dialog_that_says_what_closing_does(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    opener = agenda(alice).get_by_role("button", name="Close the inquiry…")
    opener.click()
    dialog = alice.get_by_role("dialog", name="Close the inquiry?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Every round becomes read-only")
    # The safe choice has focus: Enter on a dialog opened by mistake closes nothing.
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    assert_accessible(alice, "workspace, closing the inquiry")
    alice.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    expect(carol.locator("#compose-form")).to_be_visible()

    opener.click()
    dialog.get_by_role("button", name="Close the inquiry", exact=True).click()
    expect(carol.locator("#inquiry-closed")).to_contain_text("This inquiry has closed")
    expect(alice.get_by_role("button", name="Reopen the inquiry")).to_be_visible()
    expect(alice.locator("#inquiry-close")).to_have_count(0)
    # Focus is not lost with the button that went: it lands on a control of the page.
    assert alice.evaluate("document.activeElement !== document.body")
