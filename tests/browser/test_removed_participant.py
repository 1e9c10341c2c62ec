"""A participant a facilitator removes is told so once, plainly, on their phone: no invitation to join
again (joining again is refused), the box to post in disabled, and no Edit or Delete on their posts."""

import re

import pytest
from playwright.sync_api import expect

from inquiry.models import Inquiry

from .conftest import in_thread
from .pages import post

pytestmark = pytest.mark.django_db(transaction=True)

REMOVED = "A facilitator has removed you from this inquiry."


def test_a_removed_participant_is_told_once_and_can_no_longer_post_edit_or_delete(screens):
    in_thread(lambda: Inquiry.objects.filter(pk=screens.inquiry.pk).update(premoderation=True))
    alice = screens.facilitator()
    carol = screens.participant("Troll")
    post(carol, "Still useless idiots all of them")
    own = carol.locator("#own-posts-list .own-post")
    expect(own.get_by_role("button", name=re.compile("^Edit"))).to_be_visible()

    screens.answer_next_dialog(alice)
    alice.locator("#queue-cards").get_by_role("button", name="Remove this participant").click()
    expect(carol.locator("#lw-status")).to_have_text(REMOVED)
    expect(carol.get_by_text(re.compile("join the inquiry again", re.I))).to_have_count(0)
    expect(carol.locator("#lw-connection")).to_be_hidden()
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_disabled()
    expect(carol.get_by_role("button", name="Post")).to_be_disabled()
    expect(carol.locator(".closed-note")).to_be_hidden()  # not "the box opens again"
    expect(own).to_contain_text("Still useless idiots all of them")
    expect(own.get_by_role("button")).to_have_count(0)
