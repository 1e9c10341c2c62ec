"""What a load benchmark run is set to (``Config``) and the predefined sets of runs (``--suite``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .checks import BURST_10K, CONNECT_10K, DOOR_1K, IDLE_10K, ONE_POST_10K


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


def idle_burst_row(clients, idle, seconds, drain, fanout="hub", targets=None):
    """N connected and quiet for ``idle`` s, then 3 posts one at a time, then a burst of 50 posts a second
    for ``seconds``: the 10,000-participant targets, at N."""
    return Config(
        label=f"N={clients // 1000}k idle+1 post+burst",
        clients=clients,
        idle=idle,
        singles=3,
        rate=50,
        seconds=seconds,
        fanout=fanout,
        drain=drain,
        targets=targets or {"single": ONE_POST_10K, "sustained": BURST_10K, "idle": IDLE_10K},
    )


SUITES = {
    # make bench: a few minutes.
    "standard": [*door_rows(20), idle_burst_row(2000, idle=15, seconds=5, drain=20)],
    # The targets in full (tens of minutes).
    "targets": [
        *door_rows(60),
        idle_burst_row(
            10000,
            idle=60,
            seconds=10,
            drain=30,
            targets={
                "single": ONE_POST_10K,
                "sustained": BURST_10K,
                "idle": IDLE_10K,
                "connect": CONNECT_10K,
            },
        ),
        idle_burst_row(10000, idle=60, seconds=10, drain=30, fanout="group"),
    ],
}
