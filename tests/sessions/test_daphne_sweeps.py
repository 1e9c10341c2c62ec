"""Daphne's sweeps over its connections, paced (sessions/wire.py): a server holding a big room walks its
connections every few seconds, a small one every second as Daphne does; a finished application is still
reaped. Daphne's own Server methods, called on a stand-in server with a clock of the test's."""

import asyncio

import pytest
from daphne.server import Server
from twisted.internet import reactor

from sessions import wire


class Connections(dict):
    """A server's connections that count the walks over them."""

    walks = 0

    def items(self):
        self.walks += 1
        return super().items()

    def keys(self):
        self.walks += 1
        return super().keys()


class Socket:
    """A connection's protocol: nothing to time out."""

    def check_timeouts(self):
        pass


class StandIn:
    """A Daphne server as far as its sweeps see it."""

    application_close_timeout = 10

    def __init__(self, n):
        self.connections = Connections({Socket(): {} for _ in range(n)})

    def __getattr__(self, name):  # Daphne's sweeps, as sessions/wire.py left them
        return getattr(Server, name).__get__(self)


@pytest.fixture
def clock(monkeypatch):
    assert "Daphne's sweeps paced" in wire.trim_daphne()
    now = [1000.0]
    monkeypatch.setattr(wire.time, "monotonic", lambda: now[0])
    before = set(reactor.getDelayedCalls())
    yield now
    for call in set(reactor.getDelayedCalls()) - before:  # the sweeps' next calls: never run here
        call.cancel()


def walks_over(server, sweep, clock, seconds):
    for second in range(seconds):
        clock[0] = 1000.0 + second
        getattr(server, sweep)()
    return server.connections.walks


@pytest.mark.parametrize("sweep", ["application_checker", "timeout_checker"])
def test_a_big_room_is_swept_every_few_seconds_a_small_one_as_daphne_does(clock, sweep):
    every = 1 if sweep == "application_checker" else 2
    # Called every second here (Daphne calls each sweep every `every` seconds).
    small = walks_over(StandIn(100), sweep, clock, 10)
    assert small == 10 // every
    big = walks_over(StandIn(10_000), sweep, clock, 10)
    assert big == 2, f"10,000 connections walked {big} times in 10 s (every {every} s before)"


def test_a_finished_application_is_still_reaped(clock):
    server = StandIn(0)
    loop = asyncio.new_event_loop()
    try:
        done = loop.create_future()
        done.set_result(None)
        server.connections["gone"] = {"application_instance": done, "disconnected": 1.0}
        server.connections.update({Socket(): {} for _ in range(4_000)})
        server.application_checker()
        assert "gone" not in server.connections
    finally:
        loop.close()
