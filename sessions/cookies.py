"""The browser's Django session on a websocket, read-only.

Channels' ``SessionMiddlewareStack`` parses the cookies, puts a lazy session in the scope, and wraps the
socket's ``send`` so that a session changed while answering is saved with the HTTP response that carries
its cookie. A websocket has no such response: the wrapper only costs every frame sent through ``send``
two checks of the session. ``SocketSession`` puts the same session in the scope (read when first used: the
consumer reads it in its one trip to the database thread) and leaves ``send`` alone.

Where the session is a database row (a facilitator's; a phone's is in its signed cookie) the row is read
by a query compiled once (inquiry/compiled.py): compiling ``Session.objects.get(...)`` was 10% of a
connect's CPU when phones' sessions were rows too."""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends import db
from django.http.cookie import parse_cookie
from django.utils import timezone

from inquiry.compiled import Compiled


class CompiledRowRead:
    """Mixed into a database-backed store: the session row read by a compiled query (``rows``, made per
    store class by ``session_store``), then the same checks as Django's ``_get_session_from_db``."""

    rows = None

    def _get_session_from_db(self):
        found = self.rows.first(key=self.session_key) if self.session_key else None
        if found is None or found.expire_date <= timezone.now():
            self._session_key = None
            return None
        return found


class SessionStore(CompiledRowRead, db.SessionStore):
    """Django's database store with its row read by a compiled query: the base of the phones' engine
    (inquiry/phone_sessions.py), whose database sessions (facilitators') are read this way on every page."""

    rows = Compiled(lambda key: db.SessionStore.get_model_class().objects.filter(session_key=key)[:1])


def session_store():
    """The configured engine's store (settings.SESSION_ENGINE; a phone's session is in its signed cookie,
    inquiry/phone_sessions.py), with its session rows read by a compiled query where it reads them as
    Django's database store does."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if (
        not issubclass(store, db.SessionStore)
        or store._get_session_from_db is not db.SessionStore._get_session_from_db
    ):
        return store
    model = store.get_model_class()
    rows = Compiled(lambda key: model.objects.filter(session_key=key)[:1])
    # The same name as the store's: Django salts the signature of a session's data with the class's
    # qualified name, and the row was written by the store itself.
    return type(store.__name__, (CompiledRowRead, store), {"rows": rows, "__qualname__": store.__qualname__})


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
