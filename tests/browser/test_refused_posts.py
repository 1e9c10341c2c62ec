"""A post the server will never store does not stay in "Sending:" for ever: the phone refuses what the
server would refuse as empty before sending it, and a post the server refuses for good (here, one kept
while offline whose round closed meanwhile) leaves the queue, its text back in the box, its error said
once and not again at every reload."""

import json
import uuid

import pytest
from playwright.sync_api import expect

from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, Actor

from .conftest import in_thread
from .pages import post

pytestmark = pytest.mark.django_db(transaction=True)

EMPTY = "Your contribution is empty: write something first."


def keep_in_queue(page, code, *texts):
    """Put posts in the page's queue of posts waiting to be sent, as a phone that went offline keeps
    them, and load the page again: it sends them once its socket is open."""
    queue = [{"client_id": str(uuid.uuid4()), "text": text} for text in texts]
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)", [f"linewalk:pending:{code}", json.dumps(queue)]
    )
    page.reload()


def queued(page, code):
    return page.evaluate("(key) => JSON.parse(localStorage.getItem(key) || '[]')", f"linewalk:pending:{code}")


def test_a_post_of_invisible_characters_is_refused_on_the_phone_and_never_queued(screens):
    carol = screens.participant("Carol")
    post(carol, "\u200b\u2060 \u200b")
    expect(carol.locator("#lw-status")).to_have_text(EMPTY)
    expect(carol.locator("#pending")).to_be_empty()
    assert queued(carol, screens.inquiry.code) == []


def test_a_queued_empty_post_is_refused_once_and_not_sent_again(screens):
    code = screens.inquiry.code
    carol = screens.participant("Carol")
    keep_in_queue(carol, code, "\u200b")
    expect(carol.locator("#lw-status")).to_have_text(EMPTY)
    expect(carol.locator("#pending")).to_be_empty()
    assert queued(carol, code) == []
    carol.reload()
    screens.live(carol)
    expect(carol.locator("#board")).to_be_attached()
    expect(carol.locator("#lw-status")).to_have_text("")
    expect(carol.locator("#pending")).to_be_empty()


def test_a_post_kept_offline_whose_round_closed_leaves_the_queue_and_comes_back_in_the_box(screens):
    code = screens.inquiry.code
    carol = screens.participant("Carol")
    inquiry = screens.inquiry
    alice = Actor(FACILITATOR, inquiry.pk, user_id=inquiry.created_by_id)
    # While the phone is away (the action's broadcast does not reach the test server's screens).
    in_thread(inquiry_actions.set_phase, alice, inquiry.current_round_id, "closed")

    keep_in_queue(carol, code, "Written on the bus")
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_disabled()
    expect(carol.locator("#lw-status")).to_have_text("This round is closed to new contributions.")
    expect(carol.locator("#pending")).to_be_empty()
    expect(carol.get_by_label("Your contribution", exact=True)).to_have_value("Written on the bus")
    assert queued(carol, code) == []

    # Said once: the next load sends nothing and says nothing.
    carol.reload()
    screens.live(carol)
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_disabled()
    expect(carol.locator("#lw-status")).to_have_text("")
    expect(carol.locator("#pending")).to_be_empty()
