"""Finding things on a Linewalk page the way a person reads it: a card by its text, a theme by its name."""

import re

from playwright.sync_api import Locator

MINE = re.compile(r"\bmine\b")


def card(scope, text):
    """The card showing exactly ``text`` inside ``scope`` (a page or a part of one)."""
    page = scope.page if isinstance(scope, Locator) else scope
    return scope.locator(".card").filter(has=page.locator(".card-text").get_by_text(text, exact=True))


def open_card(scope, text):
    """The facilitator's card showing ``text``, its actions shown as a pointer shows them: its ⋯ button."""
    found = card(scope, text)
    found.get_by_role("button", name=re.compile("^Actions for the card")).click()
    return found


def vote_item(page, text):
    """The item of the phone's vote view (only what can be voted on) showing exactly ``text``."""
    return page.locator("#vote-view .vote-item").filter(
        has=page.locator(".vote-item-text").get_by_text(text, exact=True)
    )


def open_vote_dialog(page):
    """Press the round's Vote in the facilitator's workspace: the dialog that asks for the vote's settings."""
    page.get_by_role("group", name="Phase of this round").get_by_role("button", name="Vote").click()
    dialog = page.locator("#vote-dialog")
    dialog.wait_for(state="visible")
    return dialog


def theme(page, name):
    """The theme column headed ``name``."""
    return page.locator("#themes > .theme").filter(has=page.get_by_role("heading", name=name, exact=True))


def post(page, text):
    """Write ``text`` in the participant's box and press Post."""
    page.get_by_label("Your contribution", exact=True).fill(text)
    page.get_by_role("button", name="Post").click()


def snap(page, name, full_page=True):
    """Save a screenshot to /tmp/linewalk-<name>.png when LINEWALK_SCREENSHOTS is set (to look at the pages
    while working on them; ``full_page=False``: the screen as it is scrolled); otherwise do nothing, so the
    suite stays quick."""
    import os

    if os.environ.get("LINEWALK_SCREENSHOTS"):
        page.screenshot(path=f"/tmp/linewalk-{name}.png", full_page=full_page)


# What the presenter's measures share (a prelude to a page function's body): whether box ``r`` is inside
# box ``b`` and not empty, whether an element is cut off by a box around it that hides what overflows, and
# whether it is on top (nothing drawn over its middle and its corners, ``edge`` of its size in from each).
SCREEN_GEOMETRY = """
  const inside = (r, b) => r.width > 0 && r.height > 0 && r.left >= b.left - 0.5 && r.top >= b.top - 0.5
    && r.right <= b.right + 0.5 && r.bottom <= b.bottom + 0.5;
  const clipped = el => {
    const r = el.getBoundingClientRect();
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const box = a.getBoundingClientRect();
      if (getComputedStyle(a).overflow !== 'visible' && !inside(r, box)) { return true; }
    }
    return false;
  };
  const onTopWithin = (el, edge) => {
    const r = el.getBoundingClientRect();
    return [[0.5, 0.5], [edge, edge], [1 - edge, 1 - edge]].every(([x, y]) => {
      const hit = document.elementFromPoint(r.left + r.width * x, r.top + r.height * y);
      return hit && (el.contains(hit) || hit.contains(el));
    });
  };
"""
