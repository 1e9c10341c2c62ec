"""Django's session engine for Linewalk (SESSION_ENGINE): a phone's session travels in its cookie,
signed; everyone else's is a row in the database, as with Django's own database sessions.

A participant's session holds nothing but which participant it is in each inquiry it joined
(``participant:<inquiry id>`` -> the participant's token, inquiry/access.py). Writing that to a session
row cost the join's POST a second write transaction (four queries) and every participant page and socket
connect a query to read it back, for a room arriving at once (docs/benchmarks.md, "The door"). Such a
session is kept in the cookie instead, signed with SECRET_KEY (django.core.signing, a salt of its own):

- it cannot be forged or altered without SECRET_KEY (a changed cookie is an empty session), and it
  expires as a session row would (the signature's timestamp, SESSION_COOKIE_AGE);
- it is what the session id was before, a bearer credential for that participant, sent with the same
  cookie flags: HttpOnly (no script reads it), SameSite=Lax, Secure in production (SECURE_COOKIES);
- the token in it is still checked against the database on every page and socket (access.py), so a
  participant a facilitator removes, or whose inquiry is deleted, is refused as before; the signature
  only saves the read of a session row that said the same;
- SECRET_KEY rotation (with SECRET_KEY_FALLBACKS) keeps phones signed in; a new SECRET_KEY without the
  old one in the fallbacks signs every phone out, as it would any session.

Anything else in a session (a facilitator signed in, a two-factor step half done, an expiry set by
single sign-on, messages that did not fit their own cookie) makes it a database session from then on,
so that ending a facilitator's sessions (inquiry/accounts) still works and nothing but a phone's own
token is ever held by the browser. A session that is already in the database stays there."""

from django.core import signing

from sessions.cookies import SessionStore as DatabaseStore

SALT = "linewalk.phone-session"
PHONE_KEY_PREFIX = "participant:"
# A phone that joined very many inquiries from one browser within SESSION_COOKIE_AGE: its session moves
# to the database before its cookie nears the 4 KB browsers keep.
MAX_COOKIE = 2048


def _phone_only(data):
    return bool(data) and all(isinstance(k, str) and k.startswith(PHONE_KEY_PREFIX) for k in data)


def _signed(key):
    # Database session keys are 32 letters and digits; a signed value always holds a ':'.
    return key is not None and ":" in key


class SessionStore(DatabaseStore):
    """Phones' sessions signed in their cookie; any other in the database (its row read by a query compiled
    once: sessions/cookies.py)."""

    def load(self):
        if not _signed(self.session_key):
            return super().load()
        try:
            data = signing.loads(
                self.session_key, salt=SALT, serializer=self.serializer, max_age=self.get_session_cookie_age()
            )
        except (signing.BadSignature, ValueError):
            data = None
        if not _phone_only(data):
            self._session_key = None  # tampered, expired or not a phone's: an empty session
            return {}
        return data

    async def aload(self):
        return self.load() if _signed(self.session_key) else await super().aload()

    def _in_cookie(self, data):
        """The signed value to keep ``data`` in, or None if it belongs in the database."""
        if self.session_key is not None and not _signed(self.session_key):
            return None
        if not _phone_only(data):
            return None
        value = signing.dumps(data, salt=SALT, serializer=self.serializer, compress=True)
        return value if len(value) <= MAX_COOKIE else None

    def _saved_in_cookie(self, must_create):
        """Whether the session went into its cookie; if not, it is to be a database row."""
        value = self._in_cookie(self._get_session(no_load=must_create))
        if value is not None:
            self._session_key = value
            self.modified = True
            return True
        if _signed(self.session_key):
            self._session_key = None  # a phone's session that now holds more: a new row
        return False

    def save(self, must_create=False):
        if not self._saved_in_cookie(must_create):
            super().save(must_create=must_create)

    async def asave(self, must_create=False):
        if not self._saved_in_cookie(must_create):
            await super().asave(must_create=must_create)

    def exists(self, session_key):
        return False if _signed(session_key) else super().exists(session_key)

    async def aexists(self, session_key):
        return False if _signed(session_key) else await super().aexists(session_key)

    def delete(self, session_key=None):
        key = self.session_key if session_key is None else session_key
        if not _signed(key):
            super().delete(session_key)

    async def adelete(self, session_key=None):
        key = self.session_key if session_key is None else session_key
        if not _signed(key):
            await super().adelete(session_key)
