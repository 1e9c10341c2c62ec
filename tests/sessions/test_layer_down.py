"""Redis goes away under a process and comes back. Meanwhile posts are saved and shown on the process's
own screens, a facilitator's screen still opens, and the log says so in a few lines: one warning when
the channel layer first fails, a count at most every ``LOG_INTERVAL`` while it stays down, one
line when it answers again (before, every failed broadcast logged its traceback: 73 in a Redis restart
of 5 s under a room of 20, bench.faults)."""

import logging
import re
import uuid

import pytest

from sessions import outages

from ..support import Screen

pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL = 0.5  # the test's LOG_INTERVAL (60 s in production)


@pytest.fixture
def redis_layer(settings, own_redis):
    """This process's channel layer on the test's own Redis, which the test stops and starts again; posts
    not rate limited (the test posts for as long as it takes the log to count twice)."""
    settings.RATE_LIMITS = {"post": (1_000_000, 60)}
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [own_redis.url], "prefix": f"linewalk-ld-{uuid.uuid4().hex[:12]}"},
        }
    }
    return own_redis


def delayed(screen):
    """Whether the last word this screen had on live updates is that they are delayed."""
    signs = [f.first("lw-delayed") for f in screen.frames if f.first("lw-delayed") is not None]
    return bool(signs) and signs[-1].get("hidden") is None


def layer_lines(caplog, pattern):
    return [r for r in caplog.records if r.name == "sessions.layer" and re.search(pattern, r.getMessage())]


async def test_redis_away_is_logged_once_then_counted_then_once_back(
    redis_layer, inquiry, alice, carol, dave, caplog, monkeypatch
):
    monkeypatch.setattr(outages, "LOG_INTERVAL", INTERVAL)
    caplog.set_level(logging.INFO)
    carol_screen = await Screen(inquiry.code, carol).connect()
    dave_screen = await Screen(inquiry.code, dave).connect()
    await carol_screen.post("Before Redis goes")
    await dave_screen.until(lambda s: "Before Redis goes" in s.texts())

    redis_layer.stop()
    posted = []
    # Post until the log has counted the failures at least twice: the count's pace is what is checked.
    while len(layer_lines(caplog, "still failing")) < 2 and len(posted) < 200:
        posted.append(f"While Redis is away {len(posted)}")
        await carol_screen.post(posted[-1])
        await dave_screen.until(lambda s, text=posted[-1]: text in s.texts())
    await dave_screen.until(delayed)
    alice_screen = await Screen(inquiry.code, alice).connect()  # a facilitator opens the board meanwhile
    assert set(posted) <= set(alice_screen.texts())

    redis_layer.start()
    for screen in (carol_screen, dave_screen, alice_screen):
        await screen.until(lambda s: not delayed(s), timeout=10)
    await carol_screen.post("After Redis is back")
    for screen in (dave_screen, alice_screen):
        await screen.until(lambda s: "After Redis is back" in s.texts())

    tracebacks = [r for r in caplog.records if r.exc_info and r.levelno >= logging.INFO]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]
    assert len(layer_lines(caplog, "^channel layer failing \\(")) == 1
    counts = layer_lines(caplog, "still failing")
    assert len(posted) < 200 and len(counts) >= 2
    assert all(b.created - a.created >= INTERVAL for a, b in zip(counts, counts[1:], strict=False))
    (back,) = layer_lines(caplog, "^channel layer answers again")
    assert back.levelno == logging.INFO
    failed = int(re.search(r"(\d+) calls to it failed", back.getMessage()).group(1))
    assert failed >= len(posted)
    assert len(layer_lines(caplog, "")) == 1 + len(counts) + 1
    for screen in (carol_screen, dave_screen, alice_screen):
        await screen.close()
