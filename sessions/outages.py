"""What a process logs while something it depends on (the channel layer, the database) keeps failing."""

import threading
import time

from django.db import InterfaceError, OperationalError

# The database did not answer (down, restarting, cut off, out of connections): expected while it is away,
# logged in one line (``describe``), its traceback at debug level only.
DATABASE_DOWN = (OperationalError, InterfaceError)

# While a dependency keeps failing, how often at most the log says how many calls failed meanwhile.
LOG_INTERVAL = 60.0


class OutageLog:
    """What the log says about one dependency, per process: one warning when it first fails, a count of
    the calls that failed while it stays down (at most one line per ``LOG_INTERVAL``), one info line once
    it answers again. ``subject`` names the dependency in those lines ("channel layer"), ``meanwhile``
    says what still holds while it fails. Called from the event loop and from other threads alike."""

    def __init__(self, logger, subject, meanwhile):
        self.log = logger  # at INFO by default (settings.LOGGING), so the line saying it is back shows
        self.subject = subject
        self.meanwhile = meanwhile
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.since = None  # time.monotonic() of the first failure of this outage, or None: it answers
        self.failed = 0  # calls failed since ``since``
        self.unreported = 0  # of which not yet counted in the log
        self.reported = 0.0  # time.monotonic() of the last line

    def failure(self, what, error):
        """A call (``what``: "a broadcast", "a message" ...) failed with ``error``."""
        now = time.monotonic()
        with self.lock:
            first = self.since is None
            if first:
                self.since = self.reported = now
            self.failed += 1
            self.unreported += 0 if first else 1
            due = not first and now - self.reported >= LOG_INTERVAL
            if due:
                count, self.unreported, self.reported = self.unreported, 0, now
                failed, since = self.failed, self.since
        if first:
            self.log.warning(
                "%s failing (%s: %s): %s; failures are counted until it answers again",
                self.subject,
                what,
                describe(error),
                self.meanwhile,
            )
            self.log.debug("the %s's first failure", self.subject, exc_info=error)
        elif due:
            self.log.warning(
                "%s still failing after %.0f s: %d more calls failed (%d in all); last: %s",
                self.subject,
                now - since,
                count,
                failed,
                describe(error),
            )

    def answered(self):
        """A call succeeded: if it was failing, say once that it is back."""
        if self.since is None:
            return
        with self.lock:
            if self.since is None:
                return
            took, failed = time.monotonic() - self.since, self.failed
            self.reset()
        self.log.info(
            "%s answers again after %.1f s; %d calls to it failed meanwhile", self.subject, took, failed
        )


def describe(error):
    """An exception in one line: its type, and its message when it has one (a timeout has none)."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
