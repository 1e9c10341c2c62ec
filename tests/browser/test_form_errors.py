"""A facilitator whose form is refused sees why, on the screen they are on: a theme name the inquiry has
(in another case), a blank co-facilitator, a wrong current password. No form posts through htmx (it
carries the websocket only): a refusal comes back as a status line, a page message or the form again."""

import pytest
from playwright.sync_api import expect

from ..conftest import PASSWORD
from .conftest import seed
from .pages import theme

pytestmark = pytest.mark.django_db(transaction=True)

TAKEN = "There is already a theme called “Housing”. Choose another name."


def test_a_theme_named_like_another_is_refused_where_the_facilitator_can_read_it(screens):
    seed(screens.inquiry, themes=["Housing", "Transport"])
    alice = screens.facilitator()
    alice.get_by_label("New theme").fill("  housing ")
    alice.get_by_role("button", name="Add theme").click()
    expect(alice.locator("#lw-status")).to_have_text(TAKEN)
    expect(alice.get_by_text(TAKEN)).to_be_visible()
    expect(alice.locator("#themes > .theme")).to_have_count(2)

    transport = theme(alice, "Transport")
    transport.locator("summary").first.click()
    transport.get_by_role("button", name="Rename or recolour").click()
    dialog = alice.get_by_role("dialog", name="Rename or recolour theme")
    dialog.get_by_label("Name").fill("HOUSING")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(alice.get_by_text(TAKEN)).to_be_visible()
    expect(theme(alice, "Transport")).to_be_visible()


def test_a_rename_refused_leaves_the_colour_chosen_with_it_as_it_was(screens):
    seed(screens.inquiry, themes=["Housing", "Transport"])
    alice = screens.facilitator()
    transport = theme(alice, "Transport")
    colour = transport.get_attribute("data-colour")
    other = "rose" if colour != "rose" else "sun"

    def edit(name):
        theme(alice, "Transport").locator("summary").first.click()
        theme(alice, "Transport").get_by_role("button", name="Rename or recolour").click()
        dialog = alice.get_by_role("dialog", name="Rename or recolour theme")
        dialog.get_by_label("Name").fill(name)
        dialog.get_by_label(other.capitalize()).check()
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()

    edit("housing")
    expect(alice.get_by_text(TAKEN)).to_be_visible()
    # The server answers a socket's messages in order: once the theme added next shows, a recolour sent
    # with the refused name would have shown before it.
    alice.get_by_label("New theme").fill("Roads")
    alice.get_by_role("button", name="Add theme").click()
    expect(alice.locator("#themes > .theme")).to_have_count(3)
    expect(theme(alice, "Transport")).to_have_attribute("data-colour", colour)

    edit("Buses")
    expect(theme(alice, "Buses")).to_have_attribute("data-colour", other)


def test_a_blank_co_facilitator_is_refused_saying_so(screens):
    alice = screens.facilitator()
    alice.locator("details.cofacilitators summary").click()
    alice.get_by_label("Username of the co-facilitator").fill("   ")
    alice.get_by_role("button", name="Add co-facilitator").click()
    expect(alice.get_by_text("Username of the co-facilitator: This field is required.")).to_be_visible()


def test_a_wrong_current_password_shows_the_form_again_with_why(screens):
    alice = screens.facilitator()
    alice.goto("/accounts/password/")
    alice.get_by_label("Old password").fill("not-" + PASSWORD)
    alice.get_by_label("New password", exact=True).fill("copper-kettle-harbour-9")
    alice.get_by_label("New password confirmation").fill("copper-kettle-harbour-9")
    with alice.expect_response("**/accounts/password/") as answered:
        alice.get_by_role("button", name="Change password").click()
    assert answered.value.status == 400
    expect(alice.get_by_text("Your old password was entered incorrectly")).to_be_visible()
