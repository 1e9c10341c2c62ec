"""People for the account tests: ada, the organisation's admin, beside the shared alice/bob/eve."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model

from inquiry.models import Account

from ..conftest import PASSWORD
from ..support import login_as


@pytest.fixture
def ada(db):
    user = get_user_model().objects.create_user("ada", email="ada@example.org", password=PASSWORD)
    Account.objects.create(user=user, admin=True)
    return user


@pytest.fixture
def admin(ada):
    """Ada's browser, signed in."""
    return login_as("ada", PASSWORD)


def invite(client, email, *, admin=False):
    """Invite through the admin's page; returns the link the page shows to copy."""
    response = client.post("/accounts/invitations/", {"email": email, **({"admin": "on"} if admin else {})})
    assert response.status_code == 200, response.content
    match = re.search(r'id="invitation-link" value="([^"]+)"', response.content.decode())
    assert match, response.content
    return unescape(match.group(1))


def path_of(link):
    return link.removeprefix("http://testserver")


def texts(response):
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))
