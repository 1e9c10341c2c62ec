"""The tables' screens at event size (100 people at 13 tables), as the room sees them: a phone at a table
shows its table, its prompt and its cards before anything else, with the recipe's step in view; the
presenter's picks wall fits a 1280x720 screen with text of 16 px or more, a screenful of tables at a time
(issue 15; the same states as ``make screens``)."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from board.sample import CONTRIBUTIONS
from board.tables.demo import seat_the_room

from .axe import assert_accessible
from .conftest import in_thread
from .pages import snap

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = [text for r, _t, text in CONTRIBUTIONS if r == 1]


def seat(inquiry, stage):
    in_thread(lambda: seat_the_room(inquiry, get_user_model().objects.get(username="alice"), stage, TEXTS))


def within(page, locator):
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and (box["x"] + box["width"] <= size["width"])
    )


def test_a_phone_at_a_table_shows_the_table_its_prompt_and_cards_first(event_screens, event_inquiry):
    seat(event_inquiry, "round")
    phone = event_screens.participant("Priya", "NHS")  # a late joiner: seated at the emptiest table
    table = phone.locator("#table-view .table-view")
    expect(table.locator("h2")).to_contain_text("Table")
    expect(table.locator(".tcard").first).to_be_visible()
    expect(table.locator("li.is-me")).to_have_count(1)  # their own seat, marked
    expect(table.locator("li.is-me")).to_contain_text("(NHS)")
    # Their own four is listed first; the rest of the table after it.
    groups = table.locator(".table-group").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().top, !!e.querySelector('.is-me')])"
        ".sort((a, b) => a[0] - b[0])"
    )
    assert len(groups) > 1 and groups[0][1] and not any(mine for _top, mine in groups[1:]), groups
    for part in (table.locator("h2"), table.locator(".table-prompt"), table.locator(".tcard").first):
        assert within(phone, part), part
    # The step and its clock stay in view at the foot of the screen, above the room's round banner.
    step = phone.locator("#tables-phone .tables-step")
    expect(step.locator("#step-title")).to_contain_text("In fours")
    expect(step.locator(".tables-clock")).to_have_text(re.compile(r"^\d+:\d\d$"))
    assert within(phone, step.locator(".step-instruction"))
    assert table.bounding_box()["y"] < phone.locator(".round-banner").bounding_box()["y"]


def test_a_phone_at_a_table_names_each_seat_once_one_a_line_its_own_four_first(event_screens, event_inquiry):
    """In fours at a table of eight, the phone says "Your four" over its four's list (the line named the
    other three and the list named them again), its own seat first, then "The rest of the table"; every
    seat on a line of its own, so a long sector's name wraps within it (two short seats shared a line, the
    long ones one each)."""
    seat(event_inquiry, "round")
    phone = event_screens.participant("Priya", "NHS")
    table = phone.locator("#table-view .table-view")
    expect(table.locator("li.is-me")).to_have_count(1)
    line = table.locator(".your-group:visible")
    expect(line).to_have_count(1)
    said = line.inner_text().strip()
    assert said in ("Your four", "Your three", "Your pair", "Your table"), said
    seen = table.locator(".table-people").inner_text()
    seats = re.findall(r"Seat [A-Z]\d*", seen)
    assert len(seats) == len(set(seats)) == table.locator("li[data-participant]").count(), seen
    rows = table.locator("li[data-participant]").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, left: r.left, me: e.classList.contains('is-me'),"
        " group: [...e.parentElement.parentElement.children].indexOf(e.parentElement)}; })"
        ".sort((a, b) => a.top - b.top)"
    )
    assert rows[0]["me"], rows  # their own seat heads the list
    assert len({round(r["left"]) for r in rows}) == 1, rows  # one seat a line, under each other
    assert all(a["bottom"] <= b["top"] + 0.5 for a, b in zip(rows, rows[1:], strict=False)), rows
    if len({r["group"] for r in rows}) > 1:
        expect(table.locator(".table-rest")).to_be_visible()
        expect(table.locator(".table-rest")).to_have_text("The rest of the table")
    snap(phone, "tables-phone-seats", full_page=False)
    assert_accessible(phone, "a phone at a table in fours")


def test_the_presenters_picks_wall_fits_the_screen_a_page_of_tables_at_a_time(event_screens, event_inquiry):
    seat(event_inquiry, "picks")
    presenter = event_screens.presenter(viewport={"width": 1280, "height": 720})
    wall = presenter.locator("#picks-wall")
    expect(wall.locator(".wall-page")).to_contain_text("of 13")
    # The page shown turns on a timer and is measured again after each frame: read every shown table's
    # place at one moment.
    boxes = wall.locator(".wall-table:visible").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect()).map(r => [r.left, r.top, r.right, r.bottom])"
    )
    assert 2 <= len(boxes) < 13, boxes
    assert wall.locator(".wall-table").count() == 13
    size = presenter.viewport_size
    for left, top, right, bottom in boxes:
        assert left >= 0 and top >= 0 and right <= size["width"] and bottom <= size["height"], boxes
    sizes = wall.locator(".wall-table:visible li, .wall-table:visible .noticed").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes and min(sizes) >= 16, sizes
    expect(presenter.locator("#tables-presenter #step-title")).to_be_hidden()
    expect(presenter.locator("#tables-presenter .recipe-steps")).to_contain_text("Back to the room")


def test_the_facilitators_tables_take_the_boards_place_at_1280x720_until_tucked_away(
    event_screens, event_inquiry
):
    seat(event_inquiry, "round")
    alice = event_screens.facilitator(viewport={"width": 1280, "height": 720})
    rows = alice.locator("#tables-rows tr")
    expect(rows).to_have_count(13)
    for i in range(13):  # every table at a glance, on the first screen
        assert within(alice, rows.nth(i)), i
    expect(alice.locator("#tables-rows")).to_contain_text("people")  # the lens per table
    tuck = alice.locator("#tables-tuck")
    expect(tuck).to_have_text("Show the room's board")
    tuck.click()
    expect(tuck).to_have_attribute("aria-expanded", "false")
    assert within(alice, alice.locator("#board .card").first)
    assert not within(alice, rows.nth(12))  # under the side panel's steering, at the foot of the page
    alice.get_by_role("button", name="Show the tables over the board").click()
    assert within(alice, rows.nth(12))


def test_two_tables_still_cover_the_whole_board_and_every_tool_fits_the_screen(event_screens, event_inquiry):
    # Two tables make a short panel: it still takes the board's place to the bottom of the screen (no
    # cards showing through below it), and the Move form's choice of person, whose options are as long as
    # "Name (Voluntary and community sector) · Table 2", stays on the screen.
    from board.tables import actions as table_actions
    from inquiry.access import FACILITATOR, Actor

    def open_two():
        boss = Actor(FACILITATOR, event_inquiry.pk, user_id=get_user_model().objects.get(username="alice").pk)
        table_actions.open_tables(boss, None, "mixed", count=2, everyone=True)  # the room has no phones

    in_thread(open_two)
    alice = event_screens.facilitator(viewport={"width": 1280, "height": 720})
    expect(alice.locator("#tables-rows tr")).to_have_count(2)
    section = alice.locator("#tables-section").bounding_box()
    for tool in ("#tables-move-who", "#tables-move-to", ".tables-tools button >> nth=-1"):
        box = alice.locator(tool).bounding_box()
        assert within(alice, alice.locator(tool)), tool
        assert box["x"] + box["width"] <= section["x"] + section["width"], f"{tool} is past the panel's edge"
    below = alice.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('#tables-section') !== null",
        [section["x"] + section["width"] / 2, 700],
    )
    assert below, "the room's board shows through below the tables"


def test_open_tables_leave_the_rounds_steering_in_view_at_1280x720_over_the_board_or_tucked_away(
    event_screens, event_inquiry
):
    """With the event's tables open, over the board or tucked away in the side panel, the facilitator's
    steering of the room (Pause, the round's phases, the timer's Start, the number waiting for review)
    stays on the first screen: the tables never push it below the fold."""
    seat(event_inquiry, "round")
    alice = event_screens.facilitator(viewport={"width": 1280, "height": 720})
    expect(alice.locator("#tables-rows tr")).to_have_count(13)
    steering = [
        alice.get_by_role("button", name="Pause the room"),
        alice.locator("#round-banner .phase-controls"),
        alice.get_by_role("form", name="Timer").get_by_role("button", name="Start timer"),
        alice.get_by_role("link", name="1 waiting for review"),
    ]
    for control in steering:
        expect(control).to_be_in_viewport(ratio=1)
    alice.locator("#tables-tuck").click()
    expect(alice.locator("#tables-tuck")).to_have_attribute("aria-expanded", "false")
    snap(alice, "tables-tucked-1280x720")
    for control in steering:
        expect(control).to_be_in_viewport(ratio=1)
    # The tables' own controls are still at hand in the panel.
    expect(alice.get_by_role("button", name="Close the tables")).to_be_visible()
