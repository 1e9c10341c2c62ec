"""The workspace says what the room's shared screen shows over its board: a spotlight, an announcement,
the systems map. Their own controls sit far down the side panel (a long column in its own scroll), so a
facilitator could leave the spotlight over the room's screen without knowing; one line at the top of the
side column names each, with a button that takes it down."""

import re

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible
from .conftest import SHARED_SCREEN, seed
from .pages import open_card, snap

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Nobody owns the discharge plan from day one."


def test_what_is_over_the_shared_screen_is_named_at_the_top_of_the_workspace_and_taken_down_there(screens):
    seed(screens.inquiry, cards=[TEXT, "Carers hear about discharge last."])
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    line = alice.locator("#on-screen")
    expect(alice.locator("#cards-unsorted .card")).to_have_count(2)
    expect(line).to_be_hidden()

    open_card(alice, TEXT).get_by_role("button", name="Spotlight").click()
    expect(presenter.locator("#spotlight")).to_contain_text(TEXT)
    alice.get_by_label("Announcement to everyone").fill("Five minutes left")
    alice.get_by_role("button", name="Announce", exact=True).click()
    expect(presenter.locator("#announcement")).to_contain_text("Five minutes left")

    # Both named, in view at the top of the side column, however far down the panel has scrolled.
    alice.locator("#ws-panel").evaluate("panel => panel.scrollTo(0, panel.scrollHeight)")
    expect(line.get_by_role("heading", name="On the shared screen")).to_be_in_viewport()
    expect(line.locator("li")).to_have_count(2)
    expect(line).to_contain_text("Spotlight: Nobody owns the discharge plan")
    expect(line).to_contain_text("Announcement: Five minutes left")
    end_spotlight = line.get_by_role("button", name="End the spotlight")
    expect(end_spotlight).to_be_in_viewport()
    snap(alice, "workspace-on-screen")
    assert_accessible(alice, context="#on-screen")

    end_spotlight.click()
    expect(presenter.locator("#spotlight")).to_be_hidden()
    expect(line.locator("li")).to_have_count(1)
    expect(line).not_to_contain_text("Spotlight")
    line.get_by_role("button", name="End the announcement").click()
    expect(presenter.locator("#announcement")).to_be_hidden()
    expect(line).to_be_hidden()


def test_the_map_on_the_shared_screen_is_named_and_the_board_brought_back(screens):
    seed(screens.inquiry, themes=["Discharge", "Carers"])
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    alice.get_by_role("button", name="Show the map on the shared screen").click()
    expect(presenter.locator("body")).to_have_class(re.compile(r"\bmap-mode\b"))
    line = alice.locator("#on-screen")
    expect(line).to_contain_text("The systems map")
    line.get_by_role("button", name="Back to the board").click()
    expect(presenter.locator("body")).not_to_have_class(re.compile(r"\bmap-mode\b"))
    expect(line).to_be_hidden()
