"""The settings page in a browser: a facilitator renames the inquiry mid-event and adds a sector; the shared
screen and a phone show the new title at once (the htmx swap the page really applies), and a newcomer
can choose the new sector."""

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible
from .conftest import SHARED_SCREEN
from .pages import snap

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_renamed_inquiry_shows_on_the_shared_screen_and_phones_at_once(screens):
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    phone = screens.participant("Carol")
    alice = screens.facilitator()
    alice.get_by_text("Join link, exports…").click()
    alice.get_by_role("link", name="Settings").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("Settings: Wrapping care around residents")
    assert_accessible(alice, "settings page")
    alice.get_by_label("Title").fill("Health and care around each resident")
    alice.get_by_label("Add sectors").fill("Police")
    alice.get_by_role("button", name="Save settings").click()
    expect(alice.get_by_text("Saved: every open screen shows it now.")).to_be_visible()
    snap(alice, "settings")
    expect(presenter.locator("#inquiry-title")).to_have_text("Health and care around each resident")
    expect(phone.locator("#inquiry-title")).to_have_text("Health and care around each resident")
    newcomer = screens.participant("Pat", sector="Police")
    expect(newcomer.locator("#inquiry-title")).to_have_text("Health and care around each resident")


def test_a_sector_in_use_is_kept_with_the_reason_beside_the_form(screens):
    screens.participant("Carol", sector="NHS")
    alice = screens.facilitator()
    alice.goto(f"/i/{screens.inquiry.code}/settings/")
    alice.get_by_label("Sector 1", exact=True).fill("")
    alice.get_by_role("button", name="Save settings").click()
    expect(alice.get_by_role("alert")).to_have_text(
        "1 participant chose “NHS”: rename it rather than remove it."
    )
    expect(alice.get_by_label("Sector 1", exact=True)).to_have_value("")
    assert_accessible(alice, "settings page with an error")
