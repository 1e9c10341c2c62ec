"""What the shared screen shows as the room moves through an event: tables opened without a recipe, tables
closed, the systems map, a later round closing after an earlier round's vote, next steps. Each state shows
something useful, whole, and only what belongs to it (the walkthrough audit's presenter defects)."""

import re

import pytest
from playwright.sync_api import expect

from board import actions as board_actions
from board.systemmap import actions as map_actions
from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, PARTICIPANT, Actor
from inquiry.models import Participant

from .conftest import SHARED_SCREEN, in_thread, seed
from .pages import post, snap
from .test_presenter import Steering

pytestmark = pytest.mark.django_db(transaction=True)

# The whole of an element in the window and on top (nothing drawn over its middle and corners).
IN_VIEW = """selector => {
  // Found again each time (a frame may redraw it): the first that is drawn.
  const el = [...document.querySelectorAll(selector)].find(e => e.getClientRects().length);
  if (!el) { return false; }
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height || r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5
      || r.bottom > innerHeight + 0.5) { return false; }
  return [[0.5, 0.5], [0.05, 0.05], [0.95, 0.95]].every(([x, y]) => {
    const hit = document.elementFromPoint(r.left + r.width * x, r.top + r.height * y);
    return hit && (el.contains(hit) || hit.contains(el));
  });
}"""


def expect_in_view(page, selector):
    """Wait (as expect() does) until the whole of the first drawn element ``selector`` finds is in the
    window and nothing covers it."""
    page.wait_for_function(IN_VIEW, arg=selector)


def facilitator_of(inquiry):
    return Actor(FACILITATOR, inquiry.pk, user_id=inquiry.created_by_id)


def participant_of(inquiry, name):
    participant = Participant.objects.get(inquiry=inquiry, display_name=name)
    return Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk)


def test_tables_open_without_a_recipe_leave_the_question_join_code_and_board_on_the_shared_screen(screens):
    seed(screens.inquiry, cards=["Shared care records"])
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    for name in ("Carol", "Dave"):
        screens.participant(name)
    alice = Steering(screens)
    alice.send(
        type="tables", op="open", mode="random", size=2, recipe="", prompt="Who is missing from this room?"
    )
    step = presenter.locator("#tables-presenter .tables-step")
    expect(step).to_contain_text("Tables are open")
    snap(presenter, "presenter-tables-open-no-recipe")
    for part in (
        "#tables-presenter .tables-step .tables-mode",
        "#tables-presenter .tables-step .tables-prompt",
        "#round-question",
        ".presenter-join .code",
        "#board .card-text",
    ):
        expect_in_view(presenter, part)
    expect(step.locator(".tables-prompt")).to_have_text("Who is missing from this room?")
    snap(presenter, "presenter-tables-open-no-recipe")

    # The same after a reload: the socket's first frame brings the tables' step bar.
    presenter.reload()
    expect(presenter.locator("#lw-connection")).to_have_text("Live")
    expect(step).to_contain_text("Tables are open")
    for part in ("#tables-presenter .tables-step .tables-mode", "#round-question", ".presenter-join .code"):
        expect_in_view(presenter, part)


def test_the_tables_picks_leave_the_shared_screen_when_they_close_and_the_map_shows_alone_and_whole(screens):
    inquiry = screens.inquiry
    _cards, themes = seed(inquiry, themes=["Discharge & care", "Appointments & transport", "Care staff"])
    names = list(themes.values())
    for source, target in zip(names, names[1:], strict=False):  # a map to show
        in_thread(
            map_actions.add_link, facilitator_of(inquiry), ("theme", source), ("theme", target), "influences"
        )
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    screens.participant("Dave")
    alice = Steering(screens)
    alice.send(type="tables", op="open", mode="random", size=2, recipe="", prompt="")
    table = carol.locator("#table-view .table-view")
    expect(table.locator("h2")).to_contain_text("Table")
    carol.locator("#table-view textarea").fill("Integrated neighbourhood teams")
    carol.get_by_role("button", name="Post to the table").click()
    posted = table.locator(".tcard").filter(has_text="Integrated neighbourhood teams")
    expect(posted).to_have_count(1)
    alice.send(type="table", op="pick", card=int(posted.get_attribute("data-tcard")), theme=None)
    expect(table.locator(".tcard.is-picked")).to_have_count(1)
    alice.send(
        type="table", op="send", table=int(table.get_attribute("data-table")), noticed="We noticed agreement"
    )
    wall = presenter.locator("#picks-wall")
    expect(wall).to_contain_text("We noticed agreement")
    expect(wall).to_be_visible()

    alice.send(type="tables", op="close")
    expect(presenter.locator("#tables-presenter .tables-mode")).to_have_count(0)
    expect(presenter.get_by_text("What the tables bring back")).to_be_hidden()
    expect(presenter.get_by_text("We noticed agreement")).to_be_hidden()
    # Their picks came back to the room's board as cards: the board shows them.
    expect(presenter.locator("#board").get_by_text("Integrated neighbourhood teams")).to_be_visible()

    alice.send(type="map", op="show", on=True)
    expect(presenter.locator("body")).to_have_class(re.compile(r"\bmap-mode\b"))
    expect(presenter.locator("#map-svg .map-node")).to_have_count(3)
    expect_in_view(presenter, "#map-svg")
    expect(presenter.get_by_text("What the tables bring back")).to_be_hidden()
    assert presenter.evaluate("document.documentElement.scrollHeight <= innerHeight + 1")
    snap(presenter, "presenter-map-after-tables")


def test_a_later_round_closing_shows_its_board_not_an_earlier_rounds_vote_and_the_count_keeps_up(screens):
    inquiry = screens.inquiry
    cards, themes = seed(inquiry, cards=["Shared care records", "One key worker"], themes=["Records"])
    facilitator = facilitator_of(inquiry)
    rounds = list(inquiry.rounds.order_by("position").values_list("pk", flat=True))

    def vote_in_round_one():
        erin = inquiry_actions.join(inquiry, display_name="Erin", sector="NHS")
        board_actions.move_card(facilitator, cards["Shared care records"], themes["Records"])
        board_actions.open_vote(facilitator, None, "themes", 3, 1, live=True)
        board_actions.add_dot(
            Actor(PARTICIPANT, inquiry.pk, participant_id=erin.pk), theme_id=themes["Records"]
        )

    in_thread(vote_in_round_one)
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    alice = Steering(screens)
    alice.send(type="vote", op="close")
    expect(presenter.locator("#vote-bar")).to_contain_text("The vote is closed.")
    expect(carol.locator("#vote-bar")).to_contain_text("The vote is closed.")
    alice.send(type="round", op="phase", round=rounds[0], phase="closed")
    # Round 1's own vote: its results take the stage when the round closes, or its sector lens when the
    # facilitator puts that on the shared screen.
    expect(presenter.locator("body")).to_have_attribute("data-stage", "results")
    expect(presenter.locator("#vote-results .result")).to_have_text([re.compile(r"Records\s+1 dot")])
    alice.send(type="vote", op="present", show="lens")
    expect(presenter.locator("#lens")).to_be_visible()
    expect(presenter.locator("body")).to_have_attribute("data-stage", "lens")

    alice.send(type="round", op="activate", round=rounds[1])
    expect(presenter.locator("#round-question")).to_have_text("What would you try first?")
    # The new round does not carry the old vote's note, on the shared screen or the phone.
    expect(presenter.locator("#vote-bar")).not_to_contain_text("The vote is closed")
    expect(carol.locator("#vote-bar")).not_to_contain_text("The vote is closed")
    alice.send(type="round", op="phase", round=rounds[1], phase="silent")
    expect(presenter.locator("#round-banner")).to_have_attribute("data-phase", "silent")
    post(carol, "A hidden thought")
    expect(presenter.locator("#silent-count")).to_contain_text("1")
    # The head counts what the wall shows: the card written in silence is the silent line's until the reveal.
    expect(presenter.locator("#presenter-count")).to_have_text(re.compile(r"^2 contributions"))

    # Time is up and the timer closes the round: its silent card shows, counted in the head now, and round
    # 1's lens does not take the stage.
    alice.send(type="timer", op="start", seconds=1, closes_round=True)
    expect(presenter.locator("#round-banner")).to_have_attribute("data-phase", "closed")
    expect(presenter.locator("#themes .theme").filter(has_text="Records")).to_be_visible()
    expect(presenter.locator("body")).to_have_attribute("data-stage", "board")
    expect(presenter.locator("#lens")).to_be_hidden()
    expect(presenter.locator("#presenter-count")).to_have_text(re.compile(r"^3 contributions"))
    expect(presenter.locator("#vote-bar")).not_to_contain_text("The vote is closed")
    snap(presenter, "presenter-later-round-closed")

    # Going back to round 1 brings its vote's outcome back with it.
    alice.send(type="round", op="activate", round=rounds[0])
    expect(presenter.locator("#vote-bar")).to_contain_text("The vote is closed.")
    expect(presenter.locator("body")).to_have_attribute("data-stage", "lens")


def test_the_next_steps_count_says_one_action_when_one_is_proposed_live(screens):
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    rounds = list(screens.inquiry.rounds.order_by("position").values_list("pk", flat=True))
    Steering(screens).send(type="round", op="kind", round=rounds[0], kind="next_steps")
    summary = presenter.locator("#next-steps .steps-summary")
    expect(summary).to_have_text("0 actions proposed")
    carol.get_by_label("What will happen").fill("Joint workforce plan")
    carol.get_by_role("button", name="Propose this action").click()
    expect(summary).to_have_text("1 action proposed")
    expect(presenter.locator("#steps-list")).to_contain_text("Joint workforce plan")
    carol.get_by_label("What will happen").fill("A shared care record pilot")
    carol.get_by_role("button", name="Propose this action").click()
    expect(summary).to_have_text("2 actions proposed")
    snap(presenter, "presenter-next-steps-count")
