"""Setting tables up and working at them, as a new facilitator found them: the set-up form's round is the
room's, its table size says what it takes, the tables' timer is in minutes like the room's, and at a step
in pairs each phone says who its pair is."""

import pytest
from playwright.sync_api import expect

from inquiry import actions as inquiry_actions

from .conftest import in_thread
from .test_presenter import Steering, facilitator_of

pytestmark = pytest.mark.django_db(transaction=True)


def rounds_of(inquiry):
    return list(inquiry.rounds.order_by("position").values_list("pk", flat=True))


def test_for_the_round_is_the_rooms_round_as_the_room_moves_on(screens, inquiry):
    alice = screens.facilitator()
    first, second = in_thread(rounds_of, inquiry)
    chosen = alice.get_by_label("For the round")
    expect(chosen).to_have_value(str(first))
    # A co-facilitator moves the room on after the page loaded: the form follows.
    steering = Steering(screens, "bob")
    steering.send(type="round", op="activate", round=second)
    expect(alice.locator("#round-banner")).to_have_attribute("data-round", str(second))
    expect(chosen).to_have_value(str(second))
    # A round added and moved to since the page loaded is offered and chosen too.
    added = in_thread(inquiry_actions.add_round, facilitator_of(inquiry), "Who else should be here?")
    steering.send(type="round", op="activate", round=added.pk)
    expect(chosen).to_have_value(str(added.pk))
    expect(chosen.locator("option:checked")).to_have_text("3. Who else should be here?")


def test_table_size_and_the_tables_timer_say_what_they_take(screens):
    alice = screens.facilitator()
    screens.participant("Carol", "NHS")
    screens.participant("Dave", "Local authority")
    size = alice.get_by_label("Table size (2–8)")
    expect(size).to_have_attribute("min", "2")
    expect(size).to_have_attribute("max", "8")
    size.fill("9")
    alice.get_by_role("button", name="Open tables").click()
    expect(alice.locator("#lw-status")).to_contain_text("Table size must be a whole number from 2 to 8.")
    size.fill("2")
    alice.get_by_role("button", name="Open tables").click()
    expect(alice.locator("#tables-rows tr")).to_have_count(1)
    # Minutes, as the room's timer: two and a half of them.
    alice.get_by_label("Timer for all tables (minutes)").fill("2.5")
    alice.locator("form[data-tsend='timer.start']").get_by_role("button", name="Start timer").click()
    expect(alice.locator("#timer")).not_to_have_attribute("data-ends-at", "")
    left = alice.locator("#timer").evaluate("el => (Number(el.dataset.endsAt) - Date.now()) / 1000")
    assert 140 <= left <= 151, left


def test_at_the_pairs_step_each_phone_says_who_its_pair_is(screens):
    alice = screens.facilitator()
    carol = screens.participant("Carol", "NHS")
    dave = screens.participant("Dave", "Local authority")
    alice.get_by_label("Table size (2–8)").fill("2")
    alice.get_by_label("Recipe").select_option("124all")
    alice.get_by_role("button", name="Open tables").click()
    expect(carol.locator("#step-title")).to_contain_text("On your own")
    alice.get_by_role("button", name="Next step", exact=True).click()
    for phone, pair in ((carol, "Dave (Local authority)"), (dave, "Carol (NHS)")):
        expect(phone.locator("#step-title")).to_contain_text("In pairs")
        line = phone.locator("#table-view .your-group:visible")
        expect(line).to_have_count(1)
        expect(line).to_have_text(f"Your pair: {pair}")
    # The fours step at a table of two: the phones say it is their whole table.
    alice.get_by_role("button", name="Next step", exact=True).click()
    expect(carol.locator("#table-view .group-note")).to_contain_text("fewer than four")
    mine = carol.locator("#table-view .your-group:visible")
    expect(mine).to_have_text("Your table: Dave (Local authority)")
