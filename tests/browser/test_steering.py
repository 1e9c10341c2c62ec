"""Steering the room from the facilitator's page, as the participants' phones and the shared screen show
it: the timer, silent writing and its reveal, announcements, pausing, the spotlight and hiding a card;
then the same controls with the keyboard alone."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import seed
from .pages import card, open_card, post, snap
from .test_keyboard import assert_focus_is_visible, tab_to

pytestmark = pytest.mark.django_db(transaction=True)

CLOCK = re.compile(r"^(\d+):(\d\d)$")


def seconds_on(clock):
    minutes, seconds = CLOCK.match(clock.inner_text().strip()).groups()
    return int(minutes) * 60 + int(seconds)


def test_a_timer_and_a_silent_round_reach_the_participants_who_see_only_a_count_until_the_reveal(screens):
    alice = screens.facilitator()
    presenter = screens.presenter()
    carol = screens.participant("Carol")
    dave = screens.participant("Dave", "Local authority")

    alice.get_by_role("button", name="Silent", exact=True).click()
    expect(alice.get_by_role("button", name="Silent", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(carol.locator("#round-banner")).to_have_attribute("data-phase", "silent")

    alice.get_by_label("Timer, minutes").fill("2")
    alice.get_by_role("button", name="Start timer").click()
    clock = carol.locator("#timer .timer-clock")
    expect(clock).to_have_text(CLOCK)
    first = seconds_on(clock)
    assert 110 <= first <= 120, first
    expect(clock).not_to_have_text(clock.inner_text())  # it counts down by itself
    assert seconds_on(clock) < first
    expect(presenter.locator("#timer .timer-clock")).to_have_text(CLOCK)
    expect(alice.get_by_role("button", name="Restart")).to_be_visible()

    post(dave, "Step-down beds near home")
    # The author sees their own card, under the box they wrote it in (not on the room's board yet).
    expect(dave.locator("#own-posts-list .own-post")).to_contain_text("Step-down beds near home")
    expect(dave.locator("#own-posts-list .own-post")).to_contain_text("Silent writing")
    count = "1 contribution written so far, hidden until the reveal."
    expect(carol.locator("#silent-count")).to_have_text(count)
    expect(presenter.locator("#silent-count")).to_be_visible()
    expect(card(carol, "Step-down beds near home")).to_have_count(0)
    expect(card(presenter, "Step-down beds near home")).to_have_count(0)
    expect(card(alice, "Step-down beds near home")).to_contain_text("Silent writing")
    snap(alice, "facilitator-steering")

    alice.get_by_role("button", name="Reveal", exact=True).click()
    expect(card(carol, "Step-down beds near home")).to_be_visible()
    expect(card(presenter, "Step-down beds near home")).to_be_visible()
    expect(carol.locator("#silent-count")).to_be_hidden()

    open_card(alice, "Step-down beds near home").get_by_role("button", name="Spotlight").click()
    expect(presenter.locator("#spotlight")).to_contain_text("Step-down beds near home")
    expect(carol.locator("#spotlight")).to_contain_text("Step-down beds near home")
    snap(presenter, "presenter-spotlight")
    snap(carol, "participant-spotlight")
    alice.get_by_role("button", name="Clear the spotlight").click()
    expect(presenter.locator("#spotlight")).to_be_hidden()


def test_a_facilitator_steers_the_room_with_the_keyboard_alone(screens):
    cards, _ = seed(screens.inquiry, cards=["Shared care records"])
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    keyboard = alice.keyboard

    # A phase: Enter on its button; focus stays on it as the banner is re-drawn.
    silent = alice.locator("#phase-silent")
    tab_to(alice, silent)
    assert_focus_is_visible(alice)
    keyboard.press("Enter")
    expect(silent).to_have_attribute("aria-pressed", "true")
    expect(carol.locator("#round-banner")).to_have_attribute("data-phase", "silent")
    expect(silent).to_be_focused()
    assert_focus_is_visible(alice)
    tab_to(alice, alice.locator("#phase-gather"), backwards=True)
    keyboard.press(" ")
    expect(alice.locator("#phase-gather")).to_have_attribute("aria-pressed", "true")
    expect(alice.locator("#phase-gather")).to_be_focused()

    # The timer: arrows set the minutes (3 → 2.5), Enter starts it; Stop ends it and focus goes back to
    # the minutes rather than to the top of the page.
    minutes = alice.get_by_label("Timer, minutes")
    tab_to(alice, minutes)
    assert_focus_is_visible(alice)
    keyboard.press("ArrowDown")
    expect(minutes).to_have_value("2.5")
    keyboard.press("Enter")
    expect(carol.locator("#timer .timer-clock")).to_have_text(re.compile(r"^2:(30|29|28)$"))
    expect(minutes).to_be_focused()
    stop = alice.get_by_role("button", name="Stop", exact=True)
    tab_to(alice, stop)
    assert_focus_is_visible(alice)
    keyboard.press("Enter")
    expect(carol.locator("#timer .timer-clock")).to_have_count(0)
    expect(minutes).to_be_focused()
    assert_focus_is_visible(alice)

    # An announcement: type, Enter; the field empties and keeps focus.
    announce = alice.get_by_label("Announcement to everyone")
    tab_to(alice, announce)
    keyboard.type("Five minutes to go")
    keyboard.press("Enter")
    expect(carol.locator("#announcement-text")).to_have_text("Five minutes to go")
    expect(announce).to_be_focused()
    expect(announce).to_have_value("")
    assert_focus_is_visible(alice)

    # Pause and resume with Space: the same button, re-labelled, keeps focus.
    pause = alice.locator("#room-pause")
    tab_to(alice, pause, backwards=True)
    assert_focus_is_visible(alice)
    keyboard.press(" ")
    expect(pause).to_have_text("Resume the room")
    expect(pause).to_have_attribute("aria-pressed", "true")
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_disabled()
    expect(pause).to_be_focused()
    keyboard.press(" ")
    expect(pause).to_have_text("Pause the room")
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_enabled()
    expect(pause).to_be_focused()
    assert_focus_is_visible(alice)

    # Spotlight a card with Enter (the board is one Tab stop; Enter on a card reaches its buttons); its
    # button keeps focus.
    spotlight = alice.locator(f"#card-{cards['Shared care records']}-spotlight")
    tab_to(alice, alice.locator(f"#card-{cards['Shared care records']} > .cell"), limit=100)
    keyboard.press("Enter")
    tab_to(alice, spotlight, limit=5)
    assert_focus_is_visible(alice)
    keyboard.press("Enter")
    expect(carol.locator("#spotlight")).to_contain_text("Shared care records")
    expect(spotlight).to_be_focused()
    assert_focus_is_visible(alice)


def test_a_hidden_card_leaves_the_participants_board_and_comes_back_when_restored(screens):
    seed(screens.inquiry, cards=["Shared care records", "Name and address of a resident"])
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    expect(card(carol, "Name and address of a resident")).to_be_visible()

    open_card(alice, "Name and address of a resident").get_by_role("button", name="Hide card").click()
    expect(card(carol, "Name and address of a resident")).to_have_count(0)
    expect(card(carol, "Shared care records")).to_be_visible()
    hidden = card(alice, "Name and address of a resident")
    expect(hidden).to_contain_text("Hidden from participants")
    restore = hidden.get_by_role("button", name="Restore")
    expect(restore).to_be_focused()  # Hide became Restore under the pointer: focus follows

    restore.click()
    expect(card(carol, "Name and address of a resident")).to_be_visible()
    hide = card(alice, "Name and address of a resident").get_by_role("button", name="Hide card")
    expect(hide).to_be_focused()


def test_a_facilitator_deletes_an_empty_round_after_confirming_and_is_told_why_not_for_one_with_cards(
    screens,
):
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    first, second = screens.inquiry.rounds_in_order()
    alice.locator("#round-controls summary").click()
    # The round the room is in has no Delete; the other is empty and goes, after a confirmation.
    expect(alice.locator(f"#round-{first.pk}-delete")).to_have_count(0)
    screens.answer_next_dialog(alice)
    alice.locator(f"#round-{second.pk}-delete").click()
    expect(alice.locator("#round-controls summary")).to_have_text("Agenda: 1 round")
    assert screens.dialogs == [
        "Delete the round “What would you try first?”? Only a round with nothing in it can be deleted."
    ]
    expect(carol.locator("#round-banner")).to_contain_text("Round 1 of 1")
    # A round with a contribution is refused, saying why: nothing is lost.
    post(carol, "Shared records first")
    alice.locator("#round-controls").evaluate("agenda => { agenda.open = true; }")
    alice.get_by_role("button", name="Add a round").click()
    alice.get_by_label("Question", exact=True).fill("Anything else?")
    alice.get_by_role("button", name="Add the round").click()
    alice.locator("#round-controls li").filter(has_text="Anything else?").get_by_role(
        "button", name="Move the room here"
    ).click()
    expect(carol.locator("#round-question")).to_have_text("Anything else?")
    screens.answer_next_dialog(alice)
    alice.locator(f"#round-{first.pk}-delete").click()
    expect(alice.locator("#lw-status")).to_contain_text(
        "This round holds 1 contribution: it cannot be deleted, or they would be lost."
    )
    expect(carol.locator("#board")).to_contain_text("Shared records first")


def test_the_timers_minutes_stay_as_the_facilitator_typed_them_once_it_runs(screens):
    """Started for 2 minutes, the timer's box still says 2 (it went back to 3, so Restart gave 3 minutes),
    and what is typed there stays while the room's events re-draw the timer (+1 min, a phase)."""
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    minutes = alice.get_by_label("Timer, minutes")
    minutes.fill("2")
    alice.get_by_role("button", name="Start timer").click()
    expect(alice.get_by_role("button", name="Restart")).to_be_visible()
    expect(minutes).to_have_value("2")
    minutes.fill("1.5")
    alice.get_by_role("button", name="+1 min").click()
    expect(carol.locator("#timer .timer-clock")).to_have_text(re.compile(r"^2:\d\d$"))
    expect(minutes).to_have_value("1.5")
    alice.get_by_role("button", name="Restart").click()
    expect(carol.locator("#timer .timer-clock")).to_have_text(re.compile(r"^1:[23]\d$"))
    expect(minutes).to_have_value("1.5")
