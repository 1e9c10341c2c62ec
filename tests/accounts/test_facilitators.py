"""Admins list, suspend, reactivate and remove facilitators; a suspended or removed facilitator's sessions
and live sockets stop working at once."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client

from inquiry.models import Account, AccountAuditEntry, Inquiry

from ..conftest import PASSWORD
from ..support import ConnectionClosed, Screen
from .conftest import texts

User = get_user_model()
pytestmark = pytest.mark.django_db(transaction=True)


def listed(client):
    """The usernames in the facilitators table, as shown."""
    page = client.get("/accounts/facilitators/").content.decode()
    return [name.strip() for name in re.findall(r'<th scope="row">([^<(]+)', page)]


def change(client, user, what):
    return client.post(f"/accounts/facilitators/{user.pk}/{what}/")


async def closed_with(screen):
    """Read frames until the socket closes: (the close code, the last error code shown)."""
    error = None
    try:
        while True:
            frame = await screen.receive()
            error = frame.error or error
    except ConnectionClosed as closed:
        return closed.code, error


def test_admins_see_every_facilitator_with_their_status(admin, users):
    page = texts(admin.get("/accounts/facilitators/"))
    for name in ("ada", "alice", "bob", "eve"):
        assert name in page
    assert len(re.findall(r"Suspend\s*:", page)) == 3  # everyone but the admin herself


async def test_suspending_closes_every_live_socket_and_ends_every_session(admin, users, inquiry, alice, bob):
    board = await Screen(inquiry.code, alice).connect()
    presenter = await Screen(inquiry.code, alice, query="view=presenter").connect()
    second_device = await sync_to_async(Client)()
    await sync_to_async(second_device.login)(username="alice", password=PASSWORD)
    bobs_board = await Screen(inquiry.code, bob).connect()

    response = await sync_to_async(change)(admin, users["alice"], "suspend")
    assert response.status_code == 302

    for screen in (board, presenter):
        code, error = await closed_with(screen)
        assert (code, error) == (4403, "revoked")
    # Her sessions are gone: every device is signed out.
    for client in (alice, second_device):
        page = await sync_to_async(client.get)(f"/i/{inquiry.code}/facilitate/")
        assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    assert not await sync_to_async(Client().login)(username="alice", password=PASSWORD)
    # A new socket with her old cookie is refused.
    again = Screen(inquiry.code, alice)
    await again.connect()
    assert again.frames[-1].error == "forbidden"
    # Bob, co-facilitating, carries on.
    await bobs_board.send(type="theme", op="add", name="Still here")
    await bobs_board.until(lambda s: [name for _, name, _, _ in s.themes()] == ["Still here"])
    await bobs_board.close()


async def test_a_suspended_facilitators_open_socket_cannot_act_even_before_it_closes(
    users, inquiry, alice, settings
):
    from inquiry.accounts import actions

    settings.LIVE_RECHECK_SECONDS = 3600  # the process's re-check of its sockets would close it first
    board = await Screen(inquiry.code, alice).connect()
    ada = await sync_to_async(User.objects.create_user)("ada", password=PASSWORD)
    await sync_to_async(Account.objects.create)(user=ada, admin=True)
    # Suspended from outside any transaction's commit hook: the account check at each action refuses.
    await sync_to_async(User.objects.filter(pk=users["alice"].pk).update)(is_active=False)
    await board.send(type="theme", op="add", name="Sneaky")
    reply = await board.reply()
    assert reply.error == "forbidden"
    assert not await sync_to_async(inquiry.themes.exists)()
    await sync_to_async(actions.end_sessions)(users["alice"], "test")
    await board.close()


def test_a_reactivated_facilitator_can_sign_in_again(admin, users):
    change(admin, users["alice"], "suspend")
    assert not Client().login(username="alice", password=PASSWORD)
    assert change(admin, users["alice"], "reactivate").status_code == 302
    assert Client().login(username="alice", password=PASSWORD)
    assert texts(admin.get("/accounts/facilitators/")).count("Suspended") == 0


def test_removing_takes_them_off_every_inquiry_and_hands_sole_ones_to_the_admin(
    admin, users, inquiry, other_inquiry
):
    confirm = admin.get(f"/accounts/facilitators/{users['eve'].pk}/remove/")
    assert confirm.status_code == 200 and "Elsewhere" in texts(confirm)
    # The confirmation page changed nothing.
    assert User.objects.get(username="eve").is_active

    assert admin.post(f"/accounts/facilitators/{users['eve'].pk}/remove/").status_code == 302
    eve = User.objects.get(username="eve")
    assert not eve.is_active and not eve.has_usable_password()
    assert eve.account.status == Account.REMOVED
    elsewhere = Inquiry.objects.get(pk=other_inquiry.pk)
    assert list(elsewhere.facilitators.values_list("username", flat=True)) == ["ada"]
    assert listed(admin) == ["ada", "alice", "bob"]

    # Bob leaves the shared inquiry; Alice keeps it.
    admin.post(f"/accounts/facilitators/{users['bob'].pk}/remove/")
    assert list(inquiry.facilitators.values_list("username", flat=True)) == ["alice"]


@pytest.mark.parametrize("fanout", ["hub", "group"])
async def test_removing_closes_their_sockets(admin, users, inquiry, bob, settings, fanout):
    settings.LIVE_FANOUT = fanout
    board = await Screen(inquiry.code, bob).connect()
    await sync_to_async(admin.post)(f"/accounts/facilitators/{users['bob'].pk}/remove/")
    assert await closed_with(board) == (4403, "revoked")


def test_an_admin_cannot_suspend_or_remove_themselves(admin, ada):
    response = change(admin, ada, "suspend")
    assert response.status_code == 302
    assert "your own account" in texts(admin.get("/accounts/facilitators/"))
    admin.post(f"/accounts/facilitators/{ada.pk}/remove/")
    assert User.objects.get(pk=ada.pk).is_active


def test_admin_rights_are_granted_and_taken_back(admin, users, alice):
    assert alice.get("/accounts/facilitators/").status_code == 403
    change(admin, users["alice"], "grant_admin")
    assert alice.get("/accounts/facilitators/").status_code == 200
    change(admin, users["alice"], "revoke_admin")
    assert alice.get("/accounts/facilitators/").status_code == 403


def test_facilitators_who_are_not_admins_cannot_suspend_anyone(alice, users):
    assert change(alice, users["bob"], "suspend").status_code == 403
    assert alice.post(f"/accounts/facilitators/{users['bob'].pk}/remove/").status_code == 403
    assert User.objects.get(username="bob").is_active


def test_no_change_happens_on_a_get(admin, users):
    assert admin.get(f"/accounts/facilitators/{users['bob'].pk}/suspend/").status_code == 405
    assert User.objects.get(username="bob").is_active


def test_every_change_goes_to_the_organisation_audit_log(admin, users):
    change(admin, users["alice"], "suspend")
    change(admin, users["alice"], "reactivate")
    change(admin, users["bob"], "grant_admin")
    admin.post(f"/accounts/facilitators/{users['eve'].pk}/remove/")
    entries = list(
        AccountAuditEntry.objects.order_by("pk").values_list("action", "actor__username", "subject__username")
    )
    assert entries == [
        ("facilitator.suspend", "ada", "alice"),
        ("facilitator.reactivate", "ada", "alice"),
        ("admin.grant", "ada", "bob"),
        ("facilitator.remove", "ada", "eve"),
    ]
    page = texts(admin.get("/accounts/audit/"))
    assert "facilitator.suspend" in page and "facilitator.remove" in page


def test_the_first_account_make_run_creates_is_an_admin(db, tmp_path, settings):
    from django.core.management import call_command

    settings.BASE_DIR = tmp_path
    call_command("ensure_facilitator", "--username", "first")
    call_command("ensure_facilitator", "--username", "second")
    assert Account.objects.get(user__username="first").admin
    assert not Account.objects.filter(user__username="second", admin=True).exists()
