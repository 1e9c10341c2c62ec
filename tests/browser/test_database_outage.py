"""The database goes away for a while under a live room, and comes back.

A participant keeps posting: each post is answered "we could not save that yet", stays on their phone as
"Sending…", and the page sends it again by itself (with a growing wait) while its socket stays open;
once the database is back, every post is saved exactly once and shows on every screen, without a reload.
Someone opening a page meanwhile gets a "back in a moment" page (503) that reloads itself until it works.

On PostgreSQL the database is cut by a TCP proxy of the test's own between a Daphne process of its own
and the shared server. On SQLite, the equivalent fault is the database file being write-locked by
someone else (a backup, another process) for longer than the server's busy timeout (1 s here): reads
still work there, so the 503 part is PostgreSQL's only."""

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from playwright.sync_api import expect

from board.models import Card

from .. import servers
from .conftest import PHONE, SERVER_LOG, Screens
from .pages import card, post

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = ["Written while the database was away", "And a second one", "And a third, sent twice as fast"]
# Long enough for the page's backoff (1, 2, 4, 8… s) to come round once the database is back.
RECOVERY_MS = 45_000


@dataclass
class Fault:
    server: servers.Daphne
    cut: Callable
    restore: Callable
    postgres: bool


@pytest.fixture
def fault(request, transactional_db, tmp_path):
    prefix = f"linewalk-outage-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "daphne.log"
    request.node.stash[SERVER_LOG] = (log_path, 0)  # a failing test's report shows what the server logged
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        proxy = servers.Proxy(int(settings["PORT"] or 5432), settings["HOST"] or "127.0.0.1").start()
        (daphne,) = servers.start(
            [log_path],
            redis_prefix=prefix,
            database={"HOST": "127.0.0.1", "PORT": str(proxy.port)},
            env={"DB_POOL_TIMEOUT": "2"},
        )
        yield Fault(daphne, proxy.cut, proxy.restore, postgres=True)
        daphne.stop()
        proxy.cut()
        return
    (daphne,) = servers.start([log_path], redis_prefix=prefix, env={"SQLITE_BUSY_TIMEOUT": "1"})
    lock = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=30)
    locked = []

    def cut():
        lock.execute("BEGIN EXCLUSIVE")
        locked.append(True)

    def restore():
        lock.execute("ROLLBACK")
        locked.clear()

    yield Fault(daphne, cut, restore, postgres=False)
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

        fault.cut()
        for text in TEXTS:
            post(carol, text)
        expect(carol.locator("#pending li")).to_have_count(len(TEXTS))
        expect(carol.locator("#lw-status [data-code=unavailable]")).to_contain_text("could not save that yet")
        expect(carol.locator("#lw-connection")).to_have_text("Live")  # the socket stays open

        newcomer = None
        if fault.postgres:
            # The join page comes from the door's cache (inquiry/door.py) without the database; joining
            # needs it, and says so.
            newcomer = screens.page(screens.context(PHONE))
            newcomer.goto(f"/i/{inquiry.code}/join/")
            newcomer.get_by_role("radio", name="NHS").check()
            with newcomer.expect_response(lambda r: r.request.method == "POST") as joining:
                newcomer.get_by_role("button", name="Join the inquiry").click()
            assert joining.value.status == 503
            expect(newcomer.get_by_role("heading", name="Back in a moment")).to_be_visible()

        fault.restore()
        # No reload: the page's own retries bring every post in, once.
        expect(carol.locator("#pending li")).to_have_count(0, timeout=RECOVERY_MS)
        expect(carol.locator("#lw-status")).to_contain_text("everything you posted is on the board")
        for text in TEXTS:
            expect(card(carol, text)).to_have_count(1)
            expect(card(alice.locator("#cards-unsorted"), text)).to_have_count(1)
        assert sorted(Card.objects.values_list("text", flat=True)) == sorted(TEXTS + ["Before the outage"])

        if newcomer is not None:
            # The "back in a moment" page reloaded itself into the join page.
            expect(newcomer.get_by_label("Your name (optional)")).to_be_visible(timeout=RECOVERY_MS)
    finally:
        screens.close()
    assert not screens.problems, screens.problems
