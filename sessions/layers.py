"""The embedded default's channel layer: Channels' in-memory layer, sweeping out expired messages and
group memberships at most once a second rather than on every send and receive.

The stock layer walks every channel and every group's members before each ``send``, ``group_send`` and
``receive``. With tables each open table is a group (sessions/protocol.table_group): at 125 tables the
walks were a fifth of the event loop's time under 50 table posts a second (docs/benchmarks.md, tables).
A message now outlives its expiry (60 s) by a second at most; nothing else changes."""

import time

from channels.layers import InMemoryChannelLayer

SWEEP_EVERY = 1.0  # seconds


class InMemoryLayer(InMemoryChannelLayer):
    swept = float("-inf")

    def _clean_expired(self):
        now = time.monotonic()
        if now - self.swept < SWEEP_EVERY:
            return
        self.swept = now
        super()._clean_expired()
