"""Browser tests: Linewalk as people use it, in headless Chromium driven by Playwright's sync API.

A real Daphne process serves ``asgi:application`` (pages, static files and websockets) against the test
database this pytest process created, so what a test stores must be committed: every test here is
transactional. The browser is Debian's Chromium at /usr/bin/chromium; Playwright never downloads one.

Each screen is its own browser context (its own cookies and storage), the way each person has their own
phone or laptop: ``participant`` joins through the real join page at phone size, ``facilitator`` logs in
through the real login form, ``presenter`` opens the presenter view with a facilitator's session."""

import os
import threading
import uuid
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client, override_settings
from playwright.sync_api import expect, sync_playwright

from board import actions as board_actions
from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, PARTICIPANT, Actor

from .. import servers
from ..conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# The presenter as shared into a Zoom call, and on a big screen.
SHARED_SCREEN = {"width": 1280, "height": 720}
FULL_HD = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1280, "height": 900}
BIG_SCREEN = {"width": 1600, "height": 900}
# Generous for a loaded CI box; expect() returns as soon as the page shows what it waits for.
EXPECT_TIMEOUT_MS = 10_000

# Lets a test drop a page's websocket the way a lost network does (the page hears close code 1006 and
# reconnects) rather than the clean close a page's own close() gives, which htmx does not retry.
DROPPABLE_SOCKET = """
(() => {
  const Native = window.WebSocket;
  let last = null;
  window.WebSocket = class extends Native {
    constructor(url, protocols) { super(url, protocols); last = this; }
  };
  window.lwTest = {
    dropSocket() {
      const socket = last;
      const onclose = socket.onclose;
      socket.onclose = null;
      socket.onerror = null;
      socket.close();
      onclose.call(socket, new CloseEvent('close', { code: 1006, wasClean: false }));
    },
  };
})();
"""


# A page's websocket the test controls (``lwTest``): ``silence()`` makes it go silent the way a lost network
# leaves it (still open, nothing arriving, nothing leaving; a socket opened after that is a fresh one, the
# network is back); ``hold()`` keeps its incoming frames back, ``held()`` counts them and ``release()``
# hands them to the page at a moment the test chooses (inside the same task as a click, say).
CONTROLLED_SOCKET = """
(() => {
  const Native = window.WebSocket;
  let last = null;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      last = this;
      this.silent = false;
      this.holding = false;
      this.held = [];
      this.addEventListener('message', (e) => {
        if (this.silent || this.holding) { e.stopImmediatePropagation(); }
        if (!this.silent && this.holding) { this.held.push(e.data); }
      }, true);
    }
    send(data) { if (!this.silent) { super.send(data); } }
    set onmessage(f) { super.onmessage = (e) => { if (!this.silent) { f(e); } }; }
  };
  window.lwTest = {
    silence() { last.silent = true; },
    sockets: () => last,
    hold() { last.holding = true; },
    held: () => last.held.length,
    release() {
      last.holding = false;
      last.held.splice(0).forEach((data) => last.dispatchEvent(new MessageEvent('message', { data })));
    },
  };
})();
"""

# Every page reports what its Content-Security-Policy refused (an inline style or script, a foreign host):
# Screens counts each as a problem, so every browser test also checks that the pages need nothing the
# policy forbids.
CSP_WATCH = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + e.sample);
});
"""


@pytest.fixture(scope="package")
def orm_beside_playwright():
    """Playwright's sync API leaves its event loop marked as running on the main thread between calls,
    which Django takes for an async context and refuses the ORM (the database fixtures included). The
    tests here only touch the ORM between browser calls, never inside one, so allow it for this package
    alone and put the environment back afterwards."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def server(django_db_setup, tmp_path_factory):
    """Daphne serving the project on a free port of 127.0.0.1, against this run's test database (see
    tests/servers.py), with the Redis channel layer under a prefix of its own when REDIS_URL is set."""
    log_path = tmp_path_factory.mktemp("daphne") / "daphne.log"
    (daphne,) = servers.start([log_path], redis_prefix=f"linewalk-browser-{uuid.uuid4().hex[:12]}")
    try:
        yield daphne
    finally:
        daphne.stop()


@pytest.fixture(scope="package")
def browser(orm_beside_playwright):
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI"):  # CI installs Debian's Chromium (.ci/run): there, a skip would hide a gap
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def in_thread(function, *args, **kwargs):
    """Run ``function`` on a fresh thread and return its result: for the project's own actions, which
    broadcast with async_to_sync and so cannot run on the thread Playwright's event loop is marked on.
    The thread's database connection is closed before returning (a leftover one would hold the test
    database open)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # re-raised on the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class Screens:
    """Opens the screens of one test, each in its own browser context, and closes them all at the end.

    Every page fails the test on an uncaught script error and on any alert/confirm it was not told to
    expect, so a post that smuggles in script cannot go unnoticed."""

    def __init__(self, browser, base_url, inquiry):
        self.browser = browser
        self.base_url = base_url
        self.inquiry = inquiry
        self.contexts = []
        self.problems = []
        self.expected_dialogs = {}  # page -> [accept?] for the confirms a test said would come
        self.dialogs = []  # the messages of those confirms, in order

    def context(self, viewport, **options):
        context = self.browser.new_context(base_url=self.base_url, viewport=viewport, **options)
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        context.add_init_script(CSP_WATCH)
        self.contexts.append(context)
        return context

    def page(self, context):
        page = context.new_page()
        page.on("pageerror", lambda error: self.problems.append(f"script error on {page.url}: {error}"))
        page.on("dialog", lambda dialog: self._dialog(page, dialog))
        page.on("console", lambda message: self._csp_violation(page, message))
        return page

    def _csp_violation(self, page, message):
        if message.text.startswith("CSP violation"):
            self.problems.append(f"{message.text} on {page.url}")

    def answer_next_dialog(self, page, accept=True):
        """The next alert/confirm on ``page`` is expected: accept (or dismiss) it, keeping its message in
        ``dialogs``."""
        self.expected_dialogs.setdefault(page, []).append(accept)

    def _dialog(self, page, dialog):
        expected = self.expected_dialogs.get(page)
        if expected:
            self.dialogs.append(dialog.message)
            dialog.accept() if expected.pop(0) else dialog.dismiss()
            return
        self.problems.append(f"unexpected {dialog.type} on {page.url}: {dialog.message!r}")
        dialog.dismiss()

    def live(self, page):
        """Wait until the page's websocket is open: the page says so to its user."""
        expect(page.locator("#lw-connection")).to_have_text("Live")
        return page

    def participant(self, name, sector="NHS", *, via_home=False, connect=True, droppable=False):
        """A person joining on their phone: through the home page's code form or the join link.
        ``droppable``: the page gets ``lwTest.dropSocket()`` (see DROPPABLE_SOCKET)."""
        context = self.context(PHONE, is_mobile=True, has_touch=True)
        if droppable:
            context.add_init_script(DROPPABLE_SOCKET)
        page = self.page(context)
        if via_home:
            page.goto("/")
            page.get_by_label("Join code").fill(self.inquiry.code.lower())
            page.get_by_role("button", name="Join").click()
        else:
            page.goto(f"/i/{self.inquiry.code}/join/")
        page.get_by_label("Your name (optional)").fill(name)
        page.get_by_role("radio", name=sector).check()
        page.get_by_role("button", name="Join the inquiry").click()
        page.wait_for_url(lambda url: urlsplit(url).path == f"/i/{self.inquiry.code}/")
        return self.live(page) if connect else page

    def facilitator(self, username="alice", viewport=LAPTOP, script=None):
        """A facilitator logging in through the login form and landing on the board (``script``: run in
        every page of theirs before the page's own)."""
        context = self.context(viewport)
        if script:
            context.add_init_script(script)
        page = self.page(context)
        page.goto(f"/accounts/login/?next=/i/{self.inquiry.code}/facilitate/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: urlsplit(url).path == f"/i/{self.inquiry.code}/facilitate/")
        return self.live(page)

    def presenter(self, username="alice", viewport=BIG_SCREEN):
        """The shared screen, opened by a facilitator whose session is made here (as if logged in)."""
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        context = self.context(viewport)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])
        page = self.page(context)
        page.goto(f"/i/{self.inquiry.code}/present/")
        return self.live(page)

    def close(self):
        for context in self.contexts:
            context.close()
        self.contexts = []


def seed(inquiry, *, cards=(), themes=(), author="Dave", sector="Local authority"):
    """Put cards (posted by one participant) and themes (added by the inquiry's creator) on the board
    through the project's own actions, before any screen opens.

    Returns ({text: card id}, {name: theme id})."""

    def run():
        participant = inquiry_actions.join(inquiry, display_name=author, sector=sector)
        poster = Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk)
        facilitator = Actor(FACILITATOR, inquiry.pk, user_id=inquiry.created_by_id)
        with override_settings(RATE_LIMITS={"post": (len(cards) + 1, 60)}):  # one person posts them all
            card_ids = {text: board_actions.post_card(poster, uuid.uuid4(), text)[0].pk for text in cards}
        theme_ids = {name: board_actions.add_theme(facilitator, name).pk for name in themes}
        return card_ids, theme_ids

    return in_thread(run)


SERVER_LOG = pytest.StashKey()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report shows what the server logged meanwhile (errors, tracebacks)."""
    report = yield
    if report.failed and SERVER_LOG in item.stash:
        log_path, offset = item.stash[SERVER_LOG]
        with open(log_path, errors="replace") as log:
            log.seek(offset)
            written = log.read()
        if written.strip():
            report.sections.append(("Daphne log during this test", written[-20_000:]))
    return report


def _screens(request, browser, server, inquiry):
    request.node.stash[SERVER_LOG] = (server.log_path, server.log_path.stat().st_size)
    screens = Screens(browser, server.url, inquiry)
    yield screens
    # Close every page before the database is emptied under the server's feet.
    screens.close()
    assert not screens.problems, screens.problems


@pytest.fixture
def screens(request, browser, server, transactional_db, inquiry):
    yield from _screens(request, browser, server, inquiry)


@pytest.fixture(params=["gather"])
def event_inquiry(request, transactional_db, users):
    """An inquiry at event size in the middle of its last round, owned by alice: 100 participants in four
    sectors, 300 cards in 12 themes and about 20 not yet placed (``demo_inquiry --event-size``). Another
    phase (gather, vote, closed): ``@pytest.mark.parametrize("event_inquiry", ["vote"], indirect=True)``."""
    from board.exports import import_inquiry
    from board.sample import event_document

    return in_thread(import_inquiry, users["alice"], event_document(phase=request.param))


@pytest.fixture
def event_screens(request, browser, server, event_inquiry):
    """``screens`` for the event-size inquiry."""
    yield from _screens(request, browser, server, event_inquiry)
