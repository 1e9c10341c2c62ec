"""The facilitator's workspace before anything is on it: each empty column says what comes there and, for
the cards, how people get in; the hint goes as soon as the column holds something, and comes back when it
is empty again."""

import re

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible
from .conftest import SHARED_SCREEN
from .pages import card, open_card, post, snap, theme

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_inquirys_workspace_says_how_people_join_and_where_themes_come(screens, inquiry):
    alice = screens.facilitator("alice", viewport=SHARED_SCREEN)
    cards_hint = alice.locator("#unsorted-hint")
    themes_hint = alice.locator("#themes-hint")
    expect(cards_hint).to_be_in_viewport()
    expect(cards_hint).to_have_text(re.compile(f"People join with the code {inquiry.code}"))
    expect(themes_hint).to_be_in_viewport()
    expect(themes_hint).to_contain_text("Suggest themes")
    assert_accessible(alice, "a new inquiry's workspace")

    carol = screens.participant("Carol")
    # The phone's own column says what comes there too, without the facilitator's part.
    expect(carol.locator("#unsorted-hint")).to_have_text("Contributions appear here as people post them.")
    post(carol, "Nobody owns the discharge letter")
    expect(card(alice.locator("#cards-unsorted"), "Nobody owns the discharge letter")).to_have_count(1)
    expect(cards_hint).to_be_hidden()
    expect(carol.locator("#unsorted-hint")).to_be_hidden()

    alice.get_by_label("New theme").fill("Discharge")
    alice.get_by_role("button", name="Add theme").click()
    expect(theme(alice, "Discharge")).to_have_count(1)
    expect(themes_hint).to_be_hidden()

    # Every card placed: the column is empty again, and says what comes there.
    text = "Nobody owns the discharge letter"
    open_card(alice, text).get_by_role("button", name=f"Move card: {text}").click()
    dialog = alice.get_by_role("dialog", name="Move card")
    dialog.get_by_role("radio", name="Discharge").check()
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(card(theme(alice, "Discharge"), "Nobody owns the discharge letter")).to_have_count(1)
    expect(cards_hint).to_be_visible()


def test_the_presenter_shows_its_own_wall_hint_not_the_columns(screens, inquiry):
    presenter = screens.presenter("alice")
    expect(presenter.locator("#wall-empty")).to_be_visible()
    expect(presenter.locator("#unsorted-hint")).to_be_hidden()


def test_where_the_shared_screen_shows_the_join_code_is_beside_the_code_where_the_session_starts(
    screens, inquiry
):
    """At the start people are joining: the control that moves the presenter's join code to the corner
    once they have is beside the join code in the header, in view at 1280x720 (at the foot of the side
    panel it was below the fold), and says where the code is after each press."""
    alice = screens.facilitator("alice", viewport=SHARED_SCREEN)
    presenter = screens.presenter()
    header = alice.locator(".facilitator-bar")
    to_corner = header.get_by_role(
        "button", name="Code to the corner of the presenter view: people have joined"
    )
    expect(to_corner).to_be_in_viewport(ratio=1)
    expect(header.locator("#join-code")).to_have_text(inquiry.code)
    code, button = alice.locator("#join-code").bounding_box(), to_corner.bounding_box()
    assert abs(code["y"] + code["height"] / 2 - (button["y"] + button["height"] / 2)) < 20, (code, button)
    snap(alice, "walk3-join-code-1280", full_page=False)
    assert_accessible(alice, "the workspace's header with the join code control")

    to_corner.click()
    expect(presenter.locator("body")).to_have_class(re.compile(r"\bjoin-corner\b"))
    large = header.get_by_role("button", name="Code large on the presenter view: people are still joining")
    expect(large).to_be_in_viewport(ratio=1)
    large.click()
    expect(presenter.locator("body")).not_to_have_class(re.compile(r"\bjoin-corner\b"))
    expect(to_corner).to_be_in_viewport(ratio=1)
