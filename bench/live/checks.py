"""What the load benchmark holds a run to: the issues' targets and each run's verdicts against them, a
client's board against a fresh screen's snapshot, and the posts the database stores."""

from __future__ import annotations

import re
import subprocess

from .measure import log
from .servers import manage

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


def board_mismatches(board, reference):
    """What of a client's board differs from a fresh screen's ``reference``: any of "seq", "posts" (the
    benchmark posts on it) and "themes" (the reference's theme columns)."""
    differ = []
    if board["seq"] != reference["seq"]:
        differ.append("seq")
    if board["tokens"] != reference["tokens"]:
        differ.append("posts")
    if {t: v for t, v in board["themes"].items() if t in reference["themes"]} != reference["themes"]:
        differ.append("themes")
    return differ


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
