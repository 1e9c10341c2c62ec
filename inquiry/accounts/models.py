import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def token_hash(token):
    """Invitation tokens are stored hashed: a copy of the database does not hold working links."""
    return hashlib.sha256(token.encode()).hexdigest()


class Organisation(models.Model):
    """The one organisation this server belongs to (one row), and what its admins decide for everyone."""

    require_two_factor = models.BooleanField(
        default=False,
        help_text="Every facilitator who signs in with a password must also give a code from an "
        "authenticator app. Accounts that sign in with your organisation rely on its own MFA.",
    )

    def __str__(self):
        return "the organisation"

    @classmethod
    def current(cls):
        organisation, _ = cls.objects.get_or_create(pk=1)
        return organisation


class Account(models.Model):
    """What Linewalk knows of a facilitator beyond Django's user: admin, status, single sign-on link."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REMOVED = "removed"
    STATUSES = [(ACTIVE, "Active"), (SUSPENDED, "Suspended"), (REMOVED, "Removed")]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    admin = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=STATUSES, default=ACTIVE)
    # Set once the account has signed in with the organisation's OpenID Connect provider.
    sso_issuer = models.CharField(max_length=300, blank=True)
    sso_subject = models.CharField(max_length=255, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The password was made for the account by the server (ensure_facilitator prints it to whoever set it
    # up), not chosen by the person: they are asked to choose their own when they first sign in with it.
    password_to_change = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sso_issuer", "sso_subject"], condition=~Q(sso_subject=""), name="one_account_per_sso"
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.status})"

    @property
    def uses_sso(self):
        return bool(self.sso_subject)


class Invitation(models.Model):
    """A single-use link that lets someone set up a facilitator account, until it expires."""

    email = models.EmailField()
    admin = models.BooleanField(default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    accepted = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"invitation for {self.email} ({self.status})"

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    @property
    def status(self):
        if self.accepted:
            return "accepted"
        if self.revoked:
            return "revoked"
        if self.expires <= timezone.now():
            return "expired"
        return "pending"


class LoginSession(models.Model):
    """A session a facilitator signed in with, so that suspending them can end every one of them
    whatever the session engine (participants' sessions are never listed here)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"session of {self.user_id}"


class AccountAuditEntry(models.Model):
    """The organisation's audit log: invitations, suspensions, removals, admin changes, sign-in policy,
    passwords and two-factor changes, refused single sign-ons."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    detail = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return self.action
