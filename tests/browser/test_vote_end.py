"""The end of a vote as a facilitator runs it at event size (100 participants, 300 cards, 12 themes): the
round's timer, set to close the round, closes the vote when time is up; once the results are revealed
the shared screen at 1280x720 shows them ranked, large enough to read from across the room (the dots
written out, from how many sectors), a card not yet in a theme among them; the facilitator puts the
sector lens there instead and back; and after Reopen the vote, focus is on Close the vote."""

import random

import pytest
from playwright.sync_api import expect

from board import actions as board_actions
from board import render, results
from board.models import Card, Dot
from inquiry import actions as inquiry_actions
from inquiry.models import Participant

from .axe import assert_accessible
from .conftest import SHARED_SCREEN, in_thread
from .pages import snap
from .test_presenter import facilitator_of, people_have_joined, settled
from .test_presenter_stages import assert_one_legible_screen, drawn, font_px

pytestmark = pytest.mark.django_db(transaction=True)

SLOW = 30_000  # ms: a frame that redraws the whole event-size board, on a loaded box


def a_card_vote_timed_to_close(inquiry):
    """The event's theme vote closed, a vote on the cards of every round open in its place, most of the
    room's dots in it, the most on a card not yet in a theme; a timer of a few seconds set to close the
    round. Returns the results as the shared screen will rank them, and that card's text."""
    alice = facilitator_of(inquiry)
    board_actions.close_vote(alice)
    vote = board_actions.open_vote(alice, None, "cards", 3, 1, False)
    cards = list(Card.objects.filter(inquiry=inquiry, status=Card.VISIBLE, silent=False).order_by("pk"))
    unsorted = next(card for card in cards if card.theme_id is None)
    rng = random.Random(2026)
    dots = []
    for index, person in enumerate(Participant.objects.filter(inquiry=inquiry, removed=False).order_by("pk")):
        picks = {unsorted} if index % 3 == 0 else set()
        while len(picks) < 3:
            picks.add(rng.choice(cards[:40]))
        dots += [Dot(vote=vote, participant=person, card=card) for card in picks]
    Dot.objects.bulk_create(dots)
    inquiry_actions.start_timer(alice, 4, closes_round=True)
    return unsorted.text


def expected_results(inquiry):
    inquiry.refresh_from_db()
    return results.of_vote(inquiry, render.current_vote(inquiry))


@pytest.mark.parametrize("event_inquiry", ["vote"], indirect=True)
def test_time_up_closes_the_vote_and_the_shared_screen_shows_its_results_ranked(event_screens, event_inquiry):
    people_have_joined(event_inquiry)
    top_text = in_thread(a_card_vote_timed_to_close, event_inquiry)
    presenter = event_screens.presenter(viewport=SHARED_SCREEN)
    facilitator = event_screens.facilitator(viewport=SHARED_SCREEN)

    # Time is up: the vote closes on every screen with the round (the timer's own clock, on the server).
    for page in (presenter, facilitator):
        expect(page.locator("#round-banner")).to_have_attribute("data-phase", "closed", timeout=20_000)
        expect(page.locator("#vote-bar")).to_have_attribute("data-vote-open", "")
    expect(presenter.locator("#vote-bar")).to_contain_text("The vote is closed.")
    # Its results are hidden until revealed: the board stays on the screen.
    expect(presenter.locator("body")).to_have_attribute("data-stage", "board")
    expect(presenter.locator("#vote-results .result")).to_have_count(0)

    facilitator.get_by_role("button", name="Reveal the results").click()
    expect(presenter.locator("body")).to_have_attribute("data-stage", "results")
    settled(presenter)
    snap(presenter, "presenter-results-1280x720")
    ranked = in_thread(expected_results, event_inquiry)
    assert len(ranked.items) == 10 and ranked.total > 10
    assert ranked.items[0].text == top_text  # not yet in a theme, and first

    # Ten lines, every one whole on the screen, in order, each its dots written out and its sectors.
    lines = drawn(presenter, "#vote-results .result")
    assert len(lines) == 10 and all(line["whole"] for line in lines), [li for li in lines if not li["whole"]]
    for part in ("result-text", "result-dots", "result-sectors"):  # nothing drawn over them (the bars behind)
        shown = drawn(presenter, f"#vote-results .{part}")
        assert len(shown) == 10 and all(item["whole"] for item in shown), (part, shown)
    texts = presenter.locator("#vote-results .result-text").all_text_contents()
    assert [" ".join(t.split()) for t in texts] == [" ".join(item.text.split()) for item in ranked.items]
    expect(presenter.locator("#vote-results .result-dots")).to_have_text(
        [f"{item.dots} dot{'s' if item.dots != 1 else ''}" for item in ranked.items]
    )
    assert ranked.sectors_shown >= 2  # the event's four sectors all voted
    expect(presenter.locator("#vote-results .result-sectors")).to_have_text(
        [f"from {item.sectors} of {ranked.sectors_shown} sectors" for item in ranked.items]
    )
    expect(presenter.locator("#vote-results-heading")).to_have_text(
        f"The top 10 of {ranked.total} contributions with dots"
    )
    # Read from across the room: 20 px or more at 1280x720.
    for part in (".result-text", ".result-dots", ".result-sectors", "#vote-results-heading"):
        assert font_px(presenter, f"#vote-results {part}") >= 20, part
    assert_one_legible_screen(presenter, "the vote's results at 1280")
    assert_accessible(presenter, "presenter, a closed vote's results, 1280x720")

    # The facilitator shows the sector lens instead, and the results again.
    snap(facilitator, "facilitator-vote-closed-1280x720")
    lens = facilitator.get_by_role("button", name="Sector lens")
    lens.click()
    expect(presenter.locator("body")).to_have_attribute("data-stage", "lens")
    expect(lens).to_have_attribute("aria-pressed", "true")
    expect(lens).to_be_focused()
    facilitator.get_by_role("button", name="Results", exact=True).click()
    expect(presenter.locator("body")).to_have_attribute("data-stage", "results")

    # Reopen the vote from the keyboard: the room votes again, and focus is on the control that closes it.
    # (Each vote event redraws the 300-card board, a frame of ~670 KB: on a loaded box it takes seconds.)
    facilitator.get_by_role("button", name="Reopen the vote").focus()
    facilitator.keyboard.press("Enter")
    expect(facilitator.locator("#vote-bar")).to_have_attribute("data-vote-open", "1", timeout=SLOW)
    expect(facilitator.locator("#vote-close")).to_be_focused()
    expect(presenter.locator("#round-banner")).to_have_attribute("data-phase", "vote", timeout=SLOW)
    expect(presenter.locator("body")).to_have_attribute("data-stage", "board")
    facilitator.keyboard.press("Enter")  # Close the vote: focus goes to Reopen the vote
    expect(facilitator.locator("#vote-reopen")).to_be_focused(timeout=SLOW)
    expect(presenter.locator("body")).to_have_attribute("data-stage", "results")
