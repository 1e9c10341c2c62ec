"""The facilitator's workspace as one screen at 1280x720 (and 1920x1080), from a new facilitator's
walk-through: the side panel scrolls on its own beside a board that stays put, and stays in view while
the page goes down to the map and next steps; a click selects one card, as in a file manager, and a card
moved leaves the selection; a card's opened actions and its "✓ selected" tag and ⋯ button cover nothing;
an empty theme is small."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import FULL_HD, SHARED_SCREEN, seed
from .pages import card, open_card, snap, theme

pytestmark = pytest.mark.django_db(transaction=True)

# Where a part of the page is in the window: its box, rounded.
BOX = """el => { const r = el.getBoundingClientRect(), round = Math.round;
  return {top: round(r.top), bottom: round(r.bottom), left: round(r.left), right: round(r.right)}; }"""


@pytest.mark.parametrize("viewport", [SHARED_SCREEN, FULL_HD], ids=["1280x720", "1920x1080"])
def test_the_side_panel_scrolls_on_its_own_beside_the_board_and_stays_in_view_down_the_page(
    event_screens, viewport
):
    """ "Open a vote" (since gone for the Vote phase's dialog), Announce and the review queue were below the
    fold of a page ~3,600px tall: scrolling down to them took the board away. They are reached by scrolling
    the panel alone: the page and the board stay where they are. Going down the page to the next steps, the
    panel stays in view."""
    alice = event_screens.facilitator("alice", viewport=viewport)
    height = viewport["height"]
    board = alice.locator("#board")
    phases = alice.locator("#round-banner .phase-controls")
    board_box = board.evaluate(BOX)
    # One screen: the board ends in the window; the panel's parts below its foot are a scroll of it away.
    assert board_box["bottom"] <= height, board_box
    for part in (
        alice.get_by_role("button", name="Announce"),
        alice.locator("#queue-heading"),
        alice.locator("#lens > summary"),
    ):
        part.scroll_into_view_if_needed()
        expect(part).to_be_in_viewport(ratio=1)
        assert alice.evaluate("() => scrollY") == 0, part
        assert board.evaluate(BOX) == board_box
    # Back to the panel's top, then down the page to the next steps: the panel stays where it was, the
    # round's phases in it. (Scrolled into view from below, the phases lay flush with the panel's top
    # edge, a fraction of a pixel of them under it.)
    alice.locator("#ws-panel").evaluate("el => el.scrollTo(0, 0)")
    phases_box = phases.evaluate(BOX)
    alice.locator("#next-steps").evaluate("el => el.scrollIntoView({block: 'end'})")
    assert alice.evaluate("() => scrollY") > 0
    expect(alice.locator("#next-steps")).to_be_in_viewport()
    assert phases.evaluate(BOX) == phases_box
    expect(phases).to_be_in_viewport(ratio=1)


def selected(page):
    return page.locator("#board .card.is-selected .card-text").all_text_contents()


def test_a_click_selects_that_card_alone_and_a_card_moved_leaves_the_selection(screens):
    """As in a file manager: a click selects the card clicked, Ctrl+click (or Shift+click) adds. The walk-
    through ended with "3 cards selected", one of them already moved with the Move dialog, so Move selected
    would have taken it back out of its theme."""
    texts = ["Beds are blocked", "Letters arrive late", "Pharmacy is slow"]
    seed(screens.inquiry, cards=texts, themes=["Flow"])
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    unsorted = alice.locator("#cards-unsorted")
    count = alice.locator("#ws-selected")
    card(unsorted, "Beds are blocked").locator(".card-text").click()
    expect(count).to_have_text("1 card selected")
    card(unsorted, "Letters arrive late").locator(".card-text").click()
    expect(count).to_have_text("1 card selected")
    assert selected(alice) == ["Letters arrive late"]
    card(unsorted, "Pharmacy is slow").locator(".card-text").click(modifiers=["ControlOrMeta"])
    expect(count).to_have_text("2 cards selected")
    card(unsorted, "Beds are blocked").locator(".card-text").click(modifiers=["Shift"])
    expect(count).to_have_text("3 cards selected")

    # "Letters arrive late" goes into Flow with its own Move dialog: it leaves the selection.
    open_card(unsorted, "Letters arrive late").get_by_role("button", name=re.compile("^Move card")).click()
    dialog = alice.get_by_role("dialog", name="Move card")
    dialog.get_by_role("radio", name="Flow").check()
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(card(theme(alice, "Flow"), "Letters arrive late")).to_be_visible()
    expect(count).to_have_text("2 cards selected")
    assert sorted(selected(alice)) == ["Beds are blocked", "Pharmacy is slow"]
    moved = card(theme(alice, "Flow"), "Letters arrive late")
    expect(moved).not_to_have_class(re.compile(r"\bis-selected\b"))
    # A click on the card that is the whole selection takes it away.
    card(unsorted, "Pharmacy is slow").locator(".card-text").click()
    expect(count).to_have_text("1 card selected")
    card(unsorted, "Pharmacy is slow").locator(".card-text").click()
    expect(count).to_have_text("No cards selected")


# Every selected card on screen whose text runs under its ⋯ button (shown on a selected card): the
# button's box meets a line of the text.
UNDER_THE_BUTTON = """() => {
  const meets = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
    a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const within = (r, b) => r.top >= b.top && r.bottom <= b.bottom && r.bottom <= innerHeight;
  const shown = c => c.getClientRects().length &&
    within(c.getBoundingClientRect(), c.parentElement.getBoundingClientRect());
  return [...document.querySelectorAll('#board .card.is-selected')].filter(shown).filter(c => {
    const button = c.querySelector('.card-menu').getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(c.querySelector('.card-text'));
    return [...range.getClientRects()].some(line => line.width > 0 && meets(line, button));
  }).map(c => c.querySelector('.card-text').textContent);
}"""

# The boxes of the unsorted cards, in order.
BOXES = """() => [...document.querySelectorAll('#cards-unsorted > .card')]
  .filter(c => c.getClientRects().length)
  .map(c => { const r = c.getBoundingClientRect();
    return [c.id, Math.round(r.top), Math.round(r.height)]; })"""


def test_a_cards_actions_open_over_the_board_and_its_tag_and_button_cover_no_text(event_screens):
    """Opening a card's ⋯ stretched its whole row of the grid; the "✓ selected" tag and the ⋯ button lay
    over the end of the text's first lines."""
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    first = alice.locator("#cards-unsorted > .card").first
    first.locator(".card-text").click()
    first.hover()
    expect(first).to_have_class(re.compile(r"\bis-selected\b"))
    before = alice.evaluate(BOXES)
    first.get_by_role("button", name=re.compile("^Actions for the card")).click()
    move = first.get_by_role("button", name=re.compile("^Move card"))
    expect(move).to_be_visible()
    # Every card keeps its place and its size, the one opened too; its buttons are on top, to be clicked.
    assert alice.evaluate(BOXES) == before
    box = move.bounding_box()
    assert move.evaluate(
        "(el, [x, y]) => el.contains(document.elementFromPoint(x, y))",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    # Every unsorted card on screen selected, each with its tag and its ⋯: no text under the button.
    alice.keyboard.press("Escape")
    ids = alice.evaluate(
        "() => { const list = document.getElementById('cards-unsorted').getBoundingClientRect();"
        " return [...document.querySelectorAll('#cards-unsorted > .card')]"
        ".filter(c => { const r = c.getBoundingClientRect();"
        " return r.height > 0 && r.bottom <= list.bottom; })"
        ".map(c => c.dataset.card); }"
    )
    assert len(ids) >= 12, ids
    for card_id in ids[1:]:
        alice.locator(f"#card-{card_id} .card-meta").click(modifiers=["ControlOrMeta"])
    expect(alice.locator("#ws-selected")).to_have_text(re.compile(r"^\d+ cards selected"))
    assert alice.evaluate(UNDER_THE_BUTTON) == []


def test_an_empty_theme_is_its_header_and_a_small_place_to_drop_cards(screens):
    """Each empty theme took ~240px at 1280x720, so two and a half showed: now six show at once, and a card
    dropped on one goes into it."""
    names = ["Flow", "Workforce", "Records", "Housing", "Transport", "Carers"]
    seed(screens.inquiry, cards=["Beds are blocked"], themes=names)
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    themes = alice.locator("#themes > .theme")
    expect(themes).to_have_count(6)
    snap(alice, "workspace-empty-themes")
    heights = themes.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert all(h <= 90 for h in heights), heights
    for name in names:
        expect(theme(alice, name)).to_be_in_viewport(ratio=1)
    drop = theme(alice, "Carers").locator(".cards")
    assert drop.bounding_box()["height"] >= 32
    card(alice.locator("#cards-unsorted"), "Beds are blocked").drag_to(drop)
    expect(card(theme(alice, "Carers"), "Beds are blocked")).to_be_visible()
    expect(theme(alice, "Carers").locator(".count")).to_have_text("1")
