"""PostgreSQL for Django, as ``django.db.backends.postgresql``, except that while the database is away
the process says so at once instead of waiting for it again and again.

A process has one thread for its websockets' database work (and a few for HTTP). While PostgreSQL does
not answer, each call waited ``DB_POOL_TIMEOUT`` (5 s) for a connection before it failed, one after
another on that thread: under a room of 20 posting and a facilitator moving cards, a cut of 20 s left
every socket of the process unanswered for a minute, and the facilitator's moves made during the cut
were applied when the database came back, up to a minute late, over whatever the room had done since
(docs/production.md, "When the database goes away"). Now, once a connection could not be had in time,
every new one is refused at once for ``AWAY_SECONDS``; the first asked after that tries again."""

import threading
import time

from django.db.backends.postgresql import base
from psycopg_pool import PoolTimeout

AWAY_SECONDS = 2.0

_lock = threading.Lock()
_away_until = 0.0  # time.monotonic() until which new connections are refused without trying


def away():
    """Whether a connection is refused now without trying (the database did not answer a moment ago)."""
    return time.monotonic() < _away_until


def _went_away():
    global _away_until
    with _lock:
        _away_until = time.monotonic() + AWAY_SECONDS


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        if away():
            # Raised inside Django's wrap_database_errors, so callers see django.db's OperationalError.
            raise self.Database.OperationalError("the database did not answer a moment ago")
        try:
            return super().get_new_connection(conn_params)
        except PoolTimeout:
            _went_away()
            raise
