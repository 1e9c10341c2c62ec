"""The shared screen's theme columns during a vote at event size (12 themes, 300 cards): each column's
cards run down from its name and its "+N more" follows the last card shown, so the columns read evenly
(the walk-through found an empty band of uneven height above "+N more" in some columns: a column kept
what fitted and left the rest of its height between its cards and the line)."""

import pytest

from .conftest import FULL_HD, SHARED_SCREEN
from .pages import snap
from .test_presenter import people_have_joined, settled

pytestmark = pytest.mark.django_db(transaction=True)

# Each theme column: the gap between its last card shown and its "+N more" line, and how many cards
# show (only columns with a "+N more").
COLUMNS = """() => [...document.querySelectorAll('#themes > .theme')].flatMap(tile => {
  const more = tile.querySelector(':scope > .wall-more');
  const cards = [...tile.querySelectorAll('.cards > .card')].filter(c => c.getBoundingClientRect().height);
  if (!more || more.hidden || !cards.length) { return []; }
  const last = Math.max(...cards.map(c => c.getBoundingClientRect().bottom));
  return [{name: tile.querySelector('.theme-name').textContent.trim(), cards: cards.length,
           gap: more.getBoundingClientRect().top - last, more: more.textContent}];
})"""


@pytest.mark.parametrize("event_inquiry", ["vote"], indirect=True)
@pytest.mark.parametrize("size", [SHARED_SCREEN, FULL_HD], ids=["1280x720", "1920x1080"])
def test_every_theme_columns_more_line_follows_its_last_card(event_screens, event_inquiry, size):
    people_have_joined(event_inquiry)
    presenter = event_screens.presenter(viewport=size)
    settled(presenter)
    snap(presenter, f"presenter-vote-columns-{size['width']}", full_page=False)
    columns = presenter.evaluate(COLUMNS)
    assert len(columns) >= 6, columns
    gaps = [column for column in columns if column["gap"] > 12]
    assert not gaps, gaps
