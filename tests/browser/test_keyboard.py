"""The facilitator board with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrows, Escape; no mouse):
every control is reachable, focus is always visible, and it lands somewhere sensible after a dialog
closes or the board changes under it."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import seed
from .pages import card, theme

pytestmark = pytest.mark.django_db(transaction=True)


def tab_to(page, target, *, backwards=False, limit=60):
    """Press Tab (Shift+Tab) until ``target`` has focus, as a keyboard user would; fail if it never does."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} never received focus after {limit} presses of {key}")


def assert_focus_is_visible(page):
    """Focus is on a control (not lost to <body>) and drawn: :focus-visible matches and an outline shows."""
    focus = page.evaluate(
        """() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return {tag: el.tagName, id: el.id, visible: el.matches(':focus-visible'),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
    }"""
    )
    assert focus["tag"] != "BODY", focus
    assert focus["visible"] and focus["outline"], focus


def test_a_facilitator_themes_a_card_and_renames_the_theme_with_the_keyboard_alone(screens):
    seed(screens.inquiry, cards=["Shared care records"], themes=["Data"])
    alice = screens.facilitator()
    keyboard = alice.keyboard

    # The first stop is the skip link, and it shows itself.
    keyboard.press("Tab")
    skip = alice.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_focus_is_visible(alice)

    # A new theme: type its name, Enter. Focus stays in the field, ready for the next one.
    new_theme = alice.get_by_label("New theme")
    tab_to(alice, new_theme)
    assert_focus_is_visible(alice)
    keyboard.type("Workforce")
    keyboard.press("Enter")
    expect(theme(alice, "Workforce")).to_be_visible()
    expect(new_theme).to_be_focused()
    expect(new_theme).to_have_value("")

    # The board is one Tab stop: the card's cell, then Enter reaches its buttons, Move first.
    # Move the card through its dialog: Enter opens it on the card's current place, an arrow key picks
    # the theme, Tab reaches Move.
    cell = card(alice, "Shared care records").get_by_role("gridcell")
    tab_to(alice, cell)
    assert_focus_is_visible(alice)
    keyboard.press("Enter")
    move = alice.get_by_role("button", name="Move card: Shared care records")
    expect(move).to_be_focused()
    assert_focus_is_visible(alice)
    keyboard.press("Enter")
    dialog = alice.get_by_role("dialog", name="Move card")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("radio", name="Not yet in a theme")).to_be_focused()
    keyboard.press("ArrowDown")
    keyboard.press("ArrowDown")
    expect(dialog.get_by_role("radio", name="Workforce")).to_be_checked()
    expect(dialog.get_by_role("radio", name="Workforce")).to_be_focused()
    tab_to(alice, dialog.get_by_role("button", name="Move", exact=True))
    assert_focus_is_visible(alice)
    keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    workforce = theme(alice, "Workforce")
    expect(card(workforce, "Shared care records")).to_be_visible()
    expect(alice.locator("#unsorted-count")).to_have_text("0")
    # The card was re-drawn in its new column; focus follows it to its Move button.
    expect(move).to_be_focused()
    assert_focus_is_visible(alice)

    # Space opens the dialog too, and Escape closes it without a change, back to the same button.
    keyboard.press(" ")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("radio", name="Workforce")).to_be_focused()
    keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(move).to_be_focused()
    expect(card(workforce, "Shared care records")).to_be_visible()

    # Rename through the theme's dialog (in the theme's Actions menu): its name field has focus, Enter saves.
    keyboard.press("Escape")
    expect(cell).to_be_focused()
    menu = workforce.locator("summary", has_text="Actions")
    tab_to(alice, menu, backwards=True)
    assert_focus_is_visible(alice)
    keyboard.press("Enter")
    rename = workforce.get_by_role("button", name="Rename or recolour")
    tab_to(alice, rename)
    assert_focus_is_visible(alice)
    keyboard.press("Enter")
    theme_dialog = alice.get_by_role("dialog", name="Rename or recolour theme")
    expect(theme_dialog).to_be_visible()
    name = theme_dialog.get_by_label("Name")
    expect(name).to_be_focused()
    expect(name).to_have_value("Workforce")
    keyboard.press("Control+A")
    keyboard.type("Workforce and skills")
    keyboard.press("Enter")
    expect(theme_dialog).to_be_hidden()
    renamed = theme(alice, "Workforce and skills")
    expect(renamed).to_be_visible()
    expect(card(renamed, "Shared care records")).to_be_visible()
    rename = renamed.get_by_role("button", name="Rename or recolour")
    expect(rename).to_be_focused()
    assert_focus_is_visible(alice)

    # Order the themes: Earlier puts it first, and focus stays on the button that did it.
    earlier = renamed.get_by_role("button", name="Earlier in the order")
    tab_to(alice, earlier)
    keyboard.press("Enter")
    expect(alice.locator("#themes .theme-name")).to_have_text(["Workforce and skills", "Data"])
    moved = theme(alice, "Workforce and skills")
    expect(moved.get_by_role("button", name="Earlier in the order")).to_be_focused()
    assert_focus_is_visible(alice)

    # Merge it into the other theme: its column goes away, and focus moves to the theme it went into
    # (the neighbouring column) instead of falling back to the top of the page.
    tab_to(alice, theme(alice, "Workforce and skills").get_by_role("button", name="Merge…"))
    keyboard.press("Enter")
    merge_dialog = alice.get_by_role("dialog", name="Merge “Workforce and skills”")
    expect(merge_dialog).to_be_visible()
    expect(merge_dialog.get_by_label("Move all its cards into")).to_be_focused()
    expect(merge_dialog.get_by_label("Move all its cards into")).to_have_value(re.compile(r"\d+"))
    tab_to(alice, merge_dialog.get_by_role("button", name="Merge", exact=True))
    keyboard.press("Enter")
    expect(merge_dialog).to_be_hidden()
    expect(alice.locator("#themes .theme-name")).to_have_text(["Data"])
    expect(card(theme(alice, "Data"), "Shared care records")).to_be_visible()
    expect(theme(alice, "Data").get_by_role("button", name="Collapse")).to_be_focused()
    assert_focus_is_visible(alice)
