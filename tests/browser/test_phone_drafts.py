"""What a participant is typing outlives a reload (a phone reloads a page it switched away from): the
contribution box and the next-steps form get their draft back; once posted and acknowledged, a reload
brings an empty box; erasing one's contributions forgets the draft."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

DRAFT = "Discharge letters reach the GP a week late"


def reloaded(screens, page):
    page.reload()
    return screens.live(page)


def test_a_draft_survives_a_reload_and_is_gone_once_the_post_is_acknowledged(screens):
    carol = screens.participant("Carol")
    carol.get_by_label("Your contribution", exact=True).fill(DRAFT)
    reloaded(screens, carol)
    box = carol.get_by_label("Your contribution", exact=True)
    expect(box).to_have_value(DRAFT)
    expect(carol.locator("#compose-count")).to_have_text(f"{280 - len(DRAFT)} characters left")
    carol.get_by_role("button", name="Post", exact=True).click()
    expect(carol.locator("#own-posts-list .own-post .card-text")).to_have_text([DRAFT])
    expect(carol.locator("#pending")).to_be_empty()
    reloaded(screens, carol)
    expect(carol.get_by_label("Your contribution", exact=True)).to_have_value("")
    expect(carol.locator("#own-posts-list .own-post")).to_have_count(1)


def test_the_next_steps_form_keeps_its_draft_through_a_reload(screens):
    screens.inquiry.rounds_in_order().filter(position=0).update(kind="next_steps")
    carol = screens.participant("Carol")
    carol.get_by_label("What will happen").fill("A joint discharge huddle")
    carol.get_by_label("With whom").fill("Ward managers")
    reloaded(screens, carol)
    expect(carol.get_by_label("What will happen")).to_have_value("A joint discharge huddle")
    expect(carol.get_by_label("With whom")).to_have_value("Ward managers")
    carol.get_by_role("button", name="Propose this action").click()
    expect(carol.locator("#steps-list > li").filter(has_text="A joint discharge huddle")).to_have_count(1)
    reloaded(screens, carol)
    expect(carol.get_by_label("What will happen")).to_have_value("")


def test_erasing_ones_contributions_forgets_the_draft(screens):
    carol = screens.participant("Carol")
    carol.get_by_label("Your contribution", exact=True).fill(DRAFT)
    carol.get_by_role("link", name="Erase my contributions").click()
    carol.get_by_role("button", name="Erase my contributions").click()
    expect(carol.locator(".messages")).to_contain_text(re.compile("^Erased"))
    screens.live(carol)
    expect(carol.get_by_label("Your contribution", exact=True)).to_have_value("")
    reloaded(screens, carol)
    expect(carol.get_by_label("Your contribution", exact=True)).to_have_value("")


def test_a_tables_box_keeps_its_draft_through_a_reload(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol", "NHS")
    screens.participant("Dave", "Local authority")
    alice.get_by_label("Seat people").select_option("random")
    alice.get_by_label("Table size (2–8)").fill("4")
    alice.get_by_role("button", name="Open tables").click()
    expect(carol.locator("#table-view h2")).to_contain_text("Table")
    carol.locator("#table-view textarea").fill("Our table's half thought")
    reloaded(screens, carol)
    expect(carol.locator("#table-view textarea")).to_have_value("Our table's half thought")
    carol.get_by_role("button", name="Post to the table").click()
    expect(carol.locator("#table-view")).to_contain_text("Our table's half thought")
    expect(carol.locator("#table-view textarea")).to_have_value("")
    reloaded(screens, carol)
    expect(carol.locator("#table-view h2")).to_contain_text("Table")
    expect(carol.locator("#table-view textarea")).to_have_value("")
