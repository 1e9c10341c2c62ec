"""A participant a facilitator removes is told so once, plainly, on their phone: no invitation to join
again (joining again is refused), the box to post in disabled, and no Edit or Delete on their posts."""

import re

import pytest
from playwright.sync_api import expect

from inquiry.models import Inquiry

from .axe import assert_accessible
from .conftest import SHARED_SCREEN, in_thread
from .pages import card, open_card, post

pytestmark = pytest.mark.django_db(transaction=True)

REMOVED = "A facilitator has removed you from this inquiry."
REMOVE = re.compile("^Remove participant")


def test_a_removed_participant_is_told_once_and_can_no_longer_post_edit_or_delete(screens):
    in_thread(lambda: Inquiry.objects.filter(pk=screens.inquiry.pk).update(premoderation=True))
    alice = screens.facilitator()
    carol = screens.participant("Troll")
    post(carol, "Still useless idiots all of them")
    own = carol.locator("#own-posts-list .own-post")
    expect(own.get_by_role("button", name=re.compile("^Edit"))).to_be_visible()

    screens.answer_next_dialog(alice)
    alice.locator("#queue-cards").get_by_role("button", name="Remove this participant").click()
    expect(carol.locator("#lw-status")).to_have_text(REMOVED)
    expect(carol.get_by_text(re.compile("join the inquiry again", re.I))).to_have_count(0)
    expect(carol.locator("#lw-connection")).to_be_hidden()
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_disabled()
    expect(carol.get_by_role("button", name="Post")).to_be_disabled()
    expect(carol.locator(".closed-note")).to_be_hidden()  # not "the box opens again"
    expect(own).to_contain_text("Still useless idiots all of them")
    expect(own.get_by_role("button")).to_have_count(0)


def test_a_facilitator_removes_the_author_of_a_card_on_the_board_from_its_menu(screens):
    """Not only from the review queue: "Remove participant" in a visible card's ⋯ menu, after a
    confirmation that names who goes; cancelled, nothing happens."""
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    carol = screens.participant("Troll", sector="Other")
    dave = screens.participant("Dave", sector="Local authority")
    post(carol, "You are all useless idiots")
    post(dave, "Shared care records")
    remove = open_card(alice, "You are all useless idiots").get_by_role("button", name=REMOVE)
    expect(remove).to_be_visible()
    expect(remove).to_be_in_viewport()
    assert_accessible(alice, "the workspace with a card's menu open")

    # Cancelled: nothing is sent. Alice's next action (hiding Dave's card) reaches Carol, still connected.
    screens.answer_next_dialog(alice, accept=False)
    remove.click()
    open_card(alice, "Shared care records").get_by_role("button", name=re.compile("^Hide")).click()
    expect(card(carol, "Shared care records")).to_have_count(0)
    expect(carol.locator("#lw-status")).not_to_have_text(REMOVED)
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_enabled()

    screens.answer_next_dialog(alice)
    open_card(alice, "You are all useless idiots").get_by_role("button", name=REMOVE).click()
    expect(carol.locator("#lw-status")).to_have_text(REMOVED)
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_disabled()
    assert screens.dialogs[-1] == (
        "Remove Troll from the inquiry? Their screen disconnects and they cannot post again."
    ), screens.dialogs
    expect(dave.get_by_label("Your contribution", exact=True)).to_be_enabled()


def test_no_facilitator_screen_offers_to_remove_a_removed_author_again(screens):
    """Once a participant is removed, no facilitator's screen offers to remove them on any of their cards,
    on the board or in the review queue (it stayed on their other cards until a reload): the removal's
    own event takes it away on every screen, the other authors' cards keep it, and focus stays on the card."""
    alice = screens.facilitator("alice", viewport=SHARED_SCREEN)
    bob = screens.facilitator("bob", viewport=SHARED_SCREEN)
    carol = screens.participant("Troll", sector="Other")
    dave = screens.participant("Dave", sector="Local authority")
    mine = ["You are all useless idiots", "And another thing", "Ring me on 07700 900456 to hear more"]
    for text in mine:
        post(carol, text)
    post(dave, "Shared care records")
    for page in (alice, bob):
        expect(card(page.locator("#board"), "Shared care records")).to_have_count(1)
        expect(page.locator("#queue-cards .card")).to_have_count(1)  # the phone number is held for review
        for text in mine[:2]:
            expect(card(page.locator("#board"), text).locator("[data-action=remove-author]")).to_have_count(1)
    held = bob.locator("#queue-cards .card").filter(has_text=mine[2])
    expect(held.get_by_role("button", name="Remove this participant")).to_have_count(1)

    screens.answer_next_dialog(alice)
    remove = open_card(alice, mine[0]).get_by_role("button", name=REMOVE)
    remove.click()
    expect(carol.locator("#lw-status")).to_have_text(REMOVED)
    for page in (alice, bob):
        for text in mine[:2]:
            expect(card(page.locator("#board"), text).locator("[data-action=remove-author]")).to_have_count(0)
        expect(page.locator("#queue-cards [data-action=remove-author]")).to_have_count(0)
        expect(
            card(page.locator("#board"), "Shared care records").locator("[data-action=remove-author]")
        ).to_have_count(1)
    # Focus stays on the card it was on: the control before the one that went.
    expect(card(alice, mine[0]).get_by_role("button", name=re.compile("^Hide"))).to_be_focused()
    # Bob opens Troll's other card: its menu offers the rest, not the removal; nor after a reload.
    other = open_card(bob, mine[1])
    expect(other.get_by_role("button", name=re.compile("^Hide"))).to_be_visible()
    expect(other.get_by_role("button", name=REMOVE)).to_have_count(0)
    bob.reload()
    screens.live(bob)
    expect(card(bob.locator("#board"), mine[1]).locator("[data-action=remove-author]")).to_have_count(0)
    expect(bob.locator("#queue-cards .card")).to_have_count(1)
    expect(bob.locator("#queue-cards [data-action=remove-author]")).to_have_count(0)
