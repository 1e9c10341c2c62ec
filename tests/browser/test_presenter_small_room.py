"""The presenter view for a small room: before any theme exists, the wall of contributions takes the
width the themes would have, instead of leaving it blank beside two narrow columns."""

import pytest
from playwright.sync_api import expect

from .conftest import SHARED_SCREEN, seed
from .pages import snap, theme

pytestmark = pytest.mark.django_db(transaction=True)

CARDS = [
    "Transport home is unreliable, especially evenings.",
    "Carers are not told when their relative is coming home.",
    "Voluntary sector could do settle-in-at-home visits but is never asked.",
    "Housing adaptations take months to approve.",
    "Assessments happen in hospital instead of at home.",
    "Care markets are short of home care workers in rural areas.",
    "We hear about discharges on Friday at 4pm.",
    "Nobody owns the discharge plan from day one.",
    "Pharmacy takes hours to sort take-home medicines.",
    "Discharge letters arrive days after the patient is home.",
    "Beds are blocked waiting for care packages that never come.",
    "Nobody asks the family what support is already there.",
]

# The space between the wall's rightmost card and what stands to its right (the join panel).
GAP = """() => {
  const cards = [...document.querySelectorAll('#cards-unsorted > .card')]
    .filter(c => c.getClientRects().length);
  const right = Math.max(...cards.map(c => c.getBoundingClientRect().right));
  return document.querySelector('.presenter-join').getBoundingClientRect().left - right;
}"""


def test_before_any_theme_the_wall_uses_the_width_and_a_theme_takes_its_column_when_made(screens, inquiry):
    seed(inquiry, cards=CARDS)
    presenter = screens.presenter("alice", viewport=SHARED_SCREEN)
    expect(presenter.locator("#cards-unsorted > .card")).to_have_count(len(CARDS))
    presenter.wait_for_function(f"() => ({GAP})() < 60")
    snap(presenter, "presenter-small-room")
    alice = screens.facilitator("alice")
    alice.get_by_label("New theme").fill("Discharge planning")
    alice.get_by_role("button", name="Add theme").click()
    expect(theme(presenter, "Discharge planning")).to_be_visible()
    # The themes' column is back beside the wall, and the wall leaves it room.
    presenter.wait_for_function(
        """() => {
          const name = document.querySelector('#themes > .theme').getBoundingClientRect();
          const cards = [...document.querySelectorAll('#cards-unsorted > .card')];
          return cards.every(c => c.getBoundingClientRect().right <= name.left + 1);
        }"""
    )
