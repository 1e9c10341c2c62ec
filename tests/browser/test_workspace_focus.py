"""Where focus goes on the facilitator's workspace (1280x720, event size) when a frame moves what it was on:
a card moved with the Move dialog, by a selection, by another facilitator; a theme merged. Focus lands on
something a person can see, not on a control scrolled out of view (WCAG 2.4.3, 2.4.11)."""

import pytest
from playwright.sync_api import expect

from board.models import Card, Theme

from .conftest import SHARED_SCREEN
from .test_presenter import Steering
from .test_workspace import select_unsorted

pytestmark = pytest.mark.django_db(transaction=True)

# What a person sees of the focused element: its element, and whether it is whole inside the window and
# inside every box that scrolls around it.
FOCUS_SEEN = """() => {
  const el = document.activeElement;
  const r = el.getBoundingClientRect();
  let why = null;
  let seen = r.width > 0 && r.top >= -0.5 && r.left >= -0.5 &&
    r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5;
  for (let box = el.parentElement; box && seen; box = box.parentElement) {
    if (!/(auto|scroll|hidden)/.test(getComputedStyle(box).overflowY)) continue;
    const b = box.getBoundingClientRect();
    seen = r.top >= b.top - 0.5 && r.bottom <= b.bottom + 0.5;
    if (!seen) why = [box.id || box.className, b.top, b.bottom];
  }
  const card = el.closest('.card'), list = el.closest('ol.cards');
  return {id: el.id, card: card ? card.id : null, list: list ? list.id : null,
          top: Math.round(r.top), bottom: Math.round(r.bottom), seen, why};
}"""


def focus_seen(page):
    return page.evaluate(FOCUS_SEEN)


def wait_for_focus_on(page, selector):
    """Focus is on ``selector``, and (once the page has laid out what the frame brought) in view."""
    expect(page.locator(selector)).to_be_focused()
    try:
        page.wait_for_function(f"() => ({FOCUS_SEEN})().seen", timeout=5_000)
    except Exception:
        raise AssertionError(f"focus is out of view: {focus_seen(page)}") from None
    expect(page.locator(selector)).to_be_focused()
    return focus_seen(page)


def test_a_card_moved_with_the_keyboard_keeps_focus_in_its_new_place_in_view(event_screens):
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    alice.locator("#board .card .cell[tabindex='0']").wait_for(state="attached")
    first, second = Theme.objects.filter(inquiry=event_screens.inquiry).order_by("position")[:2]
    # The walkthrough's keys: skip to the cards, arrows to a card in the first theme, Enter, Enter on Move,
    # ArrowDown to the next theme, Enter.
    alice.get_by_role("link", name="Skip to the cards").focus()
    alice.keyboard.press("Enter")
    for _ in range(3):
        alice.keyboard.press("ArrowRight")
    alice.keyboard.press("ArrowDown")
    on = focus_seen(alice)
    card_id = on["card"]
    assert on["list"] == f"cards-theme-{first.pk}", on
    alice.keyboard.press("Enter")
    expect(alice.locator(f"#{card_id}-move")).to_be_focused()
    alice.keyboard.press("Enter")
    expect(alice.locator("#move-dialog")).to_be_visible()
    alice.keyboard.press("ArrowDown")
    expect(alice.get_by_role("radio", name=second.name)).to_be_checked()
    alice.keyboard.press("Enter")
    expect(alice.locator(f"#cards-theme-{second.pk} > #{card_id}")).to_have_count(1)
    # Focus is on its Move button again (Space moves it on), in its new place and in view.
    seen = wait_for_focus_on(alice, f"#{card_id}-move")
    assert seen["list"] == f"cards-theme-{second.pk}"


def test_a_card_another_facilitator_moves_keeps_focus_on_it_in_its_new_place(event_screens):
    inquiry = event_screens.inquiry
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    last = Theme.objects.filter(inquiry=inquiry).order_by("position").last()
    card_id = alice.locator("#cards-unsorted > .card").first.get_attribute("id")
    alice.locator(f"#{card_id} > .cell").focus()
    Steering(event_screens, "alice").send(type="card", op="move", card=int(card_id[5:]), theme=last.pk)
    expect(alice.locator(f"#cards-theme-{last.pk} > #{card_id}")).to_have_count(1)
    wait_for_focus_on(alice, f"#{card_id} > .cell")


def test_a_selection_moved_puts_focus_on_its_first_card_in_its_new_place(event_screens):
    inquiry = event_screens.inquiry
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    last = Theme.objects.filter(inquiry=inquiry).order_by("position").last()
    ids = select_unsorted(alice, 3)
    alice.get_by_label("Move the selected cards to").select_option(label=last.name)
    alice.get_by_role("button", name="Move selected").focus()
    alice.keyboard.press("Enter")
    expect(alice.locator("#lw-status")).to_contain_text("Moved 3 cards")
    seen = wait_for_focus_on(alice, f"#card-{ids[0]} > .cell")
    assert seen["list"] == f"cards-theme-{last.pk}"


def test_a_merged_theme_leaves_focus_on_the_theme_it_went_into(event_screens):
    inquiry = event_screens.inquiry
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    themes = list(Theme.objects.filter(inquiry=inquiry).order_by("position"))
    doomed, into = themes[0], themes[-1]
    alice.locator(f"#theme-{doomed.pk}-menu > summary").click()
    alice.locator(f"#theme-{doomed.pk}-merge").click()
    alice.get_by_label("Move all its cards into").select_option(label=into.name)
    alice.get_by_role("button", name="Merge", exact=True).press("Enter")
    expect(alice.locator(f"#theme-{doomed.pk}")).to_have_count(0)
    moved = Card.objects.filter(theme=into).count()
    expect(alice.locator(f"#theme-{into.pk}-count")).to_have_text(str(moved))
    wait_for_focus_on(alice, f"#theme-{into.pk}-collapse")
