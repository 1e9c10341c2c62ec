"""The sector lens's bars say what they measure. A figure is a sector's support per participant (dots and
reactions over its people, board/lens.py): it has no ceiling, so a full bar is not "everyone". Every bar
is drawn to one scale, a full bar being the highest figure shown, and the lens's key says so with that
figure, on the shared screen (where the lens's help is left out) and on a phone (the walk-through found
1.38 filling its whole bar with nothing to say what a full bar was)."""

import re

import pytest
from playwright.sync_api import expect

from board import actions as board_actions

from .axe import assert_accessible
from .conftest import SHARED_SCREEN, in_thread
from .pages import snap
from .test_presenter import facilitator_of, settled

pytestmark = pytest.mark.django_db(transaction=True)

# Every sector's cell of the lens that has a figure: the figure and how much of its bar is filled.
BARS = """() => [...document.querySelectorAll('#lens .lens-theme:not(.wall-off) .lens-row')].flatMap(row => {
  const figure = row.querySelector('.lens-figure:not(.withheld)');
  const bar = row.querySelector('.lens-bar'), fill = row.querySelector('.lens-fill rect');
  if (!figure || !fill) { return []; }
  const number = figure.textContent.match(/(\\d+\\.\\d\\d)(?!.*\\d\\.\\d\\d)/);
  return [{figure: parseFloat(number[1]),
           filled: fill.getBoundingClientRect().width / bar.getBoundingClientRect().width}];
})"""


def full_bar(key):
    found = re.search(r"a full bar is (\d+\.\d\d)", key.inner_text())
    assert found, key.inner_text()
    return float(found.group(1))


def assert_bars_to_scale(page):
    key = page.locator("#lens-scale")
    expect(key).to_be_visible()
    expect(key).to_contain_text("support per participant")
    scale = full_bar(key)
    bars = page.evaluate(BARS)
    assert len(bars) >= 12, bars
    assert max(bar["figure"] for bar in bars) == scale, (scale, bars)
    # Each bar as long as its figure is of the full bar's (to the bar's 1 px border).
    wrong = [bar for bar in bars if abs(bar["filled"] - bar["figure"] / scale) > 0.03]
    assert not wrong, (scale, wrong)
    return scale


@pytest.mark.parametrize("event_inquiry", ["closed"], indirect=True)
def test_the_shared_screens_lens_says_what_a_full_bar_is(event_screens, event_inquiry):
    in_thread(board_actions.show_on_screen, facilitator_of(event_inquiry), "lens")
    presenter = event_screens.presenter(viewport=SHARED_SCREEN)
    expect(presenter.locator("body")).to_have_attribute("data-stage", "lens")
    settled(presenter)
    snap(presenter, "presenter-lens-key", full_page=False)
    assert_bars_to_scale(presenter)
    key = presenter.locator("#lens-scale").bounding_box()
    last = presenter.locator("#lens .lens-theme").last.bounding_box()
    assert key["y"] >= last["y"] + last["height"] - 1, (key, last)  # under the rows
    assert key["y"] + key["height"] <= SHARED_SCREEN["height"], key  # on the screen
    assert_accessible(presenter, "the shared screen's sector lens with its key")


@pytest.mark.parametrize("event_inquiry", ["closed"], indirect=True)
def test_a_phones_lens_says_what_a_full_bar_is(event_screens, event_inquiry):
    phone = event_screens.participant("Priya")
    lens = phone.locator("#lens")
    lens.locator("summary").click()
    expect(lens.locator(".lens-theme").first).to_be_visible()
    lens.locator("#lens-scale").scroll_into_view_if_needed()
    snap(phone, "phone-lens-key", full_page=False)
    assert_bars_to_scale(phone)
    assert_accessible(phone, "the phone's sector lens with its key")
