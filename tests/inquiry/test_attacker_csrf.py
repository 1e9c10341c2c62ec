"""Every address the app answers, posted to from another site (no CSRF token, the victim's session
cookie riding along): refused with 403 before any view runs, for a facilitator's session and for a
participant's. A view exempted from the check, or a new address that is, fails here."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes(patterns=None, prefix=""):
    """Every URL pattern as a path with its parameters named: ["i/<str:code>/settings/", ...]."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def address(route, code):
    """A real address for ``route``: the inquiry's code, a whole number, any token."""

    def value(match):
        converter, name = match.groups()
        if name == "code":
            return code
        return "1" if converter == "int" else "x"

    path = PARAMETER.sub(value, route).lstrip("^").rstrip("$").replace("\\Z", "")
    return "/" + path


def test_every_address_refuses_a_post_without_a_csrf_token(inquiry, carol):
    facilitator = Client(enforce_csrf_checks=True)
    assert facilitator.login(username="alice", password=PASSWORD)
    participant = Client(enforce_csrf_checks=True)
    participant.cookies = carol.cookies
    addresses = sorted({address(route, inquiry.code) for route in routes()})
    assert len(addresses) > 40, addresses
    let_through = [
        (who, path, response.status_code)
        for path in addresses
        if not path.startswith("/static/")
        for who, client in (("facilitator", facilitator), ("participant", participant))
        for response in [client.post(path, {"display_name": "x", "sector": "NHS", "note": "x"})]
        if response.status_code != 403
    ]
    assert not let_through, let_through
