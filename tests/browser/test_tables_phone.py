"""A table on a phone (390x844), in an anonymous inquiry: when tables open the phone is brought to its
table wherever the room's board had taken it, and says where it is and with whom in a polite live region;
its people are seats ("Seat A (NHS)"), its own row "You · Seat C (NHS)"; the host's phone says the host
chooses the picks, and the facilitator's overview says whose host has yet to send them; the step bar at
the foot of the phone covers nothing the page scrolls to."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inquiry.models import Inquiry, Participant

from .axe import assert_accessible
from .conftest import SHARED_SCREEN, in_thread, seed
from .pages import SCREEN_GEOMETRY, snap

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = {
    "Carol Quist": "NHS",
    "Dave Rowan": "Local authority",
    "Erin Sallow": "Other",
    "Femi Tarrant": "NHS",
}
HOUR = timedelta(hours=1)
SEAT = r"Seat [A-D] \((NHS|Local authority|Other)\)(, the host)?"


def on_top(page, locator):
    """Whether nothing is drawn over the element (its middle and near its corners)."""
    return locator.evaluate(f"el => {{ {SCREEN_GEOMETRY} return onTopWithin(el, 0.1); }}")


def test_a_phone_is_brought_to_its_table_named_by_seats_and_its_host_told_to_pick(screens, inquiry):
    in_thread(lambda: Inquiry.objects.filter(pk=inquiry.pk).update(show_names=False))
    # A long room's board, for a phone to be reading far down it when tables open.
    seed(inquiry, cards=[f"A thought about the room, number {n}" for n in range(30)])
    # Their author joined an hour ago and has gone: tables seat the four phones in the room.
    in_thread(lambda: Participant.objects.filter(display_name="Dave").update(joined=timezone.now() - HOUR))
    alice = screens.facilitator(viewport=SHARED_SCREEN)
    phones = {name: screens.participant(name, sector) for name, sector in PEOPLE.items()}
    carol = phones["Carol Quist"]
    carol.evaluate("window.scrollTo(0, document.body.scrollHeight)")

    alice.get_by_label("or number of tables").fill("1")
    alice.get_by_label("Recipe").select_option("124all")
    alice.get_by_role("button", name="Open tables").click()
    for page in phones.values():
        expect(page.locator("#table-view h2")).to_have_text("Table 1")
    # Brought to the table, and told where they are and with whom (the table's three others, by seat).
    expect(carol.locator("#table-view h2")).to_be_in_viewport(ratio=1)
    arrival = carol.locator("#table-arrival")
    expect(arrival).to_have_attribute("aria-live", "polite")
    expect(arrival).to_have_text(re.compile(rf"^You are at Table 1 with {SEAT}, {SEAT} and {SEAT}\."))
    mine = re.compile(r"^You · Seat [A-D] \(NHS\)( · host)?$")
    expect(carol.locator("#table-view li.is-me")).to_have_text(mine)
    for page in phones.values():
        people = page.locator("#table-view li[data-participant]")
        expect(people).to_have_count(4)
        for text in people.all_inner_texts():
            assert re.fullmatch(r"(You · )?Seat [A-D] \((NHS|Local authority|Other)\)( · host)?", text), text
        for name in PEOPLE:  # their own name heads their own page only
            expect(page.locator("#tables-phone")).not_to_contain_text(name.split()[0])
    snap(carol, "tables-phone-arrival", full_page=False)
    assert_accessible(carol, "a phone brought to its table")

    host = next(p for p in phones.values() if p.locator("#table-view .table-view.is-host").count())
    guest = next(p for p in phones.values() if p is not host)
    note = host.locator("#table-view .host-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("you choose what it brings back to the room")
    expect(guest.locator("#table-view .host-note")).to_be_hidden()
    expect(host.locator("#table-arrival")).to_contain_text("You host it")

    host.locator("#table-view textarea").fill("Trust is built in kitchens")
    host.get_by_role("button", name="Post to the table").click()
    for _ in range(3):
        alice.get_by_role("button", name="Next step", exact=True).click()
    expect(host.locator("#step-title")).to_contain_text("Back to the room")
    expect(alice.locator("#tables-rows")).to_contain_text("Waiting for Table 1's host")
    host.locator("#table-view .tcard").get_by_role("button", name="Pick", exact=True).click()
    expect(host.locator("#table-view .tcard.is-picked")).to_have_count(1)
    # The host, having read back up the table, goes down to the send form: each of its controls scrolled
    # up from below the screen as little as it takes (as a phone brings a tapped field above its keyboard,
    # or a link to it) stops above the step bar at the foot of the screen, not under it.
    noticed = host.get_by_label("What we noticed")
    send = host.get_by_role("button", name="Send our picks to the room")
    for control in (noticed, host.get_by_label("Bring back the table's top 3 by vote"), send):
        host.evaluate("window.scrollTo(0, 0)")
        control.evaluate("el => el.scrollIntoView({ block: 'nearest' })")
        expect(control).to_be_in_viewport(ratio=1)
        assert on_top(host, control), "the step bar covers a control of the send form"
    noticed.fill("Kitchens")
    snap(host, "tables-phone-host-send", full_page=False)
    assert_accessible(host, "the host's phone at the picks step")
    snap(alice, "tables-facilitator-waiting", full_page=False)
    assert_accessible(alice, "the facilitator waiting for a table's host")
    send.click()
    expect(alice.locator("#tables-rows")).to_contain_text("1 · sent")
    expect(alice.locator("#tables-rows")).not_to_contain_text("Waiting for")
