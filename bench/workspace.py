"""How long a live card move takes to apply in the facilitator's browser with 1,000 cards on the page:
``python -m bench.workspace``.

Serves a fresh database with one Daphne process (the embedded default, as ``make run``), imports the
event-size demo grown to 1,000 cards (its 314 cards, then copies of them, 12 themes), opens the
facilitator's workspace in Chromium (Debian's, /usr/bin/chromium) at 1920x1080 and moves cards between
themes and back, one ``card.move`` and then ``card.move_many`` (10 cards) at a time, sent by the page itself.
For each move the page measures, with performance.now(), from the frame's arrival (htmx's
``wsBeforeMessage``) to the first frame painted after it was applied (htmx's swap, then every module's
``wsAfterMessage`` work, then style, layout and paint: the next requestAnimationFrame and a task after it).
Prints the median, p95 and worst of each kind. ``--profile``: also samples the page's script with
Chromium's profiler (DevTools protocol ``Profiler``) during the ``card.move`` runs and prints where the
script time went, by function (self time) and by script file."""

import argparse
import json
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

from .harness import chromium, signed_in, superuser
from .harness import manage_or_exit as run
from .live.servers import EmbeddedServer

ROOT = Path(__file__).resolve().parents[1]
USERNAME = "bench"

BUILD = """
import copy, json
from django.contrib.auth import get_user_model
from board.exports import import_inquiry
from board.sample import event_document
doc = event_document()
cards = doc["cards"]
grown = []
for n in range(1, 100):
    for card in cards:
        if len(cards) + len(grown) >= {total}:
            break
        extra = copy.deepcopy(card)
        extra["ref"] = f"{{card['ref']}}x{{n}}"
        extra["text"] = f"{{card['text']}} (table {{n}})"
        grown.append(extra)
doc["cards"] = cards + grown
inquiry = import_inquiry(get_user_model().objects.get(username="{user}"), doc)
print(json.dumps({{"code": inquiry.code, "cards": inquiry.cards.count()}}))
"""

# Runs in the page: times frames from arrival to the first paint after they were applied.
TIMER = """() => {
  const root = document.getElementById('lw-socket');
  window.lwBench = { times: [], pending: null };
  root.addEventListener('htmx:wsBeforeMessage', (e) => {
    if ((e.detail.message || '').indexOf('lw-seq') >= 0) { window.lwBench.pending = performance.now(); }
  });
  root.addEventListener('htmx:wsAfterMessage', () => {
    const start = window.lwBench.pending;
    if (start === null) { return; }
    window.lwBench.pending = null;
    requestAnimationFrame(() => setTimeout(() => window.lwBench.times.push(performance.now() - start), 0));
  });
}"""


def summary(times):
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    median = statistics.median(ordered)
    return f"median {median:.1f} ms, p95 {p95:.1f} ms, worst {ordered[-1]:.1f} ms (n={len(ordered)})"


def measure(page, moves, many):
    """Send ``moves`` moves from the page (``many``: 10 cards a move) and wait for each to be applied."""
    themes = page.locator("#themes > .theme").evaluate_all("els => els.map(e => e.dataset.theme)")
    page.evaluate("() => { window.lwBench.times = []; }")
    for n in range(moves):
        # Back and forth between two pairs of themes, so none runs dry.
        pair = (themes[n % 2], themes[(n % 2) + 2])
        source, target = pair if (n // 2) % 2 == 0 else pair[::-1]
        ids = page.locator(f"#cards-theme-{source} > .card").evaluate_all(
            "els => els.map(e => parseInt(e.dataset.card, 10))"
        )[: 10 if many else 1]
        message = (
            {"type": "card", "op": "move_many", "cards": ids, "theme": int(target)}
            if many
            else {"type": "card", "op": "move", "card": ids[0], "theme": int(target), "position": 0}
        )
        page.evaluate("m => window.LinewalkSender.send(m)", message)
        try:
            page.wait_for_function("n => window.lwBench.times.length >= n", arg=n + 1, polling=50)
        except Exception:
            print(
                message,
                page.evaluate("() => window.lwBench"),
                page.locator("#lw-status").inner_text(),
                page.locator("#lw-connection").inner_text(),
            )
            raise
    return page.evaluate("() => window.lwBench.times")


def metrics(cdp):
    """Seconds the renderer spent so far, by kind (Chromium's Performance domain)."""
    wanted = (
        "ScriptDuration",
        "RecalcStyleDuration",
        "LayoutDuration",
        "TaskDuration",
        "RecalcStyleCount",
        "LayoutCount",
    )
    return {
        m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] in wanted
    }


def profile_report(profile, moves, top=25):
    """Where the script time of a ``Profiler.stop`` profile went, in ms per move: by script file and by
    function, a built-in's time (querySelectorAll, parsing...) counted to the page function calling it."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    parent = {child: node["id"] for node in profile["nodes"] for child in node.get("children", ())}
    owner = {}

    def owner_of(node_id):
        # The nearest frame, this one or a caller, in one of the page's scripts.
        if node_id not in owner:
            frame = nodes[node_id]["callFrame"]
            if frame["functionName"] in ("(idle)", "(program)", "(garbage collector)"):
                owner[node_id] = (frame["functionName"],) * 2
            elif frame["url"].startswith("http"):
                name = frame["functionName"] or "(anonymous)"
                url = frame["url"].rsplit("/", 1)[-1]
                owner[node_id] = (url, f"{name} {url}:{frame['lineNumber'] + 1}")
            elif node_id in parent:
                owner[node_id] = owner_of(parent[node_id])
            else:
                owner[node_id] = ("(root)", "(root) " + (frame["functionName"] or "(anonymous)"))
        return owner[node_id]

    by_function, by_file = {}, {}
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        url, key = owner_of(sample)
        by_function[key] = by_function.get(key, 0) + delta
        by_file[url] = by_file.get(url, 0) + delta
    lines = ["  script time per card.move (profiler samples), by file:"]
    for url, spent in sorted(by_file.items(), key=lambda kv: -kv[1]):
        if spent / moves >= 50:
            lines.append(f"    {spent / 1000 / moves:6.2f} ms  {url}")
    lines.append("  by function (with the built-ins it calls):")
    ranked = sorted(by_function.items(), key=lambda kv: -kv[1])
    ranked = [kv for kv in ranked if kv[0] not in ("(idle)", "(program)")]
    lines += [f"    {spent / 1000 / moves:6.2f} ms  {key}" for key, spent in ranked[:top]]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000, help="cards on the board")
    parser.add_argument("--moves", type=int, default=40, help="moves of each kind")
    parser.add_argument("--profile", action="store_true", help="sample the script of the card.move runs")
    args = parser.parse_args(argv)

    server = EmbeddedServer(1, "hub")
    try:
        server.start()
        env = server.env()
        password = superuser(env, USERNAME, "bench@example.org")
        built = json.loads(
            run(env, "shell", "-c", BUILD.format(total=args.cards, user=USERNAME)).strip().splitlines()[-1]
        )
        with sync_playwright() as playwright:
            browser = chromium(playwright)
            viewport = {"width": 1920, "height": 1080}
            page = signed_in(browser, server.base_urls[0], USERNAME, password, viewport)
            response = page.goto(f"/i/{built['code']}/facilitate/")
            page.locator("#lw-connection", has_text="Live").wait_for()
            on_page = page.locator("#board .card").count()
            size = len(response.body())
            page.evaluate(TIMER)
            measure(page, 3, False)  # warm up
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            before = metrics(cdp)
            if args.profile:
                cdp.send("Profiler.enable")
                cdp.send("Profiler.setSamplingInterval", {"interval": 100})
                cdp.send("Profiler.start")
            single = measure(page, args.moves, False)
            profiled = cdp.send("Profiler.stop")["profile"] if args.profile else None
            spent = {
                k: (v - before[k]) * (1 if k.endswith("Count") else 1000) / args.moves
                for k, v in metrics(cdp).items()
                if k in before
            }
            many = measure(page, args.moves, True)
            browser.close()
        print(f"facilitator page: {on_page} cards on the board; the page {size / 1024:.0f} KB of HTML")
        print(f"card.move applied in the browser: {summary(single)}")
        print(
            "  browser time per card.move: "
            + ", ".join(f"{k} {v:.1f}{'' if k.endswith('Count') else ' ms'}" for k, v in spent.items())
        )
        print(f"card.move_many (10 cards) applied in the browser: {summary(many)}")
        if profiled:
            print(profile_report(profiled, args.moves))
    finally:
        server.stop()
        server.cleanup()


if __name__ == "__main__":
    main()
