"""The round's Vote asks before it opens the vote: at 1280x720 the facilitator presses Vote and a dialog
shows the vote's settings, filled in; Cancel (or Escape) opens nothing and puts focus back on Vote; five
dots each chosen there reach the phone. The dialog passes axe while open, and works from the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible
from .conftest import SHARED_SCREEN, seed
from .pages import snap, vote_item

pytestmark = pytest.mark.django_db(transaction=True)

CARDS = ["Shared care records", "One key worker per family", "Step-down beds near home"]


def test_vote_asks_for_the_settings_and_five_dots_each_reach_the_phone(screens):
    seed(screens.inquiry, cards=CARDS)
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    phases = alice.get_by_role("group", name="Phase of this round")
    vote = phases.get_by_role("button", name="Vote")
    dialog = alice.get_by_role("dialog", name="Open the vote on round 1")

    # Cancel: nothing opens, on either screen, and focus is back on Vote.
    vote.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(vote).to_be_focused()
    # Escape, from the keyboard alone: the same.
    alice.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("radio", name="The cards of this round")).to_be_focused()
    alice.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(vote).to_be_focused()
    expect(vote).to_have_attribute("aria-pressed", "false")
    expect(alice.locator("#vote-bar")).to_have_attribute("data-vote", "")
    expect(carol.locator("#round-banner")).to_have_attribute("data-phase", "gather")
    expect(carol.locator("#vote-view")).to_be_hidden()

    # The settings, as a new inquiry's first vote has them, and what opening it does.
    vote.click()
    expect(dialog.get_by_role("radio", name="The cards of this round")).to_be_checked()
    expect(dialog.get_by_role("radio", name="The cards of every round")).not_to_be_checked()
    expect(dialog.get_by_role("radio", name="The themes")).not_to_be_checked()
    expect(dialog.get_by_role("radio", name="The actions proposed")).to_be_hidden()
    expect(dialog.get_by_label("Dots each")).to_have_value("3")
    expect(dialog.get_by_label("At most per item")).to_have_value("1")
    expect(dialog.get_by_role("radio", name="Hidden until you reveal them")).to_be_checked()
    what = dialog.locator("#vote-dialog-what")
    expect(what).to_have_text(
        "Posting stops for this round; everyone gets 3 dots, at most 1 on any one card of this round. "
        "The results stay hidden until you reveal them."
    )
    dialog.get_by_label("Dots each").fill("5")
    expect(what).to_contain_text("everyone gets 5 dots")
    assert_accessible(alice, "the facilitator's Open the vote dialog, 1280x720")
    snap(alice, "vote-dialog-1280x720", full_page=False)
    box = dialog.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= SHARED_SCREEN["height"], box

    dialog.get_by_role("button", name="Open the vote").click()
    expect(dialog).to_be_hidden()
    expect(carol.locator("#vote-view-left")).to_contain_text("You have 5 dots left")
    expect(carol.locator("#round-banner .phase-name")).to_have_text("Vote")
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(alice.locator("#vote-bar")).to_contain_text("5 dots each, at most 1 per item")
    expect(vote_item(carol, CARDS[0]).get_by_role("button", name="Add a dot")).to_be_enabled()

    # Pressed again while the room votes: nothing to ask, nothing changes.
    vote.click()
    expect(dialog).to_be_hidden()


def test_the_dialog_starts_from_the_last_votes_settings(screens):
    seed(screens.inquiry, cards=CARDS, themes=["Access", "Housing"])
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    phases = alice.get_by_role("group", name="Phase of this round")
    dialog = alice.get_by_role("dialog", name="Open the vote on round 1")
    phases.get_by_role("button", name="Vote").click()
    dialog.get_by_role("radio", name="The themes").check()
    dialog.get_by_label("Dots each").fill("4")
    dialog.get_by_label("At most per item").fill("2")
    dialog.get_by_role("radio", name="Shown live as people vote").check()
    expect(dialog.locator("#vote-dialog-what")).to_have_text(
        "Posting stops for this round; everyone gets 4 dots, at most 2 on any one theme. "
        "Everyone sees the results as they come."
    )
    dialog.get_by_role("button", name="Open the vote").click()
    bar = alice.locator("#vote-bar")
    expect(bar).to_contain_text("Dot voting on the themes: 4 dots each, at most 2 per item.")
    expect(bar).to_contain_text("Results are shown live.")

    alice.get_by_role("button", name="Close the vote").click()
    expect(phases.get_by_role("button", name="Closed")).to_have_attribute("aria-pressed", "true")
    phases.get_by_role("button", name="Vote").click()
    expect(dialog.get_by_role("radio", name="The themes")).to_be_checked()
    expect(dialog.get_by_label("Dots each")).to_have_value("4")
    expect(dialog.get_by_label("At most per item")).to_have_value("2")
    expect(dialog.get_by_role("radio", name="Shown live as people vote")).to_be_checked()


def test_dots_the_themes_cannot_take_are_said_before_the_vote_opens(screens):
    """Two themes, at most 1 dot on each: 3 dots each would leave one over for everyone, and the dialog says
    so while the settings are chosen; 2 dots each says nothing more."""
    seed(screens.inquiry, cards=CARDS, themes=["Access", "Housing"])
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    alice.get_by_role("group", name="Phase of this round").get_by_role("button", name="Vote").click()
    dialog = alice.get_by_role("dialog", name="Open the vote on round 1")
    what = dialog.locator("#vote-dialog-what")
    dialog.get_by_role("radio", name="The themes").check()
    dialog.get_by_label("Dots each").fill("3")
    dialog.get_by_label("At most per item").fill("1")
    expect(what).to_have_text(
        "Posting stops for this round; everyone gets 3 dots, at most 1 on any one theme. "
        "The results stay hidden until you reveal them. "
        "With 2 themes and at most 1 on each, only 2 dots of the 3 can be placed."
    )
    dialog.get_by_label("Dots each").fill("2")
    expect(what).to_have_text(
        "Posting stops for this round; everyone gets 2 dots, at most 1 on any one theme. "
        "The results stay hidden until you reveal them."
    )
    # On the cards it says nothing of the themes.
    dialog.get_by_label("Dots each").fill("3")
    dialog.get_by_role("radio", name="The cards of this round").check()
    expect(what).not_to_contain_text("can be placed")


def test_in_a_map_round_it_offers_the_maps_vote_with_its_own_defaults(screens):
    """A round where participants link themes votes on the map (two dots at most on a theme or link), as
    the server's own default for that kind of round; the cards are not offered there."""
    seed(screens.inquiry, cards=CARDS, themes=["Access", "Workforce"])
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    alice.get_by_role("button", name="Let participants link themes in this round").click()
    expect(alice.locator("#round-banner")).to_have_attribute("data-kind", "map")
    alice.get_by_role("group", name="Phase of this round").get_by_role("button", name="Vote").click()
    dialog = alice.get_by_role("dialog", name="Open the vote on round 1")
    leverage = dialog.get_by_role("radio", name="The map: its themes and links")
    expect(leverage).to_be_checked()
    expect(leverage).to_be_focused()
    expect(dialog.get_by_role("radio", name="The cards of this round")).to_be_hidden()
    expect(dialog.get_by_label("At most per item")).to_have_value("2")
    what = dialog.locator("#vote-dialog-what")
    expect(what).to_contain_text("at most 2 on any one theme or link of the map")
    dialog.get_by_role("button", name="Open the vote").click()
    expect(alice.locator("#vote-bar")).to_have_attribute("data-target", "leverage")
    expect(alice.locator("#round-banner")).to_have_attribute("data-phase", "vote")


def test_the_maps_vote_asks_first_set_for_the_map_in_any_round(screens):
    """The systems map's "Vote on where to act" opens the same dialog, set for the map (a theme or link,
    two dots at most on one) even in a round of contributions whose last vote was on the themes; Cancel
    opens nothing and puts focus back on the button; Open the vote opens the map's vote."""
    seed(screens.inquiry, cards=CARDS, themes=["Access", "Workforce"])
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    form = alice.get_by_role("form", name="Link two themes")
    form.get_by_label("From").select_option(label="Workforce")
    form.get_by_label("To").select_option(label="Access")
    form.get_by_role("button", name="Add the link").click()
    expect(alice.locator("#map-svg .map-link")).to_have_count(1)
    dialog = alice.get_by_role("dialog", name="Open the vote on round 1")
    # A vote on the themes first, closed: the map's dialog does not start from it.
    alice.get_by_role("group", name="Phase of this round").get_by_role("button", name="Vote").click()
    dialog.get_by_role("radio", name="The themes").check()
    dialog.get_by_label("Dots each").fill("4")
    dialog.get_by_role("button", name="Open the vote").click()
    alice.get_by_role("button", name="Close the vote").click()
    expect(alice.locator("#vote-bar")).to_have_attribute("data-vote-open", "")

    map_vote = alice.get_by_role("button", name="Vote on where to act")
    map_vote.click()
    expect(dialog).to_be_visible()
    leverage = dialog.get_by_role("radio", name="The map: its themes and links")
    expect(leverage).to_be_checked()
    expect(leverage).to_be_focused()
    expect(dialog.get_by_role("radio", name="The cards of this round")).to_be_hidden()
    expect(dialog.get_by_label("Dots each")).to_have_value("3")
    expect(dialog.get_by_label("At most per item")).to_have_value("2")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(map_vote).to_be_focused()
    expect(alice.locator("#vote-bar")).to_have_attribute("data-vote-open", "")
    expect(carol.locator("#round-banner")).not_to_have_attribute("data-phase", "vote")

    map_vote.click()
    dialog.get_by_label("Dots each").fill("5")
    dialog.get_by_role("button", name="Open the vote").click()
    expect(dialog).to_be_hidden()
    expect(alice.locator("#vote-bar")).to_have_attribute("data-target", "leverage")
    expect(alice.locator("#vote-bar")).to_contain_text("5 dots each, at most 2 per item")
    open_now = "Leverage vote open: participants put dots on themes and links."
    expect(alice.get_by_text(open_now)).to_be_visible()


def test_the_next_steps_vote_asks_first_set_for_the_actions(screens):
    """Next steps' "Let the room vote on the actions" opens the same dialog, set for the actions; what is
    chosen there is the vote the room gets."""
    seed(screens.inquiry, cards=CARDS)
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    alice.get_by_role("button", name=re.compile("Make this round the next steps")).click()
    expect(alice.locator("#round-banner")).to_have_attribute("data-kind", "next_steps")
    carol.get_by_label("What will happen").fill("Joint workforce plan")
    carol.get_by_role("button", name="Propose this action").click()
    steps_vote = alice.get_by_role("button", name="Let the room vote on the actions")
    steps_vote.click()
    dialog = alice.get_by_role("dialog", name="Open the vote on round 1")
    expect(dialog).to_be_visible()
    actions = dialog.get_by_role("radio", name="The actions proposed")
    expect(actions).to_be_checked()
    expect(actions).to_be_focused()
    expect(dialog.get_by_role("radio", name="The themes")).to_be_hidden()
    expect(dialog.get_by_label("At most per item")).to_have_value("1")
    alice.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(steps_vote).to_be_focused()
    expect(alice.locator("#vote-bar")).to_have_attribute("data-vote", "")

    steps_vote.click()
    dialog.get_by_label("Dots each").fill("2")
    dialog.get_by_role("radio", name="Shown live as people vote").check()
    dialog.get_by_role("button", name="Open the vote").click()
    expect(alice.locator("#vote-bar")).to_have_attribute("data-target", "actions")
    expect(alice.locator("#vote-bar")).to_contain_text("2 dots each, at most 1 per item")
    expect(alice.locator("#vote-bar")).to_contain_text("Results are shown live.")
    expect(alice.get_by_text("The room is voting on the actions.")).to_be_visible()


def test_the_map_and_next_steps_offer_their_vote_once_there_is_something_to_vote_on(screens):
    """An empty map and a list of no actions offer no vote (it would open on nothing, and its button stayed
    after the vote opened); the first link and the first action proposed bring each one, live."""
    seed(screens.inquiry, cards=CARDS, themes=["Access", "Workforce"])
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    map_vote = alice.get_by_role("button", name="Vote on where to act")
    steps_vote = alice.get_by_role("button", name="Let the room vote on the actions")
    expect(alice.locator("#map-view")).to_contain_text("Nothing on the map yet.")
    expect(map_vote).to_have_count(0)
    expect(steps_vote).to_be_hidden()

    form = alice.get_by_role("form", name="Link two themes")
    form.get_by_label("From").select_option(label="Workforce")
    form.get_by_label("To").select_option(label="Access")
    form.get_by_role("button", name="Add the link").click()
    expect(map_vote).to_be_visible()

    alice.get_by_role("button", name=re.compile("Make this round the next steps")).click()
    expect(steps_vote).to_be_hidden()
    carol.get_by_label("What will happen").fill("Joint workforce plan")
    carol.get_by_role("button", name="Propose this action").click()
    expect(steps_vote).to_be_visible()
