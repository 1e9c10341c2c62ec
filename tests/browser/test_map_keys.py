"""Moving a theme on the systems map from the keyboard (the facilitator's workspace at event size, the
closing round with the map on the shared screen): focus stays on the theme while the map redraws."""

import pytest
from playwright.sync_api import expect

from .conftest import SHARED_SCREEN

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
def test_a_theme_moved_with_the_arrow_keys_keeps_focus_as_the_map_redraws(event_screens):
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    node = alice.locator("#map-svg .map-node[tabindex='0']").first
    node_id = node.get_attribute("id")
    node = alice.locator(f"#{node_id}")
    node.focus()
    scrolled = alice.evaluate("() => scrollY")
    for _ in range(2):
        before = node.get_attribute("transform")
        alice.keyboard.press("ArrowDown")
        expect(node).not_to_have_attribute("transform", before)  # the map came back redrawn
        expect(node).to_be_focused()
    # The arrows moved the theme, not the page: at most the page follows the theme to keep it in view (a
    # few pixels), never an arrow key's scroll of the page (40 px a press).
    assert abs(alice.evaluate("() => scrollY") - scrolled) < 40
    expect(node).to_be_in_viewport()
