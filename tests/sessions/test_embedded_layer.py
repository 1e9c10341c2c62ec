"""The embedded default's channel layer (sessions/layers.py) sweeps out expired messages and group members
at most once a second; what expired is still gone, and a group's message still reaches its members."""

import asyncio
from types import SimpleNamespace

import pytest
from channels import layers as channels_layers

from sessions import layers


@pytest.fixture
def clock(monkeypatch):
    """The layer's clocks (wall, for expiry; monotonic, for its sweeps), moved by hand."""
    now = {"wall": 1_000_000.0, "mono": 500.0}
    # The modules' own names for ``time`` only: the event loop keeps the real clocks.
    monkeypatch.setattr(channels_layers, "time", SimpleNamespace(time=lambda: now["wall"]))
    monkeypatch.setattr(layers, "time", SimpleNamespace(monotonic=lambda: now["mono"]))

    def advance(seconds):
        now["wall"] += seconds
        now["mono"] += seconds

    return advance


async def nothing_for(layer, channel):
    try:
        await asyncio.wait_for(layer.receive(channel), 0.2)
    except TimeoutError:
        return True
    return False


async def test_a_group_message_reaches_its_members_and_expired_ones_are_swept_out(clock):
    layer = layers.InMemoryLayer(expiry=60, group_expiry=3600)
    await layer.group_add("table.1", "hub.a")
    await layer.group_add("table.1", "hub.b")
    await layer.group_send("table.1", {"type": "table.event", "n": 1})
    assert (await layer.receive("hub.a"))["n"] == 1
    # hub.b never reads: past the expiry its message goes at the next sweep, and it leaves the group.
    clock(61)
    await layer.group_send("table.1", {"type": "table.event", "n": 2})
    assert (await layer.receive("hub.a"))["n"] == 2
    assert await nothing_for(layer, "hub.b")
    clock(0.5)  # within the second: no sweep, and nothing is lost for it
    await layer.group_send("table.1", {"type": "table.event", "n": 3})
    assert (await layer.receive("hub.a"))["n"] == 3
    # A member past the group expiry is dropped from the group.
    clock(3601)
    await layer.group_send("table.1", {"type": "table.event", "n": 4})
    assert await nothing_for(layer, "hub.a")
