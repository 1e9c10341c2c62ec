"""The browser's Django session on a websocket, read-only.

Channels' ``SessionMiddlewareStack`` parses the cookies, puts a lazy session in the scope, and wraps the
socket's ``send`` so that a session changed while answering is saved with the HTTP response that carries
its cookie. A websocket has no such response: the wrapper only costs every frame sent through ``send``
two checks of the session. ``SocketSession`` puts the same session in the scope (read when first used: the
consumer reads it in its one trip to the database thread) and leaves ``send`` alone.

With database sessions (the default engine) the session row is read by a query compiled once
(inquiry/compiled.py): compiling ``Session.objects.get(...)`` was 10% of a connect's CPU."""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends import db
from django.http.cookie import parse_cookie
from django.utils import timezone

from inquiry.compiled import Compiled


class SessionStore(db.SessionStore):
    """Django's database session store; the row read by a compiled query, then the same checks."""

    rows = Compiled(lambda key: db.SessionStore.get_model_class().objects.filter(session_key=key)[:1])

    def _get_session_from_db(self):
        found = self.rows.first(key=self.session_key) if self.session_key else None
        if found is None or found.expire_date <= timezone.now():
            self._session_key = None
            return None
        return found


def session_store():
    """The store for the configured engine: ours in place of the plain database engine's."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return SessionStore if store is db.SessionStore else store


class SocketSession:
    """ASGI middleware for websockets: ``scope["cookies"]`` and ``scope["session"]``."""

    def __init__(self, inner):
        self.inner = inner
        self.store = None

    async def __call__(self, scope, receive, send):
        if self.store is None:
            self.store = session_store()
        cookies = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        session = self.store(cookies.get(settings.SESSION_COOKIE_NAME))
        return await self.inner(dict(scope, cookies=cookies, session=session), receive, send)
