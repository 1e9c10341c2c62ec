"""PostgreSQL for Django, as ``django.db.backends.postgresql``, except that while the database is away
the process says so at once instead of waiting for it again and again.

A process has one thread for its websockets' database work (and a few for HTTP). While PostgreSQL does
not answer, each call waited ``DB_POOL_TIMEOUT`` (5 s) for a connection before it failed, one after
another on that thread: under a room of 20 posting and a facilitator moving cards, a cut of 20 s left
every socket of the process unanswered for a minute, and the facilitator's moves made during the cut
were applied when the database came back, up to a minute late, over whatever the room had done since
(docs/production.md, "When the database goes away"). Now, once a connection could not be had in time,
every new one is refused at once for ``AWAY_SECONDS``; the first asked after that tries again.

A database can also stop answering with its connections open: a hung server, or a proxy in between,
whose host still acknowledges every packet, so neither TCP nor libpq's timeouts notice, and a statement
waits for ever (``bench.faults dbhang``: posts unanswered for as long as the hang lasted). So a statement or
commit not answered within ``settings.DATABASE_QUERY_TIMEOUT`` has its connection cut (the socket shut
down, which wakes psycopg with an error: django.db's OperationalError for the caller, a broken connection
the pool drops) and the database counts as away as above."""

import contextlib
import os
import socket
import threading
import time

from django.conf import settings
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


class Watchdog:
    """One thread per process that cuts the connection of any statement waiting past its deadline. A
    statement costs two dict operations under an uncontended lock; the thread looks every quarter of the
    timeout (so a statement is cut between 1 and 1.25 timeouts)."""

    def __init__(self, timeout):
        self.timeout = timeout
        self.lock = threading.Lock()
        self.waiting = {}  # thread id -> (deadline, socket's file descriptor)
        self.thread = None

    @contextlib.contextmanager
    def watching(self, fd):
        """Cut the connection on socket ``fd`` if the block is not done within the timeout."""
        if self.thread is None:
            self._start()
        key = threading.get_ident()
        with self.lock:
            self.waiting[key] = (time.monotonic() + self.timeout, fd)
        try:
            yield
        finally:
            with self.lock:
                self.waiting.pop(key, None)

    def _start(self):
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._watch, name="database watchdog", daemon=True)
                self.thread.start()

    def _watch(self):
        while True:
            time.sleep(self.timeout / 4)
            now = time.monotonic()
            # Under the lock: a statement still listed is still waiting on that connection, so its file
            # descriptor cannot have been closed and reused meanwhile.
            with self.lock:
                for key, (deadline, fd) in list(self.waiting.items()):
                    if now >= deadline:
                        del self.waiting[key]
                        _cut(fd)
                        _went_away()


def _cut(fd):
    """Shut the connection's socket down (not close it: psycopg still owns the descriptor)."""
    try:
        with socket.socket(fileno=os.dup(fd)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_watchdog = None


def _watchdog_for(timeout):
    global _watchdog
    if _watchdog is None or _watchdog.timeout != timeout:
        _watchdog = Watchdog(timeout)
    return _watchdog


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        timeout = getattr(settings, "DATABASE_QUERY_TIMEOUT", 0)
        self.watchdog = _watchdog_for(timeout) if timeout else None
        if self.watchdog is not None:
            self.execute_wrappers.append(self._watched_execute)

    def _watched(self):
        if self.watchdog is None:
            return contextlib.nullcontext()
        try:
            fd = self.connection.pgconn.socket
        except Exception:
            # No connection, or a broken one: the call fails by itself, as psycopg and Django say.
            return contextlib.nullcontext()
        return self.watchdog.watching(fd)

    def _watched_execute(self, execute, sql, params, many, context):
        with self._watched():
            return execute(sql, params, many, context)

    def _commit(self):
        with self._watched():
            return super()._commit()

    def _rollback(self):
        with self._watched():
            return super()._rollback()

    def get_new_connection(self, conn_params):
        if away():
            # Raised inside Django's wrap_database_errors, so callers see django.db's OperationalError.
            raise self.Database.OperationalError("the database did not answer a moment ago")
        try:
            return super().get_new_connection(conn_params)
        except PoolTimeout:
            _went_away()
            raise
