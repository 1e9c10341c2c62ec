"""The counts a facilitator compares across screens (the walk-through at event size): the facilitator's board
and the shared screen give the same numbers, the cards only the facilitators see counted apart, live as
cards are hidden, restored, moved, written in silence and revealed; a closed inquiry's workspace offers no
Pause; the phone's and the presenter's counts read as words."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import SHARED_SCREEN, seed
from .pages import card, post
from .test_presenter import Steering

pytestmark = pytest.mark.django_db(transaction=True)

CARDS = ["Waiting lists", "Shared records", "Transport to clinics", "Carers' breaks", "Out of hours"]


def test_the_facilitators_column_counts_are_the_shared_screens_with_hidden_cards_apart(screens):
    ids, themes = seed(screens.inquiry, cards=CARDS, themes=["Access"])
    access = themes["Access"]
    rounds = list(screens.inquiry.rounds.order_by("position").values_list("pk", flat=True))
    alice = screens.facilitator()
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    steer = Steering(screens)
    # The round closes: the shared screen shows the themes, and counts in its head what is not in one.
    steer.send(type="round", op="phase", round=rounds[0], phase="closed")
    for text in CARDS[3:]:
        steer.send(type="card", op="move", card=ids[text], theme=access)
    steer.send(type="card", op="hide", card=ids[CARDS[0]])
    steer.send(type="card", op="hide", card=ids[CARDS[3]])

    head = presenter.locator("#presenter-count")
    expect(head).to_have_text("3 contributions · 2 not yet in a theme")
    expect(alice.locator("#unsorted-count")).to_have_text("2 + 1 hidden")
    expect(presenter.locator(f"#theme-{access}-count")).to_have_text("1")
    expect(alice.locator(f"#theme-{access}-count")).to_have_text("1 + 1 hidden")
    expect(alice.locator(f"#theme-{access}-count")).to_have_attribute("aria-label", "1 card + 1 hidden")
    # As a page drawn afresh reads them.
    alice.reload()
    expect(alice.locator("#unsorted-count")).to_have_text("2 + 1 hidden")
    expect(alice.locator(f"#theme-{access}-count")).to_have_text("1 + 1 hidden")

    # Restored: the room sees it again, and both screens count it.
    steer.send(type="card", op="restore", card=ids[CARDS[0]])
    expect(head).to_have_text("4 contributions · 3 not yet in a theme")
    expect(alice.locator("#unsorted-count")).to_have_text("3")
    # A hidden card moved: the facilitator's columns carry it apart; the shared screen's do not change.
    steer.send(type="card", op="move", card=ids[CARDS[3]], theme=None)
    expect(alice.locator("#unsorted-count")).to_have_text("3 + 1 hidden")
    expect(alice.locator(f"#theme-{access}-count")).to_have_text("1")
    expect(presenter.locator(f"#theme-{access}-count")).to_have_text("1")
    expect(head).to_have_text("4 contributions · 3 not yet in a theme")


def test_during_silent_writing_the_head_counts_what_the_wall_shows(screens):
    seed(screens.inquiry, cards=CARDS[:2])
    rounds = list(screens.inquiry.rounds.order_by("position").values_list("pk", flat=True))
    alice = screens.facilitator()
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    steer = Steering(screens)
    steer.send(type="round", op="phase", round=rounds[0], phase="silent")
    expect(carol.locator("#round-banner")).to_have_attribute("data-phase", "silent")
    post(carol, "A hidden thought")

    expect(presenter.locator("#silent-count")).to_have_text(
        "1 contribution written so far, hidden until the reveal."
    )
    expect(presenter.locator("#board .card")).to_have_count(2)
    expect(presenter.locator("#presenter-count")).to_have_text("2 contributions")
    expect(alice.locator("#unsorted-count")).to_have_text("2 + 1 unrevealed")

    steer.send(type="round", op="phase", round=rounds[0], phase="reveal")
    expect(presenter.locator("#board .card")).to_have_count(3)
    expect(presenter.locator("#presenter-count")).to_have_text("3 contributions")
    expect(presenter.locator("#silent-count")).to_be_hidden()
    expect(alice.locator("#unsorted-count")).to_have_text("3")


def test_a_closed_inquirys_workspace_offers_no_pause_and_the_reopen_brings_it_back(screens):
    seed(screens.inquiry, cards=CARDS[:1])
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    pause = alice.get_by_role("button", name="Pause the room")
    pause.click()
    expect(alice.get_by_role("button", name="Resume the room")).to_be_visible()
    expect(carol.locator("#room-state .paused")).to_be_visible()

    Steering(screens, "bob").send(type="inquiry", op="close")
    expect(alice.locator("#inquiry-closed")).to_be_visible()
    expect(alice.locator("#room-pause")).to_have_count(0)
    # A phone says the inquiry has closed, not that the room is paused until someone resumes it.
    expect(carol.locator("#inquiry-closed")).to_be_visible()
    expect(carol.locator("#room-state .paused")).to_have_count(0)
    alice.reload()
    expect(alice.locator("#inquiry-closed")).to_be_visible()
    expect(alice.locator("#room-pause")).to_have_count(0)

    alice.get_by_role("button", name="Reopen the inquiry").click()
    expect(alice.locator("#inquiry-closed")).to_have_count(0)
    expect(alice.get_by_role("button", name="Resume the room")).to_be_visible()
    alice.get_by_role("button", name="Resume the room").click()
    expect(pause).to_be_visible()


def test_this_resonates_counts_read_as_words_for_one_and_for_many(screens):
    seed(screens.inquiry, cards=CARDS[:1])
    carol = screens.participant("Carol")
    erin = screens.participant("Erin", "Local authority")
    counts = card(carol, CARDS[0]).locator(".reaction-count")
    card(carol, CARDS[0]).get_by_role("button", name="This resonates").click()
    expect(counts).to_have_text("1 person finds this resonates")
    card(erin, CARDS[0]).get_by_role("button", name="This resonates").click()
    expect(counts).to_have_text("2 people find this resonates")
    expect(card(erin, CARDS[0]).locator(".reaction-count")).to_have_text("2 people find this resonates")


# The gap between the count and the word after it, against the width of the space between them.
GAP = """() => {
  const count = document.getElementById('steps-count');
  const words = count.nextSibling;
  const rect = (node, start, end) => {
    const range = document.createRange();
    if (start === undefined) { range.selectNodeContents(node); }
    else { range.setStart(node, start); range.setEnd(node, end); }
    return range.getBoundingClientRect();
  };
  const space = rect(words, 0, 1).width;
  return {gap: rect(words, 1, 2).left - rect(count).right, space: space};
}"""


def test_the_next_steps_count_stands_a_space_from_its_words(screens):
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    carol = screens.participant("Carol")
    rounds = list(screens.inquiry.rounds.order_by("position").values_list("pk", flat=True))
    Steering(screens).send(type="round", op="kind", round=rounds[0], kind="next_steps")
    for what in ("Joint workforce plan", "A shared care record pilot"):
        carol.get_by_label("What will happen").fill(what)
        carol.get_by_role("button", name="Propose this action").click()
    for page in (presenter, carol):
        summary = page.locator("#steps-summary")
        expect(summary).to_have_text("2 actions proposed")
        expect(summary).to_be_visible()
        measured = page.evaluate(GAP)
        assert measured["gap"] <= measured["space"] * 1.5, measured
    assert re.fullmatch(r"2 actions proposed", presenter.locator("#steps-summary").inner_text())
