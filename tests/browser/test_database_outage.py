"""The database goes away for a while under a live room, and comes back.

A participant keeps posting: each post is answered "we could not save that yet", stays on their phone as
"Sending…", and the page sends it again by itself (with a growing wait) while its socket stays open;
once the database is back, every post is saved exactly once and shows on every screen, without a reload.
A table post and a proposed action are kept and sent again the same way. A reaction is not: the page
names it as not saved, beside the line that says the posts are saved.
Someone opening a page meanwhile gets a "back in a moment" page (503) that reloads itself until it works;
someone joining meanwhile gets one that keeps what they typed and sends it again at a press. A
facilitator's action is not resent (the room may have moved on): the page says it was not saved and, once
the database answers, names it again until the facilitator acts.

On PostgreSQL the database is cut by a TCP proxy of the test's own between a Daphne process of its own
and the shared server. On SQLite, the equivalent fault is the database file being write-locked by
someone else (a backup, another process) for longer than the server's busy timeout (1 s here): reads
still work there, so the 503 part is PostgreSQL's only."""

import re
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from board.models import Card, NextStep
from board.tables.models import TableCard
from inquiry.models import Participant, Round
from sessions.protocol import UNAVAILABLE_POST

from .. import servers
from .conftest import PHONE, SERVER_LOG, Screens
from .pages import card, open_card, post, snap

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = ["Written while the database was away", "And a second one", "And a third, sent twice as fast"]
# Long enough for the page's resends (after 1, 2, 4, then every 8 s) to come round once the database is back
# (a process refuses for 2 s more after a connection it could not get: sessions/database/base.py).
RECOVERY_MS = 25_000


@dataclass
class Fault:
    server: servers.Daphne
    cut: Callable
    restore: Callable
    postgres: bool
    log: Path


@pytest.fixture
def fault(request, transactional_db, tmp_path):
    log_path = tmp_path / "daphne.log"  # where servers.behind_a_cut_proxy's Daphne logs too
    request.node.stash[SERVER_LOG] = (log_path, 0)  # a failing test's report shows what the server logged
    if connection.vendor == "postgresql":
        with servers.behind_a_cut_proxy(tmp_path, "outage", 2) as (daphne, proxy):
            yield Fault(daphne, proxy.cut, proxy.restore, postgres=True, log=log_path)
        return
    prefix = f"linewalk-outage-{uuid.uuid4().hex[:12]}"
    (daphne,) = servers.start([log_path], redis_prefix=prefix, env={"SQLITE_BUSY_TIMEOUT": "1"})
    lock = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=30)
    locked = []

    def cut():
        lock.execute("BEGIN EXCLUSIVE")
        locked.append(True)

    def restore():
        lock.execute("ROLLBACK")
        locked.clear()

    yield Fault(daphne, cut, restore, postgres=False, log=log_path)
    if locked:
        restore()
    lock.close()
    daphne.stop()


def test_posts_made_while_the_database_is_away_are_saved_once_when_it_is_back(browser, fault, inquiry):
    screens = Screens(browser, fault.server.url, inquiry)
    try:
        alice = screens.facilitator()
        carol = screens.participant("Carol")
        # The page is "Live" once its socket opens; its catch-up is read just after. Wait for a post to go
        # through, so the cut finds the socket settled (a cut during the catch-up closes it: 4013).
        post(carol, "Before the outage")
        expect(card(alice.locator("#cards-unsorted"), "Before the outage")).to_have_count(1)

        newcomer = None
        if fault.postgres:
            # Someone opens the join page just before the database goes (the door serves it from its cache
            # for a few seconds only, so opening it during the cut would race that cache's expiry).
            newcomer = screens.page(screens.context(PHONE))
            newcomer.goto(f"/i/{inquiry.code}/join/")
            expect(newcomer.get_by_label("Your name (optional)")).to_be_visible()

        fault.cut()
        # A facilitator's action is not resent (the room may have moved on): the page names it.
        open_card(alice, "Before the outage").get_by_role("button", name="Hide card").click()
        refusal = alice.locator("#lw-status [data-code=unavailable]")
        expect(refusal).to_have_text(re.compile("^Not saved: hiding a card. .*do it again in a moment."))
        for text in TEXTS:
            post(carol, text)
        expect(carol.locator("#pending li")).to_have_count(len(TEXTS))
        expect(carol.locator("#lw-status [data-code=unavailable]")).to_contain_text("could not save that yet")
        expect(carol.locator("#lw-connection")).to_have_text("Live")  # the socket stays open

        if newcomer is not None:
            # Joining needs the database, and says so.
            newcomer.get_by_label("Your name (optional)").fill("Nadia")
            newcomer.get_by_role("radio", name="NHS").check()
            with newcomer.expect_response(lambda r: r.request.method == "POST") as joining:
                newcomer.get_by_role("button", name="Join the inquiry").click()
            assert joining.value.status == 503
            expect(newcomer.get_by_role("heading", name="Back in a moment")).to_be_visible()
            # The server's log says so in one line, not Django's traceback of the request.
            logged = fault.log.read_text()
            assert f"Database unavailable: POST /i/{inquiry.code}/join/ answered 503" in logged
            assert f"Internal Server Error: /i/{inquiry.code}/join/" not in logged

        fault.restore()
        # No reload: the page's own retries bring every post in, once.
        expect(carol.locator("#pending li")).to_have_count(0, timeout=RECOVERY_MS)
        expect(carol.locator("#lw-status")).to_contain_text("everything you posted is on the board")
        for text in TEXTS:
            expect(card(carol, text)).to_have_count(1)
            expect(card(alice.locator("#cards-unsorted"), text)).to_have_count(1)
        assert sorted(Card.objects.values_list("text", flat=True)) == sorted(TEXTS + ["Before the outage"])
        # The database answers again: the facilitator is told what to do again, until they act.
        expect(alice.locator("#lw-status")).to_have_text(
            "The server reaches its database again. Not saved while it could not: hiding a card. "
            "Do it again if it is still wanted."
        )
        snap(alice, "outage-not-saved")
        assert Card.objects.get(text="Before the outage").status != Card.HIDDEN
        # Its actions are still open from the first attempt.
        card(alice, "Before the outage").get_by_role("button", name="Hide card").click()
        expect(card(alice, "Before the outage")).to_contain_text("Hidden from participants")
        expect(alice.locator("#lw-status")).to_have_text("")

        if newcomer is not None:
            # The "back in a moment" page kept what they typed: sending it again joins them.
            newcomer.get_by_role("button", name="Try again").click()
            expect(newcomer.get_by_text("You: Nadia (NHS)")).to_be_visible()
            assert Participant.objects.filter(display_name="Nadia", sector="NHS").count() == 1
        # The whole outage logged in lines, not tracebacks: the pages answered 503, the presence count
        # and heartbeat that could not reach the database (sessions/outages.py DATABASE_DOWN).
        assert "Traceback" not in fault.log.read_text()
    finally:
        screens.close()
    assert not screens.problems, screens.problems


# Every line the status line shows from now on, as the person reads it: (its code, its text).
LISTEN_TO_STATUS = """
window.lwSaid = [];
new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
  if (node.tagName === 'P') { window.lwSaid.push([node.dataset.code || '', node.textContent]); }
}))).observe(document.getElementById('lw-status'), { childList: true });
"""
REFUSALS = "() => window.lwSaid.filter(([code]) => code === 'unavailable').length"


def test_a_table_post_and_an_action_made_while_the_database_is_away_land_once_when_it_is_back(
    browser, fault, inquiry
):
    Round.objects.filter(pk=inquiry.current_round_id).update(kind=Round.NEXT_STEPS)
    screens = Screens(browser, fault.server.url, inquiry)
    try:
        alice = screens.facilitator()
        carol = screens.participant("Carol")
        dave = screens.participant("Dave", "Local authority")
        alice.get_by_label("Seat people").select_option("mixed")
        alice.get_by_role("button", name="Open tables").click()
        for page in (carol, dave):
            expect(page.locator("#table-view h2")).to_contain_text("Table 1")
        # A first table post goes through, so the cut finds the sockets settled.
        carol.locator("#table-view textarea").fill("Before the outage")
        carol.get_by_role("button", name="Post to the table").click()
        expect(dave.locator("#table-view")).to_contain_text("Before the outage")

        fault.cut()
        carol.evaluate(LISTEN_TO_STATUS)
        carol.locator("#table-view textarea").fill("Said at the table meanwhile")
        carol.get_by_role("button", name="Post to the table").click()
        # At least once: a process whose database is away answers at once, so the page's own resend (after
        # its first pause, 1 s) may be refused again before this looks.
        carol.wait_for_function(f"() => ({REFUSALS})() >= 1")
        before = carol.evaluate(REFUSALS)
        carol.get_by_label("What will happen").fill("Proposed meanwhile")
        carol.get_by_role("button", name="Propose this action").click()
        carol.wait_for_function(f"() => ({REFUSALS})() > {before}")
        # Each is promised again, neither named as not saved (the page's own resend may be refused again
        # meanwhile: a process whose database is away answers at once).
        said = carol.evaluate("window.lwSaid")
        assert len(said) >= 2 and all(line == ["unavailable", UNAVAILABLE_POST] for line in said), said

        fault.restore()
        # No reload: the page's own retries bring both in, once, and it says so (the proposal's own
        # "Proposed, and you're in" may follow it).
        carol.wait_for_function(
            "() => window.lwSaid.some(([, text]) => text.startsWith('Saved: '))", timeout=RECOVERY_MS
        )
        said = [text for _, text in carol.evaluate("window.lwSaid")]
        saved = next(text for text in said if text.startswith("Saved: "))
        assert "your table post" in saved and "your action" in saved, said
        assert not [text for text in said if "Not saved" in text], said
        for page in (carol, dave):
            expect(page.locator("#table-view").get_by_text("Said at the table meanwhile")).to_have_count(1)
            expect(page.locator("#steps-list > li").filter(has_text="Proposed meanwhile")).to_have_count(1)
        expect(carol.locator("#steps-list > li .step-in")).to_have_text("You’re in ✓")
        assert TableCard.objects.filter(text="Said at the table meanwhile").count() == 1
        assert list(NextStep.objects.values_list("what", flat=True)) == ["Proposed meanwhile"]
    finally:
        screens.close()
    assert not screens.problems, screens.problems


def test_posts_saved_and_a_reaction_not_saved_are_both_said_when_the_database_is_back(
    browser, fault, inquiry
):
    screens = Screens(browser, fault.server.url, inquiry)
    try:
        dave = screens.participant("Dave", "Local authority")
        carol = screens.participant("Carol")
        post(dave, "Before the outage")
        expect(card(carol, "Before the outage")).to_have_count(1)

        fault.cut()
        for text in TEXTS[:2]:
            post(carol, text)
        expect(carol.locator("#pending li")).to_have_count(2)
        carol.evaluate(LISTEN_TO_STATUS)
        card(carol, "Before the outage").get_by_role("button", name="This resonates").click()
        # Said at once (the page's resend of the posts, refused again, may take the line a moment later).
        carol.wait_for_function(
            "() => window.lwSaid.some(([code, text]) => code === 'unavailable'"
            " && text.startsWith('Not saved: your reaction.'))"
        )

        fault.restore()
        status = carol.locator("#lw-status")
        expect(carol.locator("#pending li")).to_have_count(0, timeout=RECOVERY_MS)
        # Both at once, neither in the other's place.
        expect(status.locator("[data-code=not_saved]")).to_have_text(
            "The server reaches its database again. Not saved while it could not: your reaction. "
            "Do it again if it is still wanted."
        )
        expect(status.locator("[data-code=saved]")).to_have_text(
            "Saved: everything you posted is on the board."
        )
        for text in TEXTS[:2]:
            expect(card(dave, text)).to_have_count(1)
        snap(carol, "outage-saved-and-not-saved")
        # Acting again takes the "not saved" line away; the "saved" one stays.
        card(carol, "Before the outage").get_by_role("button", name="This resonates").click()
        expect(status.locator("[data-code=not_saved]")).to_have_count(0)
        expect(status).to_contain_text("Saved: everything you posted is on the board.")
    finally:
        screens.close()
    assert not screens.problems, screens.problems
