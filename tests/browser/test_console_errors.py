"""Ordinary use logs no errors in the pages' consoles: no out-of-band swap the server sends may target
an element the page lacks (htmx logs `htmx:oobErrorNoTarget` for each): not a phone whose post is held
for review, nor phones and the facilitator's page while tables open, take posts and close, nor any
screen while cards are hidden, restored and deleted, or erased while still waiting for approval."""

import re

import pytest
from playwright.sync_api import expect

from inquiry.models import Inquiry

from .axe import assert_accessible
from .conftest import PHONE, in_thread
from .pages import card, open_card, post, snap

pytestmark = pytest.mark.django_db(transaction=True)


# How Chromium notes a page answered 400 (a form with errors): the browser's own line, not the page's.
FAILED_400 = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def console_errors(page):
    """The console errors ``page`` logs from now on (a list that grows)."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def table_post(page, text):
    page.locator("#table-view textarea").fill(text)
    page.get_by_role("button", name="Post to the table").click()


def test_a_phone_whose_post_is_held_for_review_logs_no_errors(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    dave = screens.participant("Dave", "Local authority")
    errors = {"Carol": console_errors(carol), "Dave": console_errors(dave), "alice": console_errors(alice)}

    post(carol, "Call me on 07700 900123 about my mum")
    expect(carol.locator("#lw-status")).to_contain_text("Held back for review")
    for text in ("Shared care records", "One key worker per family"):
        post(dave, text)
        expect(card(carol, text)).to_be_visible()
        expect(card(alice, text)).to_be_visible()
    post(carol, "Discharge waits on social care")
    expect(card(dave, "Discharge waits on social care")).to_be_visible()
    expect(card(carol, "Discharge waits on social care")).to_be_visible()
    assert errors == {"Carol": [], "Dave": [], "alice": []}


def test_tables_opening_taking_posts_and_closing_log_no_errors(screens):
    alice = screens.facilitator()
    people = [("Carol", "NHS"), ("Dave", "Local authority"), ("Erin", "NHS"), ("Femi", "Other")]
    phones = {name: screens.participant(name, sector) for name, sector in people}
    errors = {name: console_errors(page) for name, page in [*phones.items(), ("alice", alice)]}

    alice.get_by_label("Seat people").select_option("random")
    alice.get_by_label("Table size (2–8)").fill("4")
    alice.get_by_role("button", name="Open tables").click()
    for page in phones.values():
        expect(page.locator("#table-view h2")).to_contain_text("Table")
    for name, page in phones.items():
        table_post(page, f"{name}'s idea")
    for page in phones.values():
        expect(page.locator("#table-view")).to_contain_text("Femi's idea")
    expect(alice.locator("#tables-panel")).to_contain_text("Femi's idea")

    alice.get_by_role("button", name="Close the tables").click()
    for page in phones.values():
        expect(page.locator("#table-view .table-view")).to_have_count(0)
        expect(page.locator("#compose-form")).to_be_visible()
    post(phones["Carol"], "Back in the room")
    for page in [*phones.values(), alice]:
        expect(card(page, "Back in the room")).to_be_visible()
    assert errors == {name: [] for name in errors}


def test_hiding_restoring_and_deleting_cards_log_no_errors(screens):
    alice = screens.facilitator()
    presenter = screens.presenter()
    carol = screens.participant("Carol")
    dave = screens.participant("Dave", "Local authority")
    pages = {"alice": alice, "presenter": presenter, "Carol": carol, "Dave": dave}
    errors = {name: console_errors(page) for name, page in pages.items()}

    post(carol, "Shared care records")
    post(carol, "One key worker per family")
    open_card(alice, "Shared care records").get_by_role("button", name="Hide card").click()
    expect(card(dave, "Shared care records")).to_have_count(0)
    card(alice, "Shared care records").get_by_role("button", name="Restore").click()
    expect(card(dave, "Shared care records")).to_be_visible()
    screens.answer_next_dialog(carol)
    own = carol.locator("#own-posts-list .own-post").filter(has_text="One key worker per family")
    own.get_by_role("button", name=re.compile("^Delete")).click()
    for page in pages.values():
        expect(card(page, "One key worker per family")).to_have_count(0)
        expect(card(page, "Shared care records")).to_be_visible()
    assert errors == {name: [] for name in errors}


def test_erasing_posts_still_waiting_for_approval_logs_no_errors(screens):
    in_thread(lambda: Inquiry.objects.filter(pk=screens.inquiry.pk).update(premoderation=True))
    alice = screens.facilitator()
    presenter = screens.presenter()
    carol = screens.participant("Carol")
    dave = screens.participant("Dave", "Local authority")
    pages = {"alice": alice, "presenter": presenter, "Dave": dave}
    errors = {name: console_errors(page) for name, page in pages.items()}

    post(carol, "Waiting for approval")
    post(dave, "Dave waits too")
    expect(alice.locator("#queue-count")).to_have_text("2")
    carol.goto(f"/i/{screens.inquiry.code}/erase/")
    carol.get_by_role("button", name="Erase my contributions").click()
    expect(alice.locator("#queue-count")).to_have_text("1")
    # Approving Dave's post reaches every screen after the erasure did (its author's shown approved:
    # not data-status pending).
    alice.locator("#queue-cards").get_by_role("button", name="Approve").click()
    for page in pages.values():
        expect(card(page, "Dave waits too").and_(page.locator(".card:not([data-status])"))).to_be_visible()
    assert errors == {name: [] for name in errors}


def test_a_wrong_join_code_says_so_on_the_form_as_400_and_logs_nothing_else(screens):
    """A code that matches no inquiry, or a join form without a sector, comes back as 400 like every form
    with errors: the form again with what to fix under the field, read with it by a screen reader. The
    browser notes the 400 page itself in the console (a failed load); nothing else may be logged."""
    phone = screens.context(PHONE, is_mobile=True, has_touch=True)
    page = screens.page(phone)
    errors = console_errors(page)
    page.goto("/")
    page.get_by_label("Join code").fill("QQQQQQ")
    with page.expect_response("**/join/") as answered:
        page.get_by_role("button", name="Join").click()
    assert answered.value.status == 400
    message = "No inquiry has that code. Check it against the screen and try again."
    expect(page.get_by_text(message)).to_be_visible()
    assert errors == [FAILED_400]
    field = page.get_by_label("Join code")
    expect(field).to_have_value("QQQQQQ")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(message)
    snap(page, "walk3-wrong-code-390", full_page=False)
    assert_accessible(page, "the home page after a wrong join code")
    # The right one goes on to the join form; a sector left out says so the same way.
    field.fill(screens.inquiry.code)
    page.get_by_role("button", name="Join").click()
    with page.expect_response(f"**/i/{screens.inquiry.code}/join/") as answered:
        page.get_by_role("button", name="Join the inquiry").click()
    assert answered.value.status == 400
    expect(page.get_by_role("group", name="Your sector")).to_have_accessible_description(
        "Choose your sector: the room sees it with your contributions."
    )
    snap(page, "walk3-join-form-error-390", full_page=False)
    assert errors == [FAILED_400, FAILED_400]
