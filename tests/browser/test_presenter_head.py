"""The presenter's top line at event size: the inquiry's title, how many contributions and how many people
are connected, each legible on one line and never drawn over one another; the title is what gives way
(an ellipsis). Under it, a line of its own: who is connected by sector, whole (the cross-sector view),
for the sectors of at least the lens's minimum group size.

A hundred people are connected the way the presence count reads them: one Presence row per open
participant socket (sessions/presence.py), written here for the event's participants, and then one
phone that really joins, whose presence frame redraws the line live."""

import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inquiry import actions as inquiry_actions
from sessions.models import Presence

from .axe import assert_accessible
from .conftest import FULL_HD, SHARED_SCREEN, in_thread
from .pages import snap
from .test_presenter import facilitator_of, people_have_joined, settled

pytestmark = pytest.mark.django_db(transaction=True)

LONG_TITLE = "Event size: urgent and emergency care across the integrated care system, spring listening event"

# What both measures below need: whether an element is drawn, its box, and whether it is on top (nothing
# drawn over its middle and its ends, ``edge`` of its width in from each side).
GEOMETRY = """
  const seen = el => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const box = el => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
  };
  const onTopWithin = (el, edge) => {
    const r = el.getBoundingClientRect();
    return [[0.5, 0.5], [edge, 0.5], [1 - edge, 0.5]].every(([x, y]) => {
      const hit = document.elementFromPoint(r.left + r.width * x, r.top + r.height * y);
      return hit && (el.contains(hit) || hit.contains(el));
    });
  };
"""

# Where the top line's parts are drawn: each part's box, whether it is whole (not cut off, not covered),
# whether the title is cut with an ellipsis, and the sector chips shown.
TOP_LINE = (
    """() => {"""
    + GEOMETRY
    + """
  const onTop = el => onTopWithin(el, 0.05);
  const head = document.querySelector('.presenter-head');
  const title = head.querySelector('h1');
  const count = document.getElementById('presenter-count');
  const presence = document.querySelector('#presence .presence-total');
  const live = document.getElementById('lw-connection');
  const headBox = head.getBoundingClientRect();
  const headEnd = headBox.right - parseFloat(getComputedStyle(head).paddingRight);
  const inHead = el => el.getBoundingClientRect().right <= headEnd + 0.5;
  const part = el => ({
    box: box(el), text: el.innerText, onTop: onTop(el),
    whole: el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().right <= window.innerWidth,
  });
  return {
    title: {
      ...part(title), cut: title.scrollWidth > title.clientWidth + 1,
      ellipsis: getComputedStyle(title).textOverflow, inHead: inHead(title),
    },
    count: { ...part(count), inHead: inHead(count) },
    presence: part(presence),
    live: part(live),
    lineHeight: parseFloat(getComputedStyle(presence).lineHeight),
    rem: parseFloat(getComputedStyle(document.documentElement).fontSize),
  };
}"""
)

# Who is connected by sector, as shown: each sector's chip (its box, whether it is whole and on top), the
# line they make, and the boxes of what is around them on the screen (the top line's parts, the round's
# question, the timer, the join panel, the stage).
SECTOR_LINE = (
    """() => {"""
    + GEOMETRY
    + """
  const onTop = el => onTopWithin(el, 0.03);
  const chips = [...document.querySelectorAll('#presence .presence-sector')].filter(seen);
  if (!chips.length) { return null; }
  const head = document.querySelector('.presenter-head');
  const around = {
    title: head.querySelector('h1'), count: document.getElementById('presenter-count'),
    presence: document.getElementById('presence-total'), live: document.getElementById('lw-connection'),
    question: document.getElementById('round-banner'), join: document.querySelector('.presenter-join'),
    stage: document.getElementById('board'), timer: document.querySelector('#timer .timer-clock'),
  };
  const boxes = {};
  for (const [name, el] of Object.entries(around)) { if (seen(el)) { boxes[name] = box(el); } }
  const words = el => el.innerText.replace(/\\s+/g, ' ').trim();  // a sector's name and count: one line
  const text = chips.map(words).join(' ');
  return {
    text, topLineBottom: Math.max(boxes.title.bottom, boxes.count.bottom),
    lineHeight: parseFloat(getComputedStyle(chips[0]).lineHeight),
    fontSize: parseFloat(getComputedStyle(chips[0]).fontSize),
    rem: parseFloat(getComputedStyle(document.documentElement).fontSize),
    chips: chips.map(el => {
      const r = el.getBoundingClientRect();
      const inside = r.left >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
      const whole = el.scrollWidth <= el.clientWidth + 1 && inside;
      return { text: words(el), box: box(el), onTop: onTop(el), whole };
    }),
    around: boxes,
  };
}"""
)


def connect(inquiry, counts):
    """``counts`` participants of each sector connected now, as their open sockets are counted."""

    def run():
        rows = []
        for sector, n in counts.items():
            for participant in inquiry.participants.filter(sector=sector).order_by("pk")[:n]:
                rows.append(
                    Presence(
                        inquiry=inquiry,
                        participant=participant,
                        sector=sector,
                        channel_name=f"test.{uuid.uuid4().hex}",
                        server="test-room",
                        seen=timezone.now(),
                    )
                )
        Presence.objects.bulk_create(rows)
        return len(rows)

    return in_thread(run)


def overlap(a, b):
    return min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5 and (
        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5
    )


def assert_one_legible_line(page, context):
    found = page.evaluate(TOP_LINE)
    parts = {name: found[name] for name in ("title", "count", "presence", "live")}
    for name, part in parts.items():
        assert part["box"]["width"] > 0 and part["onTop"], (context, name, "not shown whole", found)
    for name in ("count", "presence", "live"):
        assert parts[name]["whole"], (context, name, "cut off", found)
    for name in ("title", "count"):
        assert found[name]["inHead"], (context, name, "runs under presence", found)
    names = list(parts)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not overlap(parts[a]["box"], parts[b]["box"]), (context, a, b, "overlap", found)
    # One line: every part's middle on the same line, presence one line high.
    middles = [(p["box"]["top"] + p["box"]["bottom"]) / 2 for p in parts.values()]
    assert max(middles) - min(middles) < found["lineHeight"] / 2, (context, "not one line", found)
    assert found["presence"]["box"]["height"] < 1.5 * found["lineHeight"], (context, "presence wraps", found)
    # The title gives way with an ellipsis, and keeps enough to read.
    if found["title"]["cut"]:
        assert found["title"]["ellipsis"] == "ellipsis", (context, found["title"])
        assert found["title"]["box"]["width"] >= 8 * found["rem"], (context, "title too short", found)
    return found


def assert_sector_line(page, context, expected):
    """Who is connected by sector, on a line of its own under the top line: every sector's chip whole,
    legible, on one line, drawn over nothing and under nothing."""
    line = page.evaluate(SECTOR_LINE)
    assert line is not None, (context, "no sector shown")
    assert [chip["text"] for chip in line["chips"]] == expected, (context, line["chips"])
    assert line["fontSize"] >= line["rem"] - 0.1 and line["fontSize"] >= 16, (context, "too small", line)
    for chip in line["chips"]:
        assert chip["onTop"] and chip["whole"], (context, chip)
        under = chip["box"]["top"] >= line["topLineBottom"] - 0.5
        assert under, (context, chip["text"], "not under the top line", line)
        for name, other in line["around"].items():
            assert not overlap(chip["box"], other), (context, chip["text"], "overlaps", name, line)
    middles = [(c["box"]["top"] + c["box"]["bottom"]) / 2 for c in line["chips"]]
    assert max(middles) - min(middles) < line["lineHeight"] / 2, (context, "not one line", line)
    return line


@pytest.mark.parametrize("size", [SHARED_SCREEN, FULL_HD], ids=["1280x720", "1920x1080"])
@pytest.mark.parametrize("corner", [False, True], ids=["join-large", "join-corner"])
def test_a_hundred_people_in_four_sectors_leave_the_top_line_legible(
    event_screens, event_inquiry, size, corner
):
    event_inquiry.title = LONG_TITLE
    event_inquiry.save(update_fields=["title"])
    in_thread(inquiry_actions.join, event_inquiry, display_name="Late", sector="Other")
    connected = connect(
        event_inquiry, {"NHS": 34, "Local authority": 30, "Voluntary and community sector": 28, "Other": 9}
    )
    assert connected == 101
    if corner:
        people_have_joined(event_inquiry)
    presenter = event_screens.presenter(viewport=size)
    expect(presenter.locator("#presence")).to_contain_text("101 participants connected")
    settled(presenter)
    label = f"{size['width']}x{size['height']}{' corner' if corner else ''}"
    found = assert_one_legible_line(presenter, label)
    assert re.match(r"\d{3} contributions", found["count"]["text"]), found["count"]
    assert found["title"]["cut"], found["title"]  # this title is longer than the line has room for
    snap(presenter, f"head-{label.replace(' ', '-')}")

    # A phone joins: the presence frame redraws the line, which stays legible.
    event_screens.participant("Priya", sector="NHS")
    expect(presenter.locator("#presence")).to_contain_text("102 participants connected")
    settled(presenter)
    assert_one_legible_line(presenter, label + " after a join")
    snap(presenter, f"head-{label.replace(' ', '-')}-joined")


SECTORS = ["NHS 34", "Local authority 30", "Voluntary and community sector 28"]


@pytest.mark.parametrize("size", [SHARED_SCREEN, FULL_HD], ids=["1280x720", "1920x1080"])
@pytest.mark.parametrize("corner", [False, True], ids=["join-large", "join-corner"])
def test_who_is_connected_by_sector_has_a_line_of_its_own_whole_at_event_size(
    event_screens, event_inquiry, size, corner
):
    """The cross-sector view: four sectors with their real names, whole on a line under the top line, at
    the shared screen's size and on a wall, beside the join panel large or in its corner and a running
    timer; a sector below the lens's minimum group size (3) is not shown, nor to be worked out from the
    others, until it reaches it."""
    event_inquiry.title = LONG_TITLE
    event_inquiry.save(update_fields=["title"])
    connected = connect(
        event_inquiry, {"NHS": 34, "Local authority": 30, "Voluntary and community sector": 28, "Other": 2}
    )
    assert connected == 94
    if corner:
        people_have_joined(event_inquiry)
    in_thread(inquiry_actions.start_timer, facilitator_of(event_inquiry), 300)
    presenter = event_screens.presenter(viewport=size)
    expect(presenter.locator("#presence")).to_contain_text("94 participants connected")
    expect(presenter.locator("#timer .timer-clock")).to_be_visible()
    settled(presenter)
    label = f"sectors-{size['width']}x{size['height']}{'-corner' if corner else ''}"
    # Other's 2 people are fewer than the lens's minimum group size; with it alone left out, the total
    # less the sectors shown would count them: the smallest shown is left out with it.
    line = assert_sector_line(presenter, label, SECTORS[:2])
    assert_one_legible_line(presenter, label)
    assert "Other" not in line["text"] and "Voluntary" not in line["text"], line
    snap(presenter, label)
    assert_accessible(presenter, f"presenter with who is connected by sector, {label}")

    # A third person of the small sector joins from a phone: their sector shows, the line stays whole.
    event_screens.participant("Priya", sector="Other")
    expect(presenter.locator("#presence")).to_contain_text("95 participants connected")
    expect(presenter.locator("#presence .presence-sector", has_text="Other")).to_have_text("Other 3")
    settled(presenter)
    assert_sector_line(presenter, label + " after a join", [*SECTORS, "Other 3"])
    assert_one_legible_line(presenter, label + " after a join")
    snap(presenter, label + "-joined")


def test_a_small_room_keeps_its_sector_chips_and_whole_title(event_screens, event_inquiry):
    event_inquiry.title = "Urgent care in our area"
    event_inquiry.save(update_fields=["title"])
    connect(event_inquiry, {"NHS": 3, "Other": 3})
    presenter = event_screens.presenter(viewport=SHARED_SCREEN)
    expect(presenter.locator("#presence")).to_contain_text("6 participants connected")
    settled(presenter)
    assert_sector_line(presenter, "small room", ["NHS 3", "Other 3"])
    found = assert_one_legible_line(presenter, "small room")
    assert not found["title"]["cut"], found["title"]
    snap(presenter, "head-small-room")


def test_a_room_of_small_sectors_shows_its_total_alone(event_screens, event_inquiry):
    connect(event_inquiry, {"NHS": 2, "Other": 2})
    presenter = event_screens.presenter(viewport=SHARED_SCREEN)
    expect(presenter.locator("#presence")).to_have_text("4 participants connected")
    assert presenter.evaluate(SECTOR_LINE) is None
