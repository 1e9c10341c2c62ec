"""The end of an event, as people see it: the facilitator closes the inquiry; phones turn read-only and
say so (no box, no "This resonates", no "I'm in"), keep their private page's link, and link to the harvest
once it is published; the shared screen drops its join prompt."""

import re

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible
from .conftest import seed
from .pages import card, snap

pytestmark = pytest.mark.django_db(transaction=True)

STEP = "Joint induction for new starters"


def test_closing_turns_every_phone_read_only_and_links_the_harvest(screens):
    seed(screens.inquiry, cards=["Waiting lists are the first thing people mention"])
    alice = screens.facilitator()
    presenter = screens.presenter(viewport={"width": 1280, "height": 720})
    carol = screens.participant("Carol", "NHS")
    dave = screens.participant("Dave", "Local authority")
    alice.get_by_role("button", name=re.compile("Make this round the next steps")).click()
    carol.get_by_label("What will happen").fill(STEP)
    carol.get_by_label("With whom (optional)").fill("Age UK")
    carol.get_by_role("button", name="Propose this action").click()
    action = dave.locator("#steps-list > li").filter(has_text=STEP)
    action.get_by_role("button", name=re.compile("I’m in")).click()
    expect(action.get_by_role("button", name=re.compile("^Leave"))).to_be_visible()
    # Dave shared no contact; his phone links to his own page all the same.
    expect(dave.locator("#private-link")).to_be_visible()
    waiting = card(dave, "Waiting lists are the first thing people mention")
    expect(waiting.get_by_role("button", name="This resonates")).to_be_visible()
    expect(presenter.locator(".presenter-join")).to_be_visible()

    alice.goto(f"/i/{screens.inquiry.code}/data/")
    alice.get_by_role("button", name="Close the inquiry").click()

    for phone in (carol, dave):
        expect(phone.locator("#inquiry-closed")).to_contain_text("This inquiry has closed.")
        expect(phone.get_by_label("Your contribution", exact=True)).to_be_hidden()
        expect(phone.get_by_role("button", name="This resonates")).to_have_count(0)
        expect(phone.get_by_role("button", name=re.compile("I’m in|^Leave"))).to_have_count(0)
        expect(phone.get_by_role("button", name="Propose this action")).to_have_count(0)
        expect(phone.get_by_role("button", name="Share my contact")).to_have_count(0)
        expect(phone.locator("#private-link")).to_be_visible()
    expect(dave.locator("#steps-list > li").filter(has_text=STEP)).to_contain_text("2 signed up")
    expect(presenter.locator(".presenter-join")).to_be_hidden()
    expect(presenter.locator("#inquiry-closed")).to_contain_text("This inquiry has closed.")

    # The facilitators' board says what they may still do.
    alice.set_viewport_size({"width": 1280, "height": 720})
    alice.goto(f"/i/{screens.inquiry.code}/facilitate/")
    expect(alice.locator("#inquiry-closed")).to_contain_text(
        "participants can no longer add or change anything"
    )
    snap(alice, "facilitator-closed")
    alice.goto(f"/i/{screens.inquiry.code}/harvest/")
    alice.get_by_role("button", name="Publish").click()
    harvest = dave.get_by_role("link", name=re.compile("Read the harvest"))
    expect(harvest).to_be_visible()
    snap(dave, "phone-closed")
    snap(presenter, "presenter-closed")
    assert_accessible(dave, "phone, after the close")
    dave.locator("#private-link").click()
    expect(dave.get_by_role("heading", name="The actions you signed up to")).to_be_visible()
    expect(dave.locator("ol.steps")).to_contain_text("With: Age UK")
    snap(dave, "private-closed")
    dave.get_by_role("link", name=re.compile("Read the harvest")).click()
    dave.wait_for_url(re.compile(r"/h/[^/]+/$"))
    expect(dave.get_by_role("heading", name="Who took part")).to_be_visible()
    # Someone new finds the inquiry has closed, with the same link.
    late = screens.page(screens.context({"width": 390, "height": 844}, is_mobile=True))
    late.goto(f"/j/{screens.inquiry.code}")
    expect(late.get_by_role("status")).to_contain_text("This inquiry has closed.")
    expect(late.get_by_role("link", name=re.compile("Read the harvest"))).to_be_visible()
    expect(late.get_by_role("button", name="Join the inquiry")).to_have_count(0)
    snap(late, "join-closed")
    assert_accessible(late, "join page of a closed inquiry")


def test_the_closed_workspace_offers_the_reopen_not_what_the_room_can_no_longer_answer(screens):
    """At 1280x720, once the inquiry closes (here from another facilitator's data page), the workspace's
    panel no longer offers the timer, a vote, a new round, an announcement, its round's phases or the
    spotlight (the server would refuse each): it offers Reopen the inquiry, which brings them all back on
    the open page, without a reload."""
    seed(
        screens.inquiry,
        cards=["Waiting lists are the first thing people mention"],
        themes=["Access", "Staff"],
    )
    alice = screens.facilitator(viewport={"width": 1280, "height": 720})
    bob = screens.facilitator("bob")
    # A link on the map: its vote is offered once there is something to vote on.
    form = alice.get_by_role("form", name="Link two themes")
    form.get_by_label("From").select_option(label="Staff")
    form.get_by_label("To").select_option(label="Access")
    form.get_by_role("button", name="Add the link").click()
    offered = {
        "timer": alice.get_by_role("button", name="Start timer"),
        "vote": alice.get_by_role("group", name="Phase of this round").get_by_role("button", name="Vote"),
        "round": alice.locator("#round-add"),  # in the agenda, folded
        "announcement": alice.get_by_role("button", name="Announce"),
        "phases": alice.locator("#round-banner .phase-controls"),
        "card spotlight": alice.locator("#live [data-action=card-spotlight]"),
        "theme spotlight": alice.locator("#live [data-action=theme-spotlight]").first,
    }
    for control in offered.values():
        expect(control).to_have_count(1)
    # Further down the page: the tables' set-up and the systems map's room-wide controls.
    below = {
        "tables": alice.get_by_role("button", name="Open tables"),
        "map vote": alice.get_by_role("button", name="Vote on where to act"),
        "map linking": alice.get_by_role("button", name="Let participants link themes in this round"),
    }
    for control in below.values():
        expect(control).to_be_visible()
    reopen = alice.get_by_role("button", name="Reopen the inquiry")
    expect(reopen).to_have_count(0)

    bob.goto(f"/i/{screens.inquiry.code}/data/")
    bob.get_by_role("button", name="Close the inquiry").click()

    expect(alice.locator("#inquiry-closed")).to_be_visible()
    for name, control in {**offered, **below}.items():
        expect(control, name).to_have_count(0)
    expect(alice.get_by_text("The inquiry is closed: tables open again once it is reopened.")).to_be_visible()
    expect(reopen).to_be_in_viewport(ratio=1)
    assert_accessible(alice, "the workspace, closed")
    reopen.click()
    expect(alice.locator("#inquiry-closed")).to_have_count(0)
    for name, control in offered.items():
        expect(control, name).to_have_count(1)
    for name, control in below.items():
        expect(control, name).to_be_visible()
    expect(alice.get_by_role("button", name="Start timer")).to_be_in_viewport(ratio=1)
