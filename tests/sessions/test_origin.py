"""A websocket opens only from this site's own pages: the same scheme, host and port (as Django's CSRF
check asks of forms), or an origin the settings trust (CSRF_TRUSTED_ORIGINS, PUBLIC_URL)."""

import pytest
from channels.testing import WebsocketCommunicator

from asgi import application

from ..support import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def opens(inquiry, client, host, origin, *extra):
    headers = [(b"host", host.encode()), (b"cookie", session_cookie(client)), *extra]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, f"/ws/i/{inquiry.code}/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    await communicator.disconnect()
    return connected


PROXIED = (b"x-forwarded-proto", b"https")


async def test_only_the_sites_own_scheme_host_and_port_may_open_a_socket(inquiry, carol):
    assert await opens(inquiry, carol, "127.0.0.1", "http://127.0.0.1")
    assert await opens(inquiry, carol, "127.0.0.1:8101", "http://127.0.0.1:8101")
    assert await opens(inquiry, carol, "localhost:80", "http://localhost")  # the default port, implied
    for host, origin in [
        ("127.0.0.1", "https://127.0.0.1"),  # another scheme
        ("127.0.0.1", "http://127.0.0.1:8080"),  # another port
        ("127.0.0.1:8101", "http://127.0.0.1"),
        ("127.0.0.1:8101", "http://127.0.0.1:8102"),
        ("127.0.0.1", "http://evil.example"),
        ("127.0.0.1", "http://127.0.0.1.evil.example"),
        ("evil.example", "http://evil.example"),  # a host this server does not answer to
        ("127.0.0.1", "null"),
        ("127.0.0.1", None),
    ]:
        assert not await opens(inquiry, carol, host, origin), (host, origin)


async def test_behind_a_tls_proxy_the_origin_is_the_https_one(inquiry, carol, settings):
    settings.ALLOWED_HOSTS = ["linewalk.example.org"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    host = "linewalk.example.org"
    assert await opens(inquiry, carol, host, "https://linewalk.example.org", PROXIED)
    assert not await opens(inquiry, carol, host, "http://linewalk.example.org", PROXIED)
    assert not await opens(inquiry, carol, host, "https://linewalk.example.org")  # the proxy did not say so
    assert not await opens(inquiry, carol, host, "https://linewalk.example.org:8443", PROXIED)


async def test_trusted_origins_and_the_public_url_may_open_a_socket(inquiry, carol, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://board.example.org", "https://*.nhs.example"]
    settings.PUBLIC_URL = "https://join.example.org"
    for origin in ("https://board.example.org", "https://ward.nhs.example", "https://join.example.org"):
        assert await opens(inquiry, carol, "127.0.0.1", origin), origin
    for origin in ("http://board.example.org", "https://board.example.org:444", "https://nhs.example.evil"):
        assert not await opens(inquiry, carol, "127.0.0.1", origin), origin
