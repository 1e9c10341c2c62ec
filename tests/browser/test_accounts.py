"""Facilitator accounts as people use them: an admin invites a colleague, the colleague sets a password
from the link and runs the same inquiry; a facilitator signs in with their organisation's provider."""

import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from inquiry.models import Account

from .. import servers
from ..accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, provider, set_person
from ..conftest import PASSWORD
from .axe import assert_accessible
from .conftest import LAPTOP, SHARED_SCREEN, Screens
from .pages import card, post, snap

User = get_user_model()
NEW_PASSWORD = "harbour-lantern-47"


def log_in(screens, username, password=PASSWORD, next_path="/inquiries/"):
    page = screens.page(screens.context(LAPTOP))
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: urlsplit(url).path == next_path)
    return page


def test_an_admin_invites_a_colleague_who_sets_a_password_and_runs_the_same_inquiry(screens, inquiry):
    ada = User.objects.create_user("ada", email="ada@example.org", password=PASSWORD)
    Account.objects.create(user=ada, admin=True)

    admin = log_in(screens, "ada")
    admin.get_by_role("link", name="Your account").click()
    admin.get_by_role("link", name="Invite a facilitator").click()
    admin.get_by_label("Email address of the new facilitator").fill("grace@example.org")
    admin.get_by_role("button", name="Create the invitation").click()
    link = admin.get_by_label("Invitation link", exact=False).input_value()
    assert "/accounts/invitation/" in link

    grace = screens.page(screens.context(LAPTOP))
    grace.goto(link)
    expect(grace.get_by_role("heading", name="Set up your facilitator account")).to_be_visible()
    grace.get_by_label("Choose a username").fill("grace")
    grace.get_by_label("Choose a password").fill(NEW_PASSWORD)
    grace.get_by_label("The same password again").fill(NEW_PASSWORD)
    grace.get_by_role("button", name="Create my account").click()
    expect(grace.get_by_role("heading", name="Your inquiries")).to_be_visible()
    expect(grace.get_by_text("Welcome, grace")).to_be_visible()

    # The link is spent.
    again = screens.page(screens.context(LAPTOP))
    again.goto(link)
    expect(again.get_by_role("alert")).to_contain_text("already been used")

    # Alice adds Grace to her inquiry; both run it, live.
    alice = screens.facilitator("alice")
    alice.locator("details.cofacilitators summary").click()
    alice.get_by_label("Username of the co-facilitator").fill("grace")
    alice.get_by_role("button", name="Add co-facilitator").click()
    expect(alice.get_by_text("grace can now facilitate this inquiry.")).to_be_visible()
    screens.live(alice)
    grace.goto(f"/i/{inquiry.code}/facilitate/")
    screens.live(grace)
    carol = screens.participant("Carol")
    post(carol, "Discharge waits on care packages")
    for page in (alice, grace):
        expect(card(page, "Discharge waits on care packages")).to_be_visible()

    # Ada suspends Grace: her board stops being live at once.
    admin.goto("/accounts/facilitators/")
    admin.get_by_role("button", name=re.compile(r"^Suspend\W+grace$")).click()
    expect(admin.get_by_text("grace is suspended")).to_be_visible()
    expect(grace.locator("#lw-status")).to_contain_text("suspended")


@pytest.fixture
def organisation_provider(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with provider() as issuer:
        yield issuer


@pytest.fixture
def sso_server(organisation_provider, django_db_setup, tmp_path):
    env = {
        "OIDC_ISSUER": organisation_provider,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ALLOWED_DOMAINS": "example.org",
    }
    (daphne,) = servers.start(
        [tmp_path / "daphne-sso.log"], redis_prefix=f"linewalk-sso-{uuid.uuid4().hex[:12]}", env=env
    )
    yield daphne
    daphne.stop()


def test_a_facilitator_signs_in_with_their_organisation(
    browser, sso_server, organisation_provider, transactional_db, inquiry
):
    set_person(
        organisation_provider, "entra-zoe", email="zoe@example.org", preferred_username="zoe@example.org"
    )
    set_person(organisation_provider, "entra-max", email="max@elsewhere.example")
    screens = Screens(browser, sso_server.url, inquiry)
    try:
        page = screens.page(screens.context(LAPTOP))
        page.goto("/accounts/login/")
        page.get_by_role("link", name="Sign in with your organisation").click()
        page.get_by_placeholder("sub").fill("entra-zoe")
        page.get_by_role("button", name="Authorize").click()
        expect(page.get_by_role("heading", name="Your inquiries")).to_be_visible()
        expect(page.get_by_role("button", name="Log out zoe")).to_be_visible()

        refused = screens.page(screens.context(LAPTOP))
        refused.goto("/accounts/login/")
        refused.get_by_role("link", name="Sign in with your organisation").click()
        refused.get_by_placeholder("sub").fill("entra-max")
        refused.get_by_role("button", name="Authorize").click()
        expect(refused.get_by_role("status")).to_contain_text("email domain cannot facilitate")
        assert not User.objects.filter(email="max@elsewhere.example").exists()
    finally:
        screens.close()
    assert not screens.problems, screens.problems


def test_the_account_pages_pass_axe(screens, inquiry):
    ada = User.objects.create_user("ada", email="ada@example.org", password=PASSWORD)
    Account.objects.create(user=ada, admin=True)
    anonymous = screens.page(screens.context(LAPTOP))
    anonymous.goto("/accounts/login/")
    assert_accessible(anonymous, "login")

    admin = log_in(screens, "ada")
    for path in (
        "/accounts/",
        "/accounts/facilitators/",
        "/accounts/invitations/",
        "/accounts/organisation/",
        "/accounts/audit/",
        "/accounts/password/",
        "/accounts/two-factor/",
        f"/accounts/facilitators/{User.objects.get(username='bob').pk}/remove/",
    ):
        admin.goto(path)
        assert_accessible(admin, path)
    admin.goto("/accounts/invitations/")
    admin.get_by_role("button", name="Create the invitation").click()  # empty: the form's errors
    assert_accessible(admin, "invitation form with errors")
    admin.get_by_label("Email address of the new facilitator").fill("grace@example.org")
    admin.get_by_role("button", name="Create the invitation").click()
    link = admin.get_by_label("Invitation link", exact=False).input_value()
    assert_accessible(admin, "invitation created")
    admin.goto("/accounts/two-factor/")
    admin.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(admin.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    assert_accessible(admin, "two-factor setup")

    invitee = screens.page(screens.context(LAPTOP))
    invitee.goto(link)
    assert_accessible(invitee, "invitation accept")
    invitee.get_by_role("button", name="Create my account").click()
    assert_accessible(invitee, "invitation accept with errors")


def test_a_password_the_server_made_is_changed_on_the_way_to_the_first_page(screens, inquiry):
    """The first account (`make run`, ensure_facilitator) has a password the server made and printed:
    signing in with it, the facilitator is asked for one of their own first, told why, then goes on to
    the inquiry they were opening."""
    first = User.objects.create_user("first", password=PASSWORD)
    Account.objects.create(user=first, password_to_change=True)
    inquiry.facilitators.add(first)
    wanted = f"/i/{inquiry.code}/facilitate/"
    page = screens.page(screens.context(SHARED_SCREEN))
    page.goto(f"/accounts/login/?next={wanted}")
    page.get_by_label("Username").fill("first")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/password/")
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    expect(page.get_by_text("Your password was made for you when this account was set up")).to_be_visible()
    page.goto("/inquiries/")  # any page asks the same
    expect(page).to_have_url(re.compile(r"/accounts/password/\?next=%2Finquiries%2F$"))
    expect(page.get_by_text("Your password was made for you when this account was set up")).to_be_visible()
    page.goto(f"/accounts/password/?next={wanted}")
    snap(page, "walk3-password-1280", full_page=False)
    assert_accessible(page, "the password change asked for at the first sign-in")
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url(lambda url: urlsplit(url).path == wanted)
    expect(page.locator("#lw-connection")).to_have_text("Live")
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
