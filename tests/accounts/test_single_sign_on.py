"""Single sign-on end to end against a real OpenID Connect provider on 127.0.0.1: the test client follows
the real redirects (Linewalk -> provider's authorisation page -> Linewalk's callback), and Linewalk talks
to the provider's discovery, token, keys and userinfo endpoints over HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from inquiry.models import Account, AccountAuditEntry

from ..conftest import PASSWORD
from .conftest import texts
from .oidc_provider import CLIENT_ID, CLIENT_SECRET, authorise, provider, set_person

User = get_user_model()
BACKENDS = ["django.contrib.auth.backends.ModelBackend", "inquiry.accounts.oidc.OrganisationBackend"]


@pytest.fixture
def issuer(db, settings, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider serves plain http on 127.0.0.1
    with provider() as url:
        settings.OIDC_ENABLED = True
        settings.OIDC_ISSUER = url
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.AUTHENTICATION_BACKENDS = BACKENDS
        settings.OIDC_ALLOWED_DOMAINS = []
        settings.OIDC_FACILITATOR_GROUPS = []
        settings.OIDC_ADMIN_GROUPS = []
        yield url


def sign_in(client, subject, next_url="/inquiries/", deny=False):
    """Press "Sign in with your organisation" and go through the provider; returns Linewalk's answer."""
    login = client.get(f"/accounts/login/?next={next_url}")
    start = login.content.decode().split('href="/oidc/authenticate/')[1].split('"')[0]
    to_provider = client.get("/oidc/authenticate/" + start.replace("&amp;", "&"))
    assert to_provider.status_code == 302
    authorize_url = to_provider["Location"]
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["client_id"] == [CLIENT_ID] and query["code_challenge_method"] == ["S256"]
    back = authorise(authorize_url, subject, deny=deny)
    assert back.startswith("http://testserver/oidc/callback/")
    return client.get(back.removeprefix("http://testserver"))


def signed_in_as(client):
    response = client.get("/accounts/")
    if response.status_code != 200:
        return None
    return response.context["user"].get_username()


def test_the_login_page_offers_the_organisation_sign_in(issuer):
    page = texts(Client().get("/accounts/login/"))
    assert "Sign in with your organisation" in page and "Log in" in page


def test_a_first_sign_in_creates_a_facilitator_account(issuer):
    set_person(
        issuer,
        "sub-123",
        email="Grace@Example.org",
        preferred_username="grace@example.org",
        given_name="Grace",
    )
    client = Client()
    response = sign_in(client, "sub-123", next_url="/inquiries/new/")
    assert response.status_code == 302 and response["Location"] == "/inquiries/new/"
    assert signed_in_as(client) == "grace"
    grace = User.objects.get(username="grace")
    assert (
        grace.email == "grace@example.org" and not grace.has_usable_password() and grace.first_name == "Grace"
    )
    assert grace.account.sso_subject == "sub-123" and grace.account.sso_issuer == issuer
    assert client.get("/inquiries/new/").status_code == 200
    assert AccountAuditEntry.objects.filter(action="sso.account_created", subject=grace).exists()

    # The next sign-in finds the same account by its subject, even with a new email.
    set_person(issuer, "sub-123", email="grace.h@example.org")
    again = Client()
    sign_in(again, "sub-123")
    assert signed_in_as(again) == "grace"
    assert User.objects.count() == 1


def test_an_existing_account_is_matched_by_email_and_linked(issuer, users):
    User.objects.filter(username="alice").update(email="alice@example.org")
    set_person(issuer, "entra-alice", email="alice@example.org")
    client = Client()
    sign_in(client, "entra-alice")
    assert signed_in_as(client) == "alice"
    assert Account.objects.get(user__username="alice").sso_subject == "entra-alice"
    # Her password still works where password sign-in is on.
    assert Client().login(username="alice", password=PASSWORD)


def test_a_refused_domain_is_told_so_and_logged(issuer, settings):
    settings.OIDC_ALLOWED_DOMAINS = ["nhs.example"]
    set_person(issuer, "outsider", email="someone@gmail.example")
    client = Client()
    response = sign_in(client, "outsider")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "email domain cannot facilitate" in texts(client.get("/accounts/login/"))
    assert signed_in_as(client) is None
    assert not User.objects.exists()
    entry = AccountAuditEntry.objects.get(action="sso.refused")
    assert "domain not allowed" in entry.detail

    set_person(issuer, "insider", email="nurse@nhs.example")
    sign_in(client, "insider")
    assert signed_in_as(client) == "nurse"


def test_a_refused_group_is_told_so(issuer, settings):
    settings.OIDC_FACILITATOR_GROUPS = ["linewalk-facilitators"]
    set_person(issuer, "not-in-group", email="pat@example.org", groups=["finance"])
    client = Client()
    sign_in(client, "not-in-group")
    assert "not in a group allowed to facilitate" in texts(client.get("/accounts/login/"))
    assert signed_in_as(client) is None

    set_person(issuer, "in-group", email="sam@example.org", groups=["finance", "linewalk-facilitators"])
    sign_in(client, "in-group")
    assert signed_in_as(client) == "sam"


def test_members_of_an_admins_group_become_admins(issuer, settings):
    settings.OIDC_FACILITATOR_GROUPS = ["linewalk-facilitators"]
    settings.OIDC_ADMIN_GROUPS = ["linewalk-admins"]
    set_person(issuer, "boss", email="boss@example.org", groups=["linewalk-admins"])
    client = Client()
    sign_in(client, "boss")
    assert client.get("/accounts/facilitators/").status_code == 200


def test_a_suspended_account_cannot_sign_in_with_the_organisation(issuer, admin):
    set_person(issuer, "sub-9", email="lee@example.org")
    first = Client()
    sign_in(first, "sub-9")
    lee = User.objects.get(username="lee")
    admin.post(f"/accounts/facilitators/{lee.pk}/suspend/")
    assert signed_in_as(first) is None  # the session ended
    client = Client()
    sign_in(client, "sub-9")
    assert "This facilitator account is suspended" in texts(client.get("/accounts/login/"))
    assert signed_in_as(client) is None


def test_cancelling_at_the_provider_says_so(issuer):
    client = Client()
    response = sign_in(client, "anyone", deny=True)
    assert response["Location"] == "/accounts/login/"
    assert "cancelled" in texts(client.get("/accounts/login/"))


def test_a_callback_replayed_or_forged_signs_nobody_in(issuer):
    set_person(issuer, "sub-1", email="kim@example.org")
    client = Client()
    login = client.get("/oidc/authenticate/")
    back = authorise(login["Location"], "sub-1")
    path = back.removeprefix("http://testserver")
    # Another browser (no state in its session) cannot use the code.
    assert Client().get(path)["Location"] == "/accounts/login/"
    assert client.get(path).status_code == 302
    assert signed_in_as(client) == "kim"
    # The same callback again, after logging out: its state is spent.
    client.post("/accounts/logout/")
    assert client.get(path)["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_sso_accounts_need_no_linewalk_two_factor(issuer, admin):
    admin.post("/accounts/organisation/", {"require_two_factor": "on"})
    set_person(issuer, "sub-5", email="jo@example.org")
    client = Client()
    sign_in(client, "sub-5")
    assert client.get("/inquiries/").status_code == 200


def test_password_sign_in_can_be_turned_off(issuer, settings, users):
    settings.PASSWORD_LOGIN = False
    settings.AUTHENTICATION_BACKENDS = ["inquiry.accounts.oidc.OrganisationBackend"]
    page = Client().get("/accounts/login/")
    assert "Sign in with your organisation" in texts(page) and 'name="password"' not in page.content.decode()
    assert Client().post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 404
    assert not Client().login(username="alice", password=PASSWORD)
    assert Client().get("/accounts/password/reset/").status_code == 404


def test_a_wrong_issuer_sends_people_back_with_a_message(issuer, settings):
    settings.OIDC_ISSUER = issuer + "/no-such-tenant"  # no discovery document there
    client = Client()
    response = client.get("/oidc/authenticate/")
    assert response["Location"] == "/accounts/login/"
    assert "did not answer" in texts(client.get("/accounts/login/"))


def test_without_single_sign_on_there_is_no_button_and_no_endpoint(db):
    assert "Sign in with your organisation" not in texts(Client().get("/accounts/login/"))
    assert Client().get("/oidc/authenticate/").status_code == 404
