"""A frame that re-draws the whole live region (a reveal, a round added, the close) swaps it in one piece
(static/linewalk/swap.js, lw-outer): what each person was doing on their screen is still as they left it."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import seed
from .pages import card, post

pytestmark = pytest.mark.django_db(transaction=True)

COLLAPSED = re.compile(r"\bis-collapsed\b")


def test_a_reveal_leaves_the_facilitator_and_the_phone_where_they_were(screens):
    seed(screens.inquiry, cards=["Shared care records", "One number to call"], themes=["Data"])
    alice = screens.facilitator()
    dave = screens.participant("Dave", "Local authority")

    alice.get_by_role("button", name="Silent", exact=True).click()
    expect(dave.locator("#round-banner")).to_have_attribute("data-phase", "silent")
    post(dave, "Step-down beds near home")
    expect(card(alice, "Step-down beds near home")).to_contain_text("Silent writing")

    # The facilitator: the agenda open, the cards filtered, a theme collapsed, a theme's name half typed,
    # and the Reveal button pressed from the keyboard. The phone: its next post half written.
    alice.locator("#round-controls > summary").click()
    data = alice.locator(".theme", has=alice.locator(".theme-name", has_text="Data"))
    data.get_by_role("button", name="Collapse").click()
    expect(data).to_have_class(COLLAPSED)
    alice.get_by_label("Filter cards by text").fill("records")
    alice.get_by_label("New theme").fill("Step-d")
    # In the side panel: an announcement half typed, the timer set to close the round, the panel scrolled.
    alice.get_by_label("Announcement to everyone").fill("Five more min")
    alice.get_by_label("Close the round when time is up").check()
    dave.get_by_label("Your contribution", exact=True).fill("And a named contact")
    reveal = alice.locator("#phase-reveal")
    reveal.focus()
    alice.locator("#ws-panel").evaluate("panel => { panel.scrollTop = 60; }")  # Reveal still in view
    scrolled = alice.locator("#ws-panel").evaluate("panel => panel.scrollTop")
    assert scrolled > 0
    alice.keyboard.press("Enter")

    expect(card(dave, "Step-down beds near home")).to_be_visible()  # the reveal reached the phone
    expect(reveal).to_have_attribute("aria-pressed", "true")  # and the facilitator's board, re-drawn
    expect(card(alice, "Step-down beds near home")).not_to_contain_text("Silent writing")
    expect(reveal).to_be_focused()
    expect(alice.locator("#round-controls")).to_have_attribute("open", "")
    expect(alice.get_by_label("Filter cards by text")).to_have_value("records")
    expect(card(alice, "Shared care records")).to_be_visible()
    expect(card(alice, "Step-down beds near home")).to_be_hidden()  # the filter holds for the new board
    expect(data).to_have_class(COLLAPSED)
    expect(alice.get_by_label("New theme")).to_have_value("Step-d")
    expect(alice.get_by_label("Announcement to everyone")).to_have_value("Five more min")
    expect(alice.get_by_label("Close the round when time is up")).to_be_checked()
    assert alice.locator("#ws-panel").evaluate("panel => panel.scrollTop") == scrolled
    expect(dave.get_by_label("Your contribution", exact=True)).to_have_value("And a named contact")
