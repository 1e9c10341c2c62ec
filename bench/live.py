"""Load benchmark of the live session: ``python -m bench.live``.

N participants of one inquiry open the websocket their page opens, spread over several client
processes (``--client-processes``, each a uvloop event loop holding its share of the sockets, each socket
a ``bench/wsclient.py`` client; docs/benchmarks.md, "The clients"); a round-robin
subset of them posts cards on a wall-clock schedule while a facilitator socket moves posted cards into
themes. Every client reads every frame; a card's text carries a unique token, so the time
(``time.time()``: clients and server share one box and one clock) each client first sees each post is
known. Per phase it reports post -> ack, post -> every client, post -> each client (p50/p95/p99/max),
delivered/expected, connections held, server CPU and RSS, and in an idle phase (N connected, no posts)
the server's CPU and its RSS growth per connection. At the end every client's board (last sequence
number, the posts on it, the cards in each theme) is compared with a fresh screen's snapshot.

Participants join through the real join flow (HTTP: GET the join page, POST the form with its CSRF
token, keep the session cookie) or, for large N, through ``--join bulk``: the same Participant rows and
sessions the join view writes (a phone's is its signed cookie), created in one transaction with the ORM
(``manage.py shell``), whose session keys the clients then send as their ``sessionid`` cookie. Everything
after the cookie (websocket handshake, session and participant lookup, snapshot, presence) is the real
path.

By default it serves the embedded default itself (Daphne, SQLite in a temp dir, in-memory channel layer)
on 127.0.0.1 and a free port, with ``LIVE_FANOUT`` from ``--fanout`` (hub, group or both: one run each);
``--server-processes 2`` starts two Daphne processes on the Redis layer (``REDIS_URL`` on 127.0.0.1, or
a throwaway ``redis-server`` the script starts). It never talks to any other host, and every phase has
a time limit. ``--suite standard`` (``make bench``) and ``--suite targets`` run predefined sets and print
one summary table with each target's verdict.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import functools
import http.client
import json
import math
import multiprocessing
import os
import platform
import random
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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import uvloop

from bench import joins, wsclient
from bench.joins import Joined

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# What a phone's page sends when its socket has been quiet for a while (static/linewalk/heartbeat.js,
# sessions/protocol.PING); the server answers with a small frame. "A while" is 1 s for the first 10 s after
# the page opened (or was last touched: the bench's clients never touch), then 30 s.
PHONE_QUIET_IN_USE, PHONE_IN_USE, PHONE_QUIET_IDLE = 1.0, 10.0, 30.0
PHONE_PING = '{"type":"sync","op":"ping"}'
# Daphne's listen backlog as `make run` sets it (Makefile BACKLOG).
MAKE_RUN_BACKLOG = 4096
VENV_BIN = Path(sys.executable).parent

# A post's token: its client id's 32 hex digits spelt in the letters a-p. Letters only, so that the
# safeguarding check (NHS numbers, phone numbers, dates...) never holds a benchmark post back.
TOKEN_RE = re.compile(r"bench ([a-p]{32})")
HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def token_of(client_id):
    return str(client_id).replace("-", "").lower().translate(HEX_TO_LETTERS)


ACK_RE = re.compile(r'data-ack="([0-9a-fA-F-]{36})"')
ERROR_RE = re.compile(r'class="error" data-code="([^"]*)"')
SEQ_RE = re.compile(r'<div id="lw-seq"[^>]*data-seq="(\d+)"')
THEME_RE = re.compile(r'<section class="theme" id="theme-(\d+)"(.*?)</section>', re.S)
CARD_IN_THEME_RE = re.compile(r'<li class="card[^"]*" id="card-(\d+)"')
CARD_ID_RE = re.compile(r'<li class="card[^"]*" id="card-(\d+)"')
# A card moved without re-rendering columns (board.render.card_moved): it is deleted where it was, then
# inserted at the end of a theme's list or before another card.
CARD_OP_RE = re.compile(
    r'<div id="card-(\d+)" hx-swap-oob="(?:lw-)?delete">'
    r'|<div hx-swap-oob="(?:lw-)?(beforeend|beforebegin):#(?:cards-theme-(\d+)|card-(\d+)|[\w-]+)">\s*'
    r'<li class="card[^"]*" id="card-(\d+)"'
)
# Lines of the server log worth counting (case-insensitive substrings).
LOG_PATTERNS = {"database_locked": "database is locked", "tracebacks": "traceback (most recent call last)"}


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Configuration --------------------------------------------------------------------------------------------


@dataclass
class Config:
    label: str = ""
    clients: int = 100
    rate: float = 10.0
    seconds: float = 10.0
    singles: int = 0  # one-at-a-time posts before the sustained phase
    single_gap: float = 3.0
    idle: float = 0.0  # idle phase: N connected, no posts, for this long
    moves: float = 1.0  # facilitator card.move per second during posting (0: none)
    fanout: str = "hub"  # LIVE_FANOUT for the server this script starts
    client_processes: int = 0  # 0: auto
    server_processes: int = 1
    join: str = "auto"  # http, bulk or auto (http up to 500 clients)
    url: str | None = None
    code: str | None = None
    posters: int = 0  # 0: min(N, 100)
    join_concurrency: int = 200  # joins in flight at once: a room scanning the QR code together
    stock: bool = False  # the stock server: Django's ASGI handler, Daphne's listen backlog of 50
    connect_concurrency: int = 25
    heartbeat: bool = False  # the phones' heartbeat (a ping after a quiet second), as the page sends it
    drain: float = 30.0
    connect_timeout: float = 60.0
    connect_limit: float = 0.0  # the whole connect phase; 0: connect_timeout + 0.1 s per client + 60
    json: bool = False
    profile: str = ""  # py-spy the (first) server through the joins and the connect phase into this file
    keep_server_log: bool = False
    ws_max_message_size: int = 16777216  # Daphne's --websocket-max-message-size, as `make run` sets it
    postgres: str = ""  # a PostgreSQL server (URL) to make a throwaway database on, instead of SQLite
    targets: dict = field(default_factory=dict)

    @property
    def posts(self):
        return int(round(self.rate * self.seconds)) if self.seconds > 0 and self.rate > 0 else 0

    @property
    def join_mode(self):
        if self.join != "auto":
            return self.join
        return "http" if self.clients <= 2000 else "bulk"

    @property
    def processes(self):
        if self.client_processes:
            return self.client_processes
        return max(1, min(4, math.ceil(self.clients / 500)))


# Targets of the issue "Thousands of participants in one inquiry, on two cores".
SUSTAINED_1K = {"phase": "sustained", "each_p95": 150, "each_p99": 300, "drops": 0}
ONE_POST_10K = {"phase": "single", "each_p99": 1000, "drops": 0}
BURST_10K = {"phase": "sustained", "each_p99": 1500, "drops": 0}
IDLE_10K = {"kb_per_conn": 40, "idle_cpu": 5.0}
# Targets of the issue "The door: a thousand people scan the QR code in the same minute".
JOIN_1K = {"per_s": 150, "join_p95": 1000, "failures": 0, "overflows": 0}
CONNECT_10K = {"seconds": 30}
# A room that joined through the door, then posts: the join storm's and the sustained phase's targets.
DOOR_1K = {"join": JOIN_1K, "sustained": SUSTAINED_1K}


def door_rows(seconds):
    """1,000 people come in through the door (the HTTP join flow, 200 at once), then post 10 a second:
    with the default server; with the stock one (Django's ASGI handler, Daphne's backlog, group fan-out:
    the baseline); and in the production shape, two Daphne processes behind one Redis with PostgreSQL
    (when one answers on 127.0.0.1: BENCH_POSTGRES_URL or the default below; else SQLite), clients split
    across them."""
    common = {"clients": 1000, "join": "http", "rate": 10, "seconds": seconds, "targets": DOOR_1K}
    label = f"N=1k door+10/s {seconds}s"
    return [
        Config(label=label, **common),
        Config(label=label + " stock", fanout="group", stock=True, **common),
        Config(label=label + " 2 procs", server_processes=2, postgres="auto", **common),
    ]


SUITES = {
    # make bench: a few minutes.
    "standard": [
        *door_rows(20),
        Config(
            label="N=2k idle+1 post+burst",
            clients=2000,
            idle=15,
            singles=3,
            rate=50,
            seconds=5,
            fanout="hub",
            drain=20,
            targets={"single": ONE_POST_10K, "sustained": BURST_10K, "idle": IDLE_10K},
        ),
    ],
    # The targets in full (tens of minutes).
    "targets": [
        *door_rows(60),
        Config(
            label="N=10k idle+1 post+burst",
            clients=10000,
            idle=60,
            singles=3,
            rate=50,
            seconds=10,
            fanout="hub",
            drain=30,
            targets={
                "single": ONE_POST_10K,
                "sustained": BURST_10K,
                "idle": IDLE_10K,
                "connect": CONNECT_10K,
            },
        ),
        Config(
            label="N=10k idle+1 post+burst",
            clients=10000,
            idle=60,
            singles=3,
            rate=50,
            seconds=10,
            fanout="group",
            drain=30,
            targets={"single": ONE_POST_10K, "sustained": BURST_10K, "idle": IDLE_10K},
        ),
    ],
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", choices=sorted(SUITES), help="run a predefined set and print one summary table")
    p.add_argument("--from-json", nargs="+", metavar="FILE", help="print the tables of saved --json results")
    p.add_argument("--clients", type=int, default=100, help="websocket clients (participants), default 100")
    p.add_argument(
        "--rate", type=float, default=10.0, help="posts per second, default 10 (0: no sustained phase)"
    )
    p.add_argument("--seconds", type=float, default=10.0, help="how long to post for, default 10")
    p.add_argument(
        "--singles", type=int, default=0, help="single posts, --single-gap apart, before the rate phase"
    )
    p.add_argument("--single-gap", type=float, default=3.0)
    p.add_argument(
        "--idle", type=float, default=0.0, help="idle phase: seconds connected with no posts (default 0)"
    )
    p.add_argument(
        "--moves", type=float, default=1.0, help="facilitator card moves per second while posting (1)"
    )
    p.add_argument(
        "--fanout", choices=("hub", "group", "both"), default="hub", help="LIVE_FANOUT of the server"
    )
    p.add_argument(
        "--client-processes", type=int, default=0, help="client processes (default: 1 per 500, max 4)"
    )
    p.add_argument(
        "--join",
        choices=("auto", "http", "bulk"),
        default="auto",
        help="http (the real join flow, bench/joins.py), bulk (ORM) or auto (http up to 2,000)",
    )
    p.add_argument(
        "--stock",
        action="store_true",
        help="serve with the stock configuration: Django's ASGI handler (HTTP_THREADS=0), Daphne's listen "
        "backlog (50); combine with --fanout group for stock Channels fan-out",
    )
    p.add_argument("--url", help="base URL of a server already running on 127.0.0.1 (default: start one)")
    p.add_argument("--code", help="with --url: use this inquiry instead of creating one through manage.py")
    p.add_argument(
        "--server-processes",
        type=int,
        default=1,
        help="Daphne processes to start (default 1; more than 1 uses the Redis layer: REDIS_URL "
        "on 127.0.0.1, "
        "or a throwaway redis-server this script starts)",
    )
    p.add_argument(
        "--posters", type=int, default=0, help="how many clients take turns posting (default min(N,100))"
    )
    p.add_argument("--join-concurrency", type=int, default=200, help="HTTP joins in flight at once (200)")
    p.add_argument(
        "--connect-concurrency", type=int, default=25, help="handshakes in flight per client process"
    )
    p.add_argument(
        "--heartbeat",
        action="store_true",
        help="clients ping when quiet, as a phone's page does (heartbeat.js: after 1 s for 10 s, then 30 s)",
    )
    p.add_argument("--drain", type=float, default=30.0, help="seconds to wait after a phase's last post (30)")
    p.add_argument("--connect-timeout", type=float, default=60.0, help="one handshake + snapshot (60)")
    p.add_argument("--connect-limit", type=float, default=0.0, help="whole connect phase, s (default auto)")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    p.add_argument(
        "--profile",
        default="",
        metavar="FILE",
        help="py-spy the (first) server process through the joins and the connect phase (collapsed stacks)",
    )
    p.add_argument("--keep-server-log", action="store_true", help="keep the embedded server's temp dir")
    p.add_argument(
        "--postgres",
        default="",
        metavar="URL",
        help="serve from PostgreSQL instead of SQLite: a throwaway database is created on the server of "
        "this URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) and dropped afterwards",
    )
    p.add_argument(
        "--ws-max-message-size",
        type=int,
        default=16777216,
        help="Daphne --websocket-max-message-size (default 16 MiB as in `make run`; Daphne applies it to "
        "frames it sends too, so a snapshot over it closes the socket with 1011)",
    )
    a = p.parse_args(argv)
    if a.from_json:
        return a.from_json
    values = {k: v for k, v in vars(a).items() if k not in ("suite", "from_json")}
    if a.suite:
        return [
            replace(
                c,
                json=a.json,
                keep_server_log=a.keep_server_log,
                ws_max_message_size=a.ws_max_message_size,
                postgres=c.postgres or a.postgres,
            )
            for c in SUITES[a.suite]
        ]
    if a.clients < 1 or a.rate < 0 or a.seconds < 0 or a.server_processes < 1 or a.singles < 0:
        p.error(
            "--clients and --server-processes must be positive; --rate, --seconds, --singles not negative"
        )
    if a.singles < 1 and int(round(a.rate * a.seconds)) < 1 and a.idle <= 0:
        p.error("nothing to measure: give --rate x --seconds >= 1 post, --singles or --idle")
    if a.url:
        parsed = urllib.parse.urlsplit(a.url)
        if parsed.scheme != "http" or parsed.hostname != HOST or not parsed.port:
            p.error(f"--url must be http://{HOST}:PORT (this benchmark only talks to {HOST})")
        if a.server_processes != 1:
            p.error("--server-processes applies to the server this script starts, not to --url")
        if a.fanout == "both":
            p.error("--fanout both needs servers this script starts")
        values["url"] = f"http://{HOST}:{parsed.port}"
    elif a.code:
        p.error("--code only makes sense with --url")
    if a.postgres and (a.url or urllib.parse.urlsplit(a.postgres).hostname != HOST):
        p.error(f"--postgres must be on {HOST}, for a server this script starts")
    redis = os.environ.get("REDIS_URL", "")
    if a.server_processes > 1 and redis and urllib.parse.urlsplit(redis).hostname != HOST:
        p.error("REDIS_URL must be on 127.0.0.1")
    fanouts = ("hub", "group") if a.fanout == "both" else (a.fanout,)
    configs = [Config(**{**values, "fanout": f}) for f in fanouts]
    for config in configs:
        config.targets = default_targets(config)
    return configs


def default_targets(config):
    """The issue's targets that apply to a run: the sustained target for <= 10 posts/s, else the burst's."""
    rate = config["rate_per_s"] if isinstance(config, dict) else config.rate
    clients = config["clients"] if isinstance(config, dict) else config.clients
    targets = {
        "single": ONE_POST_10K,
        "sustained": SUSTAINED_1K if rate <= 10 else BURST_10K,
        "idle": IDLE_10K,
        "join": JOIN_1K,  # judged only when the participants came in over HTTP
    }
    if clients >= 10000:
        targets["connect"] = CONNECT_10K
    return targets


def raise_open_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(needed, soft)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    if soft < needed:
        log(f"warning: open-file limit {soft} is below the ~{needed} this run needs (raise the hard limit)")
    return soft


def ephemeral_ports():
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
        return high - low + 1
    except (OSError, ValueError):
        return None


# Servers --------------------------------------------------------------------------------------------------


def free_port(taken=()):
    """A port nobody listens on: the first free one of ``BENCH_PORTS`` ("8111-8119", for a box shared by
    several people, each with their own range) when it is set, else one the kernel picks."""
    wanted = os.environ.get("BENCH_PORTS", "")
    if wanted:
        low, _, high = wanted.partition("-")
        candidates = range(int(low), int(high or low) + 1)
    else:
        candidates = [0]
    for port in candidates:
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in BENCH_PORTS={wanted}")


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

    def cleanup(self):
        pass


class EmbeddedServer:
    """Daphne processes serving a fresh database in a temp dir: the embedded default (SQLite, in-memory
    channel layer) with one process, or SQLite + the Redis layer with several. Daphne runs with the
    flags of ``make run``."""

    def __init__(
        self,
        processes,
        fanout,
        keep=False,
        ws_max_message_size=16777216,
        postgres="",
        stock=False,
        ping_interval=60,
        ping_timeout=30,
    ):
        self.ws_max_message_size = ws_max_message_size
        # Daphne's pings (make run's interval; Daphne's own timeout): bench.lag shortens them.
        self.ping_interval, self.ping_timeout = ping_interval, ping_timeout
        # The stock server: Django's own ASGI handler for HTTP and Daphne's default listen backlog (50).
        self.stock = stock
        self.backlog = 50 if stock else MAKE_RUN_BACKLOG
        self.postgres = postgres
        self.database = None  # (admin URL, name) of the throwaway PostgreSQL database
        self.processes = processes
        self.fanout = fanout
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix="linewalk-bench-"))
        self.ports = []
        for _ in range(processes):
            self.ports.append(free_port(self.ports))
        self.base_urls = [f"http://{HOST}:{port}" for port in self.ports]
        self.log_paths = [self.tmp / f"server-{i}.log" for i in range(processes)]
        self.procs = []
        self.redis = None
        self._env = self._build_env()

    @property
    def kind(self):
        database = (
            "PostgreSQL"
            if self.postgres or self._env.get("DATABASE_URL", "").startswith("postgres")
            else "SQLite WAL"
        )
        if self.processes == 1:
            if database != "PostgreSQL":
                kind = "embedded default (SQLite WAL + in-memory layer), 1 Daphne process"
            else:
                kind = "PostgreSQL + in-memory layer, 1 Daphne process"
        else:
            kind = f"{database} + Redis layer, {self.processes} Daphne processes"
        if self.stock:
            return kind + "; stock: Django's ASGI handler (HTTP_THREADS=0), listen backlog 50"
        return kind + f"; listen backlog {self.backlog}"

    @property
    def pids(self):
        return [p.pid for p in self.procs]

    def _build_env(self):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "ALLOWED_HOSTS")}
        if self.postgres:
            env["DATABASE_URL"] = create_database(self.postgres, self)
        elif os.environ.get("BENCH_DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        if self.processes == 1:
            env.pop("REDIS_URL", None)
        else:
            if not env.get("REDIS_URL"):
                self.redis = start_redis(self.tmp)
                env["REDIS_URL"] = self.redis[1]
            env["REDIS_PREFIX"] = f"linewalk-bench-{secrets.token_hex(4)}"
        env.update(
            DJANGO_SETTINGS_MODULE="settings",
            SECRET_KEY=secrets.token_urlsafe(50),
            SQLITE_PATH=str(self.tmp / "bench.sqlite3"),
            PYTHONUNBUFFERED="1",
            LIVE_FANOUT=self.fanout,
            # Every benchmark client joins from 127.0.0.1: the limit on new participants from one network
            # address (1,500 in 10 minutes, inquiry/limits.py) would refuse the 2,000-client rows' last
            # 500. It is still counted on every join; only its threshold is raised.
            RATE_LIMITS=os.environ.get("BENCH_RATE_LIMITS", "join_ip=1000000/600"),
        )
        if self.stock:
            env["HTTP_THREADS"] = "0"
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
                    [
                        daphne,
                        "-e",
                        f"tcp:port={port}:interface={HOST}:backlog={self.backlog}",
                        "--websocket_timeout",
                        "86400",
                        "--websocket_connect_timeout",
                        "30",
                        "--ping-interval",
                        str(self.ping_interval),
                        "--ping-timeout",
                        str(self.ping_timeout),
                        "--websocket-max-message-size",
                        str(self.ws_max_message_size),
                        "--websocket-max-frame-size",
                        str(self.ws_max_message_size),
                        "asgi:application",
                    ],
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
        log(
            f"serving on {', '.join(self.base_urls)} "
            f"(pids {', '.join(map(str, self.pids))}, LIVE_FANOUT={self.fanout})"
        )

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self.redis is not None:
            self.redis[0].terminate()
            try:
                self.redis[0].wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.redis[0].kill()

    def mark_log(self):
        self.log_marks = log_sizes(self.log_paths)

    def log_counts(self):
        return count_log(self.log_paths, getattr(self, "log_marks", None))

    def cleanup(self):
        if self.database is not None:
            drop_database(*self.database)
        if self.keep:
            log(f"server logs and database kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def create_database(url, server):
    """A fresh, empty PostgreSQL database on the server of ``url``; returns its URL."""
    import psycopg

    name = f"linewalk_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    server.database = (url, name)
    log(f"created PostgreSQL database {name}")
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + name))


def drop_database(url, name):
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:
        log(f"could not drop PostgreSQL database {name}: {exc}")


def start_redis(tmp):
    """A throwaway redis-server on 127.0.0.1 (no persistence), for --server-processes > 1."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("--server-processes > 1 needs REDIS_URL or a redis-server binary")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                log(f"started redis-server on {HOST}:{port} (pid {proc.pid})")
                return proc, f"redis://{HOST}:{port}/0"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("redis-server did not start")


# Setup over Django and HTTP -------------------------------------------------------------------------------

SETUP_SNIPPET = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from inquiry.actions import create_inquiry
from inquiry.models import Inquiry
user, _ = get_user_model().objects.get_or_create(username="bench-facilitator")
code = %r
if code:
    inquiry = Inquiry.objects.get(code=code)
    inquiry.facilitators.add(user)
else:
    inquiry = create_inquiry(user, title="Load benchmark", question="What does load look like?", rounds=[],
                             sectors=["Health", "Housing", "Education"], show_names=False)
# The facilitator's screen: a logged-in session, as django.contrib.auth.login writes it.
store = SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print("BENCH_CODE=" + inquiry.code)
print("BENCH_FACILITATOR=" + store.session_key)
"""

# --join bulk: what the join view writes (inquiry.actions.join + request.session[session_key(inquiry)]),
# for many participants in one transaction. The session is saved by the configured engine, as the view's
# is: a phone's is its signed cookie (inquiry/phone_sessions.py); with a database engine, a row each.
BULK_JOIN_SNIPPET = """
from importlib import import_module
from django.conf import settings
from django.db import transaction
from inquiry.access import session_key
from inquiry.models import Inquiry, Participant
inquiry = Inquiry.objects.get(code=%r)
n = %d
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
keys = []
with transaction.atomic():
    people = Participant.objects.bulk_create(
        [Participant(inquiry=inquiry, display_name=f"bench {i}",
                     sector=inquiry.sectors[i %% len(inquiry.sectors)])
         for i in range(n)], batch_size=500)
    for person in people:
        store = SessionStore()
        store[session_key(inquiry)] = person.token
        store.save()
        keys.append(store.session_key)
print("BENCH_KEYS=" + ",".join(keys))
"""


def setup_inquiry(env, code=None):
    """(inquiry code, facilitator session key): a facilitator and an inquiry with one open round."""
    done = manage(env, "shell", "-c", SETUP_SNIPPET % (code or ""), timeout=120)
    found = re.search(r"BENCH_CODE=(\S+)", done.stdout)
    facilitator = re.search(r"BENCH_FACILITATOR=(\S+)", done.stdout)
    if done.returncode != 0 or not found or not facilitator:
        raise RuntimeError(f"creating the inquiry failed:\n{done.stdout}\n{done.stderr}")
    return found.group(1), facilitator.group(1)


def bulk_join(env, code, n, base_urls):
    started = time.monotonic()
    done = manage(env, "shell", "-c", BULK_JOIN_SNIPPET % (code, n), timeout=300)
    found = re.search(r"BENCH_KEYS=(\S*)", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"bulk join failed:\n{done.stdout[-500:]}\n{done.stderr[-2000:]}")
    keys = found.group(1).split(",")
    joined = [Joined(i, base_urls[i % len(base_urls)], f"sessionid={key}") for i, key in enumerate(keys)]
    return joined, time.monotonic() - started


# Client processes -----------------------------------------------------------------------------------------


def ws_url(base_url, code):
    return base_url.replace("http://", "ws://", 1) + f"/ws/i/{code}/"


async def open_socket(base_url, code, cookie, timeout, on_message=None, on_close=None):
    """A websocket as the participant's page opens it (Origin, session cookie); see bench/wsclient.py.
    Daphne's pings are answered; frames over 16 MiB fail the socket."""
    return await wsclient.connect(
        ws_url(base_url, code),
        origin=base_url,
        cookie=cookie,
        timeout=timeout,
        on_message=on_message,
        on_close=on_close,
    )


def parse_themes(message):
    """{theme id: (card ids in order)} for every theme column this frame (re)renders whole."""
    if '<section class="theme"' not in message:
        return {}
    return {
        int(t): tuple(int(c) for c in CARD_IN_THEME_RE.findall(body)) for t, body in THEME_RE.findall(message)
    }


class Frame(NamedTuple):
    """What one text frame tells a client's board."""

    seq: int | None  # its data-seq, if it starts with the lw-seq element
    snapshot: bool  # that element says data-snapshot="1": the theme columns start afresh
    tokens: tuple  # benchmark posts it shows, each once, in order
    themes: dict | None  # theme columns it (re)renders whole: {theme id: (card ids)}
    acks: tuple  # tokens of the posts it acknowledges
    error: str | None  # the data-code of an error it carries ("?" if unreadable)
    card_ops: tuple  # in order: ("delete", card, None), ("end", theme, card), ("before", card, new card)


def read_frame(message):
    seq, snapshot = None, False
    if message.startswith('<div id="lw-seq"'):
        found = SEQ_RE.match(message)
        if found:
            seq, snapshot = int(found.group(1)), 'data-snapshot="1"' in message[:200]
    error = None
    if 'class="error"' in message:
        found = ERROR_RE.search(message)
        error = found.group(1) if found else "?"
    return Frame(
        seq,
        snapshot,
        tuple(dict.fromkeys(TOKEN_RE.findall(message))) if "bench " in message else (),
        parse_themes(message) or None,
        tuple(token_of(ack) for ack in ACK_RE.findall(message)) if 'data-ack="' in message else (),
        error,
        tuple(card_ops(message)) if 'delete">' in message or ":#card" in message else (),
    )


def card_ops(message):
    for deleted, swap, theme, before, card in CARD_OP_RE.findall(message):
        if deleted:
            yield "delete", int(deleted), None
        elif swap == "beforeend" and theme:
            yield "end", int(theme), int(card)
        elif swap == "beforebegin" and before:
            yield "before", int(before), int(card)


def apply_card_ops(themes, ops):
    """Follow a card's move in a board's theme columns ({theme id: (card ids)})."""
    for op, target, card in ops:
        if op == "delete":
            for theme, cards in themes.items():
                if target in cards:
                    themes[theme] = tuple(c for c in cards if c != target)
        elif op == "end":
            themes[target] = themes.get(target, ()) + (card,)
        else:
            for theme, cards in themes.items():
                if target in cards:
                    at = cards.index(target)
                    themes[theme] = cards[:at] + (card,) + cards[at:]
                    break


class FrameCache:
    """Frames parsed once per distinct content in a client process: a broadcast reaches hundreds of its
    sockets with the same bytes. Looked up by length, head and tail, then confirmed by comparing the whole
    payload (a memcmp, cheaper than hashing it), so two frames that differ anywhere never share a parse.
    Bounded: the oldest keys go first."""

    def __init__(self, size=256, per_key=4):
        self.size, self.per_key = size, per_key
        self.entries = {}  # (length, first 64 bytes, last 64 bytes) -> [(payload, Frame)]
        self.hits = self.misses = 0
        self.last = (None, None)  # (payload, Frame) of the latest lookup

    def get(self, payload):
        """The Frame of a text payload (bytes); UnicodeDecodeError if it is not UTF-8."""
        if payload == self.last[0]:  # a broadcast: the same bytes arrive on socket after socket
            self.hits += 1
            return self.last[1]
        key = (len(payload), payload[:64], payload[-64:])
        bucket = self.entries.get(key)
        if bucket is not None:
            for known, frame in bucket:
                if known == payload:
                    self.hits += 1
                    self.last = known, frame
                    return frame
        frame = read_frame(payload.decode("utf-8"))
        self.misses += 1
        if bucket is None:
            if len(self.entries) >= self.size:
                del self.entries[next(iter(self.entries))]
            bucket = self.entries[key] = []
        elif len(bucket) >= self.per_key:
            del bucket[0]
        bucket.append((payload, frame))
        self.last = payload, frame
        return frame


class WsClient:
    __slots__ = (
        "index",
        "base_url",
        "cookie",
        "ws",
        "connect_error",
        "ready",
        "seen",
        "frames",
        "errors",
        "closed",
        "seq",
        "themes",
        "opened",
        "heard",
        "asked",
    )

    def __init__(self, index, base_url, cookie):
        self.index, self.base_url, self.cookie = index, base_url, cookie
        self.ws = self.connect_error = self.closed = None
        self.ready = asyncio.Event()
        self.seen = {}  # token -> time.time() of the first frame carrying it
        self.frames = 0
        self.errors = []
        self.seq = None  # last data-seq seen
        self.themes = {}  # theme id -> card ids, from the last frame that rendered the column
        self.heard = self.asked = 0.0  # --heartbeat: when the last frame came, when a ping went unanswered
        self.opened = 0.0  # when the socket opened (a phone's page is "in use" for a while after)

    @property
    def open(self):
        return self.ws is not None and self.closed is None

    def board(self):
        return {"seq": self.seq, "tokens": frozenset(self.seen), "themes": dict(self.themes)}


class ClientWorker:
    """One client process: an asyncio loop holding its share of the sockets, driven over a pipe by the
    coordinating process (connect, post a schedule, drain, report, close). Frames are read in the
    sockets' callbacks (bench/wsclient.py), each parsed once per process (FrameCache) and applied to
    every client that receives it."""

    def __init__(self, conn, wid, code, clients, config):
        self.conn, self.wid, self.code, self.config = conn, wid, code, config
        self.clients = {index: WsClient(index, base, cookie) for index, base, cookie in clients}
        self.posts = {}  # token -> [sent, acked or None, error or None] for posts this process sent
        self.cache = FrameCache()
        self.lag = []
        self.frames_mark = 0

    async def _connect(self, client, gate):
        if client.cookie is None:
            client.connect_error = "not joined"
            return
        async with gate:
            try:
                client.ws = await open_socket(
                    client.base_url,
                    self.code,
                    client.cookie,
                    self.config["connect_timeout"],
                    on_message=functools.partial(self._on_message, client),
                    on_close=functools.partial(self._on_close, client),
                )
            except Exception as exc:  # noqa: BLE001 - any failure is a connect error to count
                client.connect_error = f"{type(exc).__name__}: {exc}"[:200]
                return
            client.opened = time.time()
            try:  # the handshake counts as done when the first frame (snapshot) is in
                async with asyncio.timeout(self.config["connect_timeout"]):
                    await client.ready.wait()
            except TimeoutError:
                pass

    def _on_message(self, client, ws, payload, is_text, at):
        if not is_text:
            return
        client.frames += 1
        client.heard, client.asked = at, 0.0
        try:
            seq, snapshot, tokens, themes, acks, error, ops = self.cache.get(payload)
        except UnicodeDecodeError:
            ws.fail(1007, "text frame that is not UTF-8")
            return
        if seq is not None:
            if snapshot:
                client.themes = {}
            if client.seq is None or seq > client.seq:
                client.seq = seq
        if tokens:
            seen = client.seen
            for token in tokens:
                if token not in seen:
                    seen[token] = at
        if themes:
            client.themes.update(themes)
        if ops:
            apply_card_ops(client.themes, ops)
        for token in acks:
            post = self.posts.get(token)
            if post is not None and post[1] is None:
                post[1] = at
        if error is not None:
            client.errors.append(error)
        client.ready.set()

    def _on_close(self, client, ws):
        client.closed = ws.close_reason[:200]
        client.ready.set()

    async def _heartbeat(self):
        """What a phone's page does (static/linewalk/heartbeat.js): every quarter of a second, a socket
        quiet for long enough (1 s in its first 10 s, then 30 s: nobody touches a bench client) that has no
        ping unanswered sends the server a ping (``PHONE_PING``)."""
        while True:
            await asyncio.sleep(0.25)
            now = time.time()
            for client in self.clients.values():
                if not client.open or client.asked:
                    continue
                in_use = now - (client.opened or now) < PHONE_IN_USE
                quiet = PHONE_QUIET_IN_USE if in_use else PHONE_QUIET_IDLE
                if now - (client.heard or now) >= quiet:
                    client.asked = now
                    client.ws.send(PHONE_PING)

    async def _lag_monitor(self):
        interval = 0.02
        while True:
            before = time.perf_counter()
            await asyncio.sleep(interval)
            self.lag.append(max(0.0, time.perf_counter() - before - interval))

    async def _post(self, due, index, k):
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        client = self.clients[index]
        uid = uuid.uuid4()
        token = token_of(uid)
        text = f"bench {token} post {k} from client {index}"
        message = json.dumps({"type": "card", "op": "add", "client_id": str(uid), "text": text})
        post = self.posts[token] = [time.time(), None, None, max(0.0, time.time() - due)]
        if not client.open:
            post[2] = "socket closed"
            return
        try:
            client.ws.send(message)
        except Exception as exc:  # noqa: BLE001
            post[2] = f"{type(exc).__name__}: {exc}"[:200]

    def _drained(self, tokens):
        """Every open client has every token, and this process's own posts are acked (or failed)."""
        return self._delivered(tokens) and all(
            p[1] is not None or p[2] is not None for p in self.posts.values()
        )

    def _frames(self):
        return sum(c.frames for c in self.clients.values())

    def _delivered(self, tokens):
        return all(all(t in c.seen for t in tokens) for c in self.clients.values() if c.open)

    async def main(self):
        loop = asyncio.get_running_loop()
        recv = lambda: loop.run_in_executor(None, self.conn.recv)  # noqa: E731
        monitor = asyncio.create_task(self._lag_monitor())
        heartbeat = asyncio.create_task(self._heartbeat()) if self.config["heartbeat"] else None
        try:
            started = time.monotonic()
            gate = asyncio.Semaphore(self.config["connect_concurrency"])
            try:
                async with asyncio.timeout(self.config["connect_limit"]):
                    await asyncio.gather(*(self._connect(c, gate) for c in self.clients.values()))
            except TimeoutError:
                for c in self.clients.values():
                    if c.ws is None and c.connect_error is None:
                        c.connect_error = "connect phase time limit"
            opened = [c.index for c in self.clients.values() if c.open]
            errors = [c.connect_error for c in self.clients.values() if c.connect_error]
            self.conn.send(("connected", opened, errors, time.monotonic() - started))
            while True:
                command, *args = await recv()
                if command == "post":  # [(due wall time, client index, k)], limit
                    schedule, limit = args
                    self.lag.clear()
                    self.frames_mark = self._frames()
                    try:
                        async with asyncio.timeout(limit):
                            await asyncio.gather(*(self._post(due, i, k) for due, i, k in schedule))
                    except TimeoutError:
                        pass
                    self.conn.send(("posted", {t: p for t, p in self.posts.items()}))
                elif command == "drain":  # tokens, deadline (wall time)
                    tokens, deadline = args
                    while time.time() < deadline and not self._drained(tokens):
                        await asyncio.sleep(0.05)
                    delivered, frames = self._delivered(tokens), self._frames() - self.frames_mark
                    self.conn.send(("drained", delivered, time.time(), dict(self.posts), frames))
                elif command == "status":
                    self.conn.send(("status", sum(1 for c in self.clients.values() if c.open)))
                elif command == "report":
                    self.conn.send(("report", self._report(args[0])))
                elif command == "close":
                    break
        finally:
            for task in (monitor, heartbeat):
                if task is not None:
                    task.cancel()
            await asyncio.gather(*(t for t in (monitor, heartbeat) if t), return_exceptions=True)
            sockets = [c for c in self.clients.values() if c.ws is not None]
            for start in range(0, len(sockets), 500):
                await asyncio.gather(
                    *(asyncio.wait_for(c.ws.close(), timeout=3) for c in sockets[start : start + 500]),
                    return_exceptions=True,
                )
            self.conn.send(("closed",))

    def _report(self, reference):
        """Arrival times per token (array of doubles) for the clients open at the start, plus who holds
        the same board as the fresh screen's ``reference`` snapshot."""
        arrivals = {}
        mismatch = {"seq": 0, "posts": 0, "themes": 0, "any": 0}
        checked = 0
        for c in self.clients.values():
            if c.ws is None:
                continue
            for token, at in c.seen.items():
                arrivals.setdefault(token, array.array("d")).append(at)
            if reference is not None and c.open:
                checked += 1
                board = c.board()
                bad = False
                if board["seq"] != reference["seq"]:
                    mismatch["seq"] += 1
                    bad = True
                if board["tokens"] != reference["tokens"]:
                    mismatch["posts"] += 1
                    bad = True
                if {t: v for t, v in board["themes"].items() if t in reference["themes"]} != reference[
                    "themes"
                ]:
                    mismatch["themes"] += 1
                    bad = True
                mismatch["any"] += bad
        lag = sorted(self.lag)
        return {
            "arrivals": {t: a.tobytes() for t, a in arrivals.items()},
            "opened": sum(1 for c in self.clients.values() if c.ws is not None),
            "held": sum(1 for c in self.clients.values() if c.open),
            "frames": sum(c.frames for c in self.clients.values()),
            "errors": [e for c in self.clients.values() for e in c.errors],
            "closed": [c.closed for c in self.clients.values() if c.ws is not None and c.closed],
            "checked": checked,
            "mismatch": mismatch,
            "lag": {"p50": percentile(lag, 50), "p99": percentile(lag, 99), "max": lag[-1] if lag else None},
        }


def worker_entry(conn, wid, code, clients, config):
    try:
        raise_open_file_limit(len(clients) + 256)
        # uvloop: the same protocol callbacks, a read loop in C (docs/benchmarks.md, "The clients").
        uvloop.run(ClientWorker(conn, wid, code, clients, config).main())
    except KeyboardInterrupt:
        pass


# The facilitator ------------------------------------------------------------------------------------------


class Facilitator:
    """The facilitator's screen: adds two themes, then moves posted cards into them while posts flow."""

    def __init__(self, base_url, code, cookie):
        self.base_url, self.code, self.cookie = base_url, code, cookie
        self.ws = None
        self.cards = []  # card ids seen, in order
        self.known = set()
        self.themes = []
        self.moves = self.move_errors = 0
        self.errors = []
        self.task = None

    async def start(self, timeout=60):
        self.ws = await open_socket(self.base_url, self.code, self.cookie, timeout)
        self.task = asyncio.create_task(self._read())
        for name in ("Bench theme A", "Bench theme B"):
            self.ws.send(json.dumps({"type": "theme", "op": "add", "name": name}))
        async with asyncio.timeout(timeout):
            while len(self.themes) < 2:
                await asyncio.sleep(0.05)

    async def _read(self):
        try:
            async for message in self.ws:
                if not isinstance(message, bytes):
                    self.observe(message)
        except Exception:  # noqa: BLE001,S110 - closed: the run notices
            pass

    def observe(self, message):
        """Take in one frame: themes, cards and error frames seen."""
        for theme in THEME_RE.findall(message):
            if int(theme[0]) not in self.themes:
                self.themes.append(int(theme[0]))
        for card in CARD_ID_RE.findall(message):
            if int(card) not in self.known:
                self.known.add(int(card))
                self.cards.append(int(card))
        if 'class="error"' in message:
            found = ERROR_RE.search(message)
            self.errors.append(found.group(1) if found else "?")

    async def move_loop(self, rate, stop_at):
        if rate <= 0 or len(self.themes) < 2:
            return
        k = 0
        started = time.time()
        while time.time() < stop_at:
            due = started + k / rate
            await asyncio.sleep(max(0.0, due - time.time()))
            if time.time() >= stop_at:
                break
            if self.cards:
                card = random.choice(self.cards[-50:])
                message = {"type": "card", "op": "move", "card": card, "theme": self.themes[k % 2]}
                try:
                    self.ws.send(json.dumps(message))
                    self.moves += 1
                except Exception:  # noqa: BLE001
                    self.move_errors += 1
            k += 1

    async def close(self):
        if self.task:
            self.task.cancel()
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), timeout=3)
            except Exception:  # noqa: BLE001,S110
                pass


async def fresh_board(base_url, code, cookie, limit=60.0):
    """What a screen connecting now is shown: its snapshot's seq, posts and theme columns (or None)."""
    try:
        async with asyncio.timeout(limit):
            ws = await open_socket(base_url, code, cookie, limit)
            try:
                frame = await ws.recv()
            finally:
                await ws.close()
    except Exception as exc:  # noqa: BLE001
        log(f"fresh screen's snapshot failed: {type(exc).__name__}: {exc}")
        return f"{type(exc).__name__}: {exc}"[:160]
    found = SEQ_RE.match(frame)
    return {
        "seq": int(found.group(1)) if found else None,
        "tokens": frozenset(TOKEN_RE.findall(frame)),
        "themes": parse_themes(frame),
    }


# Measuring ------------------------------------------------------------------------------------------------


def box_busy_seconds():
    """CPU seconds the whole box has been busy (all cores, all processes), from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Probe:
    """CPU (server processes, client processes, everything else on the box) over a window, and the
    server's RSS (psutil)."""

    def __init__(self, server_pids):
        import psutil

        self.psutil = psutil
        self.server = [psutil.Process(pid) for pid in server_pids]
        self.clients = [psutil.Process(os.getpid())]
        self.start = None

    def add_clients(self, pids):
        self.clients += [self.psutil.Process(pid) for pid in pids]

    @staticmethod
    def _cpu(procs):
        total = 0.0
        for proc in procs:
            try:
                t = proc.cpu_times()
                total += t.user + t.system
            except Exception:  # noqa: BLE001,S110 - gone
                pass
        return total

    def rss(self):
        total = 0
        for proc in self.server:
            try:
                total += proc.memory_info().rss
            except Exception:  # noqa: BLE001,S110
                pass
        return total if self.server else None

    def _sample(self):
        return time.perf_counter(), self._cpu(self.server), self._cpu(self.clients), box_busy_seconds()

    def mark(self):
        self.start = self._sample()

    def read(self):
        wall, server, client, box = self._sample()
        wall0, server0, client0, box0 = self.start
        elapsed = max(wall - wall0, 1e-9)
        rss = self.rss()
        return {
            "window_s": round(elapsed, 2),
            "server_cpu_pct": round(100 * (server - server0) / elapsed, 1) if self.server else None,
            "server_rss_mb": round(rss / 2**20, 1) if rss else None,
            "client_cpu_pct": round(100 * (client - client0) / elapsed, 1),
            "other_cpu_pct": (
                round(100 * ((box - box0) - (server - server0) - (client - client0)) / elapsed, 1)
                if box is not None and box0 is not None and self.server
                else None
            ),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }


def percentile(sorted_values, q):
    """Nearest-rank percentile; values may end in +inf (never delivered)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def dist_ms(values):
    """p50/p95/p99/max in ms; +inf (never delivered) shows as "lost" once it reaches a percentile."""
    values = sorted(values)
    out = {}
    for key, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100)):
        v = percentile(values, q)
        out[key] = None if v is None else ("lost" if math.isinf(v) else round(1000 * v, 1))
    out["n"] = len(values)
    out["lost"] = sum(1 for v in values if math.isinf(v))
    return out


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
    try:
        mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        mem = None
    return {
        "cores": cores,
        "cpu": model,
        "memory_gb": mem,
        "python": platform.python_version(),
        "os": platform.platform(),
        "layout": "clients and server on the same box",
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE),
        "ephemeral_ports": ephemeral_ports(),
    }


STORED_SNIPPET = """
from board.models import Card
for card in Card.objects.filter(inquiry__code=%r, text__startswith="bench "):
    print("BENCH_TOKEN=" + card.text.split()[1], int(getattr(card, "public", True)))
"""


def stored_in_db(env, code):
    """Tokens of the benchmark's posts the database stores, and of those the ones public on the board."""
    try:
        done = manage(env, "shell", "-c", STORED_SNIPPET % code, timeout=120)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        log(f"reading the stored posts failed: {done.stderr.strip()[-300:]}")
        return None
    found = re.findall(r"BENCH_TOKEN=([a-p]{32}) ([01])", done.stdout)
    return {t for t, _ in found}, {t for t, public in found if public == "1"}


# The run --------------------------------------------------------------------------------------------------


async def ask(pool, conns, message, limit):
    """Send ``message`` to every client process and wait (at most ``limit`` s) for each one's answer."""
    loop = asyncio.get_running_loop()
    for conn in conns:
        if message is not None:
            conn.send(message)

    def answer(conn):
        return conn.recv() if conn.poll(limit) else None

    return await asyncio.gather(*(loop.run_in_executor(pool, answer, conn) for conn in conns))


async def run_load(config, server, code, facilitator_key, joined, spy=None):
    """Connect the facilitator and N clients, idle, post the phases, drain, check boards, close."""
    result = {"phases": [], "idle": None}
    probe = Probe(server.pids)
    time.sleep(1.0)
    rss_before = probe.rss()
    facilitator = Facilitator(server.base_urls[0], code, f"sessionid={facilitator_key}")
    await facilitator.start()
    spare = joined[-1]  # the fresh screen at the end: a participant with no socket during the run
    joined = joined[:-1]
    n_proc = min(config.processes, len(joined))
    shares = [[] for _ in range(n_proc)]
    for j in joined:
        shares[j.index % n_proc].append((j.index, j.base_url, j.session_cookie if not j.error else None))
    owner = {j.index: j.index % n_proc for j in joined}
    connect_limit = config.connect_limit or config.connect_timeout + 0.1 * len(joined) + 60
    worker_config = {
        "connect_timeout": config.connect_timeout,
        "connect_concurrency": config.connect_concurrency,
        "connect_limit": connect_limit,
        "heartbeat": config.heartbeat,
    }
    ctx = multiprocessing.get_context("spawn")
    conns, procs = [], []
    pool = ThreadPoolExecutor(max_workers=2 * n_proc + 2)
    try:
        for wid in range(n_proc):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=worker_entry, args=(child, wid, code, shares[wid], worker_config), daemon=True
            )
            proc.start()
            conns.append(parent)
            procs.append(proc)
        probe.add_clients([p.pid for p in procs])
        log(
            f"{n_proc} client processes (pids {', '.join(str(p.pid) for p in procs)})"
            f" connecting {len(joined):,} sockets"
        )
        started = time.monotonic()
        probe.mark()
        answers = await ask(pool, conns, None, connect_limit + 30)
        connect_s = time.monotonic() - started
        connect_window = probe.read()
        opened = sorted(i for a in answers if a for i in a[1])
        connect_errors = [e for a in answers if a for e in a[2]]
        result["connect"] = {
            "requested": len(joined),
            "opened": len(opened),
            "errors": len(connect_errors),
            "error_samples": sorted(set(connect_errors))[:3],
            "seconds": round(connect_s, 1),
            "per_s": round(len(opened) / connect_s, 1) if connect_s else None,
            "resources": connect_window,
            # The server's CPU per socket connected: what a busy box inflates least (docs/benchmarks.md).
            "server_cpu_ms_per_socket": round(
                10 * connect_window["server_cpu_pct"] * connect_window["window_s"] / max(1, len(opened)), 2
            ),
        }
        log(
            f"{len(opened):,}/{len(joined):,} sockets open in {connect_s:.1f} s"
            f" ({len(connect_errors)} errors)"
        )
        if spy is not None:
            joins.stop_profiler(spy)
        await asyncio.sleep(2.5)  # the presence frame these connects scheduled goes out
        rss_connected = probe.rss()

        if config.idle > 0:
            log(f"idle phase: {config.idle:g} s connected, no posts")
            probe.mark()
            await asyncio.sleep(config.idle)
            window = probe.read()
            rss_idle = probe.rss()
            held = sum(a[1] for a in await ask(pool, conns, ("status",), 30) if a)
            result["idle"] = {
                **window,
                "held": held,
                "rss_before_mb": round(rss_before / 2**20, 1) if rss_before else None,
                "rss_connected_mb": round(rss_connected / 2**20, 1) if rss_connected else None,
                "rss_after_idle_mb": round(rss_idle / 2**20, 1) if rss_idle else None,
                "kb_per_connection": round((rss_idle - rss_before) / 1024 / held, 1)
                if held and rss_idle
                else None,
            }

        posters = opened[: (config.posters or min(len(opened), 100))]
        phases = []
        if config.singles:
            phases.append(
                ("single", [(i * config.single_gap, k) for k, i in enumerate(range(config.singles))], 0)
            )
        if config.posts:
            phases.append(("sustained", [(k / config.rate, k) for k in range(config.posts)], config.moves))
        k0 = 0
        earlier = set()
        for name, plan, move_rate in phases:
            if not posters:
                break
            t0 = time.time() + 0.5
            schedules = [[] for _ in conns]
            for offset, k in plan:
                index = posters[(k0 + k) % len(posters)]
                schedules[owner[index]].append((t0 + offset, index, k0 + k))
            k0 += len(plan)
            span = plan[-1][0] if plan else 0
            log(
                f"phase {name}: {len(plan)} posts over {span:g} s"
                + (f", {move_rate:g} moves/s" if move_rate else "")
            )
            probe.mark()
            moves_before = facilitator.moves
            mover = asyncio.create_task(facilitator.move_loop(move_rate, t0 + span + 0.5))
            loop = asyncio.get_running_loop()
            for conn, schedule in zip(conns, schedules, strict=True):
                conn.send(("post", schedule, span + 30))
            posted = await asyncio.gather(
                *(
                    loop.run_in_executor(pool, lambda c=c, s=span: c.recv() if c.poll(s + 60) else None)
                    for c in conns
                )
            )
            await mover
            posts = {}
            for answer in posted:
                if answer:
                    posts.update(answer[1])
            phase_tokens = set(posts) - earlier
            earlier |= phase_tokens
            good = [t for t in phase_tokens if posts[t][2] is None]
            posting_s = time.time() - t0
            drain_start = time.time()
            drained = await ask(pool, conns, ("drain", good, time.time() + config.drain), config.drain + 30)
            drain_s = time.time() - drain_start
            for answer in drained:  # acks arrive after the sends: the posts as the drain left them
                if answer:
                    posts.update({t: p for t, p in answer[3].items() if t in phase_tokens})
            window = probe.read()
            frames = sum(a[4] for a in drained if a)
            window["client_frames"] = frames
            client_cpu_s = window["client_cpu_pct"] / 100 * window["window_s"]
            window["client_us_per_frame"] = round(1e6 * client_cpu_s / frames, 1) if frames else None
            result["phases"].append(
                {
                    "name": name,
                    "posts": {t: posts[t] for t in phase_tokens},
                    "posting_s": round(posting_s, 2),
                    "drain_s": round(drain_s, 2),
                    "complete": all(a and a[1] for a in drained),
                    "moves": facilitator.moves - moves_before,
                    "resources": window,
                }
            )
            log(f"phase {name}: {len(phase_tokens)} posts, drained in {drain_s:.1f} s")
        server.mark_log()
        log("fresh screen and board check")
        reference = (
            await fresh_board(spare.base_url, code, spare.session_cookie) if spare.session_cookie else None
        )
        if isinstance(reference, str):  # the fresh screen failed: why
            result["reference_error"], reference = reference, None
        reports = await ask(pool, conns, ("report", reference), 300)
        result["reference"] = (
            None
            if reference is None
            else {
                "seq": reference["seq"],
                "posts": len(reference["tokens"]),
                "themes": {t: len(c) for t, c in reference["themes"].items()},
            }
        )
        result["reports"] = [r[1] for r in reports if r]
        result["report_missing"] = sum(1 for r in reports if not r)
        result["facilitator"] = {
            "moves": facilitator.moves,
            "move_errors": facilitator.move_errors,
            "error_frames": facilitator.errors[:5],
            "themes": facilitator.themes,
        }
    finally:
        await facilitator.close()
        for conn in conns:
            try:
                conn.send(("close",))
            except Exception:  # noqa: BLE001,S110
                pass
        await ask(pool, conns, None, 60)
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        pool.shutdown(wait=False, cancel_futures=True)
    return result


def summarise(config, server, code, join_info, run, stored, log_counts):
    reports = run["reports"]
    n = sum(r["opened"] for r in reports)
    arrivals = {}
    for r in reports:
        for token, raw in r["arrivals"].items():
            a = array.array("d")
            a.frombytes(raw)
            arrivals.setdefault(token, []).append(a)
    phases = []
    for phase in run["phases"]:
        to_ack, to_all, each = [], [], []
        delivered = expected = acked = 0
        for token, (sent, acked_at, error, _slip) in phase["posts"].items():
            if error is not None or acked_at is None:
                continue
            acked += 1
            to_ack.append(acked_at - sent)
            got = [at - sent for a in arrivals.get(token, ()) for at in a]
            delivered += len(got)
            expected += n
            each.extend(got)
            each.extend([math.inf] * max(0, n - len(got)))
            to_all.append(max(got) if len(got) >= n and got else math.inf)
        posts = phase["posts"].values()
        phases.append(
            {
                "name": phase["name"],
                "sent": sum(1 for p in posts if p[2] is None),
                "send_errors": sum(1 for p in posts if p[2] is not None),
                "acked": acked,
                "max_schedule_slip_ms": round(1000 * max((p[3] for p in posts), default=0.0), 1),
                "posting_s": phase["posting_s"],
                "moves": phase["moves"],
                "latency_ms": {
                    "post_to_ack": dist_ms(to_ack),
                    "post_to_all": dist_ms(to_all),
                    "post_to_each": dist_ms(each),
                },
                "delivered": delivered,
                "expected": expected,
                "drops": expected - delivered,
                "complete": phase["complete"],
                "drain_s": phase["drain_s"],
                "resources": phase["resources"],
            }
        )
    errors = [e for r in reports for e in r["errors"]]
    codes = {}
    for e in errors:
        codes[e] = codes.get(e, 0) + 1
    mismatch = {k: sum(r["mismatch"][k] for r in reports) for k in ("seq", "posts", "themes", "any")}
    lags = [r["lag"] for r in reports]
    stored_all, public = stored if stored else (None, None)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "label": config.label,
        "config": {
            "clients": config.clients,
            "rate_per_s": config.rate,
            "seconds": config.seconds,
            "singles": config.singles,
            "idle_s": config.idle,
            "moves_per_s": config.moves,
            "posters": config.posters or min(config.clients, 100),
            "client_processes": config.processes,
            "server": server.kind,
            "live_fanout": config.fanout if not config.url else (os.environ.get("LIVE_FANOUT") or "server's"),
            "stock": config.stock,
            "server_processes": len(server.base_urls),
            "inquiry": code,
            "drain_limit_s": config.drain,
        },
        "machine": machine(),
        "join": join_info,
        "connections": {
            **run["connect"],
            "held_at_end": sum(r["held"] for r in reports),
            "closed_during_run": sum(len(r["closed"]) for r in reports),
            "closed_samples": sorted({c for r in reports for c in r["closed"]})[:3],
        },
        "idle": run["idle"],
        "phases": phases,
        "facilitator": run["facilitator"],
        "errors": {"server_error_frames": len(errors), "error_codes": codes, "server_log": log_counts},
        "final_check": {
            "reference": run["reference"],
            "reference_error": run.get("reference_error"),
            "clients_checked": sum(r["checked"] for r in reports),
            "mismatched": mismatch,
            "stored": len(stored_all) if stored_all is not None else None,
            "public": len(public) if public is not None else None,
        },
        "client_loop_lag_ms": {
            "p99_worst": max(
                (round(1000 * lag["p99"], 1) for lag in lags if lag["p99"] is not None), default=None
            ),
            "max": max((round(1000 * lag["max"], 1) for lag in lags if lag["max"] is not None), default=None),
        },
        "targets": config.targets,
        "verdicts": verdicts(config.targets, phases, run["idle"], join_info, run["connect"]),
    }


def _target_for(targets, name):
    if not targets:
        return None
    if "phase" in targets:
        return targets if targets["phase"] == name else None
    return targets.get(name)


def verdicts(targets, phases, idle, join=None, connect=None):
    """{phase, "idle", "join" or "connect": (met, text)} against the issues' targets."""
    out = {}
    target = _target_for(targets, "join")
    if target and join and "per_s" in join:
        out["join"] = _join_verdict(target, join)
    target = _target_for(targets, "connect")
    if target and connect:
        misses = []
        if connect["errors"] or connect["opened"] < connect["requested"]:
            misses.append(f"{connect['requested'] - connect['opened']:,} not connected")
        if connect["seconds"] > target["seconds"]:
            misses.append(f"{connect['seconds']:,.1f} s > {target['seconds']} s")
        out["connect"] = (not misses, "met" if not misses else "missed: " + "; ".join(misses))
    for phase in phases:
        target = _target_for(targets, phase["name"])
        if not target:
            continue
        misses = []
        lat = phase["latency_ms"]["post_to_each"]
        for key, q in (("each_p95", "p95"), ("each_p99", "p99")):
            if key in target:
                got = lat[q]
                if got is None:
                    continue
                if got == "lost" or got > target[key]:
                    shown = "lost" if got == "lost" else f"{got:,.0f} ms"
                    factor = "" if got == "lost" else f", {got / target[key]:.1f}x"
                    misses.append(f"{q} {shown} > {target[key]:,} ms{factor}")
        if "drops" in target and phase["drops"] > target["drops"]:
            misses.append(
                f"{phase['drops']:,} drops ({100 * phase['drops'] / max(1, phase['expected']):.2f}%)"
            )
        out[phase["name"]] = (not misses, "met" if not misses else "missed: " + "; ".join(misses))
    target = _target_for(targets, "idle")
    if target and idle:
        misses = []
        kb = idle.get("kb_per_connection")
        if kb is not None and kb > target["kb_per_conn"]:
            misses.append(f"{kb:,.1f} KB/conn > {target['kb_per_conn']} ({kb / target['kb_per_conn']:.1f}x)")
        if idle["server_cpu_pct"] is not None and idle["server_cpu_pct"] >= target["idle_cpu"]:
            misses.append(f"CPU {idle['server_cpu_pct']}% >= {target['idle_cpu']}%")
        out["idle"] = (not misses, "met" if not misses else "missed: " + "; ".join(misses))
    return out


def _join_verdict(target, join):
    misses = []
    if join["errors"] > target["failures"]:
        misses.append(f"{join['errors']:,} failures")
    if join["per_s"] is None or join["per_s"] < target["per_s"]:
        misses.append(f"{join['per_s']} joins/s < {target['per_s']}")
    p95 = join["join_ms"]["p95"]
    if p95 is None or p95 > target["join_p95"]:
        misses.append(f"p95 {p95} ms > {target['join_p95']:,} ms")
    overflows = (join.get("listen") or {}).get("overflows")
    if overflows is None or overflows > target["overflows"]:
        misses.append(f"{overflows} listen overflows")
    return (not misses, "met" if not misses else "missed: " + "; ".join(misses))


# Tables ---------------------------------------------------------------------------------------------------


def _f(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.1f}" if isinstance(v, float) else f"{v:,}"


def render_run(r):
    c, m, cn, j = r["config"], r["machine"], r["connections"], r["join"]
    fc, er = r["final_check"], r["errors"]
    lines = [
        f"{'Run':<22}{r['label'] or ''} ({r['date']})",
        f"{'Clients (N)':<22}{c['clients']:,} participants in {c['client_processes']} client processes"
        f" + 1 facilitator socket",
        f"{'Server':<22}{c['server']}; LIVE_FANOUT={c['live_fanout']}",
        f"{'Machine':<22}{m['cores']} cores ({m['cpu'] or '?'}), {m['memory_gb']} GB, Python {m['python']};"
        f" {m['layout']}",
        *(
            [joins.render(j, _join_cpu(j))]
            if "per_s" in j
            else [
                f"{'Join':<22}{j['mode']}: {j['joined']:,} joined, {j['errors']} errors, {j['seconds']:.1f} s"
            ]
        ),
        f"{'Connections':<22}{cn['opened']:,}/{cn['requested']:,} opened in {cn['seconds']:.1f} s "
        f"({_f(cn['per_s'])}/s), {cn['errors']} connect errors, {cn['closed_during_run']} closed during run, "
        f"{cn['held_at_end']:,} held at end"
        + (
            f"; server {cn['server_cpu_ms_per_socket']} ms of CPU a socket ({_cpu_line(cn.get('resources'))})"
            if cn.get("server_cpu_ms_per_socket") is not None
            else ""
        ),
    ]
    idle = r["idle"]
    if idle:
        lines.append(
            f"{'Idle ' + format(idle['window_s'], 'g') + ' s':<22}"
            f"server CPU {idle['server_cpu_pct']}% of one core with {idle['held']:,} connected;"
            f" RSS {idle['rss_before_mb']} MB before connecting -> "
            f"{idle['rss_connected_mb']} connected -> {idle['rss_after_idle_mb']} after idle = "
            f"{_f(idle['kb_per_connection'])} KB per connection"
        )
    for p in r["phases"]:
        rs = p["resources"]
        lines += [
            "",
            f"Phase {p['name']}: {p['sent']} posts sent, {p['acked']} acked, {p['send_errors']} send errors, "
            f"{p['moves']} facilitator moves; posting {p['posting_s']:.1f} s, max schedule slip "
            f"{p['max_schedule_slip_ms']} ms",
            f"{'Latency (ms)':<22}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}{'samples':>11}{'lost':>9}",
        ]
        for label, key in (
            ("post -> ack (sender)", "post_to_ack"),
            ("post -> all clients", "post_to_all"),
            ("post -> each client", "post_to_each"),
        ):
            d = p["latency_ms"][key]
            lines.append(
                f"{label:<22}"
                + "".join(f"{_f(d[q]):>10}" for q in ("p50", "p95", "p99", "max"))
                + f"{d['n']:>11,}{d['lost']:>9,}"
            )
        ratio = f"{100 * p['delivered'] / p['expected']:.2f}%" if p["expected"] else "-"
        lines += [
            f"{'Delivered/expected':<22}{p['delivered']:,}/{p['expected']:,} ({ratio}); "
            f"{'all in' if p['complete'] else 'NOT all in'} {p['drain_s']:.1f} s after the last post",
            f"{'CPU (phase+drain)':<22}server {_f(rs['server_cpu_pct'])}% of one core, clients "
            f"{_f(rs['client_cpu_pct'])}%"
            + (
                f" ({rs['client_us_per_frame']} µs per frame read, {rs['client_frames']:,} frames)"
                if rs.get("client_us_per_frame") is not None
                else ""
            )
            + f", other {_f(rs['other_cpu_pct'])}%;"
            f" server RSS {_f(rs['server_rss_mb'])} MB",
        ]
        verdict = r["verdicts"].get(p["name"])
        if verdict:
            lines.append(f"{'Target':<22}{verdict[1]}")
    if "idle" in r["verdicts"]:
        lines.append(f"{'Idle target':<22}{r['verdicts']['idle'][1]}")
    for key, name in (("join", "Join target"), ("connect", "Connect target")):
        if key in r["verdicts"]:
            lines.append(f"{name:<22}{r['verdicts'][key][1]}")
    ref = fc["reference"]
    mm = fc["mismatched"]
    logc = er["server_log"]
    lines += [
        "",
        f"{'Final check':<22}"
        + (
            f"no fresh snapshot ({fc.get('reference_error') or 'no spare participant'}); boards not compared"
            if ref is None
            else f"fresh screen: seq {ref['seq']}, {ref['posts']} posts, themes {ref['themes']}; "
            f"{mm['any']}/{fc['clients_checked']:,} clients differ (seq {mm['seq']}, posts {mm['posts']}, "
            f"theme columns {mm['themes']}); database: {fc['stored']} stored, {fc['public']} public"
        ),
        f"{'Facilitator':<22}{r['facilitator']['moves']} moves, "
        f"{r['facilitator']['move_errors']} send errors, "
        f"error frames {r['facilitator']['error_frames'] or 'none'}",
        f"{'Server error frames':<22}{er['server_error_frames']}"
        + (f" {er['error_codes']}" if er["error_codes"] else ""),
        f"{'Server log':<22}"
        + (
            "not read (--url)"
            if logc is None
            else f"{logc['database_locked']} 'database is locked', {logc['tracebacks']} tracebacks "
            f"(+{logc['database_locked_after']} / +{logc['tracebacks_after']} while closing the sockets)"
        ),
        f"{'Client loop lag (ms)':<22}worst process p99 {r['client_loop_lag_ms']['p99_worst']}, "
        f"max {r['client_loop_lag_ms']['max']}",
    ]
    samples = cn["error_samples"] + cn["closed_samples"] + j.get("error_samples", [])
    if samples:
        lines.append(f"{'Error samples':<22}" + " | ".join(samples))
    return "\n".join(lines)


def _cpu_line(window):
    if not window:
        return None
    return (
        f"server {_f(window['server_cpu_pct'])}% of one core, clients {_f(window['client_cpu_pct'])}%, "
        f"other {_f(window['other_cpu_pct'])}%, load {window['load_avg_1m']}"
    )


def _join_cpu(join):
    if not join.get("resources"):
        return None
    return f"{_cpu_line(join['resources'])}; {join['server_cpu_ms_per_join']} ms of server CPU a join"


def _ms(value):
    return "-" if value is None else f"{value:,.0f}"


def render_joins(results):
    """The door: one line per run whose participants came in over HTTP (times in ms)."""
    rows = [r for r in results if "per_s" in r["join"]]
    if not rows:
        return ""
    head = (
        f"{'Run':<34}{'fanout':<7}{'joined':>8}{'s':>7}{'joins/s':>9}{'join p50/p95':>15}"
        f"{'join page':>14}{'POST':>14}{'part. page':>14}{'fail':>6}{'ovfl':>6}{'connect/s':>11}  target"
    )
    lines = [
        "Join storm (HTTP, ms: per join, then p50/p95 per step: join page, POST, participant page) and "
        "connect storm",
        head,
        "-" * len(head),
    ]
    for r in rows:
        j, c = r["join"], r["connections"]
        st = j["steps_ms"]
        v = r["verdicts"].get("join", (None, ""))[1]
        cv = r["verdicts"].get("connect")
        per_join = f"{_ms(j['join_ms']['p50'])}/{_ms(j['join_ms']['p95'])}"
        steps = "".join(
            f"{_ms(st[k]['p50']) + '/' + _ms(st[k]['p95']) if k in st else '-':>14}"
            for k in ("join_page", "post", "participant_page")
        )
        label = r["label"] or f"N={r['config']['clients']:,}"
        lines.append(
            f"{label[:33]:<34}{r['config']['live_fanout']:<7}{j['joined']:>8,}{j['seconds']:>7.1f}"
            f"{_f(j['per_s']):>9}{per_join:>15}{steps}"
            f"{j['errors']:>6}{_f((j.get('listen') or {}).get('overflows')):>6}{_f(c['per_s']):>11}  {v}"
            + (f"; connect {cv[1]}" if cv else "")
        )
    return "\n".join(lines)


def render_summary(results):
    """One table: a row per (run, phase), and an idle row per run that had one."""
    m = results[0]["machine"]
    head = (
        f"{'Run':<34}{'fanout':<7}{'phase':<10}{'posts':>6}{'each p50':>10}{'p95':>9}{'p99':>9}"
        f"{'all p99':>9}{'delivered':>20}{'held':>8}{'srv CPU':>8}{'other':>7}  target"
    )
    lines = [
        f"{m['cores']} cores ({m['cpu'] or '?'}), {m['memory_gb']} GB; {m['layout']}; "
        f"{results[0]['date']}; latencies in ms (post -> each client unless 'all'), CPU in % of one core"
        " ('other': processes that are neither server nor benchmark, e.g. other test suites)",
        head,
        "-" * len(head),
    ]
    for r in results:
        c = r["config"]
        label = (r["label"] or f"N={c['clients']:,}")[:33]
        fan = c["live_fanout"]
        join = "http" if r["join"]["mode"].startswith("http") else "bulk"
        label = f"{label} [{join}]"[:33]
        if r["idle"]:
            i = r["idle"]
            v = r["verdicts"].get("idle", (None, ""))[1]
            lines.append(
                f"{label:<34}{fan:<7}{'idle':<10}{'-':>6}{'':>10}{'':>9}{'':>9}{'':>9}"
                f"{_f(i['kb_per_connection']) + ' KB/conn':>20}"
                f"{i['held']:>8,}{_f(i['server_cpu_pct']):>8}{_f(i['other_cpu_pct']):>7}  {v}"
            )
        for p in r["phases"]:
            e, a = p["latency_ms"]["post_to_each"], p["latency_ms"]["post_to_all"]
            v = r["verdicts"].get(p["name"], (None, ""))[1]
            dl = f"{p['delivered']:,}/{p['expected']:,}"
            lines.append(
                f"{label:<34}{fan:<7}{p['name']:<10}{p['sent']:>6}{_f(e['p50']):>10}{_f(e['p95']):>9}"
                f"{_f(e['p99']):>9}{_f(a['p99']):>9}{dl:>20}{r['connections']['held_at_end']:>8,}"
                f"{_f(p['resources']['server_cpu_pct']):>8}{_f(p['resources']['other_cpu_pct']):>7}  {v}"
            )
        mm = r["final_check"]["mismatched"]
        if mm["any"]:
            lines.append(
                f"{'':<34}{'':<7}final board check: {mm['any']:,} of "
                f"{r['final_check']['clients_checked']:,} clients differ from a fresh snapshot"
            )
    door = render_joins(results)
    return "\n".join(lines) + ("\n\n" + door if door else "")


# Main -----------------------------------------------------------------------------------------------------


DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def resolve_postgres(value):
    """``auto``: BENCH_POSTGRES_URL or the local default if a PostgreSQL answers there, else "" (SQLite)."""
    if value != "auto":
        return value
    url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return url
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL to use here
        log(f"no PostgreSQL at {url} ({type(exc).__name__}); this run uses SQLite")
        return ""


def run_one(config):
    raise_open_file_limit(config.clients + 512)  # the server holds N sockets; it inherits this limit
    spy = None
    server = (
        ExternalServer(config.url)
        if config.url
        else EmbeddedServer(
            config.server_processes,
            config.fanout,
            config.keep_server_log,
            config.ws_max_message_size,
            postgres=resolve_postgres(config.postgres),
            stock=config.stock,
        )
    )
    try:
        server.start()
        code, facilitator_key = setup_inquiry(server.env(), config.code)
        if config.profile and server.pids:
            spy = joins.start_profiler(server.pids[0], config.profile)
        mode = config.join_mode
        log(f"inquiry {code}; joining {config.clients + 1:,} participants ({mode})")
        if mode == "http":
            probe = Probe(server.pids) if server.pids else None
            if probe:
                probe.mark()
            joined, join_info = joins.run_storm(
                server.base_urls, code, config.clients + 1, config.join_concurrency
            )
            join_info["resources"] = probe.read() if probe else None
            join_info["server_cpu_ms_per_join"] = joins.cpu_ms_per_join(join_info, join_info["resources"])
            join_s = join_info["seconds"]
        else:
            joined, join_s = bulk_join(server.env(), code, config.clients + 1, server.base_urls)
            join_info = {
                "mode": "bulk (ORM: Participants and sessions as the join view writes them; not HTTP)",
                "joined": sum(1 for j in joined if not j.error),
                "errors": sum(1 for j in joined if j.error),
                "seconds": join_s,
                "error_samples": sorted({j.error for j in joined if j.error})[:3],
            }
        log(f"joined {join_info['joined']:,} in {join_s:.1f} s; opening websockets")
        run = asyncio.run(run_load(config, server, code, facilitator_key, joined, spy))
        stored = stored_in_db(server.env(), code)
        results = summarise(config, server, code, join_info, run, stored, None)
    finally:
        if spy is not None and spy.poll() is None:
            joins.stop_profiler(spy)
        server.stop()
    results["errors"]["server_log"] = server.log_counts()
    server.cleanup()
    return results


def main(argv=None):
    configs = parse_args(argv)
    if configs and isinstance(configs[0], str):  # --from-json
        results = [r for path in configs for r in json.loads(Path(path).read_text())]
        for r in results:
            if not r.get("targets"):
                r["targets"] = default_targets(r["config"])
            r["verdicts"] = verdicts(r["targets"], r["phases"], r["idle"], r["join"], r["connections"])
            print(render_run(r) + "\n")
        print(render_summary(results))
        return 0
    results = []
    for config in configs:
        log(f"=== {config.label or 'run'}: N={config.clients:,} LIVE_FANOUT={config.fanout}")
        try:
            results.append(run_one(config))
        except Exception as exc:  # noqa: BLE001 - one failed run must not lose the others
            log(f"run failed: {type(exc).__name__}: {exc}")
        if not config.json and results:
            print(render_run(results[-1]) + "\n", flush=True)
    if configs[0].json:
        print(json.dumps(results, indent=2, default=str))
    elif len(results) > 1 or len(configs) > 1:
        print(render_summary(results))
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
