"""A post let out of the review queue shows once on every screen, its author's phone included (the
phone already showed it as its own, waiting; the room's frame brings it again, approved)."""

import pytest
from playwright.sync_api import expect

from inquiry.models import Inquiry

from .conftest import in_thread
from .pages import card, post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("text", ["Shared care records for every partner", "Call me on 07700 900123"])
def test_an_approved_post_shows_once_on_its_authors_phone(screens, text):
    # Pre-moderation holds the first post; safeguarding the second (a phone number) on any inquiry.
    in_thread(lambda: Inquiry.objects.filter(pk=screens.inquiry.pk).update(premoderation=True))
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    dave = screens.participant("Dave", "Local authority")
    post(carol, text)
    expect(card(carol, text)).to_have_attribute("data-status", "pending" if "07700" not in text else "held")
    expect(alice.locator("#queue-count")).to_have_text("1")
    alice.locator("#queue-cards").get_by_role("button", name="Approve").click()
    for page in (dave, alice, carol):
        expect(card(page, text).and_(page.locator(".card:not([data-status])"))).to_be_visible()
        expect(card(page, text)).to_have_count(1)
    expect(carol.locator("#own-posts-list .own-post").filter(has_text=text)).to_have_count(1)
