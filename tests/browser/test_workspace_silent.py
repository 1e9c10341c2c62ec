"""Silent writing on the facilitator's workspace at 1280x720: each card written in silence is marked by a
small icon at the head of its line of small print (labelled "Silent writing, hidden until the reveal" for
a screen reader; the whole sentence as a tooltip), not by a badge of lines of its own. With the badge, 24
silent cards of two lines each left 12 unsorted cards whole on the first screen; now 18, as many as the
same cards take outside silent writing."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from board import actions as board_actions
from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, PARTICIPANT, Actor
from inquiry.models import Participant, Round

from .axe import assert_accessible
from .conftest import SHARED_SCREEN, in_thread
from .pages import snap

pytestmark = pytest.mark.django_db(transaction=True)

# The unsorted cards whole on the screen: inside the list's box and the window.
WHOLE = """() => { const list = document.getElementById('cards-unsorted').getBoundingClientRect();
  return [...document.querySelectorAll('#cards-unsorted > .card')].filter(c => {
    const r = c.getBoundingClientRect();
    const bottom = Math.min(list.bottom, window.innerHeight);
    return r.height > 0 && r.top >= 0 && r.bottom <= bottom; }).length; }"""

# How far what a card shows reaches below its line of small print, in pixels.
BELOW = """els => els.map(c => {
  const meta = c.querySelector('.card-meta').getBoundingClientRect().bottom;
  const shown = [...c.querySelector('.cell').children].map(e => e.getBoundingClientRect())
    .filter(r => r.height > 0);
  return Math.round(Math.max(...shown.map(r => r.bottom)) - meta); })"""


def write_in_silence(inquiry, count):
    """The room's round in silent writing, and ``count`` people of the room writing a card each."""

    def run():
        boss = Actor(FACILITATOR, inquiry.pk, user_id=inquiry.created_by_id)
        inquiry_actions.set_phase(boss, inquiry.current_round_id, Round.SILENT)
        for n, person in enumerate(Participant.objects.filter(inquiry=inquiry).order_by("pk")[:count]):
            writer = Actor(PARTICIPANT, inquiry.pk, participant_id=person.pk)
            board_actions.post_card(writer, uuid.uuid4(), f"A silent thought, number {n}, written alone")

    in_thread(run)


def test_cards_written_in_silence_take_no_more_room_than_others(event_screens, event_inquiry):
    write_in_silence(event_inquiry, 24)
    alice = event_screens.facilitator(viewport=SHARED_SCREEN)
    silent = alice.locator("#cards-unsorted > .card.is-silent")
    expect(silent).to_have_count(24)
    first = silent.first
    expect(first.locator(".silent-mark")).to_be_visible()
    expect(first.locator(".card-meta")).to_contain_text("Silent writing, hidden until the reveal")
    expect(first.locator(".silent-mark")).to_have_attribute(
        "title", "Silent writing: only its author and the facilitators see it until the reveal"
    )
    # Nothing under a silent card's line of small print (its badge took ~60px there).
    below = silent.evaluate_all(BELOW)
    assert max(below) <= 1, below
    assert alice.evaluate(WHOLE) >= 18
    snap(alice, "workspace-silent-1280x720", full_page=False)
    assert_accessible(alice, "the workspace in silent writing")


def test_a_first_time_facilitator_can_read_what_silent_and_reveal_do(screens, inquiry):
    """The phases were bare words ("Silent", "Reveal"): each button now carries what it does as its
    description (read with it by a screen reader), and "Help" beside them shows all of it, on the line of
    Vote and Closed (the panel keeps the timer in view at 1280x720)."""
    alice = screens.facilitator("alice", viewport=SHARED_SCREEN)
    phases = alice.get_by_role("group", name="Phase of this round")
    silent = phases.get_by_role("button", name="Silent")
    reveal = phases.get_by_role("button", name="Reveal")
    expect(silent).to_have_accessible_description(
        re.compile("hidden from the room .* until you press Reveal")
    )
    expect(reveal).to_have_accessible_description(re.compile("appears on every screen at once"))
    what = phases.locator("summary", has_text="Help: what the phases do")
    expect(what).to_be_in_viewport(ratio=1)
    closed = phases.get_by_role("button", name="Closed").bounding_box()
    assert abs(what.bounding_box()["y"] - closed["y"]) < closed["height"], "on the line of Closed"
    expect(alice.locator("#phase-silent-what")).to_be_hidden()
    what.click()
    expect(alice.locator("#phase-silent-what")).to_be_visible()
    expect(alice.locator("#phase-silent-what")).to_contain_text("stays hidden from the room")
    expect(alice.locator("#phase-reveal-what")).to_be_visible()
    # Nothing it shows is cut off by the narrow panel.
    cut = alice.locator("#phase-help").evaluate("el => el.scrollWidth > el.clientWidth + 1")
    assert not cut
    snap(alice, "walk3-phases-1280", full_page=False)
    assert_accessible(alice, "the workspace with what the phases do open")
    # Still the button that sets the phase.
    silent.click()
    expect(alice.locator("#round-banner .eyebrow .phase")).to_contain_text("Silent writing")
