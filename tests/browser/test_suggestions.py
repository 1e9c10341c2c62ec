"""Suggested themes from the facilitator's page: ask, look at the preview (which nobody else sees), rename
one, drop one, accept; every screen then shows the accepted themes."""

import pytest
from playwright.sync_api import expect

from ..board.test_suggester import HOUSING, STAFFING, TRANSPORT
from .conftest import seed
from .pages import card, snap, theme

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_facilitator_previews_renames_drops_and_accepts_suggested_themes(screens):
    seed(screens.inquiry, cards=STAFFING + HOUSING + TRANSPORT)
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    expect(carol.locator("#cards-unsorted .card")).to_have_count(21)

    alice.get_by_role("button", name="Suggest themes").click()
    preview = alice.get_by_role("region", name="Suggested themes")
    expect(preview).to_be_visible()
    expect(preview).to_be_focused()
    expect(alice.locator("#lw-status")).to_contain_text("ready")
    # The status line at the foot of the window covers none of the review (a long list runs past it).
    status, review = alice.locator("#lw-status").bounding_box(), preview.bounding_box()
    assert review["y"] + review["height"] <= status["y"], (review, status)
    proposals = preview.locator("fieldset[data-suggested]")
    expect(proposals).to_have_count(3)
    expect(proposals.locator("input[name=card]")).to_have_count(21)
    dropped = proposals.nth(1).get_by_label("Theme name").input_value()
    kept = proposals.nth(2).get_by_label("Theme name").input_value()
    snap(alice, "facilitator-suggestions")

    # Nobody else sees the preview, and nothing has changed on the board.
    expect(carol.locator("#suggestions")).to_have_count(0)
    expect(carol.locator("#themes .theme")).to_have_count(0)

    proposals.nth(0).get_by_label("Theme name").fill("Workforce")
    proposals.nth(1).get_by_label("Accept this theme").uncheck()
    preview.get_by_role("button", name="Accept selected").click()

    expect(preview).to_be_hidden()
    for screen in (alice, carol):
        expect(screen.locator("#themes .theme-name")).to_have_text(["Workforce", kept])
        expect(theme(screen, "Workforce").locator(".cards > .card")).to_have_count(7)
        expect(screen.locator("#cards-unsorted .card")).to_have_count(7)
    expect(theme(carol, dropped)).to_have_count(0)
    expect(card(theme(carol, "Workforce"), STAFFING[0])).to_be_visible()


def test_suggest_asks_about_the_round_the_room_is_in_and_knows_a_round_added(screens):
    """Moved to the next round, Suggest asks about that round's cards (it kept asking about round 1 until
    the page was reloaded), and a round added to the agenda can be chosen there at once."""
    rounds = list(screens.inquiry.rounds.order_by("position").values_list("pk", flat=True))
    alice = screens.facilitator()
    which = alice.get_by_label("Suggest themes for the unsorted cards of")
    expect(which).to_have_value(str(rounds[0]))
    agenda = alice.locator("#round-controls")
    agenda.locator("summary").click()
    agenda.locator(f"#round-{rounds[1]}").get_by_role("button", name="Move the room here").click()
    expect(alice.locator("#round-question")).to_have_text("What would you try first?")
    expect(which).to_have_value(str(rounds[1]))

    alice.get_by_role("button", name="Add a round").click()
    alice.get_by_label("Question", exact=True).fill("Anything else?")
    alice.get_by_role("button", name="Add the round").click()
    expect(which.locator("option")).to_have_text(["every round", "round 1", "round 2", "round 3"])
    expect(which).to_have_value(str(rounds[1]))
