"""Rate limits: every limit Linewalk enforces, in one place, with its default and who it counts
(docs/rate-limits.md gives the table and the reasons).

Two ways of counting:

- **On a websocket** (posts, and every message a screen sends): token buckets kept in the server
  process, per participant (or per facilitator account). A participant's sockets on one process share a
  bucket; nothing is shared between processes, so there is no round trip per message (with P processes
  behind a proxy a participant could reach at most P times the rate, still far below a flood).
- **Over HTTP** (joins, wrong join codes, failed logins): counters in Django's cache, which is Redis when
  ``REDIS_URL`` is set, so every process counts the same attempts; else the process's memory (the
  embedded default is one process). A sliding window: the current window's count plus the part of the
  last window's that still falls inside the window ending now. If the cache cannot be reached the
  attempt is let through (and logged): a limit must not take the service down with it.

Limits are tight where they count one participant or one browser, generous where they count one network
address: a whole NHS trust can reach the internet through one address, so per-address limits are set so
that a room of 1,000 joining at once from behind one address never meets them.

Defaults can be changed without code: ``RATE_LIMITS="post=30/60,join_ip=3000/600"`` (count/seconds) in
the environment, read by settings.py; tests override ``settings.RATE_LIMITS``.

The login throttle (``login_refusal``, ``login_failed``, ``login_succeeded``) is meant for every page that
checks a password or sends a reset link; ``hit``/``check`` with a name added to ``DEFAULTS`` for others."""

import hashlib
import ipaddress
import logging
import math
import threading
import time
import uuid
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.shortcuts import render

from .access import Refused

log = logging.getLogger(__name__)

# The clocks limits read (tests move them forward instead of waiting).
monotonic = time.monotonic
clock = time.time


@dataclass(frozen=True)
class Rate:
    """At most ``count`` in any ``seconds`` (a bucket: ``count`` at once, then refilled evenly)."""

    count: int
    seconds: float


DEFAULTS = {
    # Websocket, per participant (or facilitator) per server process: token buckets.
    "post": Rate(20, 60),  # 20 posts at once (a phone's queue after a dropped connection), then 1 per 3 s
    "message": Rate(120, 60),  # anything a participant's screens send: dots, reactions, edits, catch-ups
    "message_facilitator": Rate(600, 60),  # a facilitator's screens: dragging cards, steering
    "resume": Rate(5, 50),  # catch-ups (sync.resume) one socket asks for: 5 at once, then 1 per 10 s
    # HTTP, across every process (Django's cache).
    "join_ip": Rate(1500, 600),  # new participants of one inquiry from one network address
    "wrong_code_ip": Rate(300, 600),  # join codes that match no inquiry, from one network address
    "login_user_ip": Rate(5, 900),  # failed logins for one username from one network address
    "login_user": Rate(30, 3600),  # failed logins for one username, from anywhere
    "login_ip": Rate(100, 3600),  # failed logins from one network address, any username
    "password_reset_ip": Rate(10, 3600),  # password reset emails asked for from one network address
}


def check_settings():
    """Refuse to start with a limit in settings.RATE_LIMITS that does not exist (a typo would otherwise
    leave the default in force unnoticed)."""
    unknown = sorted(set(getattr(settings, "RATE_LIMITS", {})) - set(DEFAULTS))
    if unknown:
        raise ImproperlyConfigured(f"RATE_LIMITS names no such limit: {', '.join(unknown)}.")


def rate(name):
    configured = getattr(settings, "RATE_LIMITS", {}).get(name)
    if configured is not None:
        return Rate(*configured)
    try:
        return DEFAULTS[name]
    except KeyError:
        raise ImproperlyConfigured(f"No rate limit is called {name!r}.") from None


class Limited(Refused):
    """Over a limit: ``message`` says what and how long to wait (``retry_after``, whole seconds)."""

    def __init__(self, name, retry_after, message):
        super().__init__("rate_limited", message)
        self.name = name
        self.retry_after = max(1, math.ceil(retry_after))


def _wait(seconds):
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


MESSAGES = {
    "post": "You are posting faster than the room can read: wait {wait} and post again.",
    "message": "This screen is sending too many messages: wait {wait}.",
    "message_facilitator": "This screen is sending too many messages: wait {wait}.",
    "join_ip": "Too many people have joined this inquiry from your network in the last few minutes. "
    "Wait {wait} and try again.",
    "wrong_code_ip": "Too many join codes that match no inquiry have come from your network. Wait {wait}, "
    "then type the code shown on the screen.",
    "login_user_ip": "Too many failed logins for this account. Wait {wait} and try again, "
    "or ask another facilitator to check your username.",
    "login_user": "Too many failed logins for this account. Wait {wait} and try again.",
    "login_ip": "Too many failed logins from your network. Wait {wait} and try again.",
    "password_reset_ip": "Too many password resets have been asked for from your network. Wait {wait} "
    "and try again.",
}


def _limited(name, retry_after):
    template = MESSAGES.get(name, "Too many attempts: wait {wait} and try again.")
    return Limited(name, retry_after, template.format(wait=_wait(retry_after)))


# Websockets: token buckets in this process ------------------------------------------------------------


class Buckets:
    """Token buckets by (limit, key), in this process. Safe to use from several threads."""

    PRUNE_ABOVE = 20_000

    def __init__(self):
        self.state = {}  # (name, key) -> [tokens, last refill (monotonic s)]
        self.lock = threading.Lock()

    def take(self, name, key, limit, now=None):
        """Take one token; returns 0 if there was one, else the seconds until there is."""
        now = monotonic() if now is None else now
        per_second = limit.count / limit.seconds
        with self.lock:
            bucket = self.state.get((name, key))
            if bucket is None:
                if len(self.state) >= self.PRUNE_ABOVE:
                    self._prune(now)
                bucket = self.state[(name, key)] = [float(limit.count), now]
            tokens = min(limit.count, bucket[0] + (now - bucket[1]) * per_second)
            bucket[1] = now
            if tokens >= 1:
                bucket[0] = tokens - 1
                return 0
            bucket[0] = tokens
            return (1 - tokens) / per_second

    def _prune(self, now):
        """Forget buckets idle long enough to be full again (they would start full anyway)."""
        for key, (tokens, last) in list(self.state.items()):
            limit = rate(key[0])
            if tokens + (now - last) * limit.count / limit.seconds >= limit.count:
                del self.state[key]

    def clear(self):
        with self.lock:
            self.state.clear()


buckets = Buckets()


def _actor_key(actor):
    return ("p", actor.participant_id) if actor.participant_id else ("u", actor.user_id)


def socket_message(actor):
    """Count one message from a screen of ``actor``: None, or the Limited to tell that screen. Every
    message counts, bad ones too (a refused steering message is written to the audit log)."""
    name = "message" if actor.participant_id else "message_facilitator"
    wait = buckets.take(name, _actor_key(actor), rate(name))
    return _limited(name, wait) if wait else None


def take_post(participant_id):
    """Count one new post by a participant; raises Limited when they are posting too fast. Called by
    the post action after it has found the post is not a resend (a resend costs nothing)."""
    wait = buckets.take("post", ("p", participant_id), rate("post"))
    if wait:
        raise _limited("post", wait)


# HTTP: shared counters in Django's cache ----------------------------------------------------------------

_warned = 0.0


def _unreachable(what, name):
    """Log that the cache did not answer, at most once a minute (an outage would log every request)."""
    global _warned
    now = time.monotonic()
    if now - _warned >= 60:
        _warned = now
        log.warning("rate limit %s not %s: the cache is not answering", name, what, exc_info=True)


_namespace = "rl"


def reset():
    """Forget every count (tests: each test starts with none)."""
    global _namespace
    _namespace = f"rl-{uuid.uuid4().hex[:8]}"
    buckets.clear()


def _digest(key):
    # Keys may hold what people typed (a username): hashed, so any text is a valid cache key.
    return hashlib.sha256(str(key).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _window(name, key, now):
    limit = rate(name)
    index = int(now // limit.seconds)
    fraction = now / limit.seconds - index
    prefix = f"{_namespace}:{name}:{_digest(key)}"
    return limit, f"{prefix}:{index}", f"{prefix}:{index - 1}", fraction


def check(name, key):
    """None if one more attempt under this limit is allowed now, else the Limited (nothing counted)."""
    now = clock()
    limit, current, previous, fraction = _window(name, key, now)
    try:
        counts = cache.get_many([current, previous])
    except Exception:
        _unreachable("checked", name)
        return None
    this, last = counts.get(current, 0), counts.get(previous, 0)
    if last * (1 - fraction) + this < limit.count:
        return None
    if this >= limit.count:  # the rest of this window, and as much of the next as the last window weighs
        wait = (1 - fraction) * limit.seconds
    else:  # the last window's weight falls as this one goes on
        wait = ((1 - (limit.count - this) / last) - fraction) * limit.seconds
    return _limited(name, wait)


def hit(name, key):
    """Count one attempt under this limit: None, or the Limited if it is over (and then not counted)."""
    limited = check(name, key)
    if limited is not None:
        return limited
    limit, current, _, _ = _window(name, key, clock())
    try:
        try:
            cache.incr(current)  # the window's counter is there already, but for its first attempt
        except ValueError:
            if not cache.add(current, 1, timeout=math.ceil(2 * limit.seconds) + 1):
                cache.incr(current)  # another request made it meanwhile
    except Exception:
        _unreachable("counted", name)
    return None


def clear(name, key):
    now = clock()
    _, current, previous, _ = _window(name, key, now)
    try:
        cache.delete_many([current, previous])
    except Exception:
        _unreachable("cleared", name)


def client_address(request):
    """The network address a request came from, as limits count it: an IPv6 client by its /64 (one
    home or phone gets a whole /64). Behind a proxy this needs Daphne's ``--proxy-headers`` (see
    docs/production.md), or every client is the proxy."""
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"
    return str(ip)


def too_many(request, limited):
    """The 429 page for an HTTP refusal, with Retry-After."""
    response = render(request, "429.html", {"message": limited.message}, status=429)
    response["Retry-After"] = str(limited.retry_after)
    return response


def counting_wrong_codes(view):
    """For pages anyone may open with a join code in the address: a code that matches no inquiry (the
    view raises Http404) counts against the visitor's address; over the limit, they get 429 before the
    code is looked up, so guessing codes stays slow whatever the answer would have been."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        address = client_address(request)
        limited = check("wrong_code_ip", address)
        if limited is not None:
            return too_many(request, limited)
        try:
            return view(request, *args, **kwargs)
        except Http404:
            hit("wrong_code_ip", address)
            raise

    return wrapped


def wrong_code(request):
    """Count a code typed into the home page's form that matches no inquiry."""
    hit("wrong_code_ip", client_address(request))


def join_refusal(request, inquiry):
    """Count one new participant of ``inquiry`` from this address: None, or the Limited."""
    return hit("join_ip", (client_address(request), inquiry.pk))


# Logins ----------------------------------------------------------------------------------------------------


def _login_keys(request, username):
    address = client_address(request)
    user = (username or "").strip().lower()[:150]
    return {"login_user_ip": (user, address), "login_user": user, "login_ip": address}


def login_refusal(request, username):
    """Before checking a password: None, or the Limited saying why this attempt is refused. The
    narrowest limit goes first: a person mistyping their own password meets it long before the wider
    ones, which slow down guessing across accounts or addresses."""
    for name, key in _login_keys(request, username).items():
        limited = check(name, key)
        if limited is not None:
            return limited
    return None


def login_failed(request, username):
    for name, key in _login_keys(request, username).items():
        hit(name, key)


def login_succeeded(request, username):
    """A correct password from this address forgets its own failures for the account (not the wider
    counts: a guesser who also knows one password must not reset them)."""
    keys = _login_keys(request, username)
    clear("login_user_ip", keys["login_user_ip"])
