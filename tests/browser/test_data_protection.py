"""What a facilitator and a participant do to take personal data out of an inquiry, in the browser:
Reject a post held back for an NHS number (after a confirmation), and erase one's own contributions
from a phone; every other screen follows live."""

import pytest
from playwright.sync_api import expect

from .pages import card, post

pytestmark = pytest.mark.django_db(transaction=True)

HELD = "My NHS number is 943 476 5919, please call me"


def test_a_facilitator_rejects_a_held_post_and_its_author_is_told(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    post(carol, HELD)
    queued = alice.locator("#queue-cards .card").filter(has_text="943 476 5919")
    expect(queued).to_contain_text("Held back: May contain an NHS number.")
    expect(card(carol, HELD)).to_contain_text("Held back")

    screens.answer_next_dialog(alice, accept=False)  # Cancel keeps it
    queued.get_by_role("button", name="Reject").click()
    expect(alice.locator("#queue-count")).to_have_text("1")
    screens.answer_next_dialog(alice)
    queued.get_by_role("button", name="Reject").click()
    expect(alice.locator("#queue-cards .card")).to_have_count(0)
    expect(alice.locator("#queue-count")).to_have_text("0")
    assert all("cannot be undone" in message for message in screens.dialogs)
    expect(card(carol, HELD)).to_have_count(0)
    expect(carol.locator("#lw-status")).to_have_text(
        "A facilitator removed one of your contributions: may contain an NHS number."
    )
    # A reload brings nothing back.
    alice.reload()
    expect(alice.locator("#lw-connection")).to_have_text("Live")
    expect(alice.get_by_text("943 476 5919")).to_have_count(0)


def test_a_participant_erases_their_contributions_from_their_phone(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    dave = screens.participant("Dave", "Local authority")
    post(carol, "Carol's first thought")
    post(carol, "Carol's second thought")
    post(dave, "Dave's thought")
    for page in (alice, dave):
        expect(card(page, "Carol's second thought")).to_be_visible()
    card(carol, "Dave's thought").get_by_role("button", name="This resonates").click()
    expect(card(alice, "Dave's thought")).to_contain_text("1 person finds this resonates")

    carol.get_by_role("link", name="Erase my contributions").click()
    expect(carol.get_by_role("heading", name="Erase your contributions?")).to_be_visible()
    expect(carol.locator("#erase-counts")).to_contain_text("2 contributions")
    expect(carol.locator("#erase-counts")).to_contain_text("your name, “Carol”")
    carol.get_by_role("button", name="Erase my contributions").click()
    expect(carol.get_by_role("status").filter(has_text="Erased: 2 contributions")).to_be_visible()
    expect(carol.locator("#lw-connection")).to_have_text("Live")

    for page in (alice, dave):
        expect(card(page, "Carol's first thought")).to_have_count(0)
        expect(card(page, "Carol's second thought")).to_have_count(0)
        expect(card(page, "Dave's thought")).to_be_visible()
    expect(card(alice, "Dave's thought")).to_contain_text("0 people find this resonates")
    expect(card(carol, "Carol's first thought")).to_have_count(0)
    expect(carol.get_by_text("You: anonymous")).to_be_visible()
    post(carol, "Still taking part")
    expect(card(dave, "Still taking part")).to_be_visible()
