"""What takes the shared screen's stage in three states of an event, at 1280x720 and 1920x1080: a recipe's
step while tables are open, the sector lens when a round with its own vote closes, and the next steps
with more actions than fit. Each shows the room what it needs, large and whole, on one screen that never
scrolls (the walkthrough's presenter defects: a blank screen under a small step, 2 of 12 themes behind a
disclosure, an action cut off at the bottom edge)."""

import re

import pytest
from playwright.sync_api import expect

from board import actions as board_actions
from board.nextsteps import actions as steps_actions
from board.tables import recipes
from inquiry import actions as inquiry_actions
from inquiry.access import PARTICIPANT, Actor

from .axe import assert_accessible
from .conftest import FULL_HD, SHARED_SCREEN, in_thread
from .pages import SCREEN_GEOMETRY, snap
from .test_presenter import facilitator_of, measure, people_have_joined, settled
from .test_presenter_states import expect_in_view
from .test_tables_screens import seat

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = pytest.mark.parametrize("size", [SHARED_SCREEN, FULL_HD], ids=["1280x720", "1920x1080"])
SECTORS = ["NHS", "Local authority", "Voluntary and community sector", "Other"]

# Every element ``selector`` finds that is drawn: whether it is whole in the window (inside it, not cut off
# by a box around it that hides what overflows, nothing drawn over it), and its text.
WHOLE = (
    """selector => {"""
    + SCREEN_GEOMETRY
    + """
  const vw = innerWidth, vh = innerHeight;
  const onTop = el => onTopWithin(el, 0.05);
  return [...document.querySelectorAll(selector)].filter(el => el.getClientRects().length).map(el => {
    const r = el.getBoundingClientRect();
    return {
      text: el.innerText.replace(/\\s+/g, ' ').trim(),
      whole: r.width > 0 && r.height > 0 && inside(r, { left: 0, top: 0, right: vw, bottom: vh })
        && !clipped(el) && onTop(el),
      left: r.left, right: r.right, top: r.top, bottom: r.bottom,
    };
  });
}"""
)


def drawn(page, selector):
    return page.evaluate(WHOLE, selector)


def font_px(page, selector):
    return page.locator(selector).first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")


def assert_one_legible_screen(page, context):
    found = measure(page)
    assert not found["scrolls"], f"{context}: the presenter scrolls"
    assert not found["overlaps"], (context, found["overlaps"])
    assert not found["small"], (context, "text under 16 px", found["small"])


# 1 · Tables open with a recipe -------------------------------------------------------------------------


@SIZES
def test_a_recipes_step_takes_the_stage_large_with_the_question_where_the_recipe_is_and_its_clock(
    event_screens, event_inquiry, size
):
    people_have_joined(event_inquiry)
    seat(event_inquiry, "round")  # 13 tables of a 1-2-4-All round, in its fours step
    presenter = event_screens.presenter(viewport=size)
    expect(presenter.locator("body")).to_have_attribute("data-stage", "tables")
    step = presenter.locator("#tables-presenter .tables-step")
    expect(step.locator(".tables-mode")).to_have_text(f"Tables are open · {recipes.name('124all')}")
    chips = step.locator(".recipe-steps li")
    expect(chips).to_have_text(["1 · On your own", "2 · In pairs", "4 · In fours", "All · Back to the room"])
    expect(step.locator(".recipe-steps .is-done")).to_have_text(["1 · On your own", "2 · In pairs"])
    expect(step.locator(".recipe-steps [aria-current=step]")).to_have_text("4 · In fours")
    expect(step.locator("#step-title")).to_have_text("4 · In fours")
    expect(step.locator(".step-instruction")).to_contain_text("In fours")
    expect(step.locator(".tables-clock")).to_have_text(re.compile(r"^\d+:\d\d$"))
    # The room's board steps aside for the step; the question and the join code stay.
    expect(presenter.locator("#board")).to_be_hidden()
    settled(presenter)
    snap(presenter, f"presenter-tables-recipe-{size['width']}")
    for part in (
        "#round-question",
        "#tables-presenter .tables-mode",
        "#tables-presenter .recipe-steps",
        "#tables-presenter #step-title",
        "#tables-presenter .step-instruction",
        "#tables-presenter .tables-clock",
        ".presenter-join .code",
    ):
        expect_in_view(presenter, part)
    assert_one_legible_screen(presenter, f"tables with a recipe at {size['width']}")

    # Large for a room: the step larger than the question, its clock larger still, the instruction and
    # where the recipe is larger than body text.
    unit = presenter.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert font_px(presenter, "#tables-presenter #step-title") >= max(
        2.4 * unit, font_px(presenter, "#round-question")
    )
    assert font_px(presenter, "#tables-presenter .tables-clock") >= 3.5 * unit
    assert font_px(presenter, "#tables-presenter .step-instruction") >= 1.6 * unit
    assert font_px(presenter, "#tables-presenter .recipe-steps li") >= 1.15 * unit
    # Done, now and next read differently: the step now stands out from the others.
    looks = chips.evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor + getComputedStyle(e).color)"
    )
    assert looks[2] not in (looks[0], looks[3]) and looks[0] != looks[3], looks
    # The step has the stage, to the foot of the screen (not a line at the top of a blank screen).
    stage = step.bounding_box()
    assert stage["y"] + stage["height"] >= size["height"] - 1.5 * unit, stage
    title = presenter.locator("#tables-presenter #step-title").bounding_box()
    assert title["y"] >= presenter.locator("#round-question").bounding_box()["y"], title
    assert_accessible(presenter, f"presenter, a recipe's step, {size['width']}x{size['height']}")


TOPICS = [
    "Shared care records",
    "Neighbourhood teams that include the voluntary sector",
    "Transport to appointments",
    "Damp housing and children's health",
    "Carers' breaks",
    "Discharge to assess",
    "Social prescribing that lasts",
    "One front door for the council",
    "Mental health in primary care",
    "Digital inclusion for older residents",
]


def open_space_with_topics(inquiry, count):
    """Open Space tables in their topic marketplace; ``count`` topics proposed, up to three a person."""

    def run():
        from board.tables import actions as tables_actions
        from inquiry.models import Participant

        tables_actions.open_tables(facilitator_of(inquiry), None, "mixed", size=8, recipe="openspace")
        people = Participant.objects.filter(inquiry=inquiry).order_by("pk")
        for n in range(count):
            who = Actor(PARTICIPANT, inquiry.pk, participant_id=people[n // 3].pk)
            tables_actions.add_topic(who, f"{TOPICS[n % len(TOPICS)]} ({n + 1})")

    in_thread(run)


@SIZES
def test_open_spaces_marketplace_shows_the_topics_that_fit_whole_and_how_many_more(
    event_screens, event_inquiry, size
):
    people_have_joined(event_inquiry)
    open_space_with_topics(event_inquiry, 40)
    presenter = event_screens.presenter(viewport=size)
    expect(presenter.locator("body")).to_have_attribute("data-stage", "tables")
    expect(presenter.locator("#tables-presenter #step-title")).to_have_text("Topic marketplace")
    expect(presenter.locator("#topics > li")).to_have_count(40)
    settled(presenter)
    snap(presenter, f"presenter-tables-marketplace-{size['width']}")
    topics = drawn(presenter, "#topics > li")
    assert len(topics) >= 6 and all(t["whole"] for t in topics), [t for t in topics if not t["whole"]]
    more = presenter.locator("#tables-market .wall-more")
    expect(more).to_have_text(re.compile(r"^\+\d+ more topics?$"))
    expect_in_view(presenter, "#tables-market .wall-more")
    assert len(topics) + int(re.search(r"\d+", more.inner_text()).group()) == 40
    for part in ("#round-question", "#tables-presenter #step-title", "#tables-presenter .tables-clock"):
        expect_in_view(presenter, part)
    assert_one_legible_screen(presenter, f"Open Space's marketplace at {size['width']}")


# 2 · The sector lens after the round's vote --------------------------------------------------------------


@pytest.mark.parametrize("event_inquiry", ["closed"], indirect=True)
@SIZES
@pytest.mark.parametrize("corner", [False, True], ids=["join-large", "join-corner"])
def test_the_closed_rounds_sector_lens_is_a_table_of_every_theme_by_sector_for_the_room(
    event_screens, event_inquiry, size, corner
):
    in_thread(inquiry_actions.place_join_panel, facilitator_of(event_inquiry), corner)
    # The round's vote closed with its results on the shared screen: the facilitator shows the lens instead.
    in_thread(board_actions.show_on_screen, facilitator_of(event_inquiry), "lens")
    presenter = event_screens.presenter(viewport=size)
    expect(presenter.locator("body")).to_have_attribute("data-stage", "lens")
    lens = presenter.locator("#lens")
    expect(lens.locator(".lens-theme").first).to_be_visible()
    settled(presenter)
    snap(presenter, f"presenter-lens-{size['width']}-{'corner' if corner else 'large'}")
    # Nothing to open or click on a shared screen.
    expect(lens.locator("summary")).to_be_hidden()
    # Every theme at once, beside the large join panel as beside its corner, whole and in view, ranked as
    # the lens ranks them (bridging score first).
    rows = drawn(presenter, "#lens .lens-theme")
    assert len(rows) == 12 and all(row["whole"] for row in rows), [r for r in rows if not r["whole"]]
    expect(lens.locator(".wall-more:not([hidden])")).to_have_count(0)
    scores = [float(s["text"]) for s in drawn(presenter, "#lens .lens-theme .lens-bridging")]
    assert len(scores) == len(rows) and scores == sorted(scores, reverse=True), scores

    # Column heads name each sector once, in view; under each, every theme's bar and its support per
    # participant (the bar inside its sector's column).
    expect_in_view(presenter, "#lens-heading")
    expect(lens.locator("#lens-heading")).to_have_text("The sector lens")
    heads = drawn(presenter, "#lens .lens-key > span:not(.lens-key-theme)")
    assert [h["text"] for h in heads] == ["Bridging", "Support", *SECTORS], heads
    assert all(h["whole"] for h in heads), heads
    sectors = heads[2:]
    overflowing = presenter.evaluate(
        "() => [...document.querySelectorAll('#lens .lens-key > span')]"
        ".filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.textContent)"
    )
    assert not overflowing, overflowing  # each head within its column, not into the next
    # The columns are as wide as each other: bars of different sectors compare.
    widths = {round(h["right"] - h["left"]) for h in sectors}
    assert max(widths) - min(widths) <= 1, widths
    for index in range(len(rows)):
        cells = drawn(presenter, f"#lens .lens-theme:nth-of-type({index + 1}) .lens-row")
        assert len(cells) == 4, cells
        for cell, head in zip(cells, sectors, strict=True):
            middle = (cell["left"] + cell["right"]) / 2
            assert cell["whole"] and head["left"] <= middle <= head["right"], (cell, head)
            assert re.fullmatch(r"\d\.\d\d|fewer than \d+: withheld", cell["text"]), cell
    # Each cell's bar is drawn behind its figure, inside the cell.
    bars = presenter.evaluate(
        """() => [...document.querySelectorAll('#lens .lens-theme:not(.wall-off) .lens-row')].map(cell => {
             const c = cell.getBoundingClientRect();
             const b = cell.querySelector('.lens-bar').getBoundingClientRect();
             return b.width > 0 && b.left >= c.left - 0.5 && b.right <= c.right + 0.5 && b.top >= c.top - 0.5
               && b.bottom <= c.bottom + 0.5;
           })"""
    )
    assert len(bars) == 4 * len(rows) and all(bars), bars
    assert_one_legible_screen(presenter, f"sector lens at {size['width']}")
    # The themes' names larger than body text, or body size beside the large join panel.
    body = font_px(presenter, "body")
    assert font_px(presenter, "#lens .lens-theme h3 > span") >= (1.05 if corner else 1) * body
    assert_accessible(presenter, f"presenter, the sector lens, {size['width']}x{size['height']}")


# 3 · Next steps with more actions than fit ------------------------------------------------------------

ACTIONS = [
    (
        "Pilot one shared care record view across two neighbourhoods",
        "ICB digital team, two PCNs, social care",
        "June",
    ),
    ("Meet monthly as one neighbourhood team in Eastfield", "GP practice, council, Age UK", "Next month"),
    ("Map every discharge delay for one week, together", "Ward managers, social care, housing", "March"),
    ("Move three community grants to three-year terms", "Council commissioning, VCS forum", "April"),
    ("Hold a residents' panel before each big decision", "Healthwatch, residents' groups", "Ongoing"),
    ("Run a carers' drop-in at the library", "Carers centre, library service", "May"),
    ("Train fifty staff from every sector in one assessment", "Workforce leads, VCS training hub", "Autumn"),
    (
        "Publish one directory of local support, kept up to date",
        "Council, libraries, social prescribers",
        "July",
    ),
    ("Give every care coordinator read-only access to the record", "IG leads, ICB digital team", "September"),
    ("Fund transport to appointments for people without a car", "Community transport, NHS trust", "Winter"),
    ("Share one data sharing agreement with the voluntary sector", "IG leads, VCS forum", "June"),
    ("Ask residents in a year whether they told their story once", "Healthwatch, public health", "Next year"),
]

# By when, as every screen and report says it (a point in time reads "By", anything else "When:").
WHEN_SHOWN = {
    "June": "By June",
    "Next month": "When: Next month",
    "March": "By March",
    "April": "By April",
    "Ongoing": "When: Ongoing",
    "May": "By May",
    "Autumn": "By Autumn",
    "July": "By July",
    "September": "By September",
    "Winter": "By Winter",
    "Next year": "When: Next year",
}


def actions_proposed(inquiry, actions, corner):
    """The round is the next steps; eight people in the four sectors propose ``actions`` and sign up to
    them."""

    def run():
        facilitator = facilitator_of(inquiry)
        inquiry_actions.set_round_kind(facilitator, inquiry.current_round_id, "next_steps")
        inquiry_actions.place_join_panel(facilitator, corner)
        people = [
            Actor(
                PARTICIPANT,
                inquiry.pk,
                participant_id=inquiry_actions.join(inquiry, display_name=f"P{n}", sector=SECTORS[n % 4]).pk,
            )
            for n in range(8)
        ]
        for n, (what, with_whom, by_when) in enumerate(actions):
            fields = {"what": what, "with_whom": with_whom, "by_when": by_when, "theme": None, "loop": None}
            step, _ = steps_actions.propose(people[n % 8], f"00000000-0000-4000-8000-{n:012d}", fields)
            for person in people[: 3 + n % 5]:
                if person != people[n % 8]:
                    steps_actions.join(person, step.pk)

    in_thread(run)


@SIZES
@pytest.mark.parametrize("corner", [False, True], ids=["join-large", "join-corner"])
def test_the_next_steps_show_each_action_whole_and_how_many_more_there_are(screens, size, corner):
    inquiry = screens.inquiry
    actions_proposed(inquiry, ACTIONS, corner)
    presenter = screens.presenter(viewport=size)
    expect(presenter.locator("body")).to_have_attribute("data-stage", "steps")
    expect(presenter.locator("#steps-summary")).to_have_text(f"{len(ACTIONS)} actions proposed")
    settled(presenter)
    snap(presenter, f"presenter-next-steps-{size['width']}-{'corner' if corner else 'large'}")
    more = presenter.locator("#steps-view .wall-more")

    def shown_and_more():
        steps = drawn(presenter, "#steps-list > .step")
        assert steps and all(step["whole"] for step in steps), [s for s in steps if not s["whole"]]
        expect(more).to_have_text(re.compile(r"^\+\d+ more actions?$"))
        expect_in_view(presenter, "#steps-view .wall-more")
        left = int(re.search(r"\d+", more.inner_text()).group())
        return len(steps), left

    shown, left = shown_and_more()
    assert shown >= 4 and shown + left == len(ACTIONS), (shown, left)
    # What shows is the first actions, in their order.
    texts = [s["text"] for s in drawn(presenter, "#steps-list > .step .step-what")]
    assert texts == [what for what, _w, _b in ACTIONS[:shown]], texts
    # Who with and by when, each said once (as drawn: with any text the stylesheet puts before a part).
    meta = presenter.locator("#steps-list > .step:not(.wall-off) .step-meta").evaluate_all(
        """metas => metas.map(meta => [...meta.childNodes].map(node => {
             if (node.nodeType === 3) { return node.textContent; }
             const before = getComputedStyle(node, '::before').content;
             return (before.startsWith('"') ? JSON.parse(before) : '') + node.textContent;
           }).join(''))"""
    )
    assert meta == [f"With: {who} · {WHEN_SHOWN[when]}" for _what, who, when in ACTIONS[:shown]], meta
    expect_in_view(presenter, ".presenter-join .code")
    if corner:
        qr = presenter.locator(".presenter-join img").bounding_box()
        assert qr["x"] + qr["width"] >= size["width"] * 0.75 and qr["height"] <= 0.2 * size["height"], qr
    assert_one_legible_screen(presenter, f"next steps at {size['width']}")

    # One more proposed live, from a phone: the count of those left grows, what shows stays whole.
    carol = screens.participant("Carol")
    carol.get_by_label("What will happen").fill("Write to every partner with what we agreed")
    carol.get_by_role("button", name="Propose this action").click()
    expect(presenter.locator("#steps-summary")).to_have_text(f"{len(ACTIONS) + 1} actions proposed")
    expect(more).to_have_text(f"+{left + 1} more actions")
    assert shown_and_more() == (shown, left + 1)
