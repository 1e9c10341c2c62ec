"""Load benchmark of the live session: ``python -m bench.live``.

N participants join one inquiry through the real join flow (HTTP, CSRF, session cookie), open the
websocket their page would open, and a round-robin subset of them post cards at a fixed rate. Every
client reads every frame it is sent; a card's text carries a unique token, so the time each client first
sees each post is known. The script reports post-to-visible latency ("post -> every client" and
"post -> each client"), delivered/expected, connection and server errors, and checks at the end that each
client saw every post the server stored.

By default it serves the embedded default itself (Daphne, SQLite in a temp dir, in-memory channel layer)
on 127.0.0.1 and a free port, and stops it at the end; ``--url`` points it at a server already running
on 127.0.0.1 instead. It never talks to any other host. Every phase has a time limit: it stops by itself.

Layout, so it can grow (multi-process clients, CPU/RSS, Redis + several server processes):
``Config`` (arguments) -> ``EmbeddedServer`` / ``ExternalServer`` (a server and its logs) ->
``create_inquiry`` + ``join_all`` (HTTP) -> ``LoadRun`` (websockets: connect, post, read, drain) ->
``summarise`` (figures) -> ``render_table`` / JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import http.client
import http.cookies
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
VENV_BIN = Path(sys.executable).parent

# A post's token: its client id's 32 hex digits spelt in the letters a-p. Letters only, so that the
# safeguarding check (NHS numbers, phone numbers, dates...) never holds a benchmark post back.
TOKEN_RE = re.compile(r"bench ([a-p]{32})")
HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def token_of(client_id):
    return str(client_id).replace("-", "").lower().translate(HEX_TO_LETTERS)


ACK_RE = re.compile(r'data-ack="([0-9a-fA-F-]{36})"')
ERROR_RE = re.compile(r'class="error" data-code="([^"]*)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SECTOR_RE = re.compile(r'<input[^>]*name="sector"[^>]*value="([^"]*)"')
# Lines of the server log worth counting (case-insensitive substrings).
LOG_PATTERNS = {"database_locked": "database is locked", "tracebacks": "traceback (most recent call last)"}


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Configuration --------------------------------------------------------------------------------------------


@dataclass
class Config:
    clients: int = 100
    rate: float = 10.0
    seconds: float = 10.0
    url: str | None = None
    code: str | None = None
    server_processes: int = 1
    posters: int = 0  # 0: every client, round-robin
    join_concurrency: int = 20
    connect_concurrency: int = 50
    drain: float = 30.0
    connect_timeout: float = 30.0
    json: bool = False
    keep_server_log: bool = False

    @property
    def posts(self):
        return int(round(self.rate * self.seconds))


def parse_args(argv=None) -> Config:
    p = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=100, help="websocket clients (participants), default 100")
    p.add_argument("--rate", type=float, default=10.0, help="posts per second, default 10")
    p.add_argument("--seconds", type=float, default=10.0, help="how long to post for, default 10")
    p.add_argument("--url", help="base URL of a server already running on 127.0.0.1 (default: start one)")
    p.add_argument("--code", help="with --url: use this inquiry instead of creating one through manage.py")
    p.add_argument(
        "--server-processes",
        type=int,
        default=1,
        help="Daphne processes to start (default 1; more than 1 needs REDIS_URL on 127.0.0.1)",
    )
    p.add_argument("--posters", type=int, default=0, help="how many clients take turns posting (default all)")
    p.add_argument("--join-concurrency", type=int, default=20)
    p.add_argument("--connect-concurrency", type=int, default=50)
    p.add_argument(
        "--drain",
        type=float,
        default=30.0,
        help="seconds to wait after the last post for deliveries still on their way (default 30)",
    )
    p.add_argument("--connect-timeout", type=float, default=30.0)
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    p.add_argument("--keep-server-log", action="store_true", help="keep the embedded server's temp dir")
    a = p.parse_args(argv)
    config = Config(**{k: v for k, v in vars(a).items()})
    if config.clients < 1 or config.rate <= 0 or config.seconds <= 0 or config.server_processes < 1:
        p.error("--clients, --rate, --seconds and --server-processes must be positive")
    if config.posts < 1:
        p.error("--rate x --seconds must make at least one post")
    if config.url:
        parsed = urllib.parse.urlsplit(config.url)
        if parsed.scheme != "http" or parsed.hostname != HOST or not parsed.port:
            p.error(f"--url must be http://{HOST}:PORT (this benchmark only talks to {HOST})")
        if config.server_processes != 1:
            p.error("--server-processes applies to the server this script starts, not to --url")
        config.url = f"http://{HOST}:{parsed.port}"
    elif config.code:
        p.error("--code only makes sense with --url")
    if config.server_processes > 1 and not config.url:
        redis = os.environ.get("REDIS_URL", "")
        if not redis or urllib.parse.urlsplit(redis).hostname != HOST:
            p.error(
                "--server-processes > 1 needs REDIS_URL=redis://127.0.0.1:PORT/N (the in-memory channel "
                "layer cannot span processes)"
            )
    return config


def raise_open_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(needed, soft)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    if soft < needed:
        log(f"warning: open-file limit {soft} is below the ~{needed} this run needs")
    return soft


# Servers --------------------------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_get_status(port, path="/", timeout=2.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def log_sizes(paths):
    return [Path(path).stat().st_size if Path(path).exists() else 0 for path in paths]


def count_log(paths, marks=None):
    """Count LOG_PATTERNS lines; with ``marks`` (byte offsets, one a file), lines past them are counted
    apart as "after": what the server logged while the benchmark closed its sockets."""
    counts = dict.fromkeys(LOG_PATTERNS, 0) | {f"{k}_after": 0 for k in LOG_PATTERNS}
    for index, path in enumerate(paths):
        try:
            data = Path(path).read_bytes()
        except OSError:
            continue
        mark = marks[index] if marks else len(data)
        for suffix, chunk in (("", data[:mark]), ("_after", data[mark:])):
            for line in chunk.decode("utf-8", "replace").lower().splitlines():
                for key, needle in LOG_PATTERNS.items():
                    if needle in line:
                        counts[key + suffix] += 1
    return counts


def manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class ExternalServer:
    """A server someone else runs; the benchmark neither starts nor stops it, nor reads its log."""

    kind = "external (--url)"

    def __init__(self, url):
        self.base_urls = [url]
        self.pids = []
        self.log_paths = []

    def env(self):
        env = dict(os.environ)
        if not env.get("SECRET_KEY") and (ROOT / "var" / "secret-key").exists():
            env["SECRET_KEY"] = (ROOT / "var" / "secret-key").read_text().strip()
        return env

    def start(self):
        port = urllib.parse.urlsplit(self.base_urls[0]).port
        status = http_get_status(port)
        log(f"server at {self.base_urls[0]} answers {status}")

    def stop(self):
        pass

    def mark_log(self):
        pass

    def log_counts(self):
        return None


class EmbeddedServer:
    """Daphne processes serving a fresh database in a temp dir: the embedded default (SQLite, in-memory
    channel layer) with one process, or SQLite + REDIS_URL with several."""

    def __init__(self, processes, keep=False):
        self.processes = processes
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix="linewalk-bench-"))
        self.ports = [free_port() for _ in range(processes)]
        self.base_urls = [f"http://{HOST}:{port}" for port in self.ports]
        self.log_paths = [self.tmp / f"server-{i}.log" for i in range(processes)]
        self.procs = []
        self._env = self._build_env()

    @property
    def kind(self):
        if self.processes == 1:
            return "embedded default (SQLite WAL + in-memory layer), 1 Daphne process"
        return f"SQLite WAL + Redis layer, {self.processes} Daphne processes"

    @property
    def pids(self):
        return [p.pid for p in self.procs]

    def _build_env(self):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "ALLOWED_HOSTS")}
        if self.processes == 1:
            env.pop("REDIS_URL", None)
        else:
            env["REDIS_PREFIX"] = f"linewalk-bench-{secrets.token_hex(4)}"
        env.update(
            DJANGO_SETTINGS_MODULE="settings",
            SECRET_KEY=secrets.token_urlsafe(50),
            SQLITE_PATH=str(self.tmp / "bench.sqlite3"),
            PYTHONUNBUFFERED="1",
        )
        return env

    def env(self):
        return dict(self._env)

    def start(self):
        log(f"migrating a fresh database in {self.tmp}")
        done = manage(self._env, "migrate", "--noinput", timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{done.stdout}\n{done.stderr}")
        daphne = str(VENV_BIN / "daphne") if (VENV_BIN / "daphne").exists() else shutil.which("daphne")
        for port, log_path in zip(self.ports, self.log_paths, strict=True):
            out = open(log_path, "wb")  # noqa: SIM115 - kept open for the server's lifetime
            self.procs.append(
                subprocess.Popen(
                    [daphne, "-b", HOST, "-p", str(port), "--websocket_timeout", "86400", "asgi:application"],
                    cwd=ROOT,
                    env=self._env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            out.close()
        deadline = time.monotonic() + 60
        for proc, port in zip(self.procs, self.ports, strict=True):
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"Daphne exited with {proc.returncode}; see {self.tmp}")
                try:
                    if http_get_status(port) == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Daphne on port {port} did not answer within 60 s")
                time.sleep(0.2)
        log(f"serving on {', '.join(self.base_urls)} (pids {', '.join(map(str, self.pids))})")

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def mark_log(self):
        self.log_marks = log_sizes(self.log_paths)

    def log_counts(self):
        return count_log(self.log_paths, getattr(self, "log_marks", None))

    def cleanup(self):
        if self.keep:
            log(f"server logs and database kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# Setup over Django and HTTP -------------------------------------------------------------------------------

SETUP_SNIPPET = """
from django.contrib.auth import get_user_model
from inquiry.actions import create_inquiry
user, _ = get_user_model().objects.get_or_create(username="bench-facilitator")
inquiry = create_inquiry(user, title="Load benchmark", question="What does load look like?", rounds=[],
                         sectors=["Health", "Housing", "Education"], show_names=False)
print("BENCH_CODE=" + inquiry.code)
"""


def create_inquiry(env):
    """A facilitator and an inquiry with one open round, made with the ORM in the server's environment."""
    done = manage(env, "shell", "-c", SETUP_SNIPPET, timeout=120)
    found = re.search(r"BENCH_CODE=(\S+)", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"creating the inquiry failed:\n{done.stdout}\n{done.stderr}")
    return found.group(1)


@dataclass
class Joined:
    index: int
    base_url: str
    session_cookie: str | None = None
    error: str | None = None


def _cookies(response):
    jar = http.cookies.SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def join_one(index, base_url, code, timeout=30.0):
    """GET the join page (csrftoken cookie + form token), POST the form, keep the sessionid cookie."""
    port = urllib.parse.urlsplit(base_url).port
    path = f"/i/{code}/join/"
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        if response.status != 200:
            return Joined(index, base_url, error=f"GET join: HTTP {response.status}")
        csrf_cookie = _cookies(response).get("csrftoken")
        token, sectors = CSRF_RE.search(body), SECTOR_RE.findall(body)
        if not csrf_cookie or not token or not sectors:
            return Joined(index, base_url, error="GET join: no csrftoken cookie, form token or sector")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": html.unescape(token.group(1)),
                "display_name": f"bench {index}",
                "sector": html.unescape(sectors[index % len(sectors)]),
            }
        )
        conn.request(
            "POST",
            path,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
                "Origin": base_url,
                "Referer": base_url + path,
            },
        )
        response = conn.getresponse()
        response.read()
        session = _cookies(response).get("sessionid")
        if response.status != 302 or not session:
            return Joined(index, base_url, error=f"POST join: HTTP {response.status}")
        return Joined(index, base_url, session_cookie=f"sessionid={session}")
    except (OSError, http.client.HTTPException) as exc:
        return Joined(index, base_url, error=f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def join_all(base_urls, code, n, concurrency, limit):
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(join_one, i, base_urls[i % len(base_urls)], code) for i in range(n)]
        results = []
        for future in futures:
            remaining = max(0.1, limit - (time.monotonic() - started))
            try:
                results.append(future.result(timeout=remaining))
            except TimeoutError:
                results.append(Joined(len(results), "", error="join phase time limit"))
        for future in futures:
            future.cancel()
    return results, time.monotonic() - started


# The websocket run ----------------------------------------------------------------------------------------


@dataclass
class Post:
    token: str
    client: int
    slip: float  # seconds the send ran behind its schedule (client-side lag)
    sent_at: float  # perf_counter
    acked_at: float | None = None
    send_error: str | None = None


@dataclass
class Client:
    index: int
    joined: Joined
    ws: object = None
    connect_error: str | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    seen: dict = field(default_factory=dict)  # token -> perf_counter of the first frame carrying it
    frames: int = 0
    errors: list = field(default_factory=list)
    closed: str | None = None  # why the socket closed before the end, if it did

    @property
    def open(self):
        return self.ws is not None and self.closed is None


class LoadRun:
    """Connect every client, post at the configured rate, read every frame, drain, check, close."""

    def __init__(self, config, code, joined):
        self.config = config
        self.code = code
        self.clients = [Client(j.index, j) for j in joined]
        self.posts: dict[str, Post] = {}
        self.readers = []
        self.lag = []  # event-loop lag samples of this (client) process, seconds
        self.timings = {}

    def ws_url(self, base_url):
        return base_url.replace("http://", "ws://", 1) + f"/ws/i/{self.code}/"

    async def _open(self, base_url, cookie):
        from websockets.asyncio.client import connect

        return await connect(
            self.ws_url(base_url),
            origin=base_url,
            additional_headers={"Cookie": cookie},
            open_timeout=self.config.connect_timeout,
            ping_interval=None,
            close_timeout=2,
            max_size=2**24,
            max_queue=None,
        )

    async def _connect(self, client, gate):
        if client.joined.error:
            client.connect_error = f"not joined: {client.joined.error}"
            return
        async with gate:
            try:
                client.ws = await self._open(client.joined.base_url, client.joined.session_cookie)
            except Exception as exc:  # noqa: BLE001 - any failure is a connect error to count
                client.connect_error = f"{type(exc).__name__}: {exc}"[:200]
                return
        self.readers.append(asyncio.create_task(self._read(client)))

    async def _read(self, client):
        from websockets.exceptions import ConnectionClosed

        posts, clock = self.posts, time.perf_counter
        try:
            async for message in client.ws:
                now = clock()
                if isinstance(message, bytes):
                    continue
                client.frames += 1
                for token in TOKEN_RE.findall(message):
                    if token in posts and token not in client.seen:
                        client.seen[token] = now
                if 'data-ack="' in message:
                    for ack in ACK_RE.findall(message):
                        post = posts.get(token_of(ack))
                        if post is not None and post.acked_at is None:
                            post.acked_at = now
                if 'class="error"' in message:
                    client.errors.append(
                        ERROR_RE.search(message).group(1) if ERROR_RE.search(message) else "?"
                    )
                client.ready.set()
            client.closed = f"closed by server: {client.ws.close_code}"
        except ConnectionClosed as exc:
            client.closed = f"connection closed: {exc}"[:200]
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            client.closed = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            client.ready.set()

    async def _lag_monitor(self, stop):
        interval = 0.02
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(interval)
            self.lag.append(max(0.0, time.perf_counter() - before - interval))

    async def _post_loop(self, t0):
        config = self.config
        posters = [c for c in self.clients if c.open]
        if config.posters:
            posters = posters[: config.posters]
        if not posters:
            return
        loop = asyncio.get_running_loop()
        for k in range(config.posts):
            due = t0 + k / config.rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            client = posters[k % len(posters)]
            for step in range(len(posters)):  # skip posters whose socket has closed
                if client.open:
                    break
                client = posters[(k + step + 1) % len(posters)]
            uid = uuid.uuid4()
            token = token_of(uid)
            message = json.dumps(
                {
                    "type": "card",
                    "op": "add",
                    "client_id": str(uid),
                    "text": f"bench {token} post {k} from client {client.index}",
                }
            )
            post = Post(token, client.index, max(0.0, loop.time() - due), time.perf_counter())
            self.posts[token] = post
            try:
                await asyncio.wait_for(client.ws.send(message), timeout=5)
            except Exception as exc:  # noqa: BLE001
                post.send_error = f"{type(exc).__name__}: {exc}"[:200]

    def _all_delivered(self):
        sent = [p for p in self.posts.values() if p.send_error is None]
        if any(p.acked_at is None for p in sent):
            return False
        acked = len(sent)
        return all(len(c.seen) >= acked for c in self.clients if c.open)

    async def _fresh_screen_tokens(self, limit=60.0):
        """The posts a screen connecting now is shown (its snapshot), or None if it takes over ``limit``."""
        first = next((c for c in self.clients if c.joined.session_cookie), None)
        if first is None:
            return None
        try:
            async with asyncio.timeout(limit):
                ws = await self._open(first.joined.base_url, first.joined.session_cookie)
                try:
                    frame = await ws.recv()
                finally:
                    await ws.close()
        except Exception as exc:  # noqa: BLE001
            log(f"fresh screen's snapshot failed: {type(exc).__name__}: {exc}")
            return None
        return {t for t in TOKEN_RE.findall(frame) if t in self.posts}

    async def run(self, cpu_probe, mark_log=lambda: None):
        config = self.config
        stop = asyncio.Event()
        monitor = asyncio.create_task(self._lag_monitor(stop))
        try:
            # 1. Connect, at most connect_concurrency at a time; wait for each first frame (the snapshot).
            started = time.monotonic()
            gate = asyncio.Semaphore(config.connect_concurrency)
            connect_limit = config.connect_timeout + 0.2 * len(self.clients) + 30
            try:
                async with asyncio.timeout(connect_limit):
                    await asyncio.gather(*(self._connect(c, gate) for c in self.clients))
                    await asyncio.gather(*(c.ready.wait() for c in self.clients if c.ws is not None))
            except TimeoutError:
                log(f"connect phase hit its {connect_limit:.0f} s limit")
                for c in self.clients:
                    if c.ws is None and c.connect_error is None:
                        c.connect_error = "connect phase time limit"
            self.timings["connect_s"] = time.monotonic() - started
            self.connected_at_start = [c for c in self.clients if c.open]
            log(
                f"{len(self.connected_at_start)}/{len(self.clients)} sockets open "
                f"in {self.timings['connect_s']:.1f} s"
            )
            self.lag.clear()

            # 2. Post for config.seconds (bounded by its own limit), then drain.
            cpu_probe.mark()
            loop = asyncio.get_running_loop()
            t0 = loop.time() + 0.2
            wall0 = time.perf_counter()
            try:
                async with asyncio.timeout(config.seconds + 30):
                    await self._post_loop(t0)
            except TimeoutError:
                log("posting hit its time limit")
            self.timings["posting_s"] = time.perf_counter() - wall0
            log(f"{len(self.posts)} posts sent in {self.timings['posting_s']:.1f} s; draining")
            drain_start = time.perf_counter()
            while time.perf_counter() - drain_start < config.drain and not self._all_delivered():
                await asyncio.sleep(0.05)
            self.timings["drain_s"] = time.perf_counter() - drain_start
            self.timings["complete"] = self._all_delivered()
            self.server_cpu = cpu_probe.read()
            mark_log()
            self.client_lag = list(self.lag)

            # 3. What the server stored, and who is still connected.
            self.held_at_end = sum(1 for c in self.clients if c.open)
            self.fresh_screen = await self._fresh_screen_tokens()
        finally:
            stop.set()
            monitor.cancel()
            for task in self.readers:
                task.cancel()
            await asyncio.gather(monitor, *self.readers, return_exceptions=True)
            await self._close_all()
        return self

    async def _close_all(self):
        async def close(client):
            try:
                await asyncio.wait_for(client.ws.close(), timeout=3)
            except Exception:  # noqa: BLE001,S110 - closing is best effort
                pass

        sockets = [c for c in self.clients if c.ws is not None]
        for start in range(0, len(sockets), 200):
            await asyncio.gather(*(close(c) for c in sockets[start : start + 200]))


def box_busy_seconds():
    """CPU seconds the whole box has been busy (all cores, all processes), from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuProbe:
    """CPU used in a window by the server processes (when this script started them), by this process, and
    by everything else on the box (other work on a shared machine skews the figures: it is reported)."""

    def __init__(self, pids):
        try:
            import psutil

            self.procs = [psutil.Process(pid) for pid in pids]
        except Exception:  # noqa: BLE001 - no psutil, or the process is gone
            self.procs = []
        self.start = None

    def _sample(self):
        server = 0.0
        for proc in self.procs:
            try:
                times = proc.cpu_times()
                server += times.user + times.system
            except Exception:  # noqa: BLE001
                pass
        return time.perf_counter(), server, time.process_time(), box_busy_seconds()

    def mark(self):
        self.start = self._sample()

    def read(self):
        wall, server, client, box = self._sample()
        wall0, server0, client0, box0 = self.start
        elapsed = max(wall - wall0, 1e-9)
        rss = 0
        for proc in self.procs:
            try:
                rss += proc.memory_info().rss
            except Exception:  # noqa: BLE001
                pass
        return {
            "window_s": round(elapsed, 2),
            "server_cpu_pct": round(100 * (server - server0) / elapsed, 1) if self.procs else None,
            "server_rss_mb": round(rss / 2**20, 1) if self.procs else None,
            "client_cpu_pct": round(100 * (client - client0) / elapsed, 1),
            "other_cpu_pct": (
                round(100 * ((box - box0) - (server - server0) - (client - client0)) / elapsed, 1)
                if box is not None and box0 is not None and self.procs
                else None
            ),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }


# Figures --------------------------------------------------------------------------------------------------


def percentile(sorted_values, q):
    """Nearest-rank percentile; values may end in +inf (never delivered)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def dist(values):
    """p50/p95/p99/max of latencies in seconds; +inf (never delivered) is reported as "lost"."""
    values = sorted(values)
    out = {f"p{q}": percentile(values, q) for q in (50, 95, 99)}
    out["max"] = values[-1] if values else None
    lost_keys = [k for k, v in out.items() if v is not None and math.isinf(v)]
    out = {k: (None if k in lost_keys else v) for k, v in out.items()}
    return {**out, "n": len(values), "lost": sum(1 for v in values if math.isinf(v)), "lost_keys": lost_keys}


def machine():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cores": cores,
        "cpu": model,
        "python": platform.python_version(),
        "os": platform.platform(),
        "layout": "clients and server on the same box",
    }


STORED_SNIPPET = """
from board.models import Card
for card in Card.objects.filter(inquiry__code=%r, text__startswith="bench "):
    print("BENCH_TOKEN=" + card.text.split()[1], int(getattr(card, "public", True)))
"""


def stored_in_db(env, code, posts):
    """The benchmark's posts stored in the database and, of those, the ones public on every participant's
    board (a post can be held back, e.g. by pre-moderation), read with the ORM in the server's environment.
    Returns (stored, public) token sets, or None."""
    try:
        done = manage(env, "shell", "-c", STORED_SNIPPET % code, timeout=120)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        log(f"reading the stored posts failed: {done.stderr.strip()[-300:]}")
        return None
    found = re.findall(r"BENCH_TOKEN=([a-p]{32}) ([01])", done.stdout)
    return {t for t, _ in found if t in posts}, {t for t, public in found if t in posts and public == "1"}


def summarise(config, server, code, joined, join_s, run, log_counts, stored_db=None):
    n = config.clients
    posts = list(run.posts.values())
    acked = [p for p in posts if p.acked_at is not None]
    connected = run.connected_at_start
    per_client, to_all, to_ack = [], [], []
    for post in acked:
        to_ack.append(post.acked_at - post.sent_at)
        worst = 0.0
        for client in connected:
            seen = client.seen.get(post.token)
            latency = (seen - post.sent_at) if seen is not None else math.inf
            per_client.append(latency)
            worst = max(worst, latency)
        to_all.append(worst if connected else math.inf)
    delivered = sum(1 for post in acked for c in run.clients if post.token in c.seen)
    stored_all, stored = stored_db if stored_db is not None else (None, run.fresh_screen)
    errors = [e for c in run.clients for e in c.errors]
    error_codes = {}
    for e in errors:
        error_codes[e] = error_codes.get(e, 0) + 1
    closed_early = [c.closed for c in connected if c.closed]
    lag = sorted(run.client_lag)
    final_ok = None
    if stored is not None:
        final_ok = sum(1 for c in run.clients if c.ws is not None and len(c.seen) == len(stored))
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "config": {
            "clients": n,
            "rate_per_s": config.rate,
            "seconds": config.seconds,
            "posts": config.posts,
            "posters": config.posters or min(n, config.posts),
            "server": server.kind,
            "live_fanout": os.environ.get("LIVE_FANOUT") or "server default",
            "server_processes": len(server.base_urls),
            "url": server.base_urls,
            "inquiry": code,
            "drain_limit_s": config.drain,
        },
        "machine": machine(),
        "setup": {
            "joined": sum(1 for j in joined if not j.error),
            "join_errors": sum(1 for j in joined if j.error),
            "join_s": round(join_s, 2),
            "join_error_samples": sorted({j.error for j in joined if j.error})[:3],
            "connect_s": round(run.timings["connect_s"], 2),
        },
        "connections": {
            "requested": n,
            "opened": len(connected),
            "connect_errors": sum(1 for c in run.clients if c.connect_error),
            "connect_error_samples": sorted({c.connect_error for c in run.clients if c.connect_error})[:3],
            "closed_during_run": len(closed_early),
            "closed_samples": sorted(set(closed_early))[:3],
            "held_at_end": run.held_at_end,
        },
        "posts": {
            "sent": sum(1 for p in posts if p.send_error is None),
            "send_errors": sum(1 for p in posts if p.send_error),
            "acked": len(acked),
            "stored": len(stored_all) if stored_all is not None else None,
            "public": len(stored) if stored is not None else None,
            "stored_source": "database" if stored_db is not None else "fresh screen",
            "fresh_screen_shows": len(run.fresh_screen) if run.fresh_screen is not None else None,
            "posting_s": round(run.timings["posting_s"], 2),
            "max_schedule_slip_ms": _r(max((p.slip for p in posts), default=0.0)),
        },
        "latency_ms": {
            "post_to_ack": _ms(dist(to_ack)),
            "post_to_all_clients": _ms(dist(to_all)),
            "post_to_each_client": _ms(dist(per_client)),
            "post_to_each_client_delivered_only": _ms(dist([v for v in per_client if not math.isinf(v)])),
        },
        "delivery": {
            "delivered": delivered,
            "expected": len(acked) * n,
            "ratio": round(delivered / (len(acked) * n), 6) if acked else None,
            "drain_s": round(run.timings["drain_s"], 2),
            "complete_before_drain_limit": run.timings["complete"],
            "frames_received": sum(c.frames for c in run.clients),
        },
        "errors": {"server_error_frames": len(errors), "error_codes": error_codes, "server_log": log_counts},
        "final_check": {
            "clients_with_all_stored_posts": final_ok,
            "clients_checked": len([c for c in run.clients if c.ws is not None]),
            "stored": len(stored) if stored is not None else None,
        },
        "resources": {
            **run.server_cpu,
            "client_loop_lag_ms": {
                "p50": _r(percentile(lag, 50)),
                "p99": _r(percentile(lag, 99)),
                "max": _r(lag[-1] if lag else None),
            },
        },
    }


def _r(seconds):
    return None if seconds is None else round(1000 * seconds, 1)


def _ms(d):
    return {k: (_r(v) if k in ("p50", "p95", "p99", "max") else v) for k, v in d.items()}


def _fmt_ms(d, key):
    if key in d.get("lost_keys", []):
        return "lost"
    value = d.get(key)
    return "-" if value is None else f"{value:,.1f}"


def render_table(r):
    c, m, lat, dl = r["config"], r["machine"], r["latency_ms"], r["delivery"]
    cn, po, er, fc, rs = r["connections"], r["posts"], r["errors"], r["final_check"], r["resources"]
    logc = er["server_log"]
    rows = [
        ("Date", r["date"]),
        ("Clients (N)", f"{c['clients']:,}"),
        (
            "Rate / duration",
            f"{c['rate_per_s']:g} posts/s for {c['seconds']:g} s "
            f"({c['posts']} posts, {c['posters']} posting clients)",
        ),
        ("Server", f"{c['server']}; LIVE_FANOUT={c.get('live_fanout', '?')}"),
        ("Machine", f"{m['cores']} cores ({m['cpu'] or 'cpu unknown'}), Python {m['python']}; {m['layout']}"),
        (
            "Join (HTTP)",
            f"{r['setup']['joined']:,} joined, {r['setup']['join_errors']} errors, "
            f"{r['setup']['join_s']:.1f} s",
        ),
        (
            "Connections",
            f"{cn['opened']:,}/{cn['requested']:,} opened in {r['setup']['connect_s']:.1f} s, "
            f"{cn['connect_errors']} connect errors, {cn['closed_during_run']} closed during run, "
            f"{cn['held_at_end']:,} held at end",
        ),
        (
            "Posts",
            f"{po['sent']} sent, {po['acked']} acked, "
            f"{'?' if po['stored'] is None else po['stored']} stored "
            f"({po.get('public')} public on the board), "
            f"{po['send_errors']} send errors; "
            f"a screen connecting after the run shows "
            f"{'? (timed out)' if po['fresh_screen_shows'] is None else po['fresh_screen_shows']}",
        ),
    ]
    lines = [f"{k:<22}{v}" for k, v in rows]
    lines.append("")
    lines.append(
        f"{'Latency (ms)':<22}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}{'samples':>10}{'lost':>8}"
    )
    for label, key in (
        ("post -> ack (sender)", "post_to_ack"),
        ("post -> all clients", "post_to_all_clients"),
        ("post -> each client", "post_to_each_client"),
        ("  (delivered only)", "post_to_each_client_delivered_only"),
    ):
        d = lat[key]
        lines.append(
            f"{label:<22}"
            + "".join(f"{_fmt_ms(d, q):>10}" for q in ("p50", "p95", "p99", "max"))
            + f"{d['n']:>10,}{d['lost']:>8,}"
        )
    lines.append("")
    ratio = "-" if dl["ratio"] is None else f"{100 * dl['ratio']:.2f}%"
    more = [
        (
            "Delivered/expected",
            f"{dl['delivered']:,}/{dl['expected']:,} ({ratio}); "
            f"{'all in' if dl['complete_before_drain_limit'] else 'NOT all in'} "
            f"{dl['drain_s']:.1f} s after the last post",
        ),
        (
            "Final check",
            f"{fc['clients_with_all_stored_posts']}/{fc['clients_checked']} clients saw exactly "
            f"the {fc['stored']} stored public posts",
        ),
        (
            "Server error frames",
            f"{er['server_error_frames']}" + (f" {er['error_codes']}" if er["error_codes"] else ""),
        ),
        (
            "Server log",
            "not read (--url)"
            if logc is None
            else f"{logc['database_locked']} 'database is locked', {logc['tracebacks']} tracebacks "
            f"(+{logc['database_locked_after']} / +{logc['tracebacks_after']} while closing the sockets)",
        ),
        (
            "CPU (post+drain)",
            f"server {rs['server_cpu_pct'] if rs['server_cpu_pct'] is not None else '?'}% "
            f"of one core, clients {rs['client_cpu_pct']}%; server RSS "
            f"{rs['server_rss_mb'] if rs['server_rss_mb'] is not None else '?'} MB",
        ),
        (
            "Other load on the box",
            f"{'?' if rs.get('other_cpu_pct') is None else rs['other_cpu_pct']}% of one core used by other "
            f"processes in that window; 1-min load average {rs.get('load_avg_1m')}",
        ),
        (
            "Client loop lag (ms)",
            f"p50 {rs['client_loop_lag_ms']['p50']}, p99 {rs['client_loop_lag_ms']['p99']}, "
            f"max {rs['client_loop_lag_ms']['max']}",
        ),
    ]
    lines += [f"{k:<22}{v}" for k, v in more]
    samples = cn["connect_error_samples"] + cn["closed_samples"] + r["setup"]["join_error_samples"]
    if samples:
        lines.append(f"{'Error samples':<22}" + " | ".join(samples))
    return "\n".join(lines)


# Main -----------------------------------------------------------------------------------------------------


def main(argv=None):
    config = parse_args(argv)
    raise_open_file_limit(2 * config.clients + 256)
    server = (
        ExternalServer(config.url)
        if config.url
        else EmbeddedServer(config.server_processes, config.keep_server_log)
    )
    try:
        server.start()
        code = config.code or create_inquiry(server.env())
        log(f"inquiry {code}; joining {config.clients} participants over HTTP")
        joined, join_s = join_all(
            server.base_urls, code, config.clients, config.join_concurrency, limit=60 + 0.5 * config.clients
        )
        log(f"joined {sum(1 for j in joined if not j.error)} in {join_s:.1f} s; opening websockets")
        run = LoadRun(config, code, joined)
        asyncio.run(run.run(CpuProbe(server.pids), server.mark_log))
        stored = stored_in_db(server.env(), code, run.posts)
        results = summarise(config, server, code, joined, join_s, run, None, stored)
    finally:
        server.stop()
    results["errors"]["server_log"] = server.log_counts()
    if isinstance(server, EmbeddedServer):
        server.cleanup()
    if config.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print(render_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
