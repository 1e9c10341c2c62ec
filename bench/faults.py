"""Fault injection on the production layout, as outside testers run it: two Daphne processes on
PostgreSQL (through a TCP proxy of this script's own, which it can cut) and a redis-server of its own
(port 6390, no persistence: restarted freely, never the shared one), 20 participants posting about one
post every 2 s each (resending what is not acknowledged, as the page does) and a facilitator moving
cards and adding themes; then one fault, and what every screen ended up with.

    .venv/bin/python -m bench.faults SCENARIO  # none|daphne|redis|redis-clientkill|db|dbhang|dbkill

``daphne``: kill -9 the second process, restart it 8 s later (its screens reconnect to the first);
``redis``: kill and restart the redis-server; ``redis-clientkill``: CLIENT KILL every connection;
``db``: cut PostgreSQL for FAULT_SECS (10) s; ``dbhang``: the proxy keeps every connection open (and
accepts new ones) but passes nothing on for FAULT_SECS s, as a hung server or a network dropping packets
does, then closes the connections that lost data; ``dbkill``: pg_terminate_backend every backend of the
database, repeatedly, for FAULT_SECS s. Needs a PostgreSQL at 127.0.0.1:5432 (trust, user postgres)
with a database FAULTS_DB (``faults``), migrated by the script. It prints: posts acknowledged, stored
(once each), still unacknowledged; per screen, acknowledged posts it does not show, errors it was told,
close codes, frames whose sequence number went back; what the facilitator was told; how long a
facilitator's change took to show afterwards; each process's RSS before and after."""

import asyncio
import collections
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.request
import uuid

import websockets

from bench.live.servers import ROOT as ROOT_PATH
from bench.live.servers import bulk_join, setup_inquiry

ROOT = str(ROOT_PATH)
PY = f"{ROOT}/.venv/bin/python"
PORTS = [8431, 8432]
PROXY_PORT = 15432
REDIS_PORT = 6390
N = 20
VAR = f"{ROOT}/var"
DB = os.environ.get("FAULTS_DB", "faults")

SEQ_RE = re.compile(r'<div id="lw-seq"[^>]*data-seq="(\d+)"')
CARD_RE = re.compile(r'<li[^>]* id="card-(\d+)"')
ACK_RE = re.compile(r'data-ack="([0-9a-f-]{36})" data-card="(\d+)"')
ERR_RE = re.compile(r'class="error" data-code="([^"]*)"((?: data-[a-z]+="[^"]*")*)>([^<]*)')
THEME_RE = re.compile(r'id="theme-(\d+)"')


def log(*a):
    print(f"{time.strftime('%H:%M:%S')}", *a, flush=True)


ENV = {
    **os.environ,
    "SECRET_KEY": "fault-run-secret-key-" + "x" * 40,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PROXY_PORT}/{DB}",
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/4",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "PYTHONPATH": ROOT,
    "LOG_LEVEL": "INFO",
}


# --- PG proxy ---------------------------------------------------------------------------------------
class Proxy:
    def __init__(self):
        self.server = None
        self.conns = set()
        self.hung = False
        self.lost = set()  # connections that lost data while hung

    async def start(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", PROXY_PORT, reuse_address=True)

    async def handle(self, r, w):
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", 5432)
        except OSError:
            w.close()
            return
        pair = (w, uw)
        self.conns.add(pair)

        async def pump(a, b):
            try:
                while data := await a.read(65536):
                    if self.hung:
                        self.lost.add(pair)
                        continue
                    b.write(data)
                    await b.drain()
            except Exception:  # noqa: BLE001,S110
                pass
            finally:
                for x in pair:
                    x.close()
                self.conns.discard(pair)

        asyncio.create_task(pump(r, uw))
        asyncio.create_task(pump(ur, w))

    async def cut(self):
        self.server.close()
        for a, b in list(self.conns):
            a.transport.abort()
            b.transport.abort()
        self.conns.clear()
        await self.server.wait_closed()

    async def restore(self):
        await self.start()

    def hang(self):
        self.hung = True

    def unhang(self):
        self.hung = False
        for a, b in self.lost:
            a.transport.abort()
            b.transport.abort()
        self.lost.clear()


# --- processes ----------------------------------------------------------------------------------------
def start_redis():
    return subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=open(f"{VAR}/redis.log", "a"),
        stderr=subprocess.STDOUT,
    )


def start_daphne(i):
    port = PORTS[i]
    cmd = [
        f"{ROOT}/.venv/bin/daphne",
        "-e",
        f"tcp:port={port}:interface=127.0.0.1:backlog=4096",
        "--ping-interval",
        "60",
        "--websocket-max-message-size",
        "16777216",
        "--websocket-max-frame-size",
        "16777216",
        "asgi:application",
    ]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=ENV, stdout=open(f"{VAR}/daphne-{i}.log", "a"), stderr=subprocess.STDOUT
    )


def wait_http(port, limit=30):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:  # noqa: BLE001
            time.sleep(0.1)
    raise RuntimeError(f"daphne {port} not serving")


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])


# --- clients -----------------------------------------------------------------------------------------
class Stats:
    acked = {}  # client_id -> card id (union over all participants)
    duplicate_acks = 0


class Client:
    def __init__(self, name, cookie, home, code, poster=True):
        self.name, self.cookie, self.home, self.code = name, cookie, home, code
        self.poster = poster
        self.seq = None
        self.pending = {}  # client_id -> text
        self.mine = {}
        self.seen = set()
        self.themes = set()
        self.errors = collections.Counter()
        self.messages = collections.Counter()
        self.closes = collections.Counter()
        self.connects = 0
        self.snapshots = 0
        self.ws = None
        self.running = True
        self.down_since = None
        self.longest_down = 0.0
        self.connect_failures = collections.Counter()
        self.seq_regressions = 0
        self.delayed_seen = False
        self.retry = None
        self.delay = 0
        self.sent = 0
        self.replies = 0
        self.waiting_since = None  # when the oldest post not yet answered (ack or error) was sent
        self.longest_wait = 0.0  # the longest a post waited for any answer

    def url(self, port):
        q = f"?since={self.seq}" if self.seq is not None else ""
        return f"ws://127.0.0.1:{port}/ws/i/{self.code}/{q}", f"http://127.0.0.1:{port}"

    async def run(self):
        idx = self.home
        attempt = 0
        while self.running:
            port = PORTS[idx]
            url, origin = self.url(port)
            try:
                self.ws = await asyncio.wait_for(
                    websockets.connect(
                        url,
                        origin=origin,
                        additional_headers={"Cookie": self.cookie},
                        max_size=2**24,
                        ping_interval=None,
                    ),
                    5,
                )
            except Exception as e:  # noqa: BLE001
                self.connect_failures[type(e).__name__ + ":" + str(e)[:60]] += 1
                self.ws = None
                if self.down_since is None:
                    self.down_since = time.monotonic()
                attempt += 1
                idx = (idx + 1) % len(PORTS)  # the proxy's least_conn would send it to the other
                await asyncio.sleep(min(2, 0.2 * attempt) * random.random() + 0.1)
                continue
            attempt = 0
            self.connects += 1
            if self.down_since is not None:
                self.longest_down = max(self.longest_down, time.monotonic() - self.down_since)
                self.down_since = None
            for cid, text in list(self.pending.items()):
                await self.send({"type": "card", "op": "add", "client_id": cid, "text": text})
            try:
                async for m in self.ws:
                    self.observe(m)
                code = self.ws.close_code
            except websockets.ConnectionClosed as c:
                code = c.rcvd.code if c.rcvd else 1006
            except Exception as e:  # noqa: BLE001
                code = f"exc {e!r}"[:60]
            self.closes[code] += 1
            self.ws = None
            if self.down_since is None:
                self.down_since = time.monotonic()
            if not self.running:
                return
            await asyncio.sleep(random.random() * 1.0)

    async def send(self, msg):
        if self.ws is None:
            return False
        try:
            await self.ws.send(json.dumps(msg))
            self.sent += 1
            if msg["type"] == "card" and msg["op"] == "add" and self.waiting_since is None:
                self.waiting_since = time.monotonic()
            return True
        except Exception:  # noqa: BLE001
            return False

    def answered(self):
        if self.waiting_since is not None:
            self.longest_wait = max(self.longest_wait, time.monotonic() - self.waiting_since)
            self.waiting_since = None

    def observe(self, m):
        if isinstance(m, bytes):
            m = m.decode()
        found = SEQ_RE.match(m)
        if found:
            n = int(found.group(1))
            if 'data-snapshot="1"' in m[:200]:
                self.snapshots += 1
                self.seen = set()
            elif self.seq is not None and n <= self.seq:
                self.seq_regressions += 1
            self.seq = n
        for c in CARD_RE.findall(m):
            self.seen.add(int(c))
        for t in THEME_RE.findall(m):
            self.themes.add(int(t))
        for cid, card in ACK_RE.findall(m):
            self.pending.pop(cid, None)
            self.replies += 1
            self.answered()
            if not self.pending:
                self.delay = 0
            if cid in Stats.acked and Stats.acked[cid] != int(card):
                Stats.duplicate_acks += 1
            Stats.acked[cid] = int(card)
            self.mine[cid] = int(card)
        for code, _attrs, text in ERR_RE.findall(m):
            self.errors[code] += 1
            self.replies += 1
            self.answered()
            self.messages[text.strip()[:90]] += 1
            if (
                code in ("unavailable", "rate_limited", "server_error")
                and self.pending
                and self.retry is None
            ):
                self.delay = min(30, self.delay * 2 if self.delay else 1)
                self.retry = asyncio.get_running_loop().call_later(
                    self.delay * (0.5 + random.random() / 2), self.resend_all
                )
        if 'id="lw-delayed"' in m and "hidden" not in m.split('id="lw-delayed"')[1][:40]:
            self.delayed_seen = True

    def resend_all(self):
        self.retry = None
        for cid, text in list(self.pending.items()):
            asyncio.ensure_future(self.send({"type": "card", "op": "add", "client_id": cid, "text": text}))

    async def post_loop(self, rate):
        k = 0
        while self.running:
            await asyncio.sleep(random.expovariate(rate))
            if not self.poster or not self.running:
                continue
            cid = str(uuid.uuid4())
            text = f"{self.name} post {k} {cid[:8]}"
            k += 1
            self.pending[cid] = text
            await self.send({"type": "card", "op": "add", "client_id": cid, "text": text})


class Facilitator(Client):
    async def steer(self):
        await asyncio.sleep(1)
        for name in ("Theme A", "Theme B"):
            await self.send({"type": "theme", "op": "add", "name": name})
        k = 0
        while self.running:
            await asyncio.sleep(0.3)
            k += 1
            if self.seen and self.themes:
                card = random.choice(sorted(self.seen)[-40:])
                await self.send(
                    {"type": "card", "op": "move", "card": card, "theme": random.choice(sorted(self.themes))}
                )
            if k % 20 == 0:
                await self.send({"type": "theme", "op": "add", "name": f"Theme {k}"})


async def db(sql):
    p = await asyncio.create_subprocess_exec(
        "psql",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        DB,
        "-Atc",
        sql,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await p.communicate()
    return out.decode()


async def http_status(port, path):
    def get():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except Exception as e:  # noqa: BLE001
            return type(e).__name__

    t = time.monotonic()
    s = await asyncio.to_thread(get)
    return s, round(time.monotonic() - t, 2)


async def main(scenario):
    redis_p = start_redis()
    proxy = Proxy()
    await proxy.start()
    daphnes = []
    try:
        await asyncio.sleep(0.5)
        env = {**ENV, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}"}
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        code, fkey = setup_inquiry(env)
        joined, _ = bulk_join(env, code, N, [f"http://127.0.0.1:{p}" for p in PORTS])
        daphnes = [start_daphne(i) for i in range(2)]
        for p in PORTS:
            await asyncio.to_thread(wait_http, p)
        log("serving; inquiry", code)
        people = [Client(f"p{i}", j.session_cookie, i % 2, code) for i, j in enumerate(joined)]
        fac = Facilitator("fac", f"sessionid={fkey}", 0, code, poster=False)
        # phones use the cookie name from settings
        tasks = [asyncio.create_task(c.run()) for c in people + [fac]]
        tasks += [asyncio.create_task(c.post_loop(0.5)) for c in people]
        tasks.append(asyncio.create_task(fac.steer()))
        await asyncio.sleep(6)
        rss0 = [rss(d.pid) for d in daphnes]
        log("warm: acked", len(Stats.acked), "rss", rss0)
        t0 = time.monotonic()
        if scenario == "daphne":
            daphnes[1].kill()
            log("killed daphne 2")
            await asyncio.sleep(8)
            daphnes[1] = start_daphne(1)
            await asyncio.to_thread(wait_http, PORTS[1])
            log("daphne 2 restarted")
        elif scenario == "redis":
            redis_p.kill()
            redis_p.wait()
            log("redis killed")
            await asyncio.sleep(5)
            redis_p = start_redis()
            log("redis restarted")
        elif scenario == "redis-clientkill":
            for typ in ("pubsub", "normal"):
                subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "CLIENT", "KILL", "TYPE", typ])
            log("redis clients killed")
        elif scenario in ("db", "dbhang", "dbkill"):
            if scenario == "db":
                await proxy.cut()
                log("db cut")
            if scenario == "dbhang":
                proxy.hang()
                log("db hung")
            end = time.monotonic() + float(os.environ.get("FAULT_SECS", "10"))
            while time.monotonic() < end:
                if scenario == "dbkill":
                    await db(
                        "select pg_terminate_backend(pid) from pg_stat_activity"
                        " where datname = current_database() and pid <> pg_backend_pid()"
                    )
                st = await asyncio.gather(
                    http_status(PORTS[0], f"/i/{code}/join/"), http_status(PORTS[1], "/")
                )
                log("during fault http", st)
            if scenario == "db":
                await proxy.restore()
                log("db restored")
            if scenario == "dbhang":
                proxy.unhang()
                log("db answers again")
        log("fault took", round(time.monotonic() - t0, 1))
        await asyncio.sleep(12)
        for c in people:
            c.poster = False
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and any(c.pending for c in people):
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)
        # checks
        acked_cards = set(Stats.acked.values())
        log("acked", len(Stats.acked), "distinct cards", len(acked_cards), "dup acks", Stats.duplicate_acks)
        log("still pending", sum(len(c.pending) for c in people))
        mine = f"inquiry_id = (select id from inquiry_inquiry where code = '{code}')"
        rows = (
            await db(f"select count(*), count(distinct (author_id, client_id)) from board_card where {mine}")
        ).strip()
        log("db cards (count, distinct author+client)", rows)
        ids = {int(x) for x in (await db(f"select id from board_card where {mine}")).split()}
        log("acked but missing in db", len(acked_cards - ids))
        for c in people + [fac]:
            missing = acked_cards - c.seen
            if c is not fac and c.sent != c.replies:
                log(c.name, "sent", c.sent, "replies", c.replies, "pending", len(c.pending))
            if missing or c.errors or c.seq_regressions:
                log(
                    c.name,
                    "missing",
                    len(missing),
                    "errors",
                    dict(c.errors),
                    "closes",
                    dict(c.closes),
                    "connects",
                    c.connects,
                    "snapshots",
                    c.snapshots,
                    "regress",
                    c.seq_regressions,
                    "down",
                    round(c.longest_down, 1),
                    "connfail",
                    dict(c.connect_failures),
                )
        log("fac errors", dict(fac.errors), dict(fac.messages), "closes", dict(fac.closes), "sent", fac.sent)
        t1 = time.monotonic()
        await fac.send({"type": "theme", "op": "add", "name": "Probe theme"})
        before = set(fac.themes)
        while time.monotonic() - t1 < 120 and set(fac.themes) == before:
            await asyncio.sleep(0.1)
        log("fac probe theme appeared after", round(time.monotonic() - t1, 2))
        allmsgs = collections.Counter()
        allcloses = collections.Counter()
        for c in people + [fac]:
            allmsgs.update(c.messages)
            allcloses.update(c.closes)
        log("messages", dict(allmsgs))
        log("closes", dict(allcloses), "delayed seen by", sum(c.delayed_seen for c in people))
        log("longest down", max(c.longest_down for c in people + [fac]))
        log("longest a post waited for an answer", round(max(c.longest_wait for c in people), 1))
        log("rss", rss0, "->", [rss(d.pid) for d in daphnes])
        log("http after", await http_status(PORTS[0], f"/i/{code}/join/"), await http_status(PORTS[1], "/"))
        for c in people + [fac]:
            c.running = False
        for t in tasks:
            t.cancel()
    finally:
        for d in daphnes:
            d.terminate()
        for d in daphnes:
            try:
                d.wait(10)
            except subprocess.TimeoutExpired:
                d.kill()
        redis_p.kill()
        await proxy.cut()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
