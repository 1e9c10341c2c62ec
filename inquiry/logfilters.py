"""Log records made quieter where a traceback says nothing new.

While the database is away (down, restarting, cut off), every page request fails the same way and is
answered by the "back in a moment" page (inquiry.views.server_error, 503); Django's request logger would
print a full traceback for each, dozens a second from phones that reload every few seconds. The outage
itself is logged once, with its end, by sessions.database; each request then gets one line."""

import logging

from django.db import InterfaceError, OperationalError


class DatabaseOutage(logging.Filter):
    """On ``django.request``: a request failed because the database did not answer -> one WARNING line
    without the traceback (the 503 page it got is the handler's); every other record passes unchanged."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, (OperationalError, InterfaceError)):
            request = getattr(record, "request", None)
            path = getattr(request, "path", "?")
            record.msg = "Database unavailable: %s %s answered 503 (%s)"
            record.args = (
                getattr(request, "method", "?"),
                path,
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            )
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = None
            record.exc_text = None
        return True
