"""Which page may open a websocket: only this site's own, by scheme, host and port.

Channels' ``AllowedHostsOriginValidator`` compares only the Origin's host name with ALLOWED_HOSTS, so a
page on ``http://linewalk.example.org:8080`` (another service on the same host) or plain ``http://`` next
to an https site passed. Here the Origin must equal the address the socket itself was opened on (the
Host header, with the scheme: https when the socket is ``wss`` or, with BEHIND_TLS_PROXY, the proxy says
so), as Django's CSRF check does for forms; or be one of CSRF_TRUSTED_ORIGINS, or PUBLIC_URL's origin.
The Host itself must be one of ALLOWED_HOSTS. Anything else is refused at the handshake (HTTP 403)."""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": "80", "https": "443"}


def _origin(scheme, netloc):
    """``scheme://host[:port]`` in lower case, without the scheme's default port."""
    host, port = split_domain_port(netloc.lower())
    if not host:
        return None
    if ":" in host:  # an IPv6 address: split_domain_port leaves it bare
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS.get(scheme) else "")


def _header(scope, name):
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _secure(scope):
    if settings.SECURE_PROXY_SSL_HEADER:
        return (_header(scope, b"x-forwarded-proto") or "").lower() == "https"
    return scope.get("scheme") == "wss"


def _trusted(origin):
    scheme, netloc = origin.split("://", 1)
    for entry in [*settings.CSRF_TRUSTED_ORIGINS, settings.PUBLIC_URL]:
        if not entry:
            continue
        parts = urlsplit(entry.lower())
        if parts.scheme != scheme:
            continue
        if "*" in parts.netloc:  # Django's form for subdomains: https://*.example.org
            if is_same_domain(split_domain_port(netloc)[0], parts.netloc.replace("*", "", 1)):
                return True
        elif _origin(parts.scheme, parts.netloc) == origin:
            return True
    return False


def allowed(scope):
    """Whether a websocket with this scope comes from a page of this site."""
    host, origin = _header(scope, b"host"), _header(scope, b"origin")
    if not host or not origin or "://" not in origin:
        return False
    domain, _port = split_domain_port(host.lower())
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme, _, netloc = origin.partition("://")
    origin = _origin(scheme.lower(), netloc)
    if origin is None:
        return False
    return origin == _origin("https" if _secure(scope) else "http", host) or _trusted(origin)


class SameOriginValidator:
    """ASGI middleware: websockets from another origin are refused before anything else runs."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
