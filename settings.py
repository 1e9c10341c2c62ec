"""Linewalk settings: one module, read from the environment, safe by default.

Embedded default (no DATABASE_URL / REDIS_URL): SQLite in WAL mode and the in-memory channel layer,
one process. Production: DATABASE_URL (PostgreSQL) and REDIS_URL (channels-redis), several Daphne
processes sharing one Redis.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def envbool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")


def envlist(name, default):
    value = os.environ.get(name)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set unless DEBUG is on (make run sets both).")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
if "*" in ALLOWED_HOSTS:
    # The websocket origin check is built from ALLOWED_HOSTS; a wildcard would switch it off.
    raise ImproperlyConfigured("ALLOWED_HOSTS=* is refused: list the host names this server answers to.")

CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    # Before django.contrib.auth: its changepassword (inquiry/management/commands) replaces auth's.
    "inquiry",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "template_partials.apps.SimpleAppConfig",
    "board",
    "sessions.apps.LiveSessionsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages go out compressed to browsers that ask (a 1,000-card board's page is mostly repeated markup).
    # BREACH: every response carries the CSRF token under a fresh random mask, and the middleware pads
    # the gzip header with a random length ("Heal the Breach"); docs/production.md says more.
    "django.middleware.gzip.GZipMiddleware",
    # django-csp's, with the header built once (inquiry/security_headers.py).
    "inquiry.security_headers.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "inquiry.accounts.middleware.two_factor_required",
    "inquiry.accounts.middleware.password_change_required",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "urls"
ASGI_APPLICATION = "asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# SQLite must hold a room of 100 posting at once: WAL lets readers run beside the writer, IMMEDIATE
# transactions take the write lock up front (no deadlock-prone lock upgrades), and a busy timeout
# queues writers instead of failing with "database is locked".
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "var" / "linewalk.sqlite3"))
SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "20"))  # seconds
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_BUSY_TIMEOUT,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        f" PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)}; PRAGMA foreign_keys=ON;"
    ),
}

if os.environ.get("DATABASE_URL"):
    # Under ASGI every HTTP request runs its sync code in a thread of its own, so a persistent connection
    # (CONN_MAX_AGE > 0) is opened per request and never reused: 100 joins left 33 open. Connections come
    # from psycopg's pool instead (docs/production.md, "Database connections"): at most DB_POOL_MAX_SIZE
    # per process, each handed back when its request or websocket message is done.
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "20")),
            # How long a request waits for a free connection before it fails (then: 503, see urls.py).
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "5")),
        }
        # A database that does not answer fails a new connection in 5 s, not the system's ~2 minutes.
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
        # A database that stops answering with the connection open (a network that drops packets, a
        # hung server or proxy) must not hold a request or a socket's message for minutes: libpq's TCP
        # settings end a connection whose data goes unacknowledged for 10 s (tcp_user_timeout) or whose
        # peer stops answering keepalives (idle 10 s, then 3 probes 5 s apart) (docs/production.md,
        # "When the database hangs").
        DATABASES["default"]["OPTIONS"].update(
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            tcp_user_timeout=10_000,
        )
        # The server's side: no statement runs longer than DB_STATEMENT_TIMEOUT, no transaction stays
        # idle holding its locks longer than DB_IDLE_IN_TRANSACTION_TIMEOUT (seconds; 0: none).
        # manage.py sets both to 0 unless given: migrations and commands may run long.
        _server_limits = {
            "statement_timeout": float(os.environ.get("DB_STATEMENT_TIMEOUT", "10")),
            "idle_in_transaction_session_timeout": float(
                os.environ.get("DB_IDLE_IN_TRANSACTION_TIMEOUT", "30")
            ),
        }
        DATABASES["default"]["OPTIONS"]["options"] = " ".join(
            [DATABASES["default"]["OPTIONS"].get("options", "")]
            + [f"-c {name}={int(seconds * 1000)}" for name, seconds in _server_limits.items()]
        ).strip()
        # Django's PostgreSQL backend, which stops waiting for a database that just did not answer
        # (sessions/database/base.py).
        DATABASES["default"]["ENGINE"] = "sessions.database"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": SQLITE_OPTIONS,
            # Keep connections: opening one (and its PRAGMAs) per websocket message was a hot spot.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # Tests use a file too (not :memory:) so WAL and locking behave as in production.
            "TEST": {"NAME": os.environ.get("TEST_SQLITE_PATH", str(BASE_DIR / "var" / "test.sqlite3"))},
        }
    }

# How long this process waits for an answer to one statement (or commit) on PostgreSQL before it cuts the
# connection and counts the database as away (sessions/database/base.py): a hung server or proxy, whose
# host still acknowledges what is sent, is noticed by nothing else. Above DB_STATEMENT_TIMEOUT, so a slow
# statement is cancelled by the server first. 0: no limit (manage.py's default).
DATABASE_QUERY_TIMEOUT = float(os.environ.get("DB_QUERY_TIMEOUT", "12"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [os.environ["REDIS_URL"]],
                "prefix": os.environ.get("REDIS_PREFIX", "linewalk"),
                "capacity": 5000,
                "expiry": 30,
            },
        }
    }
    if os.environ.get("LIVE_FANOUT", "hub") == "hub":
        # A killed process's hub channel stays in its groups until this expiry (channels-redis: a day),
        # and every broadcast meanwhile fills its list in Redis up to ``capacity``. Each live hub joins its
        # groups again every LIVE_REFRESH_SECONDS (60) or a third of this, whichever is shorter, and
        # catches up from the database if it was forgotten anyway (sessions/hub.py). Group fan-out (the
        # benchmarks' baseline) joins once per socket, so it keeps the layer's default.
        CHANNEL_LAYERS["default"]["CONFIG"]["group_expiry"] = int(os.environ.get("LAYER_GROUP_EXPIRY", "300"))
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "sessions.layers.InMemoryLayer", "CONFIG": {"capacity": 5000}}}

# Django's cache holds the rate limits' counters (inquiry/limits.py): Redis when there is one, so every
# process counts the same attempts; else this process's memory (the embedded default is one process).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            # Django's Redis backend, with one client per connection pool (inquiry/cache.py says why).
            "BACKEND": "inquiry.cache.SharedClientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", "linewalk") + ":cache",
            # A cache that does not answer must not hold up a request: limits let it through.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _rate_limits(value):
    """RATE_LIMITS="post=30/60,join_ip=3000/600": name=count/seconds (names: inquiry/limits.py)."""
    limits = {}
    for item in value.split(","):
        if not item.strip():
            continue
        name, _, rate = item.partition("=")
        count, _, seconds = rate.partition("/")
        try:
            limits[name.strip()] = (int(count), float(seconds))
        except ValueError:
            raise ImproperlyConfigured(f"RATE_LIMITS: {item.strip()!r} is not name=count/seconds") from None
    return limits


RATE_LIMITS = _rate_limits(os.environ.get("RATE_LIMITS", ""))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inquiry:list"
LOGOUT_REDIRECT_URL = "inquiry:home"

# Who may facilitate (docs/production.md, "Facilitator accounts and single sign-on").
# Password sign-in (with two-factor where required) can be turned off once single sign-on is set up.
PASSWORD_LOGIN = envbool("PASSWORD_LOGIN", True)
# Invitation links work once, for this many hours.
INVITATION_HOURS = int(os.environ.get("INVITATION_HOURS", "72"))
# Password reset links (emailed) work once, for this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_MINUTES", "60")) * 60
# Two-factor codes: the name authenticator apps show for the account.
OTP_TOTP_ISSUER = os.environ.get("OTP_ISSUER", "Linewalk")

# Single sign-on with the organisation's OpenID Connect provider (e.g. Microsoft Entra ID): on when
# OIDC_ISSUER is set. Endpoints come from the issuer's discovery document.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_ENABLED = bool(OIDC_ISSUER)
if OIDC_ENABLED and not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set too.")
if not PASSWORD_LOGIN and not OIDC_ENABLED:
    raise ImproperlyConfigured(
        "PASSWORD_LOGIN=false needs single sign-on (OIDC_ISSUER): nobody could log in."
    )
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
# Who may facilitate after signing in: email domains, and/or groups (or app roles) in a claim.
OIDC_ALLOWED_DOMAINS = [d.lower().lstrip("@") for d in envlist("OIDC_ALLOWED_DOMAINS", [])]
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
OIDC_FACILITATOR_GROUPS = envlist("OIDC_FACILITATOR_GROUPS", [])
OIDC_ADMIN_GROUPS = envlist("OIDC_ADMIN_GROUPS", [])
OIDC_BUTTON_LABEL = os.environ.get("OIDC_BUTTON_LABEL", "Sign in with your organisation")
# A single sign-on session lasts this long before the provider is asked again.
OIDC_SESSION_HOURS = int(os.environ.get("OIDC_SESSION_HOURS", "12"))

AUTHENTICATION_BACKENDS = []
if PASSWORD_LOGIN:
    AUTHENTICATION_BACKENDS.append("django.contrib.auth.backends.ModelBackend")
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("inquiry.accounts.oidc.OrganisationBackend")

# Email: invitations and password resets. EMAIL_BACKEND=console prints them (make run); SMTP with
# EMAIL_HOST; without either, links are shown to copy and password reset by email is off.
_email_backend = os.environ.get("EMAIL_BACKEND", "smtp" if os.environ.get("EMAIL_HOST") else "").lower()
if _email_backend not in ("", "smtp", "console"):
    raise ImproperlyConfigured("EMAIL_BACKEND must be smtp or console.")
EMAIL_ENABLED = bool(_email_backend)
EMAIL_BACKEND = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "": "django.core.mail.backends.dummy.EmailBackend",
}[_email_backend]
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Linewalk <linewalk@localhost>")

# A phone's session (only which participant it is) travels signed in its cookie; anyone else's is a row in
# the database (inquiry/phone_sessions.py says why that is safe, docs/production.md what it saves).
SESSION_ENGINE = "inquiry.phone_sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, images and sockets from this site only; no inline
# script or style anywhere (pages use classes and data attributes; htmx is told not to add its own styles,
# see templates/base.html). The printable report, one self-contained file, allows its own inline
# stylesheet by hash (board/views.py export_report), and every page the systems map's one fixed
# stylesheet inside its pictures, by hash too (board/apps.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"

# Public base URL used in join links and QR codes when the server sits behind a proxy.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")

# Largest websocket frame the server accepts from a client, in bytes (Daphne/autobahn enforce it too).
WS_MAX_MESSAGE_BYTES = int(os.environ.get("WS_MAX_MESSAGE_BYTES", "8192"))
# How many missed events a reconnecting client is replayed before it gets a snapshot instead.
WS_REPLAY_LIMIT = int(os.environ.get("WS_REPLAY_LIMIT", "500"))

LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # A page asked for while the database is away: one line each, not a traceback (inquiry/logfilters.py).
    "filters": {"database_outage": {"()": "inquiry.logfilters.DatabaseOutage"}},
    # The channel layer's and the database's state (sessions/outages.py): at the default level, the line
    # saying one answers again (INFO) shows beside the warning that it failed.
    "loggers": {
        name: {"level": "INFO" if LOG_LEVEL == "WARNING" else LOG_LEVEL}
        for name in ("sessions.layer", "sessions.database")
    }
    | {"django.request": {"filters": ["database_outage"]}},
}

# Serve /static/ from the app itself (one-box deployments and `make run`); behind a proxy that serves
# the collected files, turn this off.
SERVE_STATIC = envbool("SERVE_STATIC", True)

# Theme suggestions, computed on this server with a local model (docs/suggestions.md).
# LINEWALK_SUGGESTIONS=off hides the feature on every page and refuses its websocket messages.
SUGGESTIONS_ENABLED = os.environ.get("LINEWALK_SUGGESTIONS", "on").strip().lower() not in (
    "off",
    "0",
    "false",
    "no",
)

# How events reach sockets: "hub" (one channel-layer subscription per process, frames rendered once and
# written to local sockets; sessions/hub.py) or "group" (stock Channels: every socket in the group; the
# benchmarks' baseline only: it does not recover from a Redis restart, docs/production.md).
LIVE_FANOUT = os.environ.get("LIVE_FANOUT", "hub")
# How often each process joins its groups again and catches its screens up from the database at the
# latest (sessions/hub.py; docs/production.md, "When Redis goes away"). Tests shorten it.
LIVE_REFRESH_SECONDS = float(os.environ.get("LIVE_REFRESH_SECONDS", "60"))
# How often each process checks, in the database, that its open sockets' participants are not removed and
# their facilitators' accounts still active, closing any that lost the channel layer's closing message
# (sessions/revocation.py): the longest a removed participant or suspended account can still read the room.
LIVE_RECHECK_SECONDS = float(os.environ.get("LIVE_RECHECK_SECONDS", "5"))
if LIVE_RECHECK_SECONDS <= 0:
    raise ImproperlyConfigured("LIVE_RECHECK_SECONDS must be more than 0.")
# How often each process marks its participants' sockets as here (sessions/presence.py); a row not marked
# for three of these (a process that died) stops counting and is deleted. Tests shorten it.
PRESENCE_HEARTBEAT_SECONDS = float(os.environ.get("PRESENCE_HEARTBEAT_SECONDS", "30"))
if LIVE_FANOUT not in ("hub", "group"):
    raise ImproperlyConfigured("LIVE_FANOUT must be hub or group.")

# HTTP requests run on this many threads per process (sessions/pool.py): enough that a slow request
# (an export, an import) does not hold up the others, few enough that each keeps its database connection.
# 0: Django's stock ASGI handler (a thread per request, a hop per middleware; the benchmark's baseline).
HTTP_THREADS = int(os.environ.get("HTTP_THREADS", "4"))
if HTTP_THREADS < 0:
    raise ImproperlyConfigured("HTTP_THREADS must be 0 (Django's ASGI handler) or more.")
