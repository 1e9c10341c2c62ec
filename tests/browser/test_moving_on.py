"""Moving the room on from the workspace's round panel, without opening the agenda: "Next round: …" beside
the phases while the agenda has a round after the room's, "Close the inquiry…" there on the last; and
closing with a vote whose results are still hidden, which the close dialog says and offers to reveal."""

import re

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible
from .conftest import CONTROLLED_SOCKET, in_thread
from .test_keyboard import tab_to
from .test_presenter import Steering

pytestmark = pytest.mark.django_db(transaction=True)

NEXT = re.compile("^Next round")


def panel(page):
    """The round panel's own controls, outside the folded agenda."""
    return page.locator("#round-banner > .round-next")


def round_ids(inquiry):
    return in_thread(lambda: list(inquiry.rounds.order_by("position").values_list("pk", flat=True)))


def test_next_round_moves_the_room_on_from_the_keyboard_and_follows_the_agenda_live(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    steering = Steering(screens)
    next_round = panel(alice).get_by_role("button", name="Next round: What would you try first?")
    expect(next_round).to_be_visible()
    expect(alice.locator("#round-controls")).not_to_have_attribute("open", "")

    tab_to(alice, next_round)
    alice.keyboard.press("Enter")
    expect(carol.locator("#round-question")).to_have_text("What would you try first?")
    expect(alice.locator("#round-question")).to_have_text("What would you try first?")
    # The last round: nothing after it, so the panel offers the end instead.
    expect(alice.get_by_role("button", name=NEXT)).to_have_count(0)
    # Focus moves to it, not lost to the top of the page with the button that went.
    expect(panel(alice).get_by_role("button", name="Close the inquiry…")).to_be_focused()

    # A round added to the agenda is the next one, at once; moved before the room's, it no longer is.
    steering.send(type="round", op="add", question="Who else should be in the room next time?", guidance="")
    added = panel(alice).get_by_role("button", name=re.compile("^Next round: Who else should be in the room"))
    expect(added).to_be_visible()
    expect(panel(alice).get_by_role("button", name="Close the inquiry…")).to_have_count(0)
    steering.send(type="round", op="move", round=round_ids(screens.inquiry)[2], position=0)
    expect(alice.get_by_role("button", name=NEXT)).to_have_count(0)
    assert_accessible(alice, "workspace, the last round")


def test_the_panel_closes_the_inquiry_on_the_last_round_through_the_same_dialog(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    panel(alice).get_by_role("button", name=NEXT).click()
    opener = panel(alice).get_by_role("button", name="Close the inquiry…")
    opener.click()
    dialog = alice.get_by_role("dialog", name="Close the inquiry?")
    expect(dialog).to_contain_text("Every round becomes read-only")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    # No vote in this inquiry: nothing about hidden results.
    expect(dialog.get_by_role("button", name="Reveal the results and close")).to_be_hidden()
    dialog.get_by_role("button", name="Close the inquiry", exact=True).click()
    expect(carol.locator("#inquiry-closed")).to_contain_text("This inquiry has closed")
    expect(panel(alice)).to_have_count(0)


def hidden_vote(screens):
    """The room votes on round 1's cards, results hidden, and has placed no dots yet."""
    steering = Steering(screens)
    first = round_ids(screens.inquiry)[0]
    steering.send(type="vote", op="open", round=first, target="cards", budget=3, per_item=2, live=False)
    return steering


def test_closing_with_hidden_results_offers_to_reveal_them_first(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    presenter = screens.presenter()
    hidden_vote(screens)
    expect(carol.locator("#vote-bar")).to_contain_text(
        "Results are hidden until the facilitator reveals them"
    )
    alice.locator("#round-controls > summary").click()
    alice.get_by_role("button", name="Close the inquiry…").click()
    dialog = alice.get_by_role("dialog", name="Close the inquiry?")
    expect(dialog).to_contain_text("The vote's results are still hidden")
    assert_accessible(alice, "workspace, closing with the vote's results hidden")
    dialog.get_by_role("button", name="Reveal the results and close").click()
    for screen in (carol, presenter):
        expect(screen.locator("#inquiry-closed")).to_contain_text("This inquiry has closed")
        expect(screen.locator("#vote-bar")).to_have_text(re.compile(r"^\s*The vote is closed\.\s*$"))
    expect(alice.get_by_role("button", name="Reveal the results")).to_have_count(0)


def test_closed_without_the_reveal_phones_promise_no_reveal(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    presenter = screens.presenter()
    hidden_vote(screens)
    alice.locator("#round-controls > summary").click()
    alice.get_by_role("button", name="Close the inquiry…").click()
    dialog = alice.get_by_role("dialog", name="Close the inquiry?")
    dialog.get_by_role("button", name="Close the inquiry", exact=True).click()
    for screen in (carol, presenter):
        expect(screen.locator("#inquiry-closed")).to_contain_text("This inquiry has closed")
        expect(screen.locator("#vote-bar")).to_contain_text(
            "The vote is closed. Its results were not shared."
        )
        expect(screen.locator("#vote-bar")).not_to_contain_text("until the facilitator reveals")
    # The facilitator may still reveal them: their screen says so.
    expect(alice.locator("#vote-bar")).to_contain_text(
        "Results are hidden until the facilitator reveals them"
    )
    expect(alice.get_by_role("button", name="Reveal the results")).to_be_visible()


def test_a_menu_opened_as_a_frame_comes_stays_open(screens):
    """A frame re-drawing the round's panel handled after the facilitator's click on its menu but before
    the browser's 'toggle' event (a task of its own) left the menu closed under their hand."""
    alice = screens.facilitator(script=CONTROLLED_SOCKET)
    alice.evaluate("lwTest.hold()")
    hidden_vote(screens)
    alice.wait_for_function("() => lwTest.held() > 0")
    alice.evaluate("document.querySelector('#round-controls > summary').click(); lwTest.release()")
    expect(alice.locator("#vote-bar")).to_contain_text("Results are hidden")  # the frame was drawn
    expect(alice.locator("#round-controls")).to_have_attribute("open", "")
    alice.get_by_role("button", name="Close the inquiry…").click()
    expect(alice.get_by_role("dialog", name="Close the inquiry?")).to_be_visible()
