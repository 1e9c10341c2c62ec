"""The server the load benchmark talks to (Daphne processes it starts on a fresh database, or one already
running), and the inquiry, facilitator and participants it sets up through ``manage.py shell``."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.joins import Joined

from .measure import log

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# Daphne's listen backlog as `make run` sets it (Makefile BACKLOG).
MAKE_RUN_BACKLOG = 4096
VENV_BIN = Path(sys.executable).parent

# Lines of the server log worth counting (case-insensitive substrings).
LOG_PATTERNS = {"database_locked": "database is locked", "tracebacks": "traceback (most recent call last)"}


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
