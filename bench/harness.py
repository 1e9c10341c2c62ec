"""What the single-process benchmarks (bench.votes, bench.map, bench.tables) share: a fresh inquiry served
by one Daphne process on the embedded default, participants joined in bulk, the clients' coroutine run on
uvloop where it is installed."""

import asyncio
import re
import secrets
import sys
import time

from .live.servers import EmbeddedServer, bulk_join, manage, setup_inquiry


def on_embedded_server(participants, run):
    """Serve a fresh inquiry (SQLite + in-memory layer, ``LIVE_FANOUT=hub``), join ``participants`` to it,
    and run ``run(server, code, facilitator_key, joined)`` (a coroutine function) until it returns:
    (its result, the server log's counts)."""
    server = EmbeddedServer(1, "hub")
    try:
        server.start()
        code, facilitator_key = setup_inquiry(server.env())
        joined, _ = bulk_join(server.env(), code, participants, server.base_urls)
        try:
            import uvloop

            result = uvloop.run(run(server, code, facilitator_key, joined))
        except ImportError:
            result = asyncio.run(run(server, code, facilitator_key, joined))
    finally:
        server.stop()
    log_counts = server.log_counts()
    server.cleanup()
    return result, log_counts


BOX = (
    "{cores} cores ({cpu}), {memory_gb} GB, Python {python}; clients and server on the same box; embedded "
    "default (SQLite + in-memory layer), 1 Daphne process, LIVE_FANOUT=hub"
)


async def wait_for(predicate, limit, step=0.05):
    """Poll ``predicate`` until it holds (True) or ``limit`` seconds pass (False)."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


def manage_or_exit(env, *args, timeout=600):
    """``manage.py *args`` against a bench server's database: its output, or the bench ends saying why."""
    done = manage(env, *args, timeout=timeout)
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def superuser(env, username, email):
    """A facilitator account (an organisation admin) for a browser bench to log in with: its password."""
    password = secrets.token_urlsafe(16)
    manage_or_exit(
        {**env, "DJANGO_SUPERUSER_PASSWORD": password},
        "createsuperuser",
        "--noinput",
        "--username",
        username,
        "--email",
        email,
    )
    return password


# The browser benchmarks (bench.screens, bench.workspace, bench.collapse, bench.redraw_screens): Debian's
# Chromium, headless, never a downloaded one; a facilitator signed in through the login form.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def signed_in(browser, base_url, username, password, viewport):
    """A new browser context at ``viewport`` with ``username`` signed in; its first page, on the page the
    login led to."""
    page = browser.new_context(base_url=base_url, viewport=viewport).new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def event_demo(env, owner, phase="gather"):
    """A fresh event-size inquiry (100 participants, 300 cards, 12 themes; `make demo`) of ``owner`` in
    ``phase``: its join code."""
    out = manage_or_exit(env, "demo_inquiry", "--event-size", "--phase", phase, "--owner", owner)
    return re.search(r"join code (\w+)", out).group(1)
