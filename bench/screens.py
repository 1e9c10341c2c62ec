"""Screenshots of Linewalk's screens at event size, to look at as the room would: ``make screens``.

Serves a fresh database with one Daphne process (the embedded default, as ``make run``), builds the
event-size demo (100 participants, 300 cards, 12 themes, ~20 unplaced: ``demo_inquiry --event-size``) in
each phase it shows, and writes PNGs to docs/screens/ (or ``--out``):

- presenter-<size>-<phase>.png: the shared screen at 1280x720 and 1920x1080, gathering, voting, and at
  the close (map: the systems map on screen during the next-steps round; steps: the same round once the
  facilitator has taken the map down, the room's actions on the stage), the join panel in its corner
  (the room has joined); presenter-<size>-start.png: a new inquiry before anyone has posted (the join
  panel large);
- facilitator-<size>.png: the facilitator's workspace at both sizes (what fits without scrolling);
  facilitator-<size>-collapsed.png: the same with every theme collapsed ("Collapse all");
- phone-<phase>.png: a participant who has just joined and posted, on a 390x844 phone;
  phone-map-round.png: a phone once the facilitator lets the room link themes (the ``map`` demo): the map
  first, opened where its links are; phone-map-round-links.png: the same phone at its links in words;
- facilitators.png, two-factor-setup.png: an admin's list of facilitators; setting up two-factor sign-in;
- harvest.png, harvest-public.png, report.png: the facilitator's harvest page, the published harvest and
  the printable report after the event, at event size (their first three screens at 1280x720).

The presenter and facilitator shots of the demo inquiries show the room as it is at the event: each of
their participants holds a real participant websocket open to the served app while they are taken
(``Room``), so presence counts them as it counts phones. Chromium is Debian's (/usr/bin/chromium);
nothing is downloaded."""

import argparse
import asyncio
import re
import threading
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from .harness import chromium, event_demo, signed_in, superuser
from .harness import manage_or_exit as run
from .live.clients import open_socket
from .live.servers import EmbeddedServer

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"1280x720": (1280, 720), "1920x1080": (1920, 1080)}
PHONE = {"width": 390, "height": 844}
USERNAME = "screens"


def demo(env, phase):
    """A fresh event-size inquiry in ``phase``: its join code."""
    return event_demo(env, USERNAME, phase)


# A session for each participant the demo made (as their phone's join would have made it): its key.
SESSIONS_SNIPPET = """
from importlib import import_module
from django.conf import settings
from inquiry.access import session_key
from inquiry.models import Inquiry
inquiry = Inquiry.objects.get(code=%r)
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
keys = []
for token in inquiry.participants.filter(removed=False).values_list("token", flat=True):
    store = SessionStore()
    store[session_key(inquiry)] = token
    store.save()
    keys.append(store.session_key)
print("SCREENS_KEYS=" + ",".join(keys))
"""


def sessions(env, code):
    """Session keys of every participant of the inquiry ``code``."""
    out = run(env, "shell", "-c", SESSIONS_SNIPPET % code)
    return re.search(r"SCREENS_KEYS=(\S*)", out).group(1).split(",")


class Room:
    """The demo inquiries' participants connected, as at the event: one participant websocket each, open
    to the served app from an event loop in a thread of its own, until ``close``. Their frames are read
    and dropped."""

    def __init__(self, base_url, keys_by_code):
        self.base_url, self.keys_by_code = base_url, keys_by_code
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.sockets = []

    def open(self):
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self.loop).result(timeout=120)
        return self

    async def _open(self):
        self.sockets = await asyncio.gather(
            *(
                open_socket(self.base_url, code, f"sessionid={key}", 60, on_message=lambda *frame: None)
                for code, keys in self.keys_by_code.items()
                for key in keys
            )
        )

    def close(self):
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(timeout=60)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)

    async def _close(self):
        async with asyncio.timeout(30):
            await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


def logged_in(browser, base_url, password, viewport):
    return signed_in(browser, base_url, USERNAME, password, viewport).context


def new_inquiry(page):
    """A new inquiry made through the form, as a facilitator would before the event: its join code."""
    page.goto("/inquiries/new/")
    page.get_by_label("Title").fill("Wrapping health and care around each resident")
    page.get_by_label("Framing question").fill("How might health and care wrap around each resident?")
    page.get_by_label("Rounds").fill("What gets in the way today?\nWhat would you try first?")
    page.get_by_role("button", name=re.compile("Create")).click()
    page.wait_for_url(re.compile(r"/i/\w+/facilitate/"))
    return re.search(r"/i/(\w+)/facilitate/", page.url).group(1)


def settled(page):
    """The page's live socket is open and its fonts laid out: what a person would see by now."""
    page.locator('#lw-connection[data-state="open"]').wait_for(state="attached")  # hidden on some screens
    page.evaluate("document.fonts.ready")


def room_shown(page, people):
    """The page counts the room: its presence frame (sent about once a second) has arrived."""
    expect(page.locator("#presence-total")).to_have_text(str(people), timeout=30_000)


def shoot(out, name, page, screens=1):
    """The top ``screens`` viewport heights of the page (a long page's first screens are enough to judge
    and keep docs/ small)."""
    path = out / f"{name}.png"
    size = page.viewport_size
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"] * screens}
    page.screenshot(path=str(path), full_page=screens > 1, clip=clip)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


# Tables (board/tables) -------------------------------------------------------------------------------------
# tables-phone.png: a phone seated at a table in the fours step of a 1-2-4-All round (390x844);
# tables-facilitator-1280x720.png: the facilitator's tables overview; tables-presenter-<size>-picks.png:
# the presenter's wall of what every table brings back, at 1280x720 and 1920x1080. The rooms are seated
# through the real actions.


def tables_screens(browser, base_url, password, env, out):
    codes = {}
    for stage in ("round", "picks"):
        done = run(env, "demo_inquiry", "--event-size", "--tables", stage, "--owner", USERNAME)
        codes[stage] = re.search(r"join code (\w+)", done).group(1)
    context = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"/i/{codes['round']}/join/")
    page.get_by_label("Your name (optional)").fill("Priya")
    page.get_by_role("radio", name="NHS").check()
    page.get_by_role("button", name="Join the inquiry").click()
    settled(page)
    page.locator("#table-view > .table-view").wait_for()
    page.locator(".tables-clock").filter(has_text=re.compile(r"\d:\d\d")).first.wait_for()
    shoot(out, "tables-phone", page)
    context.close()
    keys = sessions(env, codes["round"])
    room = Room(base_url, {codes["round"]: keys}).open()
    context = logged_in(browser, base_url, password, {"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"/i/{codes['round']}/facilitate/")
    settled(page)
    page.locator("#tables-rows tr").first.wait_for()
    room_shown(page, len(keys))
    shoot(out, "tables-facilitator-1280x720", page)
    room.close()
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/i/{codes['picks']}/present/")
        settled(page)
        page.locator("#picks-wall .wall-table").first.wait_for()
        shoot(out, f"tables-presenter-{size}-picks", page)
    context.close()


def steps_screens(browser, base_url, password, code, people, out):
    """presenter-<size>-steps.png: the close of the event (the ``map`` demo) once the facilitator has taken
    the map down from the shared screen: the room's next steps have the stage."""
    context = logged_in(browser, base_url, password, {"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"/i/{code}/facilitate/")
    settled(page)
    page.locator("#map-show").click()
    expect(page.locator("#map-show")).to_have_attribute("aria-pressed", "false")
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/i/{code}/present/")
        settled(page)
        room_shown(page, people)
        expect(page.locator("body")).to_have_attribute("data-stage", "steps")
        shoot(out, f"presenter-{size}-steps", page)
    context.close()


def map_round_phone(browser, base_url, password, code, out):
    """phone-map-round.png, phone-map-round-links.png: the close of the event (the ``map`` demo) once the
    facilitator lets participants link themes: a phone that joins then."""
    facilitator = logged_in(browser, base_url, password, {"width": 1280, "height": 720})
    page = facilitator.new_page()
    page.goto(f"/i/{code}/facilitate/")
    settled(page)
    page.get_by_role("button", name="Let participants link themes in this round").click()
    context = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"/i/{code}/join/")
    page.get_by_label("Your name (optional)").fill("Priya")
    page.get_by_role("radio", name="NHS").check()
    page.get_by_role("button", name="Join the inquiry").click()
    settled(page)
    page.locator("body.map-round #map-view .map-scroll .map-node").first.wait_for()
    page.evaluate("document.fonts.ready")
    shoot(out, "phone-map-round", page)
    page.locator("#map-links-list").scroll_into_view_if_needed()
    shoot(out, "phone-map-round-links", page)
    context.close()
    facilitator.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screens"), help="folder for the PNGs")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    server = EmbeddedServer(1, "hub")
    try:
        server.start()
        env = server.env()
        password = superuser(env, USERNAME, "screens@example.org")
        codes = {phase: demo(env, phase) for phase in ("gather", "vote", "map", "closed")}
        base_url = server.base_urls[0]
        keys = {codes[phase]: sessions(env, codes[phase]) for phase in ("gather", "vote", "map")}
        with sync_playwright() as playwright:
            browser = chromium(playwright)
            room = Room(base_url, keys).open()
            start = None
            for size, (width, height) in SIZES.items():
                context = logged_in(browser, base_url, password, {"width": width, "height": height})
                page = context.new_page()
                if start is None:
                    start = new_inquiry(page)
                page.goto(f"/i/{start}/present/")
                settled(page)
                shoot(out, f"presenter-{size}-start", page)
                for phase in ("gather", "vote", "map"):
                    page.goto(f"/i/{codes[phase]}/present/")
                    settled(page)
                    room_shown(page, len(keys[codes[phase]]))
                    shoot(out, f"presenter-{size}-{phase}", page)
                page.goto(f"/i/{codes['gather']}/facilitate/")
                settled(page)
                room_shown(page, len(keys[codes["gather"]]))
                shoot(out, f"facilitator-{size}", page)
                # Every theme collapsed to its header: the list of themes to drop cards on, all on screen.
                page.get_by_role("button", name="Collapse all").click()
                shoot(out, f"facilitator-{size}-collapsed", page)
                context.close()
            steps_screens(browser, base_url, password, codes["map"], len(keys[codes["map"]]), out)
            room.close()
            for phase in ("gather", "vote", "map"):
                context = browser.new_context(
                    base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True
                )
                page = context.new_page()
                page.goto(f"/i/{codes[phase]}/join/")
                page.get_by_label("Your name (optional)").fill("Priya")
                page.get_by_role("radio", name="NHS").check()
                page.get_by_role("button", name="Join the inquiry").click()
                settled(page)
                if phase == "gather":
                    page.get_by_label("Your contribution", exact=True).fill(
                        "A named contact for every family, whichever door they came in by."
                    )
                    page.get_by_role("button", name="Post").click()
                    page.locator(".card.mine").first.wait_for()
                shoot(out, f"phone-{phase}", page)
                context.close()
            map_round_phone(browser, base_url, password, codes["map"], out)
            context = logged_in(browser, base_url, password, {"width": 1280, "height": 720})
            page = context.new_page()
            page.goto(f"/i/{codes['closed']}/harvest/")
            shoot(out, "harvest", page, screens=3)
            page.goto(f"/i/{codes['closed']}/export/report/")
            shoot(out, "report", page, screens=3)
            # The public harvest page, as its readers see it once the facilitator has published it.
            page.goto(f"/i/{codes['closed']}/harvest/")
            page.get_by_role("button", name="Publish").click()
            public = page.locator("#harvest-state a").get_attribute("href")
            page.goto(public)
            shoot(out, "harvest-public", page, screens=3)
            # Organisation accounts: the admin's list of facilitators, and setting up two-factor sign-in.
            page.goto("/accounts/facilitators/")
            shoot(out, "facilitators", page)
            page.goto("/accounts/two-factor/")
            page.get_by_role("button", name="Set up two-factor sign-in").click()
            page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
            shoot(out, "two-factor-setup", page)
            context.close()
            tables_screens(browser, base_url, password, env, out)
            browser.close()
    finally:
        server.stop()
        server.cleanup()


if __name__ == "__main__":
    main()
