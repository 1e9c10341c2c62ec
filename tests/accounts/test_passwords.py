"""Passwords done properly: change, reset by an emailed single-use link, Django's validators."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from inquiry.models import AccountAuditEntry

from ..conftest import PASSWORD
from ..support import login_as
from .conftest import texts

User = get_user_model()
NEW = "copper-kettle-harbour-9"


@pytest.fixture
def email_on(settings):
    settings.EMAIL_ENABLED = True


def test_a_facilitator_changes_their_password_and_other_devices_are_signed_out(alice, users):
    laptop = login_as("alice", PASSWORD)
    response = alice.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302
    assert alice.get("/inquiries/").status_code == 200  # this session carries on
    assert laptop.get("/inquiries/").status_code == 302  # the other one is signed out
    assert Client().login(username="alice", password=NEW)
    assert AccountAuditEntry.objects.filter(action="password.change", subject=users["alice"]).exists()


def test_the_old_password_is_checked_and_weak_new_ones_refused(alice, users):
    wrong = alice.post(
        "/accounts/password/", {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    )
    assert wrong.status_code == 400 and "incorrectly" in texts(wrong)
    weak = alice.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert "too short" in texts(weak) and "entirely numeric" in texts(weak)
    assert User.objects.get(username="alice").check_password(PASSWORD)


def test_a_forgotten_password_is_reset_by_an_emailed_link_that_works_once(users, email_on):
    User.objects.filter(username="alice").update(email="alice@example.org")
    laptop = login_as("alice", PASSWORD)
    client = Client()
    assert "Forgotten your password?" in texts(client.get("/accounts/login/"))
    response = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.org"]
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in texts(form)
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert Client().login(username="alice", password=NEW)
    assert laptop.get("/inquiries/").status_code == 302  # signed out everywhere

    again = Client().get(link, follow=True)
    assert "expired or has already been used" in texts(again)
    assert AccountAuditEntry.objects.filter(action="password.reset").count() == 1


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(db, email_on):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"}, follow=True)
    assert "Check your email" in texts(response)
    assert mail.outbox == []


def test_without_email_there_is_no_reset_page(db, settings):
    settings.EMAIL_ENABLED = False
    assert Client().get("/accounts/password/reset/").status_code == 404
    assert "Ask an admin" in texts(Client().get("/accounts/login/"))


def test_the_login_form_still_logs_in_and_goes_where_it_was_asked(users):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/inquiries/new/"}
    )
    assert response.status_code == 302 and response["Location"] == "/inquiries/new/"
    wrong = Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert wrong.status_code == 400 and "correct username and password" in texts(wrong)


def test_reset_emails_are_rate_limited_per_address(users, email_on):
    User.objects.filter(username="alice").update(email="alice@example.org")
    client = Client()
    for _ in range(10):
        assert client.post("/accounts/password/reset/", {"email": "alice@example.org"}).status_code == 302
    refused = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert refused.status_code == 429 and "Too many password resets" in texts(refused)
    assert len(mail.outbox) == 10


def test_the_password_login_is_throttled(users):
    client = Client()
    for _ in range(5):
        assert client.post("/accounts/login/", {"username": "alice", "password": "wrong"}).status_code == 400
    refused = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 429 and "Too many failed logins" in texts(refused)


def made_by_the_server(tmp_path, settings, username="first"):
    """An account set up the way `make run` sets up the first one: its password made by the server and
    printed to whoever set it up (kept in var/facilitator-login.txt). Returns that password."""
    from django.core.management import call_command

    settings.BASE_DIR = tmp_path
    call_command("ensure_facilitator", "--username", username)
    login_file = tmp_path / "var" / "facilitator-login.txt"
    return re.search(r"password (\S+)", login_file.read_text()).group(1)


def test_a_password_the_server_made_is_changed_at_the_first_sign_in(db, tmp_path, settings):
    made = made_by_the_server(tmp_path, settings)
    browser = Client()
    signed_in = browser.post("/accounts/login/?next=/inquiries/", {"username": "first", "password": made})
    assert signed_in.status_code == 302
    # Whatever page comes next asks for a password of their own first, and says why.
    page = browser.get("/inquiries/", follow=True)
    assert page.redirect_chain[-1][0] == "/accounts/password/?next=%2Finquiries%2F"
    shown = texts(page)
    assert (
        "Your password was made for you when this account was set up or reset: choose your own to go on."
        in shown
    )
    assert "Change your password" in shown
    assert browser.get("/inquiries/new/").status_code == 302  # nothing else until then

    changed = browser.post(
        "/accounts/password/?next=/inquiries/",
        {"old_password": made, "new_password1": NEW, "new_password2": NEW, "next": "/inquiries/"},
        follow=True,
    )
    assert changed.redirect_chain[-1][0] == "/inquiries/"  # on to where they were going
    assert "Your password is changed." in texts(changed)
    assert browser.get("/inquiries/new/").status_code == 200

    # Signing in again with their own asks nothing more; the file's password no longer works, and the
    # next `make run` says so rather than print it.
    again = Client()
    again.post("/accounts/login/", {"username": "first", "password": NEW})
    assert again.get("/inquiries/").status_code == 200
    assert not Client().login(username="first", password=made)
    from io import StringIO

    from django.core.management import call_command

    said = StringIO()
    call_command("ensure_facilitator", "--username", "first", stdout=said)
    assert made not in said.getvalue() and "changepassword first" in said.getvalue()
    assert not (tmp_path / "var" / "facilitator-login.txt").exists()


def set_by_changepassword(monkeypatch, username, password, *flags):
    """`manage.py changepassword <username>` as someone runs it at the server: typing the password twice."""
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr("getpass.getpass", lambda prompt="": password)
    said = StringIO()
    call_command("changepassword", username, *flags, stdout=said)
    return said.getvalue()


def test_a_password_set_with_changepassword_is_changed_at_the_next_sign_in(users, monkeypatch):
    said = set_by_changepassword(monkeypatch, "alice", "typed-for-alice-42")
    assert "alice will be asked to choose their own at their next sign-in" in said
    browser = Client()
    browser.post("/accounts/login/", {"username": "alice", "password": "typed-for-alice-42"})
    page = browser.get("/inquiries/", follow=True)
    assert page.redirect_chain[-1][0] == "/accounts/password/?next=%2Finquiries%2F"
    assert "Your password was made for you when this account was set up or reset" in texts(page)
    changed = browser.post(
        "/accounts/password/",
        {"old_password": "typed-for-alice-42", "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert "Your password is changed." in texts(changed)
    assert browser.get("/inquiries/").status_code == 200


def test_changepassword_for_your_own_account_can_keep_it(users, monkeypatch):
    said = set_by_changepassword(monkeypatch, "alice", "alices-own-choice-42", "--no-change-at-login")
    assert "asked to choose" not in said
    browser = Client()
    browser.post("/accounts/login/", {"username": "alice", "password": "alices-own-choice-42"})
    assert browser.get("/inquiries/").status_code == 200


def test_changepassword_retires_the_password_the_server_made(db, tmp_path, settings, monkeypatch):
    made = made_by_the_server(tmp_path, settings)
    set_by_changepassword(monkeypatch, "first", "typed-for-first-42")
    assert not (tmp_path / "var" / "facilitator-login.txt").exists()
    from io import StringIO

    from django.core.management import call_command

    said = StringIO()
    call_command("ensure_facilitator", "--username", "first", stdout=said)
    assert made not in said.getvalue()


def test_a_password_chosen_by_its_owner_is_never_asked_to_change(users, tmp_path, settings):
    """alice chose hers (an invitation, a reset): she goes straight to her pages."""
    browser = Client()
    signed_in = browser.post("/accounts/login/?next=/inquiries/", {"username": "alice", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/inquiries/"
    assert browser.get("/inquiries/").status_code == 200
