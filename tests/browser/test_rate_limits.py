"""A participant posting faster than the post limit allows (docs/rate-limits.md), in the browser: the
refused post is kept, the page says why, and it goes through by itself once the limit allows."""

import pytest
from playwright.sync_api import expect

from inquiry import limits

from .pages import card, post

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = "posting faster than the room can read"


def test_a_post_over_the_limit_is_kept_and_sent_once_the_limit_allows(screens):
    carol = screens.participant("Carol")
    status = carol.locator("#lw-status")
    # The limit's burst, and then some: typing takes time, and a post comes back every 3 s meanwhile.
    for n in range(3 * limits.DEFAULTS["post"].count):
        post(carol, f"Quick thought {n}")
        if REFUSED in status.inner_text():
            break
    expect(status).to_contain_text(REFUSED)
    # What was refused is still in the page's queue.
    waiting = [text.removeprefix("Sending: ") for text in carol.locator("#pending li").all_inner_texts()]
    assert waiting, "a refused post stays in the queue"
    # The page tries its queue again 10 s after a refusal, until the limit lets each through.
    for text in waiting:
        expect(card(carol, text)).to_be_visible(timeout=40_000)
    expect(carol.locator("#pending li")).to_have_count(0)
