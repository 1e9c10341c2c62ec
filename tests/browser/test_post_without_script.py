"""A phone whose page script has not run (switched off, or not yet loaded on a slow connection) cannot
send a post as a plain form: the page says Post comes on once it is connected (it needs JavaScript), Post
stays off, and nothing typed ends up in the address (a GET form would put the contribution in the address
bar, the history and the server's log, and lose it). With the script, Post comes on once the room's state
is in."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_without_script_the_phone_says_so_and_sends_nothing(screens):
    context = screens.context(PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    page = screens.page(context)
    page.goto(f"/i/{screens.inquiry.code}/join/")
    page.get_by_role("radio", name="NHS").check()
    page.get_by_role("button", name="Join the inquiry").click()
    expect(page.get_by_text("Post comes on once this page is connected")).to_be_visible()
    post = page.get_by_role("button", name="Post")
    expect(post).to_be_disabled()
    page.get_by_role("textbox", name="Your contribution").fill("Shared care records for every resident")
    post.click(force=True)
    expect(post).to_be_disabled()
    assert not urlsplit(page.url).query


def test_with_script_post_comes_on_and_the_note_is_not_shown(screens):
    carol = screens.participant("Carol")
    expect(carol.get_by_role("button", name="Post")).to_be_enabled()
    expect(carol.get_by_text("Post comes on once this page is connected")).to_be_hidden()
