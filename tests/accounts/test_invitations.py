"""An admin invites a facilitator by a single-use, expiring link; the invitee sets their password."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from inquiry.models import AccountAuditEntry, Invitation

from ..conftest import PASSWORD
from ..support import Screen
from .conftest import invite, path_of, texts

User = get_user_model()
NEW_PASSWORD = "harbour-lantern-47"


def accept(link, username="grace", password=NEW_PASSWORD):
    client = Client()
    response = client.post(
        path_of(link), {"username": username, "password1": password, "password2": password}
    )
    return client, response


def test_an_admin_invites_and_the_invitee_sets_a_password_and_can_facilitate(admin):
    link = invite(admin, "grace@example.org")
    assert link.startswith("http://testserver/accounts/invitation/")

    client = Client()
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "grace@example.org" in texts(page)
    # Opening the link changes nothing: only the form's POST spends it.
    assert Invitation.objects.get().status == "pending"

    response = client.post(
        path_of(link), {"username": "grace", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/inquiries/"
    grace = User.objects.get(username="grace")
    assert grace.email == "grace@example.org" and grace.check_password(NEW_PASSWORD)
    assert Invitation.objects.get().accepted_by == grace

    # Signed in at once, and able to create and run an inquiry.
    created = client.post(
        "/inquiries/new/", {"title": "Grace's", "question": "What next?", "rounds": "", "sectors": "NHS"}
    )
    assert created.status_code == 302 and "/facilitate/" in created["Location"]
    assert client.get(created["Location"]).status_code == 200
    # And with that password, from another device.
    assert Client().login(username="grace", password=NEW_PASSWORD)


@pytest.mark.django_db(transaction=True)
async def test_two_facilitators_run_the_same_inquiry_after_an_invitation(admin, inquiry, alice):
    link = await sync_to_async(invite)(admin, "grace@example.org")
    grace, _ = await sync_to_async(accept)(link)
    added = await sync_to_async(alice.post)(f"/i/{inquiry.code}/facilitators/", {"username": "grace"})
    assert added.status_code == 302
    alice_screen = await Screen(inquiry.code, alice).connect()
    grace_screen = await Screen(inquiry.code, grace).connect()
    await grace_screen.send(type="theme", op="add", name="Discharge")
    await alice_screen.until(lambda s: [name for _, name, _, _ in s.themes()] == ["Discharge"])
    await alice_screen.close()
    await grace_screen.close()


def test_a_used_link_is_refused_with_a_clear_message(admin):
    link = invite(admin, "grace@example.org")
    accept(link)
    client, response = accept(link, username="mallory")
    assert response.status_code == 410
    assert "already been used" in texts(response)
    assert client.get(path_of(link)).status_code == 410
    assert not User.objects.filter(username="mallory").exists()


def test_an_expired_link_is_refused_with_a_clear_message(admin):
    link = invite(admin, "grace@example.org")
    Invitation.objects.update(expires=timezone.now() - timedelta(seconds=1))
    client, response = accept(link)
    assert response.status_code == 410
    assert "expired" in texts(response)
    assert not User.objects.filter(username="grace").exists()


def test_a_withdrawn_link_is_refused(admin):
    link = invite(admin, "grace@example.org")
    invitation = Invitation.objects.get()
    assert admin.post(f"/accounts/invitations/{invitation.pk}/revoke/").status_code == 302
    _, response = accept(link)
    assert response.status_code == 410 and "withdrawn" in texts(response)


def test_a_made_up_link_is_not_found(db):
    response = Client().get("/accounts/invitation/not-a-real-token/")
    assert response.status_code == 404
    assert "not valid" in texts(response)


def test_weak_passwords_are_refused_by_the_validators(admin):
    link = invite(admin, "grace@example.org")
    for weak in ("password123", "12345678901", "grace"):
        _, response = accept(link, password=weak)
        assert response.status_code == 400, weak
    assert Invitation.objects.get().status == "pending"
    _, response = accept(link, password="grace-example-org")
    assert response.status_code == 400 and "too similar" in texts(response)


def test_the_two_passwords_must_match_and_the_username_be_free(admin, users):
    link = invite(admin, "grace@example.org")
    client = Client()
    response = client.post(
        path_of(link), {"username": "grace", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 400 and "differ" in texts(response)
    response = client.post(
        path_of(link), {"username": "Alice", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 400 and "taken" in texts(response)


def test_the_link_is_emailed_where_email_is_configured(admin, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_ENABLED = True
    with django_capture_on_commit_callbacks(execute=True):
        link = invite(admin, "grace@example.org")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace@example.org"]
    assert link in mail.outbox[0].body


def test_without_email_the_link_is_only_shown(admin, settings):
    settings.EMAIL_ENABLED = False
    response = admin.post("/accounts/invitations/", {"email": "grace@example.org"})
    assert "send it yourself" in texts(response).lower() or "yourself" in texts(response)
    assert mail.outbox == []


def test_only_the_tokens_hash_is_stored(admin):
    link = invite(admin, "grace@example.org")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert Invitation.objects.get().token_hash != token
    assert not Invitation.objects.filter(token_hash__contains=token).exists()


def test_an_invitation_can_make_an_admin(admin):
    link = invite(admin, "grace@example.org", admin=True)
    client, _ = accept(link)
    assert client.get("/accounts/facilitators/").status_code == 200


def test_a_facilitator_who_is_not_an_admin_cannot_invite(alice, users):
    assert alice.get("/accounts/invitations/").status_code == 403
    assert alice.post("/accounts/invitations/", {"email": "x@example.org"}).status_code == 403
    assert not Invitation.objects.exists()


def test_signed_out_people_are_sent_to_log_in(db):
    response = Client().get("/accounts/invitations/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_forms_need_their_csrf_token(ada):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="ada", password=PASSWORD)
    assert client.post("/accounts/invitations/", {"email": "grace@example.org"}).status_code == 403
    assert not Invitation.objects.exists()


def test_invitations_go_to_the_audit_log(admin):
    link = invite(admin, "grace@example.org")
    accept(link)
    actions = list(AccountAuditEntry.objects.values_list("action", flat=True))
    assert actions == ["invitation.accept", "invitation.create"]
    page = texts(admin.get("/accounts/audit/"))
    assert "invitation.create" in page and "grace@example.org" in page


@pytest.mark.parametrize("path", ["/accounts/invitations/", "/accounts/facilitators/", "/accounts/audit/"])
def test_admin_pages_open(admin, path):
    assert admin.get(path).status_code == 200


def test_an_email_that_already_has_an_account_is_not_invited_again(admin, users):
    User.objects.filter(username="bob").update(email="bob@example.org")
    response = admin.post("/accounts/invitations/", {"email": "Bob@Example.org"}, follow=True)
    assert "already has a facilitator account (bob)" in texts(response)
    assert not Invitation.objects.exists()
