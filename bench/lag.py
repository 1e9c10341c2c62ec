"""How far the facilitator's workspace falls behind the room on a big board under a stream of posts, and
whether its socket stays open: ``python -m bench.lag``.

Serves a fresh database with one Daphne process (the embedded default, with ``make run``'s flags; or
``--server-processes 2`` on Redis, with ``BENCH_DATABASE_URL`` for PostgreSQL), imports the event-size
demo grown to ``--cards`` cards (12 themes), joins ``--posters`` participants in bulk and connects them
(bench/wsclient.py), opens the facilitator's workspace in Debian's Chromium (headless) and, once it is
live, has the participants post ``--rate`` a second for ``--seconds`` seconds, then waits up to
``--drain`` seconds for the page to show every post. ``--throttle N`` slows the page's CPU N times
(Chromium's own emulation): a box whose load leaves the browser a fraction of a core.

Measured in the page: when each post's text first appears in the document (a MutationObserver), against
when its participant sent it (one clock: the same box), so the lag is what the facilitator sees; every
socket the page opened and how and when it closed (code, clean or not); frames received and how many
goes the page applied them in; the main thread's time per frame received (Chromium's Performance
metrics: tasks, script, style, layout, the rest) and the longest tasks. From the server: its log's lines
about sockets dropped for not answering the server's ping (sessions/wire.py) and tracebacks, and its CPU.

``--before REF`` runs twice, each on a fresh server: first with the page's own scripts
(static/linewalk/*.js) as they are at git REF (served to the browser in place of this tree's), then as
they are here, and prints both. ``--trace`` adds the main thread's time per frame by trace event,
``--profile`` where the script time went.

    .venv/bin/python -m bench.lag                                  # 3,000 cards, 15 posts/s for 120 s
    .venv/bin/python -m bench.lag --cards 6000 --throttle 4 --seconds 60 --before main
    .venv/bin/python -m bench.lag --ping-interval 20 --ping-timeout 10  # the server's ping, sooner"""

import argparse
import asyncio
import json
import math
import subprocess
import sys
import time
from pathlib import Path

from playwright.async_api import async_playwright

from .harness import chromium, manage_or_exit, superuser
from .live.clients import open_socket
from .live.measure import Probe, log, machine, raise_open_file_limit
from .live.servers import EmbeddedServer, bulk_join
from .workspace import BUILD, profile_report

ROOT = Path(__file__).resolve().parents[1]
USERNAME = "bench"
WORDS = "We need more time with the people who use the service, not more forms to fill in before we meet"

# Runs in the page before its own scripts. What it sees goes out as it happens (window.lwReport, a
# binding to this script), so a page too busy to answer an evaluate at the end still says what it did.
RECORDER = """(() => {
  const seen = new Set();
  const counts = { applied: 0, received: 0 };
  function report(kind, data) { if (window.lwReport) { window.lwReport(kind, data); } }
  const POST = /Lag bench post (\\d+):/g;
  new MutationObserver((records) => {
    const now = Date.now(), found = [];
    for (const r of records) {
      for (const n of r.addedNodes) {
        const text = n.textContent;
        if (!text || text.indexOf('Lag bench post') < 0) { continue; }
        let m; POST.lastIndex = 0;
        while ((m = POST.exec(text))) { if (!seen.has(m[1])) { seen.add(m[1]); found.push(+m[1]); } }
      }
    }
    if (found.length) { report('seen', [now, found]); }
  }).observe(document, { childList: true, subtree: true });
  // Frames as they come off the socket (the page may apply several in one go).
  const Native = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    ws.addEventListener('message', (e) => { if (e.isTrusted) { counts.received += 1; } });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) { window.WebSocket[k] = Native[k]; }
  document.addEventListener('htmx:wsOpen', () => report('open', Date.now()), true);
  document.addEventListener('htmx:wsClose', (e) => {
    const ev = e.detail.event || {};
    report('close', { at: Date.now(), code: ev.code, clean: ev.wasClean });
  }, true);
  document.addEventListener('htmx:wsAfterMessage', () => {
    counts.applied += 1;
    report('counts', counts);
  }, true);
  try {
    new PerformanceObserver((list) => {
      const origin = Date.now() - performance.now();
      report('tasks', list.getEntries().map((t) => [origin + t.startTime, t.duration]));
    }).observe({ type: 'longtask' });
  } catch (e) { /* no long task timing */ }
})();"""


class Record:
    """What the page reported (RECORDER)."""

    def __init__(self):
        self.seen, self.opens, self.closes, self.tasks = {}, [], [], []
        self.counts = {"applied": 0, "received": 0}

    def __call__(self, kind, data):
        if kind == "seen":
            at, found = data
            for k in found:
                self.seen.setdefault(k, at / 1000)
        elif kind == "open":
            self.opens.append(data / 1000)
        elif kind == "close":
            self.closes.append({**data, "at": data["at"] / 1000})
        elif kind == "counts":
            self.counts = dict(data)
        elif kind == "tasks":
            self.tasks += [(at / 1000, duration) for at, duration in data]


async def answered(awaitable, limit=30):
    """What a call to the page answers, or None if it is too busy to answer within ``limit`` seconds."""
    try:
        return await asyncio.wait_for(awaitable, limit)
    except TimeoutError:
        return None


METRICS = ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration", "TaskOtherDuration")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1] if ordered else None


def seconds(value):
    if value is None:
        return "-"
    return "never" if math.isinf(value) else f"{value:.1f} s"


def page_scripts_at(ref):
    """{file name: text} of static/linewalk/*.js at git ``ref``."""
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", ref, "static/linewalk/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {
        Path(name).name: subprocess.run(
            ["git", "show", f"{ref}:{name}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        for name in names
        if name.endswith(".js")
    }


async def serve_scripts(context, scripts):
    async def handle(route):
        name = route.request.url.split("?")[0].rsplit("/", 1)[-1]
        if name in scripts:
            await route.fulfill(body=scripts[name], content_type="text/javascript")
        else:
            await route.continue_()

    await context.route("**/static/linewalk/*.js", handle)


async def metrics(cdp):
    got = await cdp.send("Performance.getMetrics")
    return {m["name"]: m["value"] for m in got["metrics"] if m["name"] in METRICS}


async def read_stream(cdp, handle):
    chunks = []
    while True:
        got = await cdp.send("IO.read", {"handle": handle, "size": 1 << 20})
        chunks.append(got["data"])
        if got.get("eof"):
            break
    await cdp.send("IO.close", {"handle": handle})
    return json.loads("".join(chunks))


def main_thread_breakdown(trace, frames):
    """The renderer main thread's time by trace event, self time (less what it called), ms per frame."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    main = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    spans = sorted(
        (
            (e["ts"], e["ts"] + e.get("dur", 0), e["name"])
            for e in events
            if e.get("ph") == "X" and (e["pid"], e["tid"]) in main
        ),
        key=lambda span: (span[0], -span[1]),
    )
    own, stack = {}, []
    for start, end, name in spans:
        while stack and stack[-1][1] <= start:
            stack.pop()
        if stack:
            own[stack[-1][2]] = own.get(stack[-1][2], 0) - (end - start)
        own[name] = own.get(name, 0) + (end - start)
        stack.append((start, end, name))
    ranked = sorted(own.items(), key=lambda kv: -kv[1])[:10]
    return "; ".join(f"{name} {spent / 1000 / frames:.1f}" for name, spent in ranked if spent > 0)


async def open_workspace(browser, args, base, code, password, scripts, record):
    width, height = (int(x) for x in args.viewport.split("x"))
    context = await browser.new_context(base_url=base, viewport={"width": width, "height": height})
    if scripts is not None:
        await serve_scripts(context, scripts)
    page = await context.new_page()
    await page.expose_function("lwReport", record)
    await page.goto("/accounts/login/")
    await page.get_by_label("Username").fill(USERNAME)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(lambda url: "/accounts/login/" not in url)
    await page.add_init_script(RECORDER)
    started = time.monotonic()
    await page.goto(f"/i/{code}/facilitate/", timeout=300_000)
    await page.locator("#lw-connection", has_text="Live").wait_for(timeout=300_000)
    return context, page, time.monotonic() - started


async def post_and_watch(args, server, code, password, joined, scripts):
    posters = []
    for k, person in enumerate(joined):
        url = server.base_urls[k % len(server.base_urls)]  # spread over the processes, as behind a proxy
        posters.append(await open_socket(url, code, person.session_cookie, 60))
    async with async_playwright() as playwright:
        browser = await chromium(playwright)  # async: the launch to await
        record = Record()
        context, page, opened_s = await open_workspace(
            browser, args, server.base_urls[0], code, password, scripts, record
        )
        on_page = await page.locator("#board .card").count()
        log(f"the workspace is live with {on_page:,} cards after {opened_s:.1f} s; posting")
        cdp = await context.new_cdp_session(page)
        await cdp.send("Performance.enable")
        if args.throttle > 1:
            await cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
        traced = None
        if args.trace:
            traced = asyncio.get_running_loop().create_future()
            cdp.on("Tracing.tracingComplete", lambda e: traced.done() or traced.set_result(e["stream"]))
            await cdp.send(
                "Tracing.start", {"categories": "devtools.timeline", "transferMode": "ReturnAsStream"}
            )
        if args.profile:
            await cdp.send("Profiler.enable")
            await cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
            await cdp.send("Profiler.start")
        before = await metrics(cdp)
        counted = dict(record.counts)
        probe = Probe(server.pids)
        probe.mark()
        server.mark_log()

        sent, total = {}, int(args.rate * args.seconds)
        t0 = time.time() + 0.2
        for k in range(total):
            delay = t0 + k / args.rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            message = {
                "type": "card",
                "op": "add",
                "client_id": f"00000000-0000-4000-8000-{k:012d}",
                "text": f"Lag bench post {k}: {WORDS}",
            }
            sent[k] = time.time()
            posters[k % len(posters)].send(json.dumps(message))
        log(f"{total} posts sent; waiting up to {args.drain:g} s for the page to show them all")
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            if sum(1 for k in sent if k in record.seen) >= total:
                break
            await asyncio.sleep(1)
        ended = time.time()
        window = probe.read()
        after = await answered(metrics(cdp))  # None: the page is too busy to say
        profiled = trace = None
        if args.profile and after is not None:
            profiled = ((await answered(cdp.send("Profiler.stop"))) or {}).get("profile")
        if traced is not None and after is not None:
            await cdp.send("Tracing.end")
            stream = await answered(traced, 120)
            trace = await read_stream(cdp, stream) if stream else None
        await browser.close()
    for ws in posters:
        try:
            await asyncio.wait_for(ws.close(), 3)
        except Exception:  # noqa: BLE001,S110 - closing anyway
            pass
    frames = record.counts["received"] - counted["received"]
    lags = {k: record.seen.get(k, math.inf) - at for k, at in sent.items()}
    step = max(5.0, args.seconds / 12)
    slices = []  # the worst lag of the posts sent in each slice of the run
    for n in range(math.ceil(args.seconds / step)):
        inside = [lag for k, lag in lags.items() if t0 + n * step <= sent[k] < t0 + (n + 1) * step]
        slices.append((n * step, max(inside) if inside else None))
    return {
        "cards": on_page,
        "opened_s": opened_s,
        "posts": total,
        "shown": sum(1 for lag in lags.values() if not math.isinf(lag)),
        "lag": {q: percentile(list(lags.values()), q) for q in (50, 95, 100)},
        "slices": slices,
        "opens": len(record.opens),
        "closes": [{**c, "at": round(c["at"] - t0, 1)} for c in record.closes if c["at"] >= t0 - 1],
        "frames": frames,
        "applied": record.counts["applied"] - counted["applied"],
        "per_frame_ms": after and {k: 1000 * (after[k] - before[k]) / max(frames, 1) for k in METRICS},
        "busy_pct": after and 100 * (after["TaskDuration"] - before["TaskDuration"]) / max(ended - t0, 1e-9),
        "longest": sorted((round(d) for at, d in record.tasks if at >= t0), reverse=True)[:5],
        "resources": window,
        "profile": profile_report(profiled, max(frames, 1)).replace("card.move", "frame")
        if profiled
        else None,
        "trace": main_thread_breakdown(trace, max(frames, 1)) if trace else None,
    }


def server_lines(server):
    """What the servers logged since the mark about a socket dropped, and tracebacks."""
    lines = []
    for path, mark in zip(server.log_paths, server.log_marks, strict=True):
        with open(path, "rb") as f:
            f.seek(mark)
            for line in f.read().decode(errors="replace").splitlines():
                if "dropped" in line or "Traceback" in line:
                    lines.append(line.strip()[:240])
    return lines


def run_one(args, scripts):
    server = EmbeddedServer(
        args.server_processes,
        "hub",
        keep=args.keep,
        ping_interval=args.ping_interval,
        ping_timeout=args.ping_timeout,
    )
    try:
        server.start()
        env = server.env()
        password = superuser(env, USERNAME, "bench@example.org")
        built = manage_or_exit(env, "shell", "-c", BUILD.format(total=args.cards, user=USERNAME))
        code = json.loads(built.strip().splitlines()[-1])["code"]
        joined, _ = bulk_join(env, code, args.posters, server.base_urls)
        result = asyncio.run(post_and_watch(args, server, code, password, joined, scripts))
        result["server_log"] = server_lines(server)
        result["kind"] = server.kind
    finally:
        server.stop()
        server.cleanup()
    return result


def rows(args, result):
    lag, per, r = result["lag"], result["per_frame_ms"], result["resources"]
    closes = "; ".join(
        f"at {c['at']} s, code {c['code']}, {'clean' if c['clean'] else 'not clean'}"
        for c in result["closes"]
    )
    return [
        ("cards on the page", f"{result['cards']:,} (live {result['opened_s']:.1f} s after asking for it)"),
        (
            "post -> facilitator's page",
            f"p50 {seconds(lag[50])}, p95 {seconds(lag[95])}, max {seconds(lag[100])}",
        ),
        ("posts shown", f"{result['shown']:,} of {result['posts']:,}"),
        (
            "worst lag by time sent",
            " ".join(f"{t:.0f}s:{seconds(v).replace(' s', '')}" for t, v in result["slices"]),
        ),
        ("socket closed", f"{closes or 'never'} ({result['opens']} opened in all)"),
        ("frames", f"{result['frames']:,} received, applied in {result['applied']:,} goes"),
        (
            "main thread per frame (ms)",
            f"tasks {per['TaskDuration']:.1f}: script {per['ScriptDuration']:.1f}, style "
            f"{per['RecalcStyleDuration']:.1f}, layout {per['LayoutDuration']:.1f}, "
            f"rest {per['TaskOtherDuration']:.1f}"
            if per
            else "- (the page was too busy to answer within 30 s)",
        ),
        (
            "main thread busy",
            (f"{result['busy_pct']:.0f}% of the run; " if per else "")
            + f"longest tasks {result['longest']} ms",
        ),
        ("server log", " | ".join(result["server_log"][:3]) or "nothing about sockets"),
        (
            "CPU (% of a core)",
            f"server {r['server_cpu_pct']}, this script {r['client_cpu_pct']}, "
            f"the rest (browser included) {r['other_cpu_pct']}; load {r['load_avg_1m']}",
        ),
    ]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.lag", description=__doc__.split("\n\n")[0])
    p.add_argument("--cards", type=int, default=3000, help="cards on the board before the posts")
    p.add_argument("--rate", type=float, default=15.0, help="posts a second")
    p.add_argument("--seconds", type=float, default=120.0)
    p.add_argument("--posters", type=int, default=100, help="participants posting in turn")
    p.add_argument("--drain", type=float, default=120.0, help="seconds to wait for the page to catch up")
    p.add_argument("--throttle", type=float, default=1.0, help="Chromium's CPU slowed this many times")
    p.add_argument("--viewport", default="1920x1080")
    p.add_argument("--ping-interval", type=int, default=60, help="Daphne's (make run's: 60)")
    p.add_argument("--ping-timeout", type=int, default=30, help="Daphne's (its default: 30)")
    p.add_argument("--server-processes", type=int, default=1)
    p.add_argument("--before", metavar="REF", help="also run with the page's scripts as at git REF, first")
    p.add_argument("--keep", action="store_true", help="keep the server's logs and database")
    p.add_argument("--profile", action="store_true", help="where the page's script time went, per frame")
    p.add_argument("--trace", action="store_true", help="the main thread's time per frame by trace event")
    a = p.parse_args(argv)
    raise_open_file_limit(a.posters + 512)
    runs = []
    if a.before:
        runs.append((f"page scripts at {a.before}", page_scripts_at(a.before)))
    runs.append(("this tree", None))
    results = []
    for label, scripts in runs:
        log(f"run: {label}")
        results.append((label, run_one(a, scripts)))
    m = machine()
    print(
        f"{m['cores']} cores ({m['cpu']}), Python {m['python']}; clients, browser and server on one box; "
        f"{results[0][1]['kind']}; Daphne's ping every {a.ping_interval} s, timeout {a.ping_timeout} s; "
        f"Chromium headless at {a.viewport}{f', CPU throttled {a.throttle:g}x' if a.throttle > 1 else ''}; "
        f"{a.rate:g} posts/s for {a.seconds:g} s from {a.posters} participants onto {a.cards:,} cards"
    )
    for label, result in results:
        print(f"\n{label}:")
        for name, text in rows(a, result):
            print(f"  {name:<28}{text}")
        if result["trace"]:
            print(f"  {'by trace event (ms/frame)':<28}{result['trace']}")
        if result["profile"]:
            print(result["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
