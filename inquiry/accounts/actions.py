"""Changes to the organisation's accounts: check (an admin, a valid target), do (one transaction, with an
entry in the organisation's audit log), notify (emails and closing sockets once committed)."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from sessions.events import disconnect_user

from ..access import Refused
from .access import account_for, require_admin
from .models import Account, AccountAuditEntry, Invitation, LoginSession, Organisation, token_hash

User = get_user_model()


def record(actor, action, subject=None, detail=""):
    AccountAuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        subject=subject,
        action=action,
        detail=str(detail)[:500],
    )


# Sessions ---------------------------------------------------------------------------------------------------


def remember_session(request, user):
    """Note the session a facilitator signed in with (called on every sign-in and key change)."""
    key = request.session.session_key
    if key:
        LoginSession.objects.get_or_create(session_key=key, defaults={"user": user})
    horizon = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    LoginSession.objects.filter(user=user, created__lt=horizon).delete()


def forget_session(session_key):
    if session_key:
        LoginSession.objects.filter(session_key=session_key).delete()


def end_sessions(user, reason):
    """Sign the account out everywhere: every session it holds ends, and every socket closes."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    LoginSession.objects.filter(user=user).delete()
    disconnect_user(user.pk, reason)
    return len(keys)


# Invitations ----------------------------------------------------------------------------------------------


def invite(admin, email, *, admin_rights=False, link_for):
    """A single-use link for ``email``; returns (invitation, link). Only the link's hash is stored, so the
    link is shown once (and emailed where email is configured)."""
    require_admin(admin)
    if not settings.PASSWORD_LOGIN:
        raise Refused(
            "disabled", "Password sign-in is turned off: facilitators sign in with your organisation."
        )
    email = User.objects.normalize_email(email.strip())
    holder = User.objects.filter(email__iexact=email).exclude(account__status=Account.REMOVED).first()
    if holder is not None:
        raise Refused("taken", f"{email} already has a facilitator account ({holder.get_username()}).")
    token = Invitation.new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            admin=admin_rights,
            token_hash=token_hash(token),
            invited_by=admin,
            expires=timezone.now() + timedelta(hours=settings.INVITATION_HOURS),
        )
        record(admin, "invitation.create", detail=f"{email}{' (admin)' if admin_rights else ''}")
        link = link_for(token)
        if settings.EMAIL_ENABLED:
            transaction.on_commit(lambda: _send_invitation(invitation, link, admin))
    return invitation, link


def _send_invitation(invitation, link, admin):
    hours = settings.INVITATION_HOURS
    send_mail(
        "You are invited to facilitate on Linewalk",
        f"{admin.get_username()} has invited you to facilitate inquiries on Linewalk.\n\n"
        f"Set up your account here (the link works once, for {hours} hours):\n{link}\n\n"
        "If you did not expect this, ignore this email.",
        None,
        [invitation.email],
    )


def invitation_for_token(token, *, lock=False):
    """The pending invitation this link stands for, or Refused saying plainly why not."""
    found = Invitation.objects.select_for_update() if lock else Invitation.objects
    invitation = found.filter(token_hash=token_hash(token or "")).first()
    if invitation is None:
        raise Refused("not_found", "This invitation link is not valid. Check that you copied all of it.")
    status = invitation.status
    if status == "accepted":
        raise Refused("used", "This invitation has already been used. Log in, or ask an admin for a new one.")
    if status == "revoked":
        raise Refused("revoked", "This invitation was withdrawn by an admin. Ask them for a new one.")
    if status == "expired":
        raise Refused("expired", "This invitation has expired. Ask an admin to send you a new one.")
    return invitation


def accept_invitation(token, *, username, password):
    """Create the invited facilitator's account; the link is spent in the same transaction."""
    with transaction.atomic():
        invitation = invitation_for_token(token, lock=True)
        if User.objects.filter(username__iexact=username).exists():
            raise Refused("taken", "That username is taken. Choose another.")
        user = User(username=username, email=invitation.email)
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save()
        Account.objects.create(user=user, admin=invitation.admin, invited_by=invitation.invited_by)
        invitation.accepted, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted", "accepted_by"])
        record(user, "invitation.accept", subject=user, detail=invitation.email)
    return user


def revoke_invitation(admin, invitation_id):
    require_admin(admin)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None or invitation.status != "pending":
            raise Refused("invalid_state", "Only a pending invitation can be withdrawn.")
        invitation.revoked = timezone.now()
        invitation.save(update_fields=["revoked"])
        record(admin, "invitation.revoke", detail=invitation.email)
    return invitation


# Facilitators ---------------------------------------------------------------------------------------------


def _target(admin, user_id):
    require_admin(admin)
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise Refused("not_found", "There is no such facilitator.")
    if user.pk == admin.pk:
        raise Refused("invalid_state", "You cannot do that to your own account; ask another admin.")
    account = account_for(user)
    if account.status == Account.REMOVED:
        raise Refused("invalid_state", f"{user.get_username()} has been removed.")
    return user, account


def suspend(admin, user_id):
    """Stop a facilitator at once: no sign-in, every session ended, every live socket closed."""
    with transaction.atomic():
        user, account = _target(admin, user_id)
        if account.status == Account.SUSPENDED:
            raise Refused("invalid_state", f"{user.get_username()} is already suspended.")
        account.status = Account.SUSPENDED
        account.save(update_fields=["status"])
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = end_sessions(user, "An admin has suspended this facilitator account.")
        record(admin, "facilitator.suspend", subject=user, detail=f"{ended} session(s) ended")
    return user


def reactivate(admin, user_id):
    with transaction.atomic():
        user, account = _target(admin, user_id)
        if account.status != Account.SUSPENDED:
            raise Refused("invalid_state", f"{user.get_username()} is not suspended.")
        account.status = Account.ACTIVE
        account.save(update_fields=["status"])
        user.is_active = True
        user.save(update_fields=["is_active"])
        record(admin, "facilitator.reactivate", subject=user)
    return user


def remove(admin, user_id):
    """Remove a facilitator for good: as suspending, and they leave every inquiry; an inquiry left with
    no facilitator passes to the admin who removed them. The account row stays, so audit logs still
    say who did what."""
    with transaction.atomic():
        user, account = _target(admin, user_id)
        account.status, account.admin = Account.REMOVED, False
        account.save(update_fields=["status", "admin"])
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
        handed = []
        for inquiry in user.facilitated_inquiries.all():
            inquiry.facilitators.remove(user)
            if not inquiry.facilitators.exists():
                inquiry.facilitators.add(admin)
                handed.append(inquiry.title)
        end_sessions(user, "An admin has removed this facilitator account.")
        detail = f"inquiries passed to {admin.get_username()}: {', '.join(handed)}" if handed else ""
        record(admin, "facilitator.remove", subject=user, detail=detail)
    return user, handed


def set_admin(admin, user_id, admin_rights):
    with transaction.atomic():
        user, account = _target(admin, user_id)
        if account.admin == admin_rights:
            return user
        account.admin = admin_rights
        account.save(update_fields=["admin"])
        record(admin, "admin.grant" if admin_rights else "admin.revoke", subject=user)
    return user


def set_require_two_factor(admin, required):
    require_admin(admin)
    with transaction.atomic():
        organisation = Organisation.current()
        organisation.require_two_factor = required
        organisation.save(update_fields=["require_two_factor"])
        record(admin, "organisation.two_factor", detail="required" if required else "optional")
    return organisation


def password_chosen(user):
    """The person has chosen their own password: no longer the one the server made for the account."""
    Account.objects.filter(user=user, password_to_change=True).update(password_to_change=False)
