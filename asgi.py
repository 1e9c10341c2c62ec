"""ASGI entry point: HTTP through Django, websockets through Channels from this site's own pages only
(scheme, host and port: sessions/origin.py; ALLOWED_HOSTS may never be '*', see settings)."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

django_wsgi_app = get_wsgi_application()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler, StaticFilesHandler  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.cache import caches  # noqa: E402

from sessions.pool import PooledHTTP  # noqa: E402

if settings.HTTP_THREADS:
    # HTTP: Django's own (WSGI) request handling on a few long-lived threads, one hop per request
    # (sessions/pool.py says why).
    if settings.SERVE_STATIC:
        django_wsgi_app = StaticFilesHandler(django_wsgi_app)
    http_application = PooledHTTP(django_wsgi_app, settings.HTTP_THREADS)
else:
    # HTTP_THREADS=0: Django's stock ASGI handler (the benchmark's baseline).
    http_application = get_asgi_application()
    if settings.SERVE_STATIC:
        http_application = ASGIStaticFilesHandler(http_application)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from sessions import protocol  # noqa: E402
from sessions.cookies import SocketSession  # noqa: E402
from sessions.origin import SameOriginValidator  # noqa: E402
from sessions.routing import websocket_urlpatterns  # noqa: E402
from sessions.wire import (  # noqa: E402
    DirectWrites,
    answer_pings_in_daphne,
    log_ping_timeouts,
    trim_autobahn_labels,
    trim_daphne,
)

trim_daphne()
log_ping_timeouts()
trim_autobahn_labels()
answer_pings_in_daphne(protocol.PING, protocol.PONG, protocol.PING_EVERY)

# What the first requests would otherwise load while a room is arriving: the cache backend (and with
# REDIS_URL its client library), for the rate limits and the door (inquiry/door.py).
caches["default"]

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": DirectWrites(
            # The session only (read-only: sessions/cookies.py): the consumer finds the user in it
            # (Django's get_user) in the same trip to the database thread as the rest of its connect
            # (sessions/consumers.py, connect_db).
            SameOriginValidator(SocketSession(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# Garbage collection in a server holding thousands of sockets: each socket's objects live for hours, so
# every full collection walks all of them (~1.2 s of CPU at 10,000 sockets, measured), and with Python's
# default thresholds one came every ~100 s of an idle room (about 2% of a core, and a 1 s pause). Larger
# thresholds make young collections rarer (the same total work) and full ones ~20x rarer; what start-up
# loaded (Django, the app, the model) is frozen out of collections altogether.
gc.set_threshold(10_000, 20, 100)
gc.freeze()
