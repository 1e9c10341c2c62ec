"""The load benchmark's command line: ``python -m bench.live`` (options, ``--suite``, ``--from-json``)."""

from __future__ import annotations

import argparse
import json
import os
import urllib.parse
from dataclasses import replace
from pathlib import Path

from bench import live

from .checks import default_targets, verdicts
from .measure import log
from .phases import run_one
from .report import render_run, render_summary
from .servers import HOST
from .suites import SUITES, Config


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.live", description=live.__doc__.split("\n\n")[0])
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
