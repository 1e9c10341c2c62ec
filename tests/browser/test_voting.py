"""Dot voting and reactions on a phone: the facilitator opens a vote with hidden results, a participant
spends their dots (and cannot overspend), the facilitator sees the counts, the participant only after the
reveal; "This resonates" toggles."""

import pytest
from playwright.sync_api import expect

from .conftest import seed
from .pages import card, open_vote_dialog, snap, vote_item

pytestmark = pytest.mark.django_db(transaction=True)

CARDS = ["Shared care records", "One key worker per family", "Step-down beds near home"]


def test_a_participant_spends_two_dots_and_sees_the_counts_only_after_the_reveal(screens):
    seed(screens.inquiry, cards=CARDS)
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    expect(carol.locator("#vote-view")).to_be_hidden()
    expect(carol.get_by_role("button", name="Add a dot")).to_have_count(0)

    vote = open_vote_dialog(alice)
    vote.get_by_role("radio", name="The cards of this round").check()
    vote.get_by_label("Dots each").fill("2")
    vote.get_by_label("At most per item").fill("1")
    expect(vote.get_by_role("radio", name="Hidden until you reveal them")).to_be_checked()
    vote.get_by_role("button", name="Open the vote").click()
    # The round goes into the Vote phase with it, on both screens.
    expect(alice.locator("#phase-vote")).to_have_attribute("aria-pressed", "true")
    expect(carol.locator("#round-banner .phase-name")).to_have_text("Vote")

    # The phone's vote view lists what can be voted on, each with its dots.
    first, second, third = (vote_item(carol, text) for text in CARDS)
    left = carol.locator("#vote-view-left")
    expect(left).to_contain_text("You have 2 dots left")
    expect(carol.locator("#vote-bar")).to_contain_text("Results are hidden")
    expect(first.get_by_role("button", name="Remove a dot")).to_be_disabled()
    first.get_by_role("button", name="Add a dot").click()
    expect(first.locator(".my-dots")).to_have_text("Your dots: 1")
    expect(left).to_contain_text("You have 1 dot left")
    second.get_by_role("button", name="Add a dot").click()
    expect(second.locator(".my-dots")).to_have_text("Your dots: 1")
    expect(left).to_contain_text("You have used all your dots")
    expect(carol.locator("#lw-mine")).to_have_attribute("data-left", "0")
    for item in (first, second, third):
        expect(item.get_by_role("button", name="Add a dot")).to_be_disabled()
    expect(third.locator(".my-dots")).to_have_text("Your dots: 0")
    expect(first.get_by_role("button", name="Remove a dot")).to_be_enabled()
    snap(carol, "participant-vote")

    # The facilitator sees the counts as they come; the participant does not, until the reveal.
    expect(card(alice, CARDS[0]).locator(".dot-count")).to_have_text("1 dot")
    expect(card(alice, CARDS[1]).locator(".dot-count")).to_have_text("1 dot")
    expect(card(alice, CARDS[2]).locator(".dot-count")).to_have_text("0 dots")
    expect(carol.locator("#board .card-votes")).to_have_count(0)

    # A dot taken back can go elsewhere.
    first.get_by_role("button", name="Remove a dot").click()
    expect(left).to_contain_text("You have 1 dot left")
    third.get_by_role("button", name="Add a dot").click()
    expect(third.locator(".my-dots")).to_have_text("Your dots: 1")
    expect(card(alice, CARDS[2]).locator(".dot-count")).to_have_text("1 dot")
    expect(card(alice, CARDS[0]).locator(".dot-count")).to_have_text("0 dots")
    snap(alice, "facilitator-vote")

    alice.get_by_role("button", name="Reveal the results").click()
    expect(card(carol, CARDS[2]).locator(".dot-count")).to_have_text("1 dot")
    expect(card(carol, CARDS[0]).locator(".dot-count")).to_have_text("0 dots")
    expect(carol.locator("#vote-bar")).to_contain_text("Results are shown live")

    alice.get_by_role("button", name="Close the vote").click()
    expect(carol.locator("#vote-bar")).to_contain_text("The vote is closed")
    expect(carol.locator("#vote-view")).to_be_hidden()
    expect(carol.get_by_role("button", name="Add a dot")).to_have_count(0)
    expect(card(carol, CARDS[2]).locator(".card-votes")).to_have_text("1 dot")


def test_pressing_vote_in_the_workspace_opens_the_vote_on_a_phone(screens):
    """The round's Vote phase is the dot vote: pressed, it opens one with what its dialog says, and the
    phone can vote at once; closing the vote closes the round on both screens."""
    seed(screens.inquiry, cards=CARDS)
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    phases = alice.get_by_role("group", name="Phase of this round")
    expect(phases.get_by_role("button", name="Gather")).to_have_attribute("aria-pressed", "true")
    phases.get_by_role("button", name="Vote").click()
    dialog = alice.get_by_role("dialog", name="Open the vote on round 1")
    dialog.get_by_label("Dots each").fill("2")
    dialog.get_by_role("button", name="Open the vote").click()
    expect(carol.locator("#vote-view")).to_be_visible()
    expect(carol.locator("#vote-view-left")).to_contain_text("You have 2 dots left")
    expect(carol.locator("#round-banner .phase-name")).to_have_text("Vote")
    expect(phases.get_by_role("button", name="Vote")).to_have_attribute("aria-pressed", "true")
    vote_item(carol, CARDS[1]).get_by_role("button", name="Add a dot").click()
    expect(card(alice, CARDS[1]).locator(".dot-count")).to_have_text("1 dot")

    alice.get_by_role("button", name="Close the vote").click()
    expect(carol.locator("#vote-view")).to_be_hidden()
    expect(carol.locator("#round-banner .phase-name")).to_have_text("Closed")
    expect(phases.get_by_role("button", name="Closed")).to_have_attribute("aria-pressed", "true")


def test_this_resonates_toggles_and_says_so(screens):
    seed(screens.inquiry, cards=CARDS[:1])
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    resonates = card(carol, CARDS[0]).get_by_role("button", name="This resonates")
    expect(resonates).to_have_attribute("aria-pressed", "false")

    resonates.click()
    expect(resonates).to_have_attribute("aria-pressed", "true")
    expect(card(carol, CARDS[0]).locator(".reaction-count")).to_have_text("1 person finds this resonates")
    expect(card(alice, CARDS[0]).locator(".reaction-count")).to_have_text("1 person finds this resonates")
    expect(resonates).to_be_focused()

    resonates.click()
    expect(resonates).to_have_attribute("aria-pressed", "false")
    # The count goes from the card, as from a phone that opens the board now (board/render.py).
    expect(card(carol, CARDS[0]).locator(".card-votes")).to_have_count(0)
    expect(card(carol, CARDS[0]).locator(".reaction-count")).to_have_count(0)
    expect(card(alice, CARDS[0]).locator(".reaction-count")).to_have_text("0 people find this resonates")


def test_an_open_vote_comes_before_a_phones_own_long_posts(screens):
    # Two long posts of one's own made the ballot start a screen and more below the top of the phone.
    seed(screens.inquiry, cards=CARDS)
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    for n in range(2):
        carol.get_by_role("textbox", name="Your contribution").fill(
            f"Post {n}: " + "a long thought about joined-up care " * 7
        )
        carol.get_by_role("button", name="Post").click()
        expect(carol.locator("#own-posts-list li")).to_have_count(n + 1)
    vote = open_vote_dialog(alice)
    vote.get_by_role("radio", name="The cards of this round").check()
    vote.get_by_role("button", name="Open the vote").click()
    ballot = carol.locator("#vote-view")
    expect(ballot).to_be_visible()
    carol.evaluate("() => window.scrollTo(0, 0)")
    top = ballot.bounding_box()["y"]
    # On the first screen, with room for its first item.
    assert top < carol.viewport_size["height"] - 200, f"the ballot starts at {top:.0f} px on an 844 px phone"
    expect(vote_item(carol, CARDS[0]).get_by_role("button", name="Add a dot")).to_be_enabled()


def test_a_new_vote_takes_the_last_ones_counts_off_a_phone_and_leaves_its_board_in_place(screens):
    """Opening a vote sends what it changes, not the board again (board/changes.py vote_changed): the phone's
    cards stay where they are (its scroll, focus and open menus with them), and the counts of the last vote
    go from them."""
    seed(screens.inquiry, cards=CARDS)
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    vote = open_vote_dialog(alice)
    vote.get_by_role("radio", name="The cards of this round").check()
    vote.get_by_role("radio", name="Shown live as people vote").check()
    vote.get_by_role("button", name="Open the vote").click()
    vote_item(carol, CARDS[0]).get_by_role("button", name="Add a dot").click()
    expect(card(carol, CARDS[0]).locator(".dot-count")).to_have_text("1 dot")
    alice.get_by_role("button", name="Close the vote").click()
    expect(carol.locator("#vote-bar")).to_contain_text("The vote is closed")
    carol.evaluate("window.cardsBefore = Array.from(document.querySelectorAll('#board .card'))")

    vote = open_vote_dialog(alice)
    vote.get_by_role("radio", name="The cards of this round").check()
    vote.get_by_role("radio", name="Hidden until you reveal them").check()
    vote.get_by_role("button", name="Open the vote").click()
    expect(carol.locator("#vote-bar")).to_contain_text("Results are hidden")
    expect(carol.locator("#board .dot-count")).to_have_count(0)
    expect(carol.locator("#board .card")).to_have_count(len(CARDS))
    assert carol.evaluate("window.cardsBefore.length === 3 && window.cardsBefore.every((c) => c.isConnected)")


def test_dots_no_item_can_take_are_said_to_be_left_over(screens):
    """Three dots, at most one per item, two cards to vote on: once both have a dot, the phone says the last
    dot is left over rather than offering it beside buttons that are all off."""
    seed(screens.inquiry, cards=CARDS[:2])
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    vote = open_vote_dialog(alice)
    vote.get_by_role("radio", name="The cards of this round").check()
    vote.get_by_label("Dots each").fill("3")
    vote.get_by_label("At most per item").fill("1")
    vote.get_by_role("button", name="Open the vote").click()
    first, second = (vote_item(carol, text) for text in CARDS[:2])
    left = carol.locator("#vote-view-left")
    expect(left).to_contain_text("You have 3 dots left")
    first.get_by_role("button", name="Add a dot").click()
    expect(left).to_contain_text("You have 2 dots left")
    second.get_by_role("button", name="Add a dot").click()
    expect(left).to_contain_text("Every item has as many of your dots as it can take: 1 dot left over")
    for item in (first, second):
        expect(item.get_by_role("button", name="Add a dot")).to_be_disabled()
    second.get_by_role("button", name="Remove a dot").click()
    expect(left).to_contain_text("You have 2 dots left")
