"""The door: many participants joining one inquiry at once through the real HTTP flow.

``python -m bench.joins`` starts a server (as ``bench.live`` does: Daphne with the flags of ``make run``,
a fresh database), creates an inquiry, and sends N participants through what a phone does after
scanning the QR code, with C of them in flight at once:

1. ``GET /i/<code>/join/``: the join page (the ``csrftoken`` cookie and the form's token, the sectors);
2. ``POST`` the form (sector, name, token): the participant page itself with the ``sessionid`` cookie,
   which must be the page with the live region. A server that answers with a redirect instead (before
   2026-11-30) is followed: 3. ``GET`` where it points, the participant page.

Each participant is one HTTP/1.1 keep-alive connection (a browser keeps its connection for the three
requests); a connection the server closes is opened again. Timed per step and per join (from the
first byte sent to the participant page read), plus the kernel's listen-queue counters
(``ListenOverflows``, ``ListenDrops`` in /proc/net/netstat: connections refused because the server's
accept queue was full) over the storm. ``bench.live`` uses the same client for its ``--join http`` rows,
so a run's sockets are those of participants who came in through the door.

The client is one asyncio loop (uvloop) of its own in the calling process: clients and server share the
box's cores, so the load generator must cost little (~0.1 ms of CPU a request).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import http.cookies
import math
import re
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import uvloop

HOST = "127.0.0.1"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SECTOR_RE = re.compile(r'<input[^>]*name="sector"[^>]*value="([^"]*)"')
LIVE_RE = re.compile(r'ws-connect="/ws/i/([A-Z0-9]+)/"')
STEPS = ("join_page", "post", "participant_page")


class HttpError(Exception):
    pass


@dataclass
class Joined:
    index: int
    base_url: str
    session_cookie: str | None = None
    error: str | None = None
    steps: dict = field(default_factory=dict)  # step -> seconds
    total: float | None = None


class Connection:
    """One keep-alive HTTP/1.1 connection: requests in turn, Content-Length or chunked bodies."""

    def __init__(self, port, timeout):
        self.port, self.timeout = port, timeout
        self.reader = self.writer = None

    async def _open(self):
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=2**20)

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, method, path, headers=(), body=b""):
        """(status, {lower-case header: [values]}, body bytes)."""
        async with asyncio.timeout(self.timeout):
            for attempt in (0, 1):
                fresh = self.writer is None
                if fresh:
                    await self._open()
                head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", *headers]
                if body:
                    head.append(f"Content-Length: {len(body)}")
                self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
                try:
                    return await self._response()
                except (asyncio.IncompleteReadError, ConnectionError):
                    # The server closed an idle keep-alive connection: once more on a new one.
                    self.close()
                    if fresh or attempt:
                        raise
        raise HttpError("unreachable")

    async def _response(self):
        status_line = await self.reader.readuntil(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"bad status line {status_line[:60]!r}")
        status = int(parts[1])
        raw = await self.reader.readuntil(b"\r\n\r\n")
        headers = {}
        for line in raw.decode("latin-1").split("\r\n"):
            if line:
                name, _, value = line.partition(":")
                headers.setdefault(name.strip().lower(), []).append(value.strip())
        if "chunked" in ",".join(headers.get("transfer-encoding", ())).lower():
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(chunks)
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"][0]))
        else:
            body = await self.reader.read()
            self.close()
        if "close" in ",".join(headers.get("connection", ())).lower():
            self.close()
        return status, headers, body


def cookies_of(headers):
    jar = http.cookies.SimpleCookie()
    for value in headers.get("set-cookie", ()):
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


async def join_one(index, base_url, code, timeout=60.0):
    """One participant through the door: join page, form, participant page."""
    port = urllib.parse.urlsplit(base_url).port
    join_path = f"/i/{code}/join/"
    conn = Connection(port, timeout)
    joined = Joined(index, base_url)
    cookies = {}
    started = time.perf_counter()
    step = "join_page"
    try:
        t = time.perf_counter()
        status, headers, body = await conn.request("GET", join_path, ["Accept: text/html"])
        joined.steps[step] = time.perf_counter() - t
        if status != 200:
            raise HttpError(f"HTTP {status}")
        cookies.update(cookies_of(headers))
        text = body.decode("utf-8", "replace")
        token, sectors = CSRF_RE.search(text), SECTOR_RE.findall(text)
        if "csrftoken" not in cookies or not token or not sectors:
            raise HttpError("no csrftoken cookie, form token or sector")

        step = "post"
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": html.unescape(token.group(1)),
                "display_name": f"bench {index}",
                "sector": html.unescape(sectors[index % len(sectors)]),
            }
        ).encode()
        t = time.perf_counter()
        status, headers, body = await conn.request(
            "POST",
            join_path,
            [
                "Accept: text/html",
                "Content-Type: application/x-www-form-urlencoded",
                f"Cookie: csrftoken={cookies['csrftoken']}",
                f"Origin: {base_url}",
                f"Referer: {base_url}{join_path}",
            ],
            form,
        )
        joined.steps[step] = time.perf_counter() - t
        cookies.update(cookies_of(headers))
        if "sessionid" not in cookies or status not in (200, 302, 303):
            raise HttpError(f"HTTP {status}" + ("" if "sessionid" in cookies else ", no sessionid cookie"))
        if status != 200:  # a server that redirects to the participant page (before 2026-11-30)
            step = "participant_page"
            location = urllib.parse.urlsplit(headers.get("location", [""])[0]).path
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
            t = time.perf_counter()
            status, headers, body = await conn.request(
                "GET", location, ["Accept: text/html", f"Cookie: {cookie}"]
            )
            joined.steps[step] = time.perf_counter() - t
            if status != 200:
                raise HttpError(f"HTTP {status}")
        page = LIVE_RE.search(body.decode("utf-8", "replace"))
        if not page or page.group(1) != code:
            raise HttpError("not the participant page")
        joined.total = time.perf_counter() - started
        joined.session_cookie = f"sessionid={cookies['sessionid']}"
    except (OSError, TimeoutError, asyncio.IncompleteReadError, HttpError, ValueError) as exc:
        joined.error = f"{step}: {type(exc).__name__}: {exc}"[:200]
    finally:
        conn.close()
    return joined


def listen_counters():
    """The kernel's ListenOverflows and ListenDrops (TcpExt, /proc/net/netstat), or None."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], map(int, values.split()[1:]), strict=False))
            return {"overflows": table.get("ListenOverflows", 0), "drops": table.get("ListenDrops", 0)}
    return None


async def storm(base_urls, code, n, concurrency, timeout=60.0):
    """N joins, ``concurrency`` in flight, spread round-robin over the servers: (results, seconds)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(index):
        async with gate:
            return await join_one(index, base_urls[index % len(base_urls)], code, timeout)

    started = time.perf_counter()
    results = await asyncio.gather(*(one(i) for i in range(n)))
    return results, time.perf_counter() - started


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[max(1, math.ceil(q / 100 * len(values))) - 1]


def summary(results, seconds, before, after, concurrency):
    """The join figures a run reports (times in ms)."""
    done = [j for j in results if not j.error]

    def dist(values):
        return {
            q: (round(1000 * v, 1) if v is not None else None)
            for q, v in (
                ("p50", percentile(values, 50)),
                ("p95", percentile(values, 95)),
                ("max", percentile(values, 100)),
            )
        }

    listen = None
    if before is not None and after is not None:
        listen = {k: after[k] - before[k] for k in before}
    errors = {}
    for j in results:
        if j.error:
            errors[j.error] = errors.get(j.error, 0) + 1
    return {
        "mode": f"http (the real door: join page, POST with CSRF answered by the participant page; "
        f"{concurrency} in flight)",
        "requested": len(results),
        "joined": len(done),
        "errors": len(results) - len(done),
        "error_samples": sorted(errors, key=errors.get, reverse=True)[:3],
        "seconds": round(seconds, 2),
        "per_s": round(len(done) / seconds, 1) if seconds else None,
        "concurrency": concurrency,
        "join_ms": dist([j.total for j in done]),
        "steps_ms": {
            s: dist([j.steps[s] for j in results if s in j.steps]) for s in STEPS if seen(results, s)
        },
        "listen": listen,
    }


def seen(results, step):
    return any(step in j.steps for j in results)


def run_storm(base_urls, code, n, concurrency, timeout=60.0):
    """Run a storm on a fresh uvloop loop: (joined list, summary)."""
    before = listen_counters()
    results, seconds = uvloop.run(storm(base_urls, code, n, concurrency, timeout))
    after = listen_counters()
    return results, summary(results, seconds, before, after, concurrency)


def cpu_ms_per_join(s, window):
    """The server's CPU per participant joined, in ms: what a busy box inflates least."""
    if not window or window.get("server_cpu_pct") is None or not s["joined"]:
        return None
    return round(10 * window["server_cpu_pct"] * window["window_s"] / s["joined"], 2)


def render(s, server_cpu=None, load=None):
    steps = "; ".join(
        f"{name.replace('_', ' ')} p50 {d['p50']} / p95 {d['p95']} ms" for name, d in s["steps_ms"].items()
    )
    listen = s["listen"] or {}
    lines = [
        f"{'Join storm':<22}{s['joined']:,}/{s['requested']:,} joined in {s['seconds']:.1f} s "
        f"({s['per_s']}/s), {s['concurrency']} in flight, {s['errors']} failures; listen overflows "
        f"{listen.get('overflows', '?')}, drops {listen.get('drops', '?')}",
        f"{'  per join (ms)':<22}p50 {s['join_ms']['p50']}, p95 {s['join_ms']['p95']}, "
        f"max {s['join_ms']['max']}",
        f"{'  per step':<22}{steps}",
    ]
    if server_cpu is not None:
        lines.append(f"{'  CPU':<22}{server_cpu}" + (f"; load {load}" if load else ""))
    if s["error_samples"]:
        lines.append(f"{'  failures':<22}" + " | ".join(s["error_samples"]))
    return "\n".join(lines)


def start_profiler(pid, path):
    """py-spy sampling the server ``pid`` (all threads, idle ones left out) into ``path``: collapsed
    stacks (``--format raw``; flamegraph tools read them), until ``stop_profiler``."""
    import shutil
    import subprocess

    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--gil", "--output", path],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_profiler(spy):
    import signal

    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(timeout=30)
    except Exception:  # noqa: BLE001
        spy.kill()


def main(argv=None):
    from bench.live import measure, servers

    p = argparse.ArgumentParser(prog="python -m bench.joins", description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=1000, help="participants joining (1,000)")
    p.add_argument("--concurrency", type=int, default=200, help="joins in flight at once (200)")
    p.add_argument("--server-processes", type=int, default=1)
    p.add_argument("--postgres", default="", help="PostgreSQL server URL (or auto), as in bench.live")
    p.add_argument("--url", help="a server already running on 127.0.0.1 (with --code)")
    p.add_argument("--code", help="with --url: the inquiry to join")
    p.add_argument("--keep-server-log", action="store_true")
    p.add_argument(
        "--stock", action="store_true", help="Django's ASGI handler (HTTP_THREADS=0), Daphne's backlog (50)"
    )
    p.add_argument(
        "--profile", metavar="FILE", help="py-spy record the (first) server into FILE (speedscope)"
    )
    a = p.parse_args(argv)
    if a.url:
        server = servers.ExternalServer(a.url)
    else:
        server = servers.EmbeddedServer(
            a.server_processes,
            "hub",
            a.keep_server_log,
            postgres=servers.resolve_postgres(a.postgres),
            stock=a.stock,
        )
    measure.raise_open_file_limit(a.concurrency + 512)
    spy = None
    try:
        server.start()
        code = a.code or servers.setup_inquiry(server.env())[0]
        probe = measure.Probe(server.pids) if server.pids else None
        if a.profile and server.pids:
            spy = start_profiler(server.pids[0], a.profile)
        if probe:
            probe.mark()
        _, s = run_storm(server.base_urls, code, a.clients, a.concurrency)
        window = probe.read() if probe else {}
        cpu = None
        if window:
            cpu = (
                f"server {window['server_cpu_pct']}% of one core ({cpu_ms_per_join(s, window)} ms of CPU a "
                f"join), client {window['client_cpu_pct']}%, other {window['other_cpu_pct']}%"
            )
        print(render(s, cpu, window.get("load_avg_1m")))
    finally:
        if spy is not None:
            stop_profiler(spy)
        server.stop()
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
