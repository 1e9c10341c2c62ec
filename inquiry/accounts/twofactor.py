"""Two-factor sign-in for password accounts: a TOTP authenticator app (django-otp) and single-use
recovery codes. Accounts that sign in with the organisation's provider rely on its own MFA."""

from base64 import b32encode

import segno
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import transaction
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Organisation

RECOVERY_CODES = 10
APP = "Authenticator app"
RECOVERY = "Recovery codes"
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


def enrolled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required():
    return Organisation.current().require_two_factor


def needed_at_sign_in(user):
    """Whether a password sign-in must be completed with a code (or by setting up the app first)."""
    return enrolled(user) or required()


def start(user):
    """A new authenticator secret for ``user``, waiting for its first code (any earlier unconfirmed
    one is dropped)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=APP, confirmed=False)


def pending(user):
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def secret_text(device):
    """The secret as people type it into an app that cannot scan: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device):
    """The QR code as inline SVG: made here by segno from the device's otpauth URL, no user text."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, omitsize=True)
    return mark_safe(svg)  # noqa: S308


def confirm(user, code):
    """Check the first code from the app; on success the app is the account's second factor and
    a fresh set of recovery codes is returned (shown once)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).last()
        if device is None or not device.verify_token(_digits(code)):
            return None
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return new_recovery_codes(user)


def new_recovery_codes(user):
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY)
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        return codes


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY).count()


def verify(user, code):
    """A code from the app (six digits) or an unused recovery code (which is then spent). Each device
    slows down repeated wrong guesses itself (django-otp's throttling): ``(accepted, message)``."""
    code = (code or "").strip().replace(" ", "").replace("-", "")
    if code.isdigit():
        kind, code = TOTPDevice, code
    else:
        kind, code = StaticDevice, code.lower()
    with transaction.atomic():
        for device in kind.objects.select_for_update().filter(user=user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                return False, "Too many wrong codes in a row: wait a few seconds, then try again."
            if device.verify_token(code):
                return True, ""
    return False, "That code is not right. Check the time on your phone, or use a recovery code."


def turn_off(user):
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _digits(code):
    return "".join(ch for ch in (code or "") if ch.isdigit())


def password_session(request):
    """Whether this signed-in session was opened with a password (not the organisation's provider)."""
    return request.session.get(BACKEND_SESSION_KEY) == PASSWORD_BACKEND
