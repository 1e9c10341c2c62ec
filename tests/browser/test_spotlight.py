"""The spotlight as people see it: a spotlit card its author edits into a post held back as personal data
leaves the spotlight on the shared screen and every phone at once, and a screen opened afterwards does
not show it there either; an edit in plain words shows in the spotlight; a spotlit card its author
deletes leaves it on every open screen."""

import re

import pytest
from playwright.sync_api import expect

from .pages import card, open_card, post

pytestmark = pytest.mark.django_db(transaction=True)

NHS_NUMBER = "943 476 5919"
HELD = f"Ask Mrs Jones at SW1A 1AA, NHS number {NHS_NUMBER}, she was left for hours"


def spotlight(screens, words):
    """Alice, the shared screen and two phones; Carol posts ``words`` and Alice spotlights it."""
    alice = screens.facilitator()
    presenter = screens.presenter()
    carol = screens.participant("Carol")
    dave = screens.participant("Dave", "Local authority")
    post(carol, words)
    open_card(alice, words).get_by_role("button", name="Spotlight").click()
    for page in (alice, presenter, carol, dave):
        expect(page.locator("#spotlight")).to_contain_text(words)
    return alice, presenter, carol, dave


def edit(page, words, text):
    """The author edits their post ``words`` from "Your posts" to ``text``."""
    own = page.locator("#own-posts-list .own-post").filter(has_text=words)
    own.get_by_role("button", name="Edit").click()
    page.locator("#edit-text").fill(text)
    page.get_by_role("button", name="Save").click()


def test_a_spotlit_card_edited_into_a_held_post_leaves_the_spotlight_everywhere(screens):
    alice, presenter, carol, dave = spotlight(screens, "Ward huddles with pharmacy")
    edit(carol, "Ward huddles with pharmacy", HELD)
    expect(carol.locator("#own-posts-list")).to_contain_text("Held back")
    for page in (alice, presenter, carol, dave):
        expect(page.locator("#spotlight")).to_be_hidden()
        expect(page.locator("#spotlight")).not_to_contain_text(NHS_NUMBER)
    # Screens opened now: the shared screen reloaded, a fresh one, a phone joining.
    presenter.reload()
    for page in (screens.live(presenter), screens.presenter(), screens.participant("Erin", "Other")):
        expect(page.locator("#spotlight")).to_be_hidden()
        assert NHS_NUMBER not in page.content()


def test_a_spotlit_card_edited_in_plain_words_shows_them_in_the_spotlight(screens):
    alice, presenter, carol, dave = spotlight(screens, "Ward huddles with pharmacy")
    edit(carol, "Ward huddles with pharmacy", "Ward huddles with pharmacy and therapy")
    expect(card(presenter, "Ward huddles with pharmacy and therapy")).to_be_visible()
    for page in (alice, presenter, carol, dave):
        expect(page.locator(".spotlight-card")).to_contain_text("Ward huddles with pharmacy and therapy")


def test_a_spotlit_card_its_author_deletes_leaves_the_spotlight_on_every_open_screen(screens):
    alice, presenter, carol, dave = spotlight(screens, "Ward huddles with pharmacy")
    screens.answer_next_dialog(carol)
    carol.locator("#own-posts-list .own-post").get_by_role("button", name=re.compile("^Delete")).click()
    for page in (alice, presenter, carol, dave):
        expect(card(page, "Ward huddles with pharmacy")).to_have_count(0)
        expect(page.locator("#spotlight")).to_be_hidden()
        expect(page.locator("#spotlight")).not_to_contain_text("Ward huddles")


def test_moving_the_room_to_the_next_round_takes_the_spotlight_down_everywhere(screens):
    """A spotlight belongs to its round, as its timer does: left up, it would cover the next round's
    question on the shared screen and every phone. Moving the room on takes it down, and the facilitator's
    panel no longer says the shared screen shows it."""
    alice, presenter, carol, dave = spotlight(screens, "Ward huddles with pharmacy")
    on_screen = alice.get_by_role("button", name="End the spotlight")
    expect(on_screen).to_be_visible()
    controls = alice.locator("#round-controls")
    controls.locator("summary").click()
    controls.get_by_role("button", name="Move the room here").click()
    for page in (alice, presenter, carol, dave):
        expect(page.locator("#round-question")).to_have_text("What would you try first?")
        expect(page.locator("#spotlight")).to_be_hidden()
    expect(on_screen).to_have_count(0)
    # A screen opened now does not bring it back.
    presenter.reload()
    expect(screens.live(presenter).locator("#round-question")).to_have_text("What would you try first?")
    expect(presenter.locator("#spotlight")).to_be_hidden()
