"""A real OpenID Connect provider (the oidc-provider-mock package) on a free port of 127.0.0.1, and a
person's trip through it: to its authorisation page, its form, and back with a code."""

import threading
from contextlib import contextmanager
from urllib.parse import quote

import httpx
import oidc_provider_mock
import werkzeug.serving

CLIENT_ID = "linewalk-tests"
CLIENT_SECRET = "not-a-real-secret"


@contextmanager
def provider():
    """Yields the issuer URL. The app's own discovery, token, keys and userinfo endpoints answer there."""
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def set_person(issuer, subject, **claims):
    """What the provider says about ``subject`` (email, groups, names...)."""
    response = httpx.put(f"{issuer}/users/{quote(subject, safe='')}", json=claims)
    assert response.status_code == 204, response.text


def authorise(authorize_url, subject, *, deny=False):
    """At the provider's page, sign in as ``subject`` (or refuse); returns where it sends the browser."""
    page = httpx.get(authorize_url)
    assert page.status_code == 200, page.text
    form = {"action": "deny"} if deny else {"sub": subject}
    response = httpx.post(authorize_url, data=form)
    assert response.status_code == 302, response.text
    return response.headers["location"]
