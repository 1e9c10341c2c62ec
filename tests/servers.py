"""Real Daphne processes serving ``asgi:application`` against the test database this pytest process
created: for the browser tests and for the cross-process tests.

Each process reads the same settings as the tests (SQLite file or PostgreSQL from DATABASE_URL; the Redis
channel layer when REDIS_URL is set, under the prefix the caller gives), with the database name swapped
for the test database's and the tests' password hashers (see tests/browser/server_settings.py). What a
test stores must be committed for a server to see it: tests that use one are transactional."""

import asyncio
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import websockets
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import connect

from .support import Screen, is_participant_page, session_cookie

ROOT = Path(__file__).resolve().parents[1]
SERVER_SETTINGS = "tests.browser.server_settings"
START_TIMEOUT = 30
STOP_TIMEOUT = 10
TIMEOUT = 10  # for one thing to show on a screen connected to a real server
# Daphne's websocket limits as `make run` and docs/production.md set them (16 MiB messages and frames).
LIMITS = ["--websocket-max-message-size", "16777216", "--websocket-max-frame-size", "16777216"]
BACKLOG = 4096  # the listen queue of `make run` (Daphne's default of 50 overflows when a room joins at once)


def server_env(redis_prefix, extra=None, database=None):
    """The environment of a Daphne process that shares this pytest process's test database (``extra``:
    more variables, e.g. RATE_LIMITS or single sign-on, a None value removing one; ``database``: settings
    of the database connection to change, e.g. its PORT, to go through a proxy)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SERVER_SETTINGS,
        "LINEWALK_TEST_SETTINGS": json.dumps(
            {
                "DATABASE_NAME": str(connection.settings_dict["NAME"]),
                "DATABASE": database or {},
                "PASSWORD_HASHERS": list(settings.PASSWORD_HASHERS),
            }
        ),
        # The same key as this process, so sessions made here (Django's test client) are valid there.
        "SECRET_KEY": settings.SECRET_KEY,
        "REDIS_PREFIX": redis_prefix,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        # Daphne reports the port it got for -p 0 at INFO; the project's LOGGING would hide it otherwise.
        "LOG_LEVEL": "INFO",
        # Plain http on 127.0.0.1, static files from the app, whatever the surrounding environment says.
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        "SERVE_STATIC": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for name, value in (extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class Daphne:
    """One Daphne process on a free port of 127.0.0.1. ``launch`` starts it without waiting, so several
    can start side by side; ``wait_until_serving`` returns once it answers, with ``url`` set."""

    def __init__(self, process, log_path):
        self.process = process
        self.log_path = Path(log_path)
        self.url = None

    @classmethod
    def launch(cls, log_path, *, redis_prefix, env=None, database=None, args=()):
        """``args``: more of Daphne's options (e.g. its ping's interval and timeout)."""
        daphne = Path(sys.executable).with_name("daphne")
        command = [
            str(daphne),
            "-e",
            f"tcp:port=0:interface=127.0.0.1:backlog={BACKLOG}",
            "--access-log",
            os.devnull,
        ]
        command += [*LIMITS, *args, "asgi:application"]
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=server_env(redis_prefix, env, database),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return cls(process, log_path)

    @property
    def ws_url(self):
        return "ws" + self.url.removeprefix("http")

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, timeout=START_TIMEOUT):
        """The port Daphne reports once it listens, then a page it serves; fail fast if it dies."""
        deadline = time.monotonic() + timeout
        url = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Daphne exited with {self.process.returncode}:\n{self.log()}")
            if url is None:
                found = re.search(r"Listening on TCP address 127\.0\.0\.1:(\d+)", self.log())
                if found:
                    url = f"http://127.0.0.1:{found.group(1)}"
            if url is not None:
                try:
                    with urllib.request.urlopen(url + "/", timeout=2) as response:
                        if response.status == 200:
                            self.url = url
                            return self
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.05)  # polling interval while the server starts, not synchronisation
        self.process.kill()
        self.process.wait()
        raise RuntimeError(f"Daphne did not start within {timeout}s:\n{self.log()}")

    def stop(self):
        """Terminate the process (SIGTERM) and wait for it; kill it if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(log_paths, *, redis_prefix, env=None, database=None, args=()):
    """Start one Daphne per log path, side by side, and return them once all serve. If one fails to
    start, the others are stopped before the error propagates."""
    servers = [
        Daphne.launch(path, redis_prefix=redis_prefix, env=env, database=database, args=args)
        for path in log_paths
    ]
    try:
        for server in servers:
            server.wait_until_serving()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


# For tests of several processes: they need the Redis channel layer.
needs_redis = pytest.mark.skipif(
    "RedisChannelLayer" not in settings.CHANNEL_LAYERS["default"]["BACKEND"],
    reason="needs REDIS_URL: the embedded in-memory channel layer cannot carry events between processes",
)


@contextmanager
def running(tmp_path, count=2, *, env=None, prefix=None):
    """``count`` Daphne processes sharing the test database and the Redis named by REDIS_URL, under a
    prefix of their own (or ``prefix``) so keys left by other runs never interfere; on the way out they
    are stopped and their keys removed (groups a stopped process never left would otherwise linger for
    channels-redis' group expiry, a day)."""
    prefix = prefix or f"linewalk-xp-{uuid.uuid4().hex[:12]}"
    logs = [tmp_path / f"daphne-{n}.log" for n in range(1, count + 1)]
    started = start(logs, redis_prefix=prefix, env=env)
    try:
        yield started
    finally:
        for server in started:
            server.stop()
        with redis.Redis.from_url(os.environ["REDIS_URL"]) as client:
            for key in client.scan_iter(match=f"{prefix}*"):
                client.delete(key)


@contextmanager
def behind_a_cut_proxy(tmp_path, name, pool_timeout, env=None):
    """A Daphne reaching the test database (PostgreSQL only) through a ``Proxy`` the test can cut, its
    pool waiting ``pool_timeout`` seconds for a connection (``env``: more of its environment): yields
    (daphne, proxy)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's fault (SQLite's: tests/browser/test_database_outage.py)")
    database = connection.settings_dict
    proxy = Proxy(int(database["PORT"] or 5432), database["HOST"] or "127.0.0.1").start()
    (daphne,) = start(
        [tmp_path / "daphne.log"],
        redis_prefix=f"linewalk-{name}-{uuid.uuid4().hex[:12]}",
        database={"HOST": "127.0.0.1", "PORT": str(proxy.port)},
        env={"DB_POOL_TIMEOUT": str(pool_timeout), **(env or {})},
    )
    try:
        yield daphne, proxy
    finally:
        daphne.stop()
        proxy.cut()


class RealSocket:
    """What support.Screen asks of Channels' WebsocketCommunicator, over a real websocket to a server."""

    def __init__(self, url, cookie, origin):
        self.url = url
        self.cookie = cookie
        self.origin = origin  # the server's own, as a page it served sends
        self.socket = None

    async def connect(self, timeout):
        headers = {"Cookie": self.cookie.decode()} if self.cookie else {}
        self.socket = await asyncio.wait_for(
            connect(self.url, origin=self.origin, additional_headers=headers, max_size=2**24), timeout
        )
        return True, None

    async def receive_output(self, timeout):
        try:
            text = await asyncio.wait_for(self.socket.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            return {"type": "websocket.close", "code": closed.rcvd.code if closed.rcvd else 1006}
        return {"type": "websocket.send", "text": text}

    async def send_to(self, text_data):
        await self.socket.send(text_data)

    async def disconnect(self):
        if self.socket is not None:
            await self.socket.close()


class RemoteScreen(Screen):
    """A support.Screen whose websocket goes to one of the Daphne processes."""

    def __init__(self, server, code, client=None, *, all_servers=(), cookie=None):
        """``client``: Django's test client whose session to use, or ``cookie``: a Cookie header."""
        super().__init__(code, client)
        if client is not None and settings.SESSION_COOKIE_NAME in client.cookies:
            cookie = session_cookie(client)
        self.communicator = RealSocket(f"{server.ws_url}/ws/i/{code}/", cookie, server.url)
        self.all_servers = all_servers or (server,)

    async def sees(self, text):
        """Wait for ``text`` to show on this screen; on timeout, fail with what every server logged."""
        try:
            return await self.until(lambda screen: text in screen.texts(), timeout=TIMEOUT)
        except TimeoutError:
            logs = "\n".join(f"--- {s.log_path.name} ---\n{s.log()[-5_000:]}" for s in self.all_servers)
            raise AssertionError(f"{text!r} never showed; the screen shows {self.texts()}\n{logs}") from None


class Browser:
    """A person's browser over HTTP to a real server: its own cookies, CSRF token taken from the page."""

    def __init__(self, server):
        self.server = server
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects()
        )

    def get(self, path):
        """(status, body) of a GET."""
        try:
            with self.opener.open(self.server.url + path, timeout=TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path, fields):
        """(status, body) of a form POST, with the CSRF token of the page at ``path``."""
        status, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1) if token else ""})
        try:
            with self.opener.open(self.server.url + path, data=data.encode(), timeout=TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def join(self, code, name, sector):
        """Join an inquiry through its join page: True when the form's answer is the participant's page,
        else the answer's status."""
        status, page = self.post(f"/i/{code}/join/", {"display_name": name, "sector": sector})
        return True if is_participant_page(status, page, code) else status

    @property
    def cookie(self):
        """The Cookie header this browser sends (for a websocket to the same server)."""
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies).encode()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of a test's own on a free port of 127.0.0.1, without persistence (so a restart loses
    every key, as the outside test's did), which the test may stop and start again on the same port."""

    def __init__(self, log_path):
        self.port = free_port()
        self.log_path = Path(log_path)
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--protected-mode", "no"]
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{self.log_path.read_text()}")
            try:
                with redis.Redis(port=self.port, socket_timeout=1) as client:
                    if client.ping():
                        return self
            except redis.ConnectionError:
                time.sleep(0.05)  # polling interval while it starts, not synchronisation
        self.stop()
        raise RuntimeError(f"redis-server did not start:\n{self.log_path.read_text()}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def out_of_memory(self, full=True):
        """Redis at its memory limit with nothing to evict (``noeviction``): every write is refused with
        OOM, reads and blocking pops still answer. ``full=False``: room again."""
        with redis.Redis(port=self.port, socket_timeout=5) as client:
            client.config_set("maxmemory-policy", "noeviction")
            client.config_set("maxmemory", "1" if full else "0")

    def hang(self, hung=True):
        """Redis stops answering without closing anything (SIGSTOP), or carries on (SIGCONT)."""
        self.process.send_signal(signal.SIGSTOP if hung else signal.SIGCONT)


class Proxy:
    """A TCP proxy of a test's own in front of a server (the shared PostgreSQL): ``cut`` drops every
    connection through it and refuses new ones, as a database going away does; ``restore`` lets
    connections through again, on the same port. ``hang`` keeps every connection open and accepts new
    ones, but passes nothing on either way (what it is sent is dropped), as a hung database does whose
    host still acknowledges each packet; ``restore`` then closes the connections that lost data."""

    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.listener = None
        self.open = []  # every socket of every proxied connection
        self.lock = threading.Lock()
        self.hung = False
        self.lost = set()  # sockets of connections that lost data while hung

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()
        return self

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            # The timeout was for connecting: left on, an idle connection (a pooled one, or any while
            # hung) was dropped after 5 s of silence.
            upstream.settimeout(None)
            with self.lock:
                self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                if self.hung:
                    with self.lock:
                        self.lost.update((source, sink))
                    continue
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        # shutdown() wakes the thread blocked in accept(); close() alone would leave it listening.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            sockets, self.open = self.open, []
        for end in sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def hang(self):
        self.hung = True

    def restore(self):
        if self.hung:
            self.hung = False
            with self.lock:
                lost, self.lost = self.lost, set()
            for end in lost:
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return self
        return self.start()
