"""How long the facilitator's "Collapse all" and "Expand all" take to show at event size:
``python -m bench.collapse``.

Serves a fresh database with one Daphne process (the embedded default, as ``make run``), builds the
event-size demo (100 participants, 300 cards, 12 themes, ~20 unplaced: ``demo_inquiry --event-size``),
opens the facilitator's workspace in Chromium (Debian's, /usr/bin/chromium) at 1280x720 and presses
Collapse all and Expand all in turn, ``--presses`` times each. For each press the page measures, with
performance.now(), from the click to the first frame painted after it (the click's handlers, then style,
layout and paint: the next requestAnimationFrame and a task after it). Prints the median, p95 and worst
of each, and the renderer's time per press by kind (script, style, layout: Chromium's Performance
domain), which says where the time goes, and a trace of one press of each (the DevTools timeline).
Then, every theme collapsed, a live frame that re-draws every column (a theme moved, sent by the page):
its time from arrival to paint, and whether every theme stays collapsed. ``--profile``: also samples the
page's script with Chromium's profiler during the presses and prints where the script time went, by
function and by script file.

It measures the code it runs on: for a before/after, run the same file on both checkouts."""

import argparse

from playwright.sync_api import sync_playwright

from .harness import chromium, event_demo, signed_in, superuser
from .live.servers import EmbeddedServer
from .workspace import TIMER, metrics, profile_report
from .workspace import summary as spread

USERNAME = "bench"

# Runs in the page: a press of the button, timed to the first frame painted after it.
# Also, its part in the page's own thread that does not wait on the screen: the click and the style and
# layout it forces (read back at once), the least affected by other work on a busy machine.
PRESS = """(id) => new Promise((done) => {
  const start = performance.now();
  document.getElementById(id).click();
  document.getElementById('themes').getBoundingClientRect();
  const forced = performance.now() - start;
  requestAnimationFrame(() => setTimeout(() => done([performance.now() - start, forced]), 0));
})"""


def presses(page, cdp, n):
    """Collapse all and Expand all, ``n`` times each: their times, and the renderer's time per press."""
    times = {"themes-fold-all": [], "themes-unfold-all": []}
    forced = {button: [] for button in times}
    before = metrics(cdp)
    for _ in range(n):
        for button in times:
            painted, laid_out = page.evaluate(PRESS, button)
            times[button].append(painted)
            forced[button].append(laid_out)
    spent = {
        k: (v - before[k]) * (1 if k.endswith("Count") else 1000) / (2 * n)
        for k, v in metrics(cdp).items()
        if k in before
    }
    return times, forced, spent


def frames(page, n):
    """``n`` theme moves sent from the page (each re-draws every column, collapsed or not, on every
    facilitator's screen), timed from the frame's arrival to the first paint after it was applied, with
    every theme collapsed: their times, and whether every column was still collapsed after each."""
    page.evaluate(TIMER)  # (again: its times from empty)
    themes = page.locator("#themes > .theme").evaluate_all("els => els.map(e => parseInt(e.dataset.theme))")
    still = []
    for k in range(n):
        page.evaluate(
            "m => window.LinewalkSender.send(m)",
            {"type": "theme", "op": "move", "theme": themes[k % 2], "position": (k + 1) % 2},
        )
        page.wait_for_function("n => window.lwBench.times.length >= n", arg=k + 1, polling=50)
        still.append(page.locator("#themes > .theme:not(.is-collapsed)").count() == 0)
    return page.evaluate("() => window.lwBench.times"), all(still)


def summary(times):
    return f"{spread(times)}, least {min(times):.1f} ms"


def traced(page, cdp, button):
    """One press of ``button`` with the mouse, as a person does it, under Chromium's performance trace
    (the DevTools timeline): the time from the click to the end of the first paint after it, and the
    renderer's main-thread work in it by kind of event, in ms."""
    chunks = []
    cdp.on("Tracing.dataCollected", lambda data: chunks.extend(data["value"]))
    done = []
    cdp.on("Tracing.tracingComplete", lambda data: done.append(True))
    cdp.send("Tracing.start", {"categories": "devtools.timeline", "transferMode": "ReportEvents"})
    page.locator(f"#{button}").click()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 300)))")
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(50)
    main = [e for e in chunks if e.get("ph") == "X" and e.get("name") in WORK]
    click = [
        e
        for e in chunks
        if e.get("name") == "EventDispatch" and e.get("args", {}).get("data", {}).get("type") == "click"
    ]
    start = click[0]["ts"] if click else min(e["ts"] for e in main)
    painted = [e["ts"] + e.get("dur", 0) for e in main if e["ts"] >= start and e["name"] == "Paint"]
    end = min(painted) if painted else max(e["ts"] + e.get("dur", 0) for e in main)
    by = {}
    for e in main:
        if start <= e["ts"] < end:
            by[e["name"]] = by.get(e["name"], 0) + e.get("dur", 0) / 1000
    return (end - start) / 1000, by


# The DevTools timeline's main-thread events that are work a press causes.
WORK = (
    "EventDispatch",
    "FunctionCall",
    "UpdateLayoutTree",
    "Layout",
    "Paint",
    "PrePaint",
    "Layerize",
    "HitTest",
    "ParseHTML",
    "EvaluateScript",
    "MajorGC",
    "MinorGC",
    "Commit",
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20, help="presses of each button")
    parser.add_argument("--profile", action="store_true", help="sample the script of the presses")
    args = parser.parse_args(argv)

    server = EmbeddedServer(1, "hub")
    try:
        server.start()
        env = server.env()
        password = superuser(env, USERNAME, "bench@example.org")
        code = event_demo(env, USERNAME)
        with sync_playwright() as playwright:
            browser = chromium(playwright)
            page = signed_in(browser, server.base_urls[0], USERNAME, password, {"width": 1280, "height": 720})
            page.goto(f"/i/{code}/facilitate/")
            page.locator("#lw-connection", has_text="Live").wait_for()
            cards = page.locator("#board .card").count()
            themes = page.locator("#themes > .theme").count()
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            presses(page, cdp, 3)  # warm up
            if args.profile:
                cdp.send("Profiler.enable")
                cdp.send("Profiler.setSamplingInterval", {"interval": 100})
                cdp.send("Profiler.start")
            times, forced, spent = presses(page, cdp, args.presses)
            profiled = cdp.send("Profiler.stop")["profile"] if args.profile else None
            trace = [(b, traced(page, cdp, b)) for b in ("themes-fold-all", "themes-unfold-all")]
            live = {}
            for button in ("themes-unfold-all", "themes-fold-all"):
                page.locator(f"#{button}").click()
                if args.profile and button == "themes-fold-all":
                    cdp.send("Profiler.start")
                live[button] = frames(page, args.presses)
            framed = cdp.send("Profiler.stop")["profile"] if args.profile else None
            browser.close()
        print(f"facilitator page at 1280x720: {cards} cards on the board, {themes} themes")
        for button, name in (("themes-fold-all", "Collapse all"), ("themes-unfold-all", "Expand all")):
            print(f"{name}, click to paint: {summary(times[button])}")
            print(f"  click, style and layout: {summary(forced[button])}")
        print(
            "  browser time per press: "
            + ", ".join(f"{k} {v:.1f}{'' if k.endswith('Count') else ' ms'}" for k, v in spent.items())
        )
        for button, (span, by) in trace:
            ranked = sorted(by.items(), key=lambda kv: -kv[1])
            kinds = ", ".join(f"{k} {v:.1f} ms" for k, v in ranked if v >= 0.5)
            print(f"  trace of one mouse press of #{button}: {span:.0f} ms from click to paint; {kinds}")
        print("A live frame re-drawing every column (a theme moved), arrival to paint:")
        print(f"  every theme expanded: {summary(live['themes-unfold-all'][0])}")
        times, kept = live["themes-fold-all"]
        print(f"  every theme collapsed: {summary(times)}")
        print(f"  every theme still collapsed after each frame: {'yes' if kept else 'NO'}")
        if profiled:
            print(profile_report(profiled, 2 * args.presses).replace("per card.move", "per press"))
            print(profile_report(framed, args.presses).replace("per card.move", "per frame, all collapsed"))
    finally:
        server.stop()
        server.cleanup()


if __name__ == "__main__":
    main()
