"""Single sign-on with the organisation's OpenID Connect provider, on mozilla-django-oidc.

The library runs the authorisation-code flow (state, nonce, PKCE), exchanges the code and checks the ID
token's signature against the provider's keys. Here: the endpoints come from the issuer's discovery
document; the ID token's issuer and audience are checked too; the organisation's rules decide who may
facilitate (email domains, a group claim); an account is matched (by its provider subject, then by
email) or created; a refusal is shown on the login page and kept in the organisation's audit log."""

import logging
import re
import threading

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .access import account_for
from .actions import record
from .models import Account

log = logging.getLogger(__name__)

ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_discovered = {}
_lock = threading.Lock()


class Unavailable(Exception):
    """The provider could not be reached, or described itself wrongly."""


def discovery():
    """The issuer's discovery document, fetched once per process (and again after a failure)."""
    issuer = settings.OIDC_ISSUER
    with _lock:
        if issuer not in _discovered:
            try:
                response = requests.get(
                    f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
                )
                response.raise_for_status()
                document = response.json()
            except (requests.RequestException, ValueError) as error:
                raise Unavailable(f"could not read the discovery document of {issuer}: {error}") from error
            if document.get("issuer", "").rstrip("/") != issuer:
                raise Unavailable(f"{issuer} names itself {document.get('issuer')!r}: check OIDC_ISSUER")
            _discovered[issuer] = document
        return _discovered[issuer]


def get_setting(attr, *default):
    if attr in ENDPOINTS:
        return discovery()[ENDPOINTS[attr]]
    return import_from_settings(attr, *default)


class Refusal(Exception):
    def __init__(self, message, detail):
        super().__init__(message)
        self.message = message
        self.detail = detail


def email_of(claims):
    """The person's email: the ``email`` claim, else (Entra ID) ``preferred_username`` when it is one."""
    for name in ("email", "preferred_username", "upn"):
        value = claims.get(name)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return ""


def groups_of(claims):
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    return {value} if isinstance(value, str) else {str(item) for item in value}


def check_may_facilitate(claims):
    """The organisation's rules: allowed email domains and/or membership of a facilitators' group."""
    email = email_of(claims)
    if not email:
        raise Refusal("Your organisation did not tell Linewalk your email address.", "no email claim")
    domains = settings.OIDC_ALLOWED_DOMAINS
    if domains and email.rsplit("@", 1)[1] not in domains:
        raise Refusal(
            "Accounts from your email domain cannot facilitate here.", f"{email}: domain not allowed"
        )
    wanted = set(settings.OIDC_FACILITATOR_GROUPS) | set(settings.OIDC_ADMIN_GROUPS)
    if settings.OIDC_FACILITATOR_GROUPS and not groups_of(claims) & wanted:
        raise Refusal(
            "Your account is not in a group allowed to facilitate. Ask your IT team or a Linewalk admin.",
            f"{email}: not in a facilitators' group",
        )
    return email


class OrganisationBackend(OIDCAuthenticationBackend):
    """Endpoints read lazily (so password sign-ins and every request's session check never wait on the
    provider), issuer and audience checked, the organisation's rules applied."""

    def __init__(self, *args, **kwargs):
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    get_settings = staticmethod(get_setting)

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):  # noqa: N802 (the library's attribute names)
        return get_setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self):  # noqa: N802
        return get_setting("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):  # noqa: N802
        return get_setting("OIDC_OP_JWKS_ENDPOINT")

    def authenticate(self, request, **kwargs):
        # Only the callback (which passes the nonce it kept) may exchange a code: a password form posted
        # to a URL with ?code= must not start an exchange.
        if request is None or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if kwargs.get("nonce") is not None:  # the ID token (a signed userinfo answer has no nonce)
            audience = payload.get("aud")
            audiences = [audience] if isinstance(audience, str) else list(audience or [])
            if str(payload.get("iss", "")).rstrip("/") != settings.OIDC_ISSUER:
                raise SuspiciousOperation("ID token from another issuer")
            if self.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("ID token for another client")
        return payload

    def retrieve_matching_jwk(self, token):
        """The provider's signing key for this token: by its ``kid`` where the token names one (Entra ID
        publishes several keys for the same algorithm), else the only key for its algorithm."""
        header = jwt.get_unverified_header(token)
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        kid = header.get("kid")
        keys = [
            key
            for key in response.json().get("keys", [])
            if key.get("use", "sig") == "sig"
            and key.get("alg", header.get("alg")) == header.get("alg")
            and (kid is None or key.get("kid") == kid)
        ]
        if len(keys) != 1:
            raise SuspiciousOperation(f"{len(keys)} signing keys match the ID token")
        return jwt.PyJWK(keys[0])

    def get_userinfo(self, access_token, id_token, payload):
        # Entra ID puts groups and roles in the ID token only; the userinfo answer adds the rest.
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            email = check_may_facilitate(claims)
            user = self.match_or_create(claims, email)
        except Refusal as refusal:
            self.request.linewalk_sso_refusal = refusal.message
            record(None, "sso.refused", detail=refusal.detail)
            return None
        return user

    def match_or_create(self, claims, email):
        subject = str(claims["sub"])
        with transaction.atomic():
            account = (
                Account.objects.select_related("user")
                .filter(sso_issuer=settings.OIDC_ISSUER, sso_subject=subject)
                .first()
            )
            if account is None:
                account = self._link_by_email(email, subject)
            if account is None:
                user = self._create(claims, email, subject)
                account = user.account
                record(user, "sso.account_created", subject=user, detail=email)
            if account.status != Account.ACTIVE:
                raise Refusal(
                    f"This facilitator account is {account.status}. Ask a Linewalk admin.",
                    f"{email}: account {account.status}",
                )
            if set(settings.OIDC_ADMIN_GROUPS) & groups_of(claims) and not account.admin:
                account.admin = True
                account.save(update_fields=["admin"])
                record(None, "admin.grant", subject=account.user, detail="member of an admins' group")
            return account.user

    def _link_by_email(self, email, subject):
        users = list(
            self.UserModel.objects.filter(email__iexact=email).exclude(account__status=Account.REMOVED)
        )
        if len(users) > 1:
            raise Refusal(
                "More than one Linewalk account has your email address. Ask an admin to sort it out.",
                f"{email}: several accounts",
            )
        if not users:
            return None
        account = account_for(users[0])
        if account.sso_subject:
            raise Refusal(
                "Your email address belongs to a Linewalk account linked to another sign-in.",
                f"{email}: account linked to another subject",
            )
        account.sso_issuer, account.sso_subject = settings.OIDC_ISSUER, subject
        account.save(update_fields=["sso_issuer", "sso_subject"])
        record(users[0], "sso.account_linked", subject=users[0], detail=email)
        return account

    def _create(self, claims, email, subject):
        base = re.sub(r"[^\w.@+-]", "", str(claims.get("preferred_username") or email.split("@")[0]))[:140]
        base = base.split("@")[0] or "facilitator"
        username, n = base, 1
        while self.UserModel.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base}{n}"
        user = self.UserModel(username=username, email=email)
        user.first_name = str(claims.get("given_name") or "")[:150]
        user.last_name = str(claims.get("family_name") or "")[:150]
        user.set_unusable_password()
        try:
            user.save()
        except IntegrityError as error:
            raise Refusal("Signing in failed; try again.", f"{email}: {error}") from error
        Account.objects.create(user=user, sso_issuer=settings.OIDC_ISSUER, sso_subject=subject)
        return user

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class SignIn(OIDCAuthenticationRequestView):
    """GET /oidc/authenticate/: off the login page's button to the provider."""

    get_settings = staticmethod(get_setting)

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        try:
            self.OIDC_OP_AUTH_ENDPOINT = get_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except Unavailable:
            log.exception("single sign-on: the provider is unavailable")
            messages.error(request, "Your organisation's sign-in service did not answer. Try again shortly.")
            return redirect("login")
        return super().get(request)


class Callback(OIDCAuthenticationCallbackView):
    """GET /oidc/callback/: where the provider sends people back."""

    get_settings = staticmethod(get_setting)

    def get(self, request):
        try:
            return super().get(request)
        except (Unavailable, requests.RequestException, SuspiciousOperation):
            log.exception("single sign-on failed")
            messages.error(request, "Signing in with your organisation failed. Try again.")
            return redirect("login")

    def login_success(self):
        response = super().login_success()
        self.request.session.set_expiry(settings.OIDC_SESSION_HOURS * 3600)
        return response

    def login_failure(self):
        refusal = getattr(self.request, "linewalk_sso_refusal", None)
        if self.request.GET.get("error") == "access_denied":
            refusal = "Signing in was cancelled at your organisation's sign-in page."
        messages.error(self.request, refusal or "Signing in with your organisation failed. Try again.")
        return redirect("login")
