"""A room voting at once, through the sockets: ``python -m bench.votes``.

N participants (joined as ``bench.live --join bulk`` joins them) connect to a Daphne serving the embedded
default; some of them post C cards, the facilitator puts half of them into two themes and opens a live
dot vote with a budget of D dots; then every participant spends all D dots on random cards, the N x D
dots spread evenly over S seconds. Measured:

* per dot, the time until its sender's own screen counts it (the private ``lw-mine`` frame: dots left);
* when the facilitator's screen shows every dot (the sum of the cards' dot counts = N x D);
* refusals (any error frame), server CPU over the voting window and its drain;
* at the end, every participant's last sequence number against a fresh screen's (0 behind = every
  screen has every count change).

    .venv/bin/python -m bench.votes                                   # N=1,000, 3 dots each over 10 s
    .venv/bin/python -m bench.votes --clients 2000 --dots 5 --seconds 10

Clients and server share this box (one client process here, on uvloop)."""

import argparse
import asyncio
import json
import random
import re
import sys
import time

from .harness import BOX, on_embedded_server, wait_for
from .live.clients import Facilitator, open_socket
from .live.frames import ERROR_RE, SEQ_RE
from .live.measure import Probe, dist_ms, log, machine, raise_open_file_limit

LEFT_RE = re.compile(r'<div id="lw-mine"[^>]*data-left="(\d+)"')
AUTHOR_RE = re.compile(r'id="card-(\d+)" data-card="\d+" data-cid="00000000-0000-4000-8000-(\d{12})"')
VOTES_RE = re.compile(r'id="card-(\d+)-votes".*?<strong>(\d+)</strong> dot', re.S)


class Voter:
    """One participant's socket: its sequence number, its dots left, and when each dot was counted."""

    def __init__(self, index, cookie, budget):
        self.index, self.cookie, self.budget = index, cookie, budget
        self.ws = None
        self.seq = 0
        self.sent = []  # send time of each dot, in order
        self.counted = []  # when the screen first showed each dot counted
        self.errors = []
        self.vote_open = False

    def on_message(self, ws, payload, is_text, at):
        if not is_text:
            return
        message = payload.decode() if isinstance(payload, (bytes, bytearray, memoryview)) else payload
        found = SEQ_RE.search(message)
        if found:
            self.seq = max(self.seq, int(found.group(1)))
        if 'id="vote-bar"' in message and "Dot voting" in message:
            self.vote_open = True
        found = LEFT_RE.search(message)
        if found:
            spent = self.budget - int(found.group(1))
            while len(self.counted) < min(spent, len(self.sent)):
                self.counted.append(at)
        if 'class="error"' in message:
            found = ERROR_RE.search(message)
            self.errors.append(found.group(1) if found else "?")

    def dot(self, card):
        self.sent.append(time.time())
        self.ws.send(json.dumps({"type": "dot", "op": "add", "card": card, "theme": None}))


class FacilitatorCounts(Facilitator):
    """The facilitator's screen, also summing the dot counts it shows."""

    def __init__(self, *args):
        super().__init__(*args)
        self.dots = {}
        self.total_at = {}
        self.authors = {}  # card id -> the voter who posted it (from the card's client id)

    def observe(self, message):
        super().observe(message)
        for card, k in AUTHOR_RE.findall(message):
            self.authors[int(card)] = int(k)
        for card, count in VOTES_RE.findall(message):
            self.dots[int(card)] = int(count)
        self.total_at.setdefault(sum(self.dots.values()), time.time())


async def run(args, server, code, facilitator_key, joined):
    base = server.base_urls[0]
    facilitator = FacilitatorCounts(base, code, f"sessionid={facilitator_key}")
    await facilitator.start()
    voters = [Voter(j.index, j.session_cookie, args.dots) for j in joined[: args.clients]]
    gate = asyncio.Semaphore(50)

    async def connect(voter):
        async with gate:
            voter.ws = await open_socket(base, code, voter.cookie, 60, on_message=voter.on_message)

    started = time.monotonic()
    await asyncio.gather(*(connect(v) for v in voters))
    log(f"{len(voters):,} sockets open in {time.monotonic() - started:.1f} s")

    # Cards to vote on: posted by the first C participants, half of them moved into the two themes.
    for k, voter in enumerate(voters[: args.cards]):
        uid = f"00000000-0000-4000-8000-{k:012d}"
        voter.ws.send(
            json.dumps({"type": "card", "op": "add", "client_id": uid, "text": f"Idea {k} for voting"})
        )
    if not await wait_for(lambda: len(facilitator.cards) >= args.cards, 60):
        raise RuntimeError(f"only {len(facilitator.cards)} of {args.cards} cards arrived")
    cards = facilitator.cards[: args.cards]
    # Nobody may dot their own card (the server refuses it): each voter's choice leaves out the card it
    # posted, known from the facilitator's frames by its client id.
    authors = facilitator.authors
    for k, card in enumerate(cards[: len(cards) // 2]):
        message = {"type": "card", "op": "move", "card": card, "theme": facilitator.themes[k % 2]}
        facilitator.ws.send(json.dumps(message))
    facilitator.ws.send(
        json.dumps(
            {"type": "vote", "op": "open", "round": None, "target": "cards"}
            | {"budget": args.dots, "per_item": args.dots, "live": True}
        )
    )
    if not await wait_for(lambda: all(v.vote_open for v in voters), 120):
        raise RuntimeError("the vote did not open on every screen")
    await asyncio.sleep(1)  # let the moves and the vote's own frames settle before measuring

    probe = Probe(server.pids)
    rng = random.Random(args.seed)
    n, total = len(voters), len(voters) * args.dots
    plan = sorted((args.seconds * (j * n + i) / total, i) for i in range(n) for j in range(args.dots))
    log(f"voting: {total:,} dots over {args.seconds:g} s ({total / args.seconds:,.0f}/s)")
    probe.mark()
    t0 = time.time() + 0.2
    for offset, i in plan:
        delay = t0 + offset - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        voters[i].dot(rng.choice([c for c in cards if authors.get(c) != i] if i < args.cards else cards))
    last_sent = time.time()
    all_counted = await wait_for(lambda: all(len(v.counted) == args.dots for v in voters), args.drain)
    shown = await wait_for(lambda: total in facilitator.total_at, args.drain)
    window = probe.read()
    fresh = Voter(-1, joined[args.clients].session_cookie, args.dots)
    fresh.ws = await open_socket(base, code, fresh.cookie, 60, on_message=fresh.on_message)
    await wait_for(lambda: fresh.seq > 0, 30)
    behind = sum(1 for v in voters if v.seq < fresh.seq)
    for v in [*voters, fresh]:
        await v.ws.close()
    await facilitator.close()

    latencies = sorted(c - s for v in voters for s, c in zip(v.sent, v.counted, strict=False)) + [
        float("inf")
    ] * sum(len(v.sent) - len(v.counted) for v in voters)
    errors = [e for v in voters for e in v.errors]
    return {
        "voters": len(voters),
        "dots": total,
        "rate": total / args.seconds,
        "counted_ms": dist_ms(latencies),
        "all_counted": all_counted,
        "facilitator_all_shown_s": round(facilitator.total_at[total] - last_sent, 2) if shown else None,
        "facilitator_total": max(facilitator.total_at) if facilitator.total_at else 0,
        "errors": len(errors),
        "error_codes": sorted(set(errors))[:5],
        "behind": behind,
        "fresh_seq": fresh.seq,
        "resources": window,
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.votes", description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--cards", type=int, default=100, help="cards to vote on (posted by the first C clients)")
    p.add_argument("--dots", type=int, default=3, help="each participant's budget, all spent")
    p.add_argument("--seconds", type=float, default=10.0, help="the dots spread evenly over this long")
    p.add_argument("--drain", type=float, default=120.0, help="how long to wait for every dot to count")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.clients < 1 or a.cards < 2 or a.dots < 1 or a.seconds <= 0:
        p.error("--clients >= 1, --cards >= 2, --dots >= 1 and --seconds > 0")
    raise_open_file_limit(a.clients + 512)
    result, log_counts = on_embedded_server(a.clients + 1, lambda *args: run(a, *args))
    m = machine()
    c, r = result["counted_ms"], result["resources"]
    print(BOX.format(**m))
    shown = result["facilitator_all_shown_s"]
    rows = [
        ("Voting", f"N={result['voters']:,}, {a.cards} cards (half in two themes), {a.dots} dots each"),
        (
            "",
            f"= {result['dots']:,} dots over {a.seconds:g} s ({result['rate']:,.0f}/s), live, lens on",
        ),
        ("dot -> sender sees it counted (ms)", "p50 {p50}  p95 {p95}  p99 {p99}  max {max}".format(**c)),
        (
            "facilitator shows every dot",
            f"{shown:.2f} s after the last was sent"
            if shown is not None
            else f"NO (saw {result['facilitator_total']:,})",
        ),
        ("refused", f"{result['errors']:,} {result['error_codes']}"),
        (
            "screens behind a fresh one",
            f"{result['behind']:,} of {result['voters']:,} (seq {result['fresh_seq']})",
        ),
        (
            "CPU (voting + drain)",
            f"server {r['server_cpu_pct']}% of one core, clients {r['client_cpu_pct']}%, "
            f"other {r['other_cpu_pct']}%, over {r['window_s']} s",
        ),
        ("server log", f"{log_counts}"),
    ]
    for label, text in rows:
        print(f"{label:<38}{text}")
    return 0 if result["all_counted"] and shown is not None and not result["behind"] else 1


if __name__ == "__main__":
    sys.exit(main())
