"""The facilitator's harvest page with an event's worth of contributions (310 in 12 themes): saving and
the downloads are in view without scrolling, the list is grouped by theme and collapsed, a theme is
selected at once, and the save button stays in view however far the list is scrolled."""

import uuid

import pytest
from playwright.sync_api import expect

from board.models import Card, Theme
from inquiry.models import Participant

from .axe import assert_accessible
from .conftest import LAPTOP
from .pages import snap

pytestmark = pytest.mark.django_db(transaction=True)

SHARED_SCREEN = {"width": 1280, "height": 720}


def event_board(inquiry, themes=12, per_theme=26):
    author = Participant.objects.create(inquiry=inquiry, display_name="Dave", sector="Local authority")
    for t in range(themes):
        theme = Theme.objects.create(inquiry=inquiry, name=f"Theme {t + 1}", colour="sky", position=t)
        Card.objects.bulk_create(
            Card(inquiry=inquiry, round=inquiry.current_round, author=author, client_id=uuid.uuid4(),
                 text=f"Contribution {n + 1} about theme {t + 1}, long enough to take a line or two",
                 theme=theme, position=n)
            for n in range(per_theme if t else per_theme - 2)
        )  # fmt: skip


def in_view(page, locator):
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= page.viewport_size["height"]


def test_a_facilitator_saves_and_downloads_without_scrolling_310_contributions(screens):
    event_board(screens.inquiry)
    page = screens.facilitator(viewport=LAPTOP)
    page.set_viewport_size(SHARED_SCREEN)
    page.goto(f"/i/{screens.inquiry.code}/harvest/")
    save = page.get_by_role("button", name="Save selection and note")
    report = page.get_by_role("link", name="Printable report")
    assert in_view(page, save) and in_view(page, report)
    expect(page.locator("#harvest-selected")).to_have_text("0 of 310 selected")
    # Twelve themes, closed: a facilitator opens the one they want and selects it whole.
    themes = page.locator("details.harvest-theme")
    expect(themes).to_have_count(12)
    expect(page.locator("details.harvest-theme[open]")).to_have_count(0)
    third = themes.nth(2)
    third.locator("summary").click()
    third.get_by_role("button", name="Select all 26 in Theme 3").click()
    expect(page.locator("#harvest-selected")).to_have_text("26 of 310 selected")
    expect(third.locator("summary")).to_contain_text("26 selected")
    third.get_by_role("checkbox", name="Contribution 5 about theme 3", exact=False).uncheck()
    expect(page.locator("#harvest-selected")).to_have_text("25 of 310 selected")
    page.get_by_role("button", name="Expand all themes").click()
    expect(page.locator("details.harvest-theme[open]")).to_have_count(12)
    # Far down the list, the save button and the downloads are still in view.
    themes.last.scroll_into_view_if_needed()
    page.mouse.wheel(0, 20000)
    page.wait_for_function("window.scrollY > 5000")
    assert in_view(page, save) and in_view(page, report)
    snap(page, "harvest-manage-scrolled")
    save.click()
    expect(page.get_by_text("Saved: 25 featured contributions and the note.")).to_be_visible()
    assert Card.objects.filter(inquiry=screens.inquiry, featured=True).count() == 25
    # After saving, the themes with a selection are open; the others stay closed.
    expect(page.locator("details.harvest-theme[open]")).to_have_count(1)
    expect(page.locator("#harvest-selected")).to_have_text("25 of 310 selected")
    snap(page, "harvest-manage")
    assert_accessible(page, "harvest page, 310 contributions")


# Whether the side column scrolls on its own (a box of its own to scroll, whatever it holds below its fold).
OWN_SCROLL = """a => getComputedStyle(a).overflowY !== 'visible' && a.scrollHeight > a.clientHeight + 1"""


def every_part_in_view(aside):
    for control in aside.locator("a, button").all():
        expect(control).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("event_inquiry", ["closed"], indirect=True)
def test_the_whole_side_column_is_in_view_at_1280x720_and_stays_while_the_list_scrolls(event_screens):
    """Publishing, the downloads, the systems map's exports and the next steps' (they were below the
    column's own fold: docs/screens/harvest.png), every link and button whole in a 1280x720 window, at the
    top of the page and far down the list of 310 contributions, published or not."""
    page = event_screens.facilitator(viewport=SHARED_SCREEN)
    page.goto(f"/i/{event_screens.inquiry.code}/harvest/")
    aside = page.get_by_role("complementary", name="Publish and download")
    expect(aside.locator("#map-downloads a")).to_have_count(5)
    expect(aside.locator("a, button")).to_have_count(16)
    assert not aside.evaluate(OWN_SCROLL)
    every_part_in_view(aside)
    page.get_by_role("button", name="Expand all themes").click()
    assert page.evaluate("() => { window.scrollTo(0, document.body.scrollHeight); return scrollY; }") > 5000
    every_part_in_view(aside)
    snap(page, "harvest-1280x720-scrolled")

    aside.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The harvest is published")).to_be_visible()
    expect(aside.get_by_role("button", name="Unpublish")).to_be_visible()
    expect(aside.locator("a, button")).to_have_count(18)  # the public link and its Copy
    assert not aside.evaluate(OWN_SCROLL)
    assert page.evaluate("() => { window.scrollTo(0, 400); return scrollY; }") == 400
    every_part_in_view(aside)
    snap(page, "harvest-1280x720-published")


def test_the_published_link_is_copied_with_one_button_and_says_so(screens):
    alice = screens.facilitator()
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=screens.base_url)
    alice.goto(f"/i/{screens.inquiry.code}/harvest/")
    alice.get_by_role("button", name="Publish").click()
    link = alice.locator("#harvest-state a")
    expect(link).to_be_visible()
    copy = alice.get_by_role("button", name="Copy the link")
    copy.focus()
    alice.keyboard.press("Enter")
    expect(alice.get_by_role("status").filter(has_text="Copied")).to_have_text("Copied")
    assert alice.evaluate("navigator.clipboard.readText()") == link.get_attribute("href")
    assert_accessible(alice, "harvest page, link copied")
