"""While the database does not answer, a process's log says so in a few lines, as for the channel layer
(tests/sessions/test_layer_down.py): one warning at the first refusal, a count at most every
``LOG_INTERVAL`` while it stays away, one line when a call to it succeeds again. Before, every refused
message logged its traceback: a database hung for 20 s logged 240 of them on one process.

The database's failure is raised where the actions and the socket's first read would meet it (as in
tests/sessions/test_unavailable_actions.py), so this runs on SQLite and PostgreSQL alike; the refusals
themselves are tested under a real cut in tests/sessions/test_database_away.py."""

import logging
import re
import uuid

import pytest
from django.db import OperationalError

from board import actions as board_actions
from sessions import consumers, outages

from ..support import Screen

pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL = 0.25  # the test's LOG_INTERVAL (60 s in production)


def database_down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def database_lines(caplog, pattern):
    return [r for r in caplog.records if r.name == "sessions.database" and re.search(pattern, r.getMessage())]


async def test_refusals_while_the_database_is_away_are_logged_once_then_counted_then_once_back(
    inquiry, alice, carol, caplog, monkeypatch, settings
):
    # Not rate limited: the test asks for as long as it takes the log to count twice.
    settings.RATE_LIMITS = {name: (1_000_000, 60) for name in ("post", "message", "message_facilitator")}
    monkeypatch.setattr(outages, "LOG_INTERVAL", INTERVAL)
    caplog.set_level(logging.INFO)
    alice_screen = await Screen(inquiry.code, alice).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    await alice_screen.send(type="theme", op="add", name="Waiting lists")
    await alice_screen.until(lambda s: len(s.themes()) == 1)

    with monkeypatch.context() as away:
        for name in ("post_cards", "add_theme"):
            away.setattr(board_actions, name, database_down)
        away.setattr(consumers, "socket_identity", database_down)
        refused = 0
        # Keep asking until the log has counted the refusals at least twice: the count's pace is checked.
        while len(database_lines(caplog, "still failing")) < 2 and refused < 4000:
            await carol_screen.post("While the database is away", client_id=str(uuid.uuid4()))
            await alice_screen.send(type="theme", op="add", name="Never made")
            replies = [await carol_screen.reply(), await alice_screen.reply()]
            assert [r.error for r in replies] == ["unavailable"] * 2, replies
            refused += 2
        # A screen opening meanwhile is told to try again.
        newcomer = Screen(inquiry.code, carol)
        await newcomer.connect(expect_frame=False)
        assert (await newcomer.receive()).error == "unavailable"
        refused += 1
        await newcomer.close()

    await carol_screen.post("After the database is back")
    await alice_screen.until(lambda s: "After the database is back" in s.texts())

    tracebacks = [r for r in caplog.records if r.exc_info and r.levelno >= logging.INFO]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]
    (first,) = database_lines(caplog, "^database failing \\(")
    assert first.levelno == logging.WARNING and "OperationalError" in first.getMessage()
    counts = database_lines(caplog, "still failing")
    assert refused < 4000 and len(counts) >= 2
    assert all(b.created - a.created >= INTERVAL for a, b in zip(counts, counts[1:], strict=False))
    (back,) = database_lines(caplog, "^database answers again")
    assert back.levelno == logging.INFO
    assert int(re.search(r"(\d+) calls to it failed", back.getMessage()).group(1)) == refused
    assert len(database_lines(caplog, "")) == 1 + len(counts) + 1
    for screen in (alice_screen, carol_screen):
        await screen.close()
