"""Two-factor sign-in for password accounts: set up with a QR code (or the key), codes at sign-in,
recovery codes, and an admin who requires it for everyone."""

import re
from base64 import b32decode
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp

from inquiry.models import AccountAuditEntry

from ..conftest import PASSWORD
from .conftest import texts

User = get_user_model()


def key_shown(page):
    """The secret the setup page shows to type into an app, as bytes."""
    text = re.search(r'<code class="secret">([^<]+)</code>', page.content.decode()).group(1)
    compact = unescape(text).replace(" ", "")
    return b32decode(compact + "=" * (-len(compact) % 8))


def code(key, step=0):
    return f"{totp(key, drift=step):06d}"


def enrol(client):
    """Set up two-factor through the pages; returns (key, recovery codes)."""
    assert client.post("/accounts/two-factor/start/").status_code == 302
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    key = key_shown(page)
    done = client.post("/accounts/two-factor/setup/", {"code": code(key)})
    assert done.status_code == 200 and "Your recovery codes" in texts(done)
    return key, re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())


def password_step(client, username="alice", next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def signed_in(client):
    return client.get("/inquiries/").status_code == 200


def test_setting_it_up_then_signing_in_asks_for_a_code(alice, users):
    key, recovery = enrol(alice)
    assert len(recovery) == 10
    assert AccountAuditEntry.objects.filter(action="two_factor.enable").count() == 1

    client = Client()
    response = password_step(client, next_url="/inquiries/new/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert not signed_in(client)  # the password alone signs nobody in
    right = client.post("/accounts/login/code/", {"code": code(key, step=1)})
    assert right.status_code == 302 and right["Location"] == "/inquiries/new/"
    assert signed_in(client)


def test_a_recovery_code_signs_in_once(alice, users):
    _, recovery = enrol(alice)
    first = Client()
    password_step(first)
    assert first.post("/accounts/login/code/", {"code": recovery[0].upper()}).status_code == 302
    assert signed_in(first)
    second = Client()
    password_step(second)
    assert second.post("/accounts/login/code/", {"code": recovery[0]}).status_code == 400
    assert not signed_in(second)
    assert "9 unused recovery codes" in texts(alice.get("/accounts/two-factor/"))


def test_too_many_wrong_codes_send_you_back_to_the_password(alice, users):
    enrol(alice)
    client = Client()
    password_step(client)
    wrong = client.post("/accounts/login/code/", {"code": "000000"})
    assert wrong.status_code == 400 and "not right" in texts(wrong)
    for _ in range(3):
        client.post("/accounts/login/code/", {"code": "zzzzzzzz"})
    last = client.post("/accounts/login/code/", {"code": "zzzzzzzz"})
    assert last.status_code == 302 and last["Location"] == "/accounts/login/"
    assert client.get("/accounts/login/code/").status_code == 302


def test_a_wrong_first_code_does_not_turn_it_on(alice, users):
    alice.post("/accounts/two-factor/start/")
    response = alice.post("/accounts/two-factor/setup/", {"code": "123456"})
    assert response.status_code == 400
    assert "Off" in texts(alice.get("/accounts/two-factor/"))
    assert password_step(Client())["Location"] == "/inquiries/"


def test_it_can_be_turned_off_with_the_password_unless_required(alice, admin, users):
    enrol(alice)
    alice.post("/accounts/two-factor/off/", {"password": "wrong"})
    assert "On:" in texts(alice.get("/accounts/two-factor/"))
    admin.post("/accounts/organisation/", {"require_two_factor": "on"})
    alice.post("/accounts/two-factor/off/", {"password": PASSWORD})
    assert "On:" in texts(alice.get("/accounts/two-factor/"))
    enrol(admin)  # the admin, signed in with a password, must set it up too before anything else
    admin.post("/accounts/organisation/", {})
    alice.post("/accounts/two-factor/off/", {"password": PASSWORD})
    assert "Off" in texts(alice.get("/accounts/two-factor/"))
    assert password_step(Client())["Location"] == "/inquiries/"


def test_when_an_admin_requires_it_a_password_sign_in_must_set_it_up_first(admin, users):
    response = admin.post("/accounts/organisation/", {"require_two_factor": "on"})
    assert response.status_code == 302
    assert AccountAuditEntry.objects.filter(action="organisation.two_factor", detail="required").exists()

    client = Client()
    response = password_step(client)
    assert response["Location"] == "/accounts/two-factor/setup/"
    assert not signed_in(client)
    page = client.get("/accounts/two-factor/setup/")
    key = key_shown(page)
    done = client.post("/accounts/two-factor/setup/", {"code": code(key)})
    assert "Your recovery codes" in texts(done)
    assert signed_in(client)


def test_when_it_becomes_required_open_sessions_must_set_it_up_before_anything_else(admin, alice, users):
    assert signed_in(alice)
    admin.post("/accounts/organisation/", {"require_two_factor": "on"})
    response = alice.get("/inquiries/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    enrol(alice)
    assert signed_in(alice)


def test_participants_never_meet_it(admin, inquiry, carol):
    admin.post("/accounts/organisation/", {"require_two_factor": "on"})
    assert carol.get(f"/i/{inquiry.code}/").status_code == 200


def test_only_admins_change_the_requirement(alice, users):
    assert alice.post("/accounts/organisation/", {"require_two_factor": "on"}).status_code == 403


@pytest.mark.parametrize("path", ["/accounts/", "/accounts/two-factor/", "/accounts/password/"])
def test_account_pages_open(alice, users, path):
    assert alice.get(path).status_code == 200


def test_wrong_codes_count_as_failed_logins_of_the_account(alice, users):
    """A stolen password buys few guesses at the code: wrong codes feed the login throttle
    (inquiry.limits), so after five the password itself is refused for a while."""
    enrol(alice)
    client = Client()
    password_step(client)
    for _ in range(5):
        client.post("/accounts/login/code/", {"code": "zzzzzzzz"})
    refused = password_step(client)
    assert refused.status_code == 429 and "Too many failed logins" in texts(refused)
    assert not signed_in(client)
