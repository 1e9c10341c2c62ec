"""At 320 CSS px (WCAG 1.4.10, reflow) no page scrolls sideways: a table wider than the screen scrolls in
its own box, and the page does not."""

import uuid

import pytest
from django.contrib.auth import get_user_model

from board.models import NextStep
from inquiry.accounts.actions import invite
from inquiry.accounts.models import Account
from inquiry.models import Participant

from ..board.test_exports import make_board
from .axe import assert_accessible
from .pages import snap

pytestmark = pytest.mark.django_db(transaction=True)

NARROW = {"width": 320, "height": 640}

# The page's own width, and the elements wider than the screen that are not inside a scrolling box.
OVERFLOW = """() => {
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.right > 321 && !el.closest('.table-scroll') && getComputedStyle(el).position !== 'absolute';
  }).slice(0, 5);
  return {width: document.documentElement.scrollWidth, wide: wide.map(el => el.tagName + '.' + el.className)};
}"""


def test_no_page_scrolls_sideways_at_320_px(screens, users):
    inquiry = screens.inquiry
    make_board(inquiry)
    author = Participant.objects.get(inquiry=inquiry, display_name="Carol")
    NextStep.objects.create(
        inquiry=inquiry, round=inquiry.current_round, author=author, client_id=uuid.uuid4(),
        what="A joint workforce plan across the NHS trust and the council's adult social care",
        with_whom="HR leads of both organisations and the voluntary sector forum", by_when="End of June 2027",
    )  # fmt: skip
    inquiry.harvest_token, inquiry.harvest_published = "narrow-page-token", True
    inquiry.save()
    Account.objects.update_or_create(user=users["alice"], defaults={"admin": True})
    get_user_model().objects.filter(username="bob").update(email="bob.long-address@council.example.org")
    invite(users["alice"], "a.much-longer-address@nhs-trust.example.org", link_for=lambda token: token)
    page = screens.facilitator(viewport=NARROW)
    seen = {}
    for path in (
        "/h/narrow-page-token/",
        f"/i/{inquiry.code}/export/report/",
        "/inquiries/",
        "/accounts/facilitators/",
        "/accounts/invitations/",
    ):
        page.goto(path)
        seen[path] = page.evaluate(OVERFLOW)
        snap(page, "narrow" + path.replace("/", "-").rstrip("-"))
    # The tables are still there to read: scrolled in their own box, which the keyboard can reach.
    page.goto("/accounts/facilitators/")
    box = page.get_by_role("region", name="Facilitators (scrolls sideways)")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth && el.tabIndex === 0")
    assert_accessible(page, "facilitators at 320 px")
    assert all(found["width"] <= 320 and not found["wide"] for found in seen.values()), seen
