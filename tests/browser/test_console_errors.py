"""Ordinary use logs no errors in the pages' consoles: no out-of-band swap the server sends may target
an element the page lacks (htmx logs `htmx:oobErrorNoTarget` for each): not a phone whose post is held
for review, nor phones and the facilitator's page while tables open, take posts and close."""

import pytest
from playwright.sync_api import expect

from .pages import card, post

pytestmark = pytest.mark.django_db(transaction=True)


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
    alice.get_by_label("Table size (4–8)").fill("4")
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
