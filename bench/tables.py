"""A room at tables, posting: ``python -m bench.tables`` (issue 15).

N participants (joined as ``bench.live --join bulk`` joins them, sectors in turn) connect to a Daphne
serving the embedded default; the facilitator opens tables of T, mixed by sector; then participants chosen
at random post P posts a second in total for S seconds, each to their own table. Measured, per post and
per screen at the poster's table (the poster's own included): the time from sending it until that screen
shows it; posts some table-mate never saw (lost); and frames that showed a post to a screen at another
table (leaks: must be 0). The facilitator's screen must show every post.

    .venv/bin/python -m bench.tables                                  # N=1,000 at 125 tables of 8, 50/s, 20 s
    .venv/bin/python -m bench.tables --clients 40 --size 8 --seconds 3   # a quick look

Clients and server share this box (one client process here, on uvloop)."""

import argparse
import asyncio
import json
import os
import random
import re
import sys
import time

from .harness import BOX, on_embedded_server, wait_for
from .live.clients import open_socket
from .live.measure import Probe, dist_ms, log, machine, raise_open_file_limit

TSEQ_RE = re.compile(r'^<div id="lw-tseq"[^>]*data-table="(\d+)"')
TOKEN_RE = re.compile(r"tablebench-(\d+)-")


class Phone:
    """One participant's socket: the table it shows and when it first showed each post."""

    def __init__(self, index, cookie):
        self.index, self.cookie = index, cookie
        self.ws = None
        self.table = None
        self.seen = {}  # post number -> when this screen first showed it

    def on_message(self, ws, payload, is_text, at):
        if not is_text:
            return
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        found = TSEQ_RE.match(text)
        if found:
            self.table = int(found.group(1))
        for token in TOKEN_RE.findall(text):
            self.seen.setdefault(int(token), at)


async def run(args, server, code, facilitator_key, joined):
    base = server.base_urls[0]
    facilitator = Phone(-1, f"sessionid={facilitator_key}")
    facilitator.ws = await open_socket(base, code, facilitator.cookie, 60, on_message=facilitator.on_message)
    phones = [Phone(j.index, j.session_cookie) for j in joined[: args.clients]]
    gate = asyncio.Semaphore(50)

    async def connect(phone):
        async with gate:
            phone.ws = await open_socket(base, code, phone.cookie, 60, on_message=phone.on_message)

    started = time.monotonic()
    await asyncio.gather(*(connect(p) for p in phones))
    log(f"{len(phones):,} sockets open in {time.monotonic() - started:.1f} s")
    facilitator.ws.send(json.dumps({"type": "tables", "op": "open", "mode": "mixed", "size": args.size}))
    if not await wait_for(lambda: all(p.table for p in phones), 120):
        raise RuntimeError(f"{sum(1 for p in phones if not p.table)} phones were not seated")
    tables = {}
    for phone in phones:
        tables.setdefault(phone.table, []).append(phone)
    log(f"seated at {len(tables)} tables in {time.monotonic() - started:.1f} s")
    await asyncio.sleep(1)

    probe = Probe(server.pids)
    # What the server spends with every socket open and nobody posting: the part of the posting window's
    # CPU that is not the posts'.
    probe.mark()
    await asyncio.sleep(args.idle)
    idle = probe.read()
    rng = random.Random(args.seed)
    total = int(args.rate * args.seconds)
    sent = {}  # post number -> (time sent, the poster's table)
    probe.mark()
    t0 = time.time() + 0.2
    for k in range(total):
        delay = t0 + k / args.rate - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        poster = rng.choice(phones)
        uid = f"00000000-0000-4000-9000-{k:012d}"
        sent[k] = (time.time(), poster.table)
        poster.ws.send(
            json.dumps({"type": "table", "op": "post", "client_id": uid, "text": f"tablebench-{k}- idea"})
        )
    await wait_for(
        lambda: (
            all(k in p.seen for k, (_t, table) in sent.items() for p in tables[table])
            and len(facilitator.seen) >= total
        ),
        args.drain,
    )
    window = probe.read()
    latencies, leaks = [], 0
    for k, (at, table) in sent.items():
        for phone in tables[table]:
            latencies.append(phone.seen[k] - at if k in phone.seen else float("inf"))
    for phone in phones:
        leaks += sum(1 for k in phone.seen if sent[k][1] != phone.table)
    for phone in [*phones, facilitator]:
        await phone.ws.close()
    return {
        "clients": len(phones),
        "tables": len(tables),
        "posts": total,
        "to_table_ms": dist_ms(latencies),
        "lost_posts": sum(1 for k, (_a, t) in sent.items() if any(k not in p.seen for p in tables[t])),
        "leaks": leaks,
        "facilitator_seen": len(facilitator.seen),
        "resources": window,
        "idle": idle,
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.tables", description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--size", type=int, default=8, help="people per table")
    p.add_argument("--rate", type=float, default=50.0, help="posts a second, the whole room together")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--drain", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--idle", type=float, default=3.0, help="seconds of an idle window measured first")
    a = p.parse_args(argv)
    raise_open_file_limit(a.clients + 512)
    result, log_counts = on_embedded_server(a.clients, lambda *args: run(a, *args))
    m = machine()
    d, r, idle = result["to_table_ms"], result["resources"], result["idle"]
    per_post_ms = 10 * r["server_cpu_pct"] * r["window_s"] / result["posts"]
    beyond_idle_ms = 10 * (r["server_cpu_pct"] - idle["server_cpu_pct"]) * r["window_s"] / result["posts"]
    print(BOX.format(**m))
    ok = (
        d["p99"] not in (None, "lost")
        and d["p99"] <= 150
        and not result["lost_posts"]
        and not result["leaks"]
    )
    rows = [
        ("Tables", f"N={result['clients']:,} at {result['tables']} tables of {a.size} (mixed by sector)"),
        ("", f"{result['posts']:,} posts over {a.seconds:g} s ({a.rate:g}/s), each to the poster's table"),
        ("post -> its table's screens (ms)", "p50 {p50}  p95 {p95}  p99 {p99}  max {max}".format(**d)),
        ("lost (a table-mate never saw it)", f"{result['lost_posts']:,}"),
        ("shown at another table (leaks)", f"{result['leaks']:,}"),
        ("facilitator saw", f"{result['facilitator_seen']:,} of {result['posts']:,}"),
        (
            "CPU (posting + drain)",
            f"server {r['server_cpu_pct']}% of one core, clients {r['client_cpu_pct']}%, "
            f"over {r['window_s']} s",
        ),
        (
            "server CPU per post",
            f"{per_post_ms:.2f} ms ({beyond_idle_ms:.2f} ms beyond idle, which is "
            f"{idle['server_cpu_pct']}% of one core); load average "
            + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        ),
        ("target (issue 15)", f"p99 <= 150 ms, 0 lost, 0 leaks: {'met' if ok else 'NOT met'}"),
        ("server log", f"{log_counts}"),
    ]
    for label, text in rows:
        print(f"{label:<38}{text}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
