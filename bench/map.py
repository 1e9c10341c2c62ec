"""A link change on a big systems map while a room posts: ``python -m bench.map``.

A facilitator builds a map of T themes and L links (through the socket, as the page does); then N
participants are connected while R of them post P posts a second for S seconds (the N=1,000 posting
target's load) and the facilitator adds a link every E seconds. Each link re-draws the whole map (the
layout places its new node, the loops are found again, the SVG is drawn once per kind of screen) and
reaches every screen in the same event stream as the posts. Measured on every screen:

* post -> each screen shows it (ms), against the posting targets (p95 <= 150 ms, p99 <= 300 ms);
* link sent -> each screen shows the map with it (ms);
* the largest frame that carried a link (not the snapshot at connect), server CPU, refusals, and screens
  behind a fresh one at the end.

    .venv/bin/python -m bench.map                         # N=1,000, 10 posts/s, 30 s, a link every 2 s
    .venv/bin/python -m bench.map --clients 200 --seconds 10

Clients and server share this box (one client process, on uvloop)."""

import argparse
import asyncio
import json
import random
import re
import sys
import time

from .harness import on_embedded_server
from .harness import wait_for as until
from .live.clients import open_socket
from .live.frames import ERROR_RE, SEQ_RE, THEME_RE
from .live.measure import Probe, dist_ms, log, machine, raise_open_file_limit

POST_RE = re.compile(r"Map bench post (\d+)\b")
LINKS_RE = re.compile(r'id="map-link-count"[^>]*>(\d+)<')


class Screen:
    """One socket: when it first showed each post and each map size, its last sequence number."""

    def __init__(self, cookie):
        self.cookie = cookie
        self.ws = None
        self.seq = 0
        self.posts = {}
        self.links = {}
        self.errors = []
        self.map_bytes = 0

    def on_message(self, ws, payload, is_text, at):
        if not is_text:
            return
        message = payload.decode() if isinstance(payload, (bytes, bytearray, memoryview)) else payload
        found = SEQ_RE.search(message)
        if found:
            self.seq = max(self.seq, int(found.group(1)))
        for k in POST_RE.findall(message):
            self.posts.setdefault(int(k), at)
        for count in LINKS_RE.findall(message):
            self.links.setdefault(int(count), at)
            if "data-snapshot" not in message:
                self.map_bytes = max(self.map_bytes, len(message))
        if 'class="error"' in message:
            found = ERROR_RE.search(message)
            self.errors.append(found.group(1) if found else "?")


class MapFacilitator(Screen):
    def __init__(self, cookie):
        super().__init__(cookie)
        self.themes = []

    def on_message(self, ws, payload, is_text, at):
        super().on_message(ws, payload, is_text, at)
        message = payload.decode() if isinstance(payload, (bytes, bytearray, memoryview)) else payload
        for theme in THEME_RE.findall(message):
            if int(theme[0]) not in self.themes:
                self.themes.append(int(theme[0]))

    def link(self, pairs, rng):
        source, target = pairs.pop()
        kind = rng.choice(["influences", "influences", "enables", "blocks"])
        message = {"type": "link", "op": "add", "source": f"theme-{source}", "target": f"theme-{target}"}
        self.ws.send(json.dumps(message | {"kind": kind, "sign": rng.choice("+-"), "note": "bench"}))


async def run(args, server, code, facilitator_key, joined):
    base = server.base_urls[0]
    rng = random.Random(args.seed)
    facilitator = MapFacilitator(f"sessionid={facilitator_key}")
    facilitator.ws = await open_socket(base, code, facilitator.cookie, 60, on_message=facilitator.on_message)
    for k in range(args.themes):
        facilitator.ws.send(json.dumps({"type": "theme", "op": "add", "name": f"Bench theme {k} of the map"}))
    if not await until(lambda: len(facilitator.themes) >= args.themes, 120):
        raise RuntimeError(f"only {len(facilitator.themes)} themes arrived")
    themes = facilitator.themes[: args.themes]
    pairs = [(a, b) for a in themes for b in themes if a != b]
    rng.shuffle(pairs)
    started = time.monotonic()
    for _ in range(args.links):
        facilitator.link(pairs, rng)
    if not await until(lambda: args.links in facilitator.links, 600):
        raise RuntimeError(f"the map did not reach {args.links} links: {max(facilitator.links, default=0)}")
    built = time.monotonic() - started
    log(f"map of {args.themes} themes and {args.links} links built in {built:.1f} s")

    screens = [Screen(j.session_cookie) for j in joined[: args.clients]]
    gate = asyncio.Semaphore(50)

    async def connect(screen):
        async with gate:
            screen.ws = await open_socket(base, code, screen.cookie, 60, on_message=screen.on_message)

    await asyncio.gather(*(connect(s) for s in screens))
    await until(lambda: all(s.seq >= facilitator.seq for s in screens), 60)
    log(f"{len(screens):,} sockets open")

    probe = Probe(server.pids)
    probe.mark()
    posts, link_sent = {}, {}
    t0 = time.time() + 0.2
    total_posts = int(args.rate * args.seconds)
    events = [(k / args.rate, "post", k) for k in range(total_posts)]
    events += [(args.link_every * (k + 0.5), "link", k) for k in range(int(args.seconds / args.link_every))]
    for offset, kind, k in sorted(events):
        delay = t0 + offset - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if kind == "post":
            poster = screens[k % min(args.posters, len(screens))]
            posts[k] = time.time()
            uid = f"00000000-0000-4000-8000-{k:012d}"
            poster.ws.send(
                json.dumps({"type": "card", "op": "add", "client_id": uid, "text": f"Map bench post {k}"})
            )
        else:
            link_sent[args.links + k + 1] = time.time()
            facilitator.link(pairs, rng)
    done = await until(
        lambda: all(
            len(s.posts) >= total_posts and max(s.links, default=0) >= max(link_sent, default=0)
            for s in screens
        ),
        args.drain,
    )
    window = probe.read()
    fresh = Screen(joined[args.clients].session_cookie)
    fresh.ws = await open_socket(base, code, fresh.cookie, 60, on_message=fresh.on_message)
    await until(lambda: fresh.seq > 0, 30)
    behind = sum(1 for s in screens if s.seq < fresh.seq)
    for s in [*screens, fresh, facilitator]:
        await s.ws.close()
    post_latency = [s.posts.get(k, float("inf")) - sent for s in screens for k, sent in posts.items()]
    link_latency = [s.links.get(c, float("inf")) - sent for s in screens for c, sent in link_sent.items()]
    return {
        "built_s": built,
        "screens": len(screens),
        "posts": total_posts,
        "links": len(link_sent),
        "post_ms": dist_ms(post_latency),
        "link_ms": dist_ms(link_latency),
        "map_kb": round(max(s.map_bytes for s in screens) / 1024, 1),
        "errors": sorted({e for s in screens for e in s.errors} | set(facilitator.errors)),
        "behind": behind,
        "done": done,
        "resources": window,
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.map", description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--themes", type=int, default=50)
    p.add_argument("--links", type=int, default=200, help="links on the map before measuring")
    p.add_argument("--rate", type=float, default=10.0, help="posts a second while measuring")
    p.add_argument("--posters", type=int, default=300, help="how many of the participants post, in turn")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--link-every", type=float, default=2.0, help="seconds between two links added")
    p.add_argument("--drain", type=float, default=120.0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.themes < 2 or a.links > a.themes * (a.themes - 1) - a.seconds / a.link_every:
        p.error("too many links for that many themes")
    raise_open_file_limit(a.clients + 512)
    result, _ = on_embedded_server(a.clients + 1, lambda *args: run(a, *args))
    m = machine()
    r = result["resources"]
    print(
        f"{m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}; clients and server on "
        f"the same box (load {r['load_avg_1m']}); embedded default (SQLite + in-memory layer), 1 Daphne, hub"
    )
    rows = [
        (
            "Map",
            f"{a.themes} themes, {a.links} links, built in {result['built_s']:.1f} s; the largest link frame "
            f"{result['map_kb']} KB",
        ),  # fmt: skip
        (
            "Load",
            f"N={result['screens']:,}, {a.rate:g} posts/s and a link every {a.link_every:g} s for "
            f"{a.seconds:g} s ({result['posts']:,} posts, {result['links']} links)",
        ),  # fmt: skip
        (
            "post -> every screen (ms)",
            "p50 {p50}  p95 {p95}  p99 {p99}  max {max}  lost {lost}".format(**result["post_ms"]),
        ),
        (
            "link -> every screen (ms)",
            "p50 {p50}  p95 {p95}  p99 {p99}  max {max}  lost {lost}".format(**result["link_ms"]),
        ),
        ("posting target (p95 <= 150, p99 <= 300)", _verdict(result["post_ms"])),
        ("refused", ", ".join(result["errors"]) or "none"),
        ("screens behind a fresh one", f"{result['behind']:,} of {result['screens']:,}"),
        (
            "CPU",
            f"server {r['server_cpu_pct']}% of one core, clients {r['client_cpu_pct']}%, "
            f"other {r['other_cpu_pct']}%, over {r['window_s']} s",
        ),  # fmt: skip
    ]
    for label, text in rows:
        print(f"{label:<42}{text}")
    return 0 if result["done"] and not result["behind"] else 1


def _verdict(d):
    if d["lost"] or d["p95"] is None:
        return "missed (lost posts)" if d["lost"] else "no data"
    return "met" if d["p95"] <= 150 and d["p99"] <= 300 else "missed"


if __name__ == "__main__":
    sys.exit(main())
