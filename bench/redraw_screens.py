"""How long a live frame that re-draws a large region takes to apply on each kind of screen, at event size:
``python -m bench.redraw_screens``.

Serves a fresh database with one Daphne process (the embedded default, as ``make run``), builds the
event-size demo (100 participants, 300 cards, 12 themes, ~20 unplaced: ``demo_inquiry --event-size``) and
opens three screens of it in Chromium (Debian's, /usr/bin/chromium): the facilitator's workspace and the
presenter view at 1280x720, and a participant's phone at 390x844 whose CPU is slowed 4 times (DevTools
``Emulation.setCPUThrottlingRate``, standing for a mid-range phone). The facilitator's page then steers
the room through the changes that re-draw large regions, each sent by the page as a person's click would
(``LinewalkSender``): a theme moved (#themes), silent writing and a reveal (the live region, #live), a
vote opened while silent cards wait (the board, #board), the vote closed, a round added (#live), the
inquiry closed and reopened (#live each), and the phone's posts between them.

For each frame every screen applies, the page measures from its arrival (htmx's ``wsBeforeMessage`` of
the frame applied) the script (htmx's swaps and every module's work after the frame, to the end of
``wsAfterMessage``), then the style and layout it asks for (forced at once, read back), then the first
paint after it (the next requestAnimationFrame and a task after it). Prints, by screen and by what the
frame re-drew (the ids of the elements it swapped whole), the frame's size and the median of each time.

Each round of changes is made twice: once with the page's own swap (``lw-outer``, static/linewalk/swap.js)
where the server asks for it, once with the frames' large regions swapped as htmx's outerHTML does
(``--htmx-ids``: the page turns their ``hx-swap-oob="lw-outer"`` back into ``"true"`` before htmx reads
the frame, the only difference between the two), so one run prints both side by side."""

import argparse
import statistics
import uuid

from playwright.sync_api import sync_playwright

from .harness import chromium, event_demo, signed_in, superuser
from .live.servers import EmbeddedServer

USERNAME = "bench"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}
# The regions whose swap this branch moved to lw-outer: turned back into htmx's outerHTML for "htmx".
SWITCHED = ("live", "board")
# What a frame re-drew whole, for the table: the largest region among the ids it swapped.
REGIONS = ("live", "board", "themes", "vote-results", "lens", "steps-view", "map-view")

# Runs in each page once it is live: times every sequenced frame applied, and (mode "htmx") turns the
# large regions' swap back into htmx's outerHTML before htmx reads the frame.
TIMER = """(switched) => {
  const root = document.getElementById('lw-socket');
  const bench = window.lwBench = { frames: [], applied: 0, start: null, mode: 'page' };
  const back = new RegExp('(<[a-z]+ id="(?:' + switched.join('|') + ')"[^>]*?hx-swap-oob=")lw-outer"', 'g');
  htmx.defineExtension('lw-bench', {
    transformResponse: (text) => bench.mode === 'htmx' ? text.replace(back, '$1true"') : text
  });
  root.setAttribute('hx-ext', root.getAttribute('hx-ext') + ',lw-bench');
  // The frame applied comes last (linewalk.js holds the room's events for the next animation frame).
  document.addEventListener('htmx:wsBeforeMessage', (e) => {
    if ((e.detail.message || '').indexOf('id="lw-seq"') >= 0) { bench.start = performance.now(); }
  }, true);
  document.addEventListener('htmx:wsAfterMessage', (e) => {
    const start = bench.start;
    if (start === null) { return; }
    bench.start = null;
    bench.applied += 1;
    const scripted = performance.now();
    document.body.getBoundingClientRect();
    void document.body.offsetHeight;
    const laid = performance.now();
    const message = e.detail.message || '';
    const ids = [];
    for (const m of message.matchAll(/<[a-z]+ id="([^"]+)"[^>]*?hx-swap-oob="([^"]*)"/g)) {
      ids.push(m[1] + ':' + m[2]);
    }
    requestAnimationFrame(() => setTimeout(() => bench.frames.push({
      ids, bytes: message.length, mode: bench.mode,
      script: scripted - start, layout: laid - scripted, total: performance.now() - start
    }), 0));
  });
}"""


def logged_in(browser, base_url, password):
    return signed_in(browser, base_url, USERNAME, password, DESKTOP)


def live(page):
    page.locator('#lw-connection[data-state="open"]').wait_for(state="attached", timeout=60_000)
    page.wait_for_function("() => document.getElementById('lw-seq').dataset.seq", polling=100)


def seq(page):
    return int(page.evaluate("() => document.getElementById('lw-seq').dataset.seq || 0"))


class Room:
    """The three screens, and the changes the facilitator's page makes."""

    def __init__(self, screens):
        self.screens = screens  # {name: page}
        self.facilitator = screens["facilitator"]
        self.phone = screens["phone"]
        self.log = []  # (mode, action, screen, frame)

    def mode(self, mode):
        for page in self.screens.values():
            page.evaluate("m => { window.lwBench.mode = m; }", mode)

    def settled(self, before):
        """Every screen has applied and painted what the server sent since ``before`` (a sequence number)."""
        self.facilitator.wait_for_function(
            "n => +document.getElementById('lw-seq').dataset.seq > n", arg=before
        )
        target = seq(self.facilitator)
        for page in self.screens.values():
            page.wait_for_function(
                "t => +document.getElementById('lw-seq').dataset.seq >= t"
                " && window.lwBench.frames.length === window.lwBench.applied"
                " && window.lwBench.start === null",
                arg=target,
                polling=50,
                timeout=60_000,
            )

    def step(self, mode, action, do):
        marks = {
            name: page.evaluate("() => window.lwBench.frames.length") for name, page in self.screens.items()
        }
        before = seq(self.facilitator)
        do()
        self.settled(before)
        for name, page in self.screens.items():
            for frame in page.evaluate("n => window.lwBench.frames.slice(n)", marks[name]):
                self.log.append((mode, action, name, frame))

    def send(self, message):
        return lambda: self.facilitator.evaluate("m => window.LinewalkSender.send(m)", message)

    def post(self):
        def do():
            self.phone.locator("#compose-text").fill(f"A bench post {uuid.uuid4().hex[:8]}")
            self.phone.locator("#compose-form button[type=submit]").click()

        return do

    def changes(self, mode):
        self.mode(mode)
        page = self.facilitator
        themes = page.locator("#themes > .theme").evaluate_all("els => els.map(e => +e.dataset.theme)")
        current = int(page.locator("#round-banner").get_attribute("data-round"))
        phase = {"type": "round", "op": "phase", "round": current}
        self.step(
            mode, "theme.move", self.send({"type": "theme", "op": "move", "theme": themes[0], "position": 1})
        )
        self.step(mode, "round.phase silent", self.send({**phase, "phase": "silent"}))
        self.step(mode, "card.add (phone)", self.post())
        self.step(mode, "round.phase gather (reveal)", self.send({**phase, "phase": "gather"}))
        self.step(mode, "round.phase silent", self.send({**phase, "phase": "silent"}))
        self.step(mode, "card.add (phone)", self.post())
        self.step(mode, "round.phase vote (reveal)", self.send({**phase, "phase": "vote"}))
        self.step(mode, "round.phase gather (vote closes)", self.send({**phase, "phase": "gather"}))
        self.step(
            mode,
            "round.add",
            self.send({"type": "round", "op": "add", "question": "And then?", "guidance": ""}),
        )
        self.step(mode, "inquiry.close", self.send({"type": "inquiry", "op": "close"}))
        self.step(mode, "inquiry.reopen", self.send({"type": "inquiry", "op": "reopen"}))


def region(frame):
    swapped = {i.split(":", 1)[0] for i in frame["ids"]}
    return next((r for r in REGIONS if r in swapped), "parts")


def report(log, modes):
    rows = {}
    for mode, action, screen, frame in log:
        rows.setdefault((screen, action, region(frame)), {}).setdefault(mode, []).append(frame)
    head = f"{'screen':<12} {'frame':<33} {'re-draws':<13} {'KB':>5}"
    for mode in modes:
        head += f" | {mode + ': script':>14} {'layout':>7} {'to paint':>9} {'n':>2}"
    print(head)
    order = {"facilitator": 0, "presenter": 1, "phone": 2}
    for (screen, action, where), by_mode in sorted(rows.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        frames = [f for fs in by_mode.values() for f in fs]
        line = f"{screen:<12} {action:<33} {'#' + where if where != 'parts' else 'parts':<13}"
        line += f" {statistics.median(f['bytes'] for f in frames) / 1024:>5.0f}"
        for mode in modes:
            fs = by_mode.get(mode, [])
            if not fs:
                line += f" | {'':>14} {'':>7} {'':>9} {0:>2}"
                continue
            med = {k: statistics.median(f[k] for f in fs) for k in ("script", "layout", "total")}
            line += f" | {med['script']:>14.1f} {med['layout']:>7.1f} {med['total']:>9.1f} {len(fs):>2}"
        print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of changes in each mode")
    parser.add_argument("--throttle", type=float, default=4, help="the phone's CPU slowdown")
    parser.add_argument("--modes", nargs="+", default=["htmx", "page"], choices=["htmx", "page"])
    parser.add_argument("--htmx-ids", nargs="*", default=list(SWITCHED), help="regions swapped as htmx does")
    args = parser.parse_args(argv)

    server = EmbeddedServer(1, "hub")
    try:
        server.start()
        env = server.env()
        password = superuser(env, USERNAME, "bench@example.org")
        code = event_demo(env, USERNAME)
        with sync_playwright() as playwright:
            browser = chromium(playwright)
            base = server.base_urls[0]
            facilitator = logged_in(browser, base, password)
            facilitator.goto(f"/i/{code}/facilitate/")
            presenter = logged_in(browser, base, password)
            presenter.goto(f"/i/{code}/present/")
            phone = browser.new_context(
                base_url=base, viewport=PHONE, is_mobile=True, has_touch=True
            ).new_page()
            phone.goto(f"/i/{code}/join/")
            phone.get_by_label("Your name (optional)").fill("Priya")
            phone.get_by_role("radio", name="NHS").check()
            phone.get_by_role("button", name="Join the inquiry").click()
            screens = {"facilitator": facilitator, "presenter": presenter, "phone": phone}
            for page in screens.values():
                live(page)
                page.evaluate(TIMER, args.htmx_ids)
            phone.context.new_cdp_session(phone).send(
                "Emulation.setCPUThrottlingRate", {"rate": args.throttle}
            )
            cards = {name: page.locator("#board .card").count() for name, page in screens.items()}
            room = Room(screens)
            room.changes("page")  # warm up
            room.log = []
            for _ in range(args.repeat):
                for mode in args.modes:
                    room.changes(mode)
            browser.close()
        print(
            f"event size: cards on each board {cards}; facilitator and presenter 1280x720, phone 390x844 "
            f"with its CPU {args.throttle:g}x slower; ms, medians of {args.repeat} rounds of changes"
        )
        print(
            "htmx: " + ", ".join("#" + i for i in args.htmx_ids) + " swapped as htmx's outerHTML; "
            "page: as the server asks (lw-outer where it says so)"
        )
        report(room.log, args.modes)
    finally:
        server.stop()
        server.cleanup()


if __name__ == "__main__":
    main()
