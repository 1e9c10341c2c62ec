"""The load benchmark's clients: the participants' sockets, held by client processes (each a uvloop loop
driven over a pipe), the facilitator's screen that moves cards, and a fresh screen's snapshot."""

from __future__ import annotations

import array
import asyncio
import functools
import json
import multiprocessing
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import uvloop

from bench import wsclient
from bench.harness import wait_for
from bench.joins import percentile

from .checks import board_mismatches
from .frames import (
    CARD_ID_RE,
    ERROR_RE,
    SEQ_RE,
    THEME_RE,
    TOKEN_RE,
    FrameCache,
    apply_card_ops,
    parse_themes,
    token_of,
)
from .measure import log, raise_open_file_limit

# What a phone's page sends when its socket has been quiet for a while (static/linewalk/heartbeat.js,
# sessions/protocol.PING); the server answers with a small frame. "A while" is 1 s for the first 10 s after
# the page opened (or was last touched: the bench's clients never touch), then 30 s.
PHONE_QUIET_IN_USE, PHONE_IN_USE, PHONE_QUIET_IDLE = 1.0, 10.0, 30.0
PHONE_PING = '{"type":"sync","op":"ping"}'


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
                    await wait_for(functools.partial(self._drained, tokens), deadline - time.time())
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
                differ = board_mismatches(c.board(), reference)
                for key in differ:
                    mismatch[key] += 1
                mismatch["any"] += bool(differ)
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


class ClientProcesses:
    """The client processes, as the coordinating process drives them: each started with its share of the
    participants (``owner``: which process holds whose socket), asked over its pipe (a thread waits for
    each answer), told to close at the end."""

    def __init__(self, code, joined, processes, worker_config):
        self.code, self.worker_config = code, worker_config
        n_proc = min(processes, len(joined))
        self.shares = [[] for _ in range(n_proc)]
        for j in joined:
            self.shares[j.index % n_proc].append(
                (j.index, j.base_url, j.session_cookie if not j.error else None)
            )
        self.owner = {j.index: j.index % n_proc for j in joined}
        self.conns, self.procs = [], []
        self.pool = ThreadPoolExecutor(max_workers=2 * n_proc + 2)

    @property
    def pids(self):
        return [p.pid for p in self.procs]

    def start(self):
        ctx = multiprocessing.get_context("spawn")
        for wid, share in enumerate(self.shares):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=worker_entry, args=(child, wid, self.code, share, self.worker_config), daemon=True
            )
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)

    async def ask(self, message, limit):
        """Send ``message`` (None: nothing) to every client process and wait (at most ``limit`` s) for each
        one's answer."""
        loop = asyncio.get_running_loop()
        for conn in self.conns:
            if message is not None:
                conn.send(message)

        def answer(conn):
            return conn.recv() if conn.poll(limit) else None

        return await asyncio.gather(*(loop.run_in_executor(self.pool, answer, conn) for conn in self.conns))

    async def close(self):
        for conn in self.conns:
            try:
                conn.send(("close",))
            except Exception:  # noqa: BLE001,S110
                pass
        await self.ask(None, 60)
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        self.pool.shutdown(wait=False, cancel_futures=True)


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
        if not await wait_for(lambda: len(self.themes) >= 2, timeout):
            raise TimeoutError

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
