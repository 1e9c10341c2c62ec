"""Three stages of the shared screen use the whole of it at event size, at 1280x720 (a Zoom share) and
1920x1080: the systems map of the event's 12 themes, the wall of what the tables bring back, and the next
steps. Each is read from across a room: text of 20 px or more at 1280x720, nothing cut off, nothing over
anything else, on one screen that never scrolls (the walk-through found the map's labels at ~13 px, the
picks wall a row of four tables over the join code, and the actions in 16 px with a band empty under
them)."""

import re

import pytest
from playwright.sync_api import expect

from board.systemmap import actions as map_actions

from .axe import assert_accessible
from .conftest import FULL_HD, SHARED_SCREEN, in_thread
from .pages import snap
from .test_presenter import facilitator_of, people_have_joined, settled
from .test_presenter_stages import drawn
from .test_tables_screens import seat

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = pytest.mark.parametrize("size", [SHARED_SCREEN, FULL_HD], ids=["1280x720", "1920x1080"])
# Text on the shared screen at 1280x720, and in proportion to it on a larger one (the presenter's unit
# follows the window: 16 px at 1280x720, 24 px at 1920x1080).
LEGIBLE = 20


def legible(size):
    return LEGIBLE * size["height"] / SHARED_SCREEN["height"]


def overlapping(boxes, gap=0.5):
    """The pairs of (name, [left, top, right, bottom]) that cross each other."""
    found = []
    for i, (a, ra) in enumerate(boxes):
        for b, rb in boxes[i + 1 :]:
            if min(ra[2], rb[2]) - max(ra[0], rb[0]) > gap and min(ra[3], rb[3]) - max(ra[1], rb[1]) > gap:
                found.append((a, b))
    return found


def inside(box, outer, slack=0.5):
    return (
        box[0] >= outer[0] - slack
        and box[1] >= outer[1] - slack
        and box[2] <= outer[2] + slack
        and box[3] <= outer[3] + slack
    )


def scrolls(page):
    return page.evaluate(
        "() => document.documentElement.scrollHeight > innerHeight + 1"
        " || document.documentElement.scrollWidth > innerWidth + 1"
    )


# 1 · The systems map -----------------------------------------------------------------------------------

# Each theme on the shared screen's map as drawn: its box, its label's lines and the size of their text
# on the screen (an SVG's text is as large as its font size times the picture's scale); each link's label
# (+, −, enables, blocks).
MAP_DRAWN = """() => {
  const r = el => { const b = el.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const svg = document.getElementById('map-svg');
  return {
    nodes: [...svg.querySelectorAll('.map-node')].map(node => ({
      name: node.querySelector('title').textContent,
      box: r(node.querySelector('rect')),
      lines: [...node.querySelectorAll('text')].map(t => ({
        box: r(t), px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
        text: t.textContent,
      })),
    })),
    links: [...svg.querySelectorAll('.map-link')].map(link => ({
      name: link.id, box: r(link.querySelector('rect')), text: r(link.querySelector('text')),
    })),
  };
}"""


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
@SIZES
def test_the_maps_twelve_themes_fill_the_screen_in_large_labels_none_over_another(event_screens, size):
    presenter = event_screens.presenter(viewport=size)
    expect(presenter.locator("body")).to_have_class(re.compile(r"\bmap-mode\b"))
    expect(presenter.locator("#map-svg .map-node")).to_have_count(12)
    settled(presenter)
    snap(presenter, f"fill-map-{size['width']}")
    found = presenter.evaluate(MAP_DRAWN)
    screen = [0, 0, size["width"], size["height"]]
    nodes = found["nodes"]
    for node in nodes:
        assert inside(node["box"], screen), node
        for line in node["lines"]:
            assert line["px"] >= legible(size) - 0.05, (node["name"], line)
            assert inside(line["box"], node["box"], slack=1), (node["name"], line, node["box"])
    assert not overlapping([(n["name"], n["box"]) for n in nodes]), overlapping(
        [(n["name"], n["box"]) for n in nodes]
    )
    # A link's label is not hidden under a theme, nor under another link's label; its text is inside it.
    labels = [(link["name"], link["box"]) for link in found["links"]]
    assert not overlapping(labels + [(n["name"], n["box"]) for n in nodes]), overlapping(
        labels + [(n["name"], n["box"]) for n in nodes]
    )
    for link in found["links"]:
        assert inside(link["box"], screen) and inside(link["text"], link["box"], slack=1), link
    # The themes are spread over the screen and drawn large: their boxes take a good share of it.
    left = min(n["box"][0] for n in nodes)
    right = max(n["box"][2] for n in nodes)
    top = min(n["box"][1] for n in nodes)
    bottom = max(n["box"][3] for n in nodes)
    spread = (left, top, right, bottom)
    assert right - left >= 0.65 * size["width"] and bottom - top >= 0.75 * size["height"], spread
    area = sum((n["box"][2] - n["box"][0]) * (n["box"][3] - n["box"][1]) for n in nodes)
    assert area >= 0.15 * size["width"] * size["height"], area / (size["width"] * size["height"])
    # The loops and the legend are on the screen too, and nothing scrolls.
    expect(presenter.locator("#systems-map .map-legend")).to_be_in_viewport(ratio=1)
    expect(presenter.locator("#map-loops .loop").first).to_be_in_viewport(ratio=1)
    assert not scrolls(presenter)
    if size == SHARED_SCREEN:
        assert_accessible(presenter, "presenter, the event's map on the shared screen")


# 2 · What the tables bring back ------------------------------------------------------------------------

PICKS_DRAWN = """() => {
  const r = el => { const b = el.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const seen = el => el.getClientRects().length > 0;
  const code = document.querySelector('.presenter-join .code');
  const c = code.getBoundingClientRect();
  const hit = document.elementFromPoint(c.left + c.width / 2, c.top + c.height / 2);
  return {
    tables: [...document.querySelectorAll('#picks-wall .wall-table')].filter(seen).map(t => ({
      name: t.getAttribute('aria-label'), box: r(t),
      px: Math.min(...[...t.querySelectorAll('h3, .noticed, li')]
        .map(e => parseFloat(getComputedStyle(e).fontSize))),
      whole: t.scrollHeight <= t.clientHeight + 1,
    })),
    code: { box: r(code), text: code.textContent.trim(), px: parseFloat(getComputedStyle(code).fontSize),
            onTop: !!hit && (code.contains(hit) || hit.contains(code)) },
    join: r(document.querySelector('.presenter-join')),
    // The words above the wall (the recipe's steps, the heading, the page), as far as their text goes.
    head: [...document.querySelectorAll(
      '#tables-presenter .recipe-steps li, #picks-wall h2, #picks-wall .wall-page')].filter(seen).map(e => {
        const range = document.createRange();
        range.selectNodeContents(e);
        return [e.textContent.trim(), r(e.matches('li') ? e : range)];
      }),
  };
}"""


@SIZES
def test_the_picks_wall_fills_the_screen_and_keeps_the_join_code_in_view(event_screens, event_inquiry, size):
    seat(event_inquiry, "picks")
    presenter = event_screens.presenter(viewport=size)
    wall = presenter.locator("#picks-wall")
    expect(wall.locator(".wall-page")).to_contain_text("of 13")
    settled(presenter)
    snap(presenter, f"fill-picks-{size['width']}")
    found = presenter.evaluate(PICKS_DRAWN)
    screen = [0, 0, size["width"], size["height"]]
    # The join code, for whoever arrives late: in view, whole, on top of everything, large enough to read.
    code = found["code"]
    assert code["text"] == event_inquiry.code and code["onTop"] and inside(code["box"], screen), code
    assert code["px"] >= legible(size), code
    tables = found["tables"]
    assert len(tables) >= 4, tables
    for table in tables:
        assert inside(table["box"], screen) and table["whole"], table
        assert table["px"] >= legible(size) - 0.05, table
    boxes = [(t["name"], t["box"]) for t in tables]
    everything = boxes + [("join", found["join"])] + [(text, box) for text, box in found["head"] if text]
    assert not overlapping(everything), overlapping(everything)
    # The tables take most of the screen: no band left empty under a short one.
    area = sum((b[2] - b[0]) * (b[3] - b[1]) for _n, b in boxes)
    assert area >= 0.6 * size["width"] * size["height"], area / (size["width"] * size["height"])
    assert not scrolls(presenter)
    if size == SHARED_SCREEN:
        assert_accessible(presenter, "presenter, the tables' picks wall")


# 3 · The next steps ------------------------------------------------------------------------------------


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
@SIZES
def test_the_next_steps_are_a_grid_over_the_screen_in_large_text(event_screens, event_inquiry, size):
    # The close of the event: the room has joined (the join panel in its corner), the facilitator takes the
    # map down, and the room's actions have the stage.
    people_have_joined(event_inquiry)
    in_thread(map_actions.show, facilitator_of(event_inquiry), False)
    presenter = event_screens.presenter(viewport=size)
    expect(presenter.locator("body")).to_have_attribute("data-stage", "steps")
    expect(presenter.locator("#steps-summary")).to_have_text("7 actions proposed")
    settled(presenter)
    snap(presenter, f"fill-steps-{size['width']}")
    steps = drawn(presenter, "#steps-list > .step")
    assert all(step["whole"] for step in steps), [s for s in steps if not s["whole"]]
    more = presenter.locator("#steps-view .wall-more")
    left = int(re.search(r"\d+", more.inner_text()).group()) if more.is_visible() else 0
    assert len(steps) + left == 7 and len(steps) >= 6, (len(steps), left)
    sizes = presenter.locator(
        "#steps-list > .step:not(.wall-off) :is(.step-what, .step-meta, .step-signups)"
    ).evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= legible(size) - 0.05, sizes
    boxes = [(s["text"][:30], [s["left"], s["top"], s["right"], s["bottom"]]) for s in steps]
    assert not overlapping(boxes), overlapping(boxes)
    # A grid: more than one column and more than one row, reaching the screen's right and bottom edges
    # (with the line that says how many more there are under it).
    assert len({round(b[0]) for _n, b in boxes}) >= 2 and len({round(b[1]) for _n, b in boxes}) >= 2, boxes
    under = more.bounding_box() if left else None
    lowest = max([b[3] for _n, b in boxes] + ([under["y"] + under["height"]] if under else []))
    assert lowest >= size["height"] - 0.06 * size["height"], (lowest, boxes)
    assert max(b[2] for _n, b in boxes) >= size["width"] - 0.06 * size["width"], boxes
    area = sum((b[2] - b[0]) * (b[3] - b[1]) for _n, b in boxes)
    assert area >= 0.45 * size["width"] * size["height"], area / (size["width"] * size["height"])
    expect(presenter.locator(".presenter-join .code")).to_be_in_viewport(ratio=1)
    assert not scrolls(presenter)
    if size == SHARED_SCREEN:
        assert_accessible(presenter, "presenter, the next steps")
