import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import limits
from ..access import Refused
from ..views import ErrorsAre400
from ..views import LoginView as ThrottledLoginView
from . import actions, twofactor
from .access import account_of, admin_required, is_admin
from .forms import AcceptInvitationForm, CodeForm, FirstCodeForm, InvitationForm, OrganisationForm
from .middleware import PASSWORD_TO_CHANGE
from .models import Account, AccountAuditEntry, Invitation, Organisation

User = get_user_model()

# A password sign-in waiting for its second factor: who, how, where to, since when, how many wrong codes.
PENDING = "linewalk.pending_login"
PENDING_SECONDS = 600
MAX_CODE_TRIES = 5


def absolute(request, path):
    return (settings.PUBLIC_URL + path) if settings.PUBLIC_URL else request.build_absolute_uri(path)


def only_when(available, why):
    """A page that exists only with some settings (e.g. password sign-in on): 404 otherwise."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not available():
                raise Http404(why)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


password_login_only = only_when(lambda: settings.PASSWORD_LOGIN, "Password sign-in is turned off.")
email_only = only_when(
    lambda: settings.PASSWORD_LOGIN and settings.EMAIL_ENABLED,
    "Password reset by email is not set up on this server.",
)
sso_only = only_when(lambda: settings.OIDC_ENABLED, "Single sign-on is not set up on this server.")


# Signing in -------------------------------------------------------------------------------------------------


def sign_in_context(request, next_url=""):
    sso_url = reverse("oidc_authentication_init")
    if next_url:
        sso_url += "?" + urlencode({"next": next_url})
    return {
        "password_login": settings.PASSWORD_LOGIN,
        "sso_enabled": settings.OIDC_ENABLED,
        "sso_label": settings.OIDC_BUTTON_LABEL,
        "sso_url": sso_url,
        "password_reset": settings.PASSWORD_LOGIN and settings.EMAIL_ENABLED,
    }


class LoginView(ThrottledLoginView):
    """Password sign-in, throttled (inquiry.limits, 429 when over); with two-factor, the password step
    only opens a pending sign-in (the account is signed in once its code is given), so nothing that
    trusts a signed-in user ever sees half of one."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(sign_in_context(self.request, self.get_redirect_url()))
        return context

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            raise Http404("Password sign-in is turned off.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if not twofactor.needed_at_sign_in(user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
            "tries": 0,
        }
        if twofactor.enrolled(user):
            return redirect("accounts:login_code")
        twofactor.start(user)
        messages.info(self.request, "Your organisation asks every facilitator to use two-factor sign-in.")
        return redirect("accounts:two_factor_setup")


def pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def complete_pending(request, user):
    pending = request.session.pop(PENDING)
    auth_login(request, user, backend=pending["backend"])
    return pending["next"]


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    user = pending_user(request)
    if user is None:
        messages.error(request, "Your sign-in timed out. Enter your password again.")
        return redirect("login")
    form = CodeForm(request.POST or None)
    username = user.get_username()
    if request.method == "POST" and form.is_valid():
        limited = limits.login_refusal(request, username)
        if limited is not None:
            form.add_error("code", limited.message)
            response = render(request, "accounts/login_code.html", {"form": form}, status=429)
            response["Retry-After"] = str(limited.retry_after)
            return response
        accepted, problem = twofactor.verify(user, form.cleaned_data["code"])
        if accepted:
            limits.login_succeeded(request, username)
            return redirect(complete_pending(request, user))
        limits.login_failed(request, username)
        pending = request.session[PENDING]
        pending["tries"] += 1
        request.session.modified = True
        if pending["tries"] >= MAX_CODE_TRIES:
            del request.session[PENDING]
            messages.error(request, "Too many wrong codes. Enter your password again.")
            return redirect("login")
        form.add_error("code", problem)
    status = 400 if form.errors else 200
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


# Invitations (the invitee's side) ---------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    """The link shows a form; only its POST spends the invitation."""
    try:
        invitation = actions.invitation_for_token(token)
    except Refused as refused:
        status = 404 if refused.code == "not_found" else 410
        return render(
            request, "accounts/invitation_invalid.html", {"message": refused.message}, status=status
        )
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_signed_in.html", {"invitation": invitation}, status=409)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.accept_invitation(
                token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except Refused as refused:
            return render(
                request, "accounts/invitation_invalid.html", {"message": refused.message}, status=410
            )
        backend = "django.contrib.auth.backends.ModelBackend"
        if twofactor.required():
            request.session[PENDING] = {
                "user": user.pk,
                "backend": backend,
                "next": reverse("inquiry:list"),
                "at": time.time(),
                "tries": 0,
            }
            twofactor.start(user)
            messages.info(request, "Your account is ready. Your organisation asks for two-factor sign-in.")
            return redirect("accounts:two_factor_setup")
        auth_login(request, user, backend=backend)
        messages.success(request, f"Welcome, {user.get_username()}. You can now create and run inquiries.")
        return redirect("inquiry:list")
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200)


# Your account -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def account(request):
    user = request.user
    context = {
        "account": account_of(user),
        "admin": is_admin(user),
        "has_password": user.has_usable_password() and settings.PASSWORD_LOGIN,
        "two_factor": twofactor.enrolled(user),
        "two_factor_required": twofactor.required(),
    }
    return render(request, "accounts/account.html", context)


@method_decorator(password_login_only, name="dispatch")
class PasswordChangeView(ErrorsAre400, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_usable_password():
            messages.info(request, "You sign in with your organisation: change your password there.")
            return redirect("accounts:account")
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        # Back to the page a first sign-in was on its way to (middleware.password_change_required).
        wanted = self.request.POST.get("next") or self.request.GET.get("next", "")
        if wanted and url_has_allowed_host_and_scheme(wanted, {self.request.get_host()}, require_https=False):
            return wanted
        return super().get_success_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = self.request.GET.get("next", "")
        context["password_to_change"] = self.request.session.get(PASSWORD_TO_CHANGE, False)
        return context

    def form_valid(self, form):
        old_key = self.request.session.session_key
        response = super().form_valid(form)  # the session gets a new key; other sessions end
        actions.forget_session(old_key)
        actions.remember_session(self.request, self.request.user)
        actions.record(self.request.user, "password.change", subject=self.request.user)
        actions.password_chosen(self.request.user)
        self.request.session.pop(PASSWORD_TO_CHANGE, None)
        messages.success(self.request, "Your password is changed. Other devices have been signed out.")
        return response


@method_decorator(email_only, name="dispatch")
class PasswordResetView(ErrorsAre400, auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        limited = limits.hit("password_reset_ip", limits.client_address(self.request))
        if limited is not None:
            return limits.too_many(self.request, limited)
        return super().form_valid(form)


@method_decorator(email_only, name="dispatch")
class PasswordResetConfirmView(ErrorsAre400, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        actions.end_sessions(self.user, "The password of this account was reset.")
        actions.record(self.user, "password.reset", subject=self.user)
        actions.password_chosen(self.user)
        return response


# Two-factor -------------------------------------------------------------------------------------------------


def enrolling_user(request):
    """Who is setting up two-factor: the signed-in facilitator, or one half-way through signing in."""
    if request.user.is_authenticated:
        return request.user, False
    user = pending_user(request)
    return user, user is not None


@login_required
@require_GET
def two_factor(request):
    user = request.user
    context = {
        "enrolled": twofactor.enrolled(user),
        "required": twofactor.required(),
        "codes_left": twofactor.recovery_codes_left(user),
        "sso_only": not user.has_usable_password(),
    }
    return render(request, "accounts/two_factor.html", context)


@require_POST
def two_factor_start(request):
    user, _ = enrolling_user(request)
    if user is None:
        return redirect("login")
    twofactor.start(user)
    return redirect("accounts:two_factor_setup")


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user, signing_in = enrolling_user(request)
    if user is None:
        messages.error(request, "Your sign-in timed out. Enter your password again.")
        return redirect("login")
    device = twofactor.pending(user)
    form = FirstCodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        codes = twofactor.confirm(user, form.cleaned_data["code"])
        if codes is not None:
            actions.record(user, "two_factor.enable", subject=user)
            next_url = complete_pending(request, user) if signing_in else reverse("accounts:two_factor")
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})
        form.add_error("code", "That code is not right. Check the time on your phone and try the next one.")
    context = {
        "device": device,
        "form": form,
        "signing_in": signing_in,
        "qr": twofactor.qr_svg(device) if device else "",
        "secret": twofactor.secret_text(device) if device else "",
    }
    return render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
@never_cache
@require_POST
def two_factor_recovery(request):
    if not twofactor.enrolled(request.user):
        return redirect("accounts:two_factor")
    codes = twofactor.new_recovery_codes(request.user)
    actions.record(request.user, "two_factor.recovery_codes", subject=request.user)
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:two_factor")}
    )


@login_required
@sensitive_post_parameters("password")
@require_POST
def two_factor_off(request):
    user = request.user
    if twofactor.required():
        messages.error(request, "Your organisation requires two-factor sign-in: it cannot be turned off.")
    elif not user.check_password(request.POST.get("password", "")):
        messages.error(request, "That password is not right: two-factor sign-in stays on.")
    else:
        twofactor.turn_off(user)
        actions.record(user, "two_factor.disable", subject=user)
        messages.success(request, "Two-factor sign-in is off.")
    return redirect("accounts:two_factor")


# Admins: facilitators, invitations, the organisation --------------------------------------------------------


@admin_required
@require_GET
def facilitators(request):
    people = (
        User.objects.select_related("account").exclude(account__status=Account.REMOVED).order_by("username")
    )
    with_app = set(twofactor.TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    rows = [
        {
            "user": person,
            "account": getattr(person, "account", None) or account_of(person),
            "two_factor": person.pk in with_app,
            "me": person.pk == request.user.pk,
        }
        for person in people
    ]
    return render(request, "accounts/facilitators.html", {"rows": rows})


FACILITATOR_CHANGES = {
    "suspend": (actions.suspend, "{} is suspended: their sessions have ended and their screens closed."),
    "reactivate": (actions.reactivate, "{} can sign in again."),
    "grant_admin": (lambda admin, pk: actions.set_admin(admin, pk, True), "{} is now an admin."),
    "revoke_admin": (lambda admin, pk: actions.set_admin(admin, pk, False), "{} is no longer an admin."),
}


@admin_required
@require_POST
def facilitator_change(request, user_id, change):
    if change not in FACILITATOR_CHANGES:
        raise Http404("No such change.")
    action, done = FACILITATOR_CHANGES[change]
    try:
        user = action(request.user, user_id)
        messages.success(request, done.format(user.get_username()))
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect("accounts:facilitators")


@admin_required
@require_http_methods(["GET", "POST"])
def facilitator_remove(request, user_id):
    person = get_object_or_404(User, pk=user_id)
    if request.method == "POST":
        try:
            user, handed = actions.remove(request.user, user_id)
        except Refused as refused:
            messages.error(request, refused.message)
            return redirect("accounts:facilitators")
        note = f" {len(handed)} inquiry(ies) they ran alone are now yours." if handed else ""
        messages.success(request, f"{user.get_username()} is removed.{note}")
        return redirect("accounts:facilitators")
    inquiries = person.facilitated_inquiries.order_by("title")
    return render(request, "accounts/facilitator_remove.html", {"person": person, "inquiries": inquiries})


@admin_required
@require_http_methods(["GET", "POST"])
def invitations(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, link = actions.invite(
                request.user,
                form.cleaned_data["email"],
                admin_rights=form.cleaned_data["admin"],
                link_for=lambda token: absolute(request, reverse("accounts:invitation", args=[token])),
            )
        except Refused as refused:
            messages.error(request, refused.message)
            return redirect("accounts:invitations")
        context = {"invitation": invitation, "link": link, "emailed": settings.EMAIL_ENABLED}
        return render(request, "accounts/invitation_created.html", context)
    context = {
        "form": form,
        "invitations": Invitation.objects.select_related("invited_by", "accepted_by")[:200],
        "password_login": settings.PASSWORD_LOGIN,
        "email_enabled": settings.EMAIL_ENABLED,
        "hours": settings.INVITATION_HOURS,
    }
    return render(request, "accounts/invitations.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def invitation_revoke(request, invitation_id):
    try:
        invitation = actions.revoke_invitation(request.user, invitation_id)
        messages.success(request, f"The invitation for {invitation.email} is withdrawn.")
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect("accounts:invitations")


@admin_required
@require_http_methods(["GET", "POST"])
def organisation(request):
    current = Organisation.current()
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        initial={"require_two_factor": current.require_two_factor},
    )
    if request.method == "POST" and form.is_valid():
        wanted = form.cleaned_data["require_two_factor"]
        if wanted != current.require_two_factor:
            actions.set_require_two_factor(request.user, wanted)
            messages.success(
                request,
                "Two-factor sign-in is now required." if wanted else "Two-factor sign-in is optional.",
            )
        return redirect("accounts:organisation")
    context = {
        "form": form,
        "sso": settings.OIDC_ENABLED,
        "issuer": settings.OIDC_ISSUER,
        "password_login": settings.PASSWORD_LOGIN,
        "domains": settings.OIDC_ALLOWED_DOMAINS,
        "groups": settings.OIDC_FACILITATOR_GROUPS,
        "email_enabled": settings.EMAIL_ENABLED,
    }
    return render(request, "accounts/organisation.html", context)


@admin_required
@require_GET
def audit(request):
    entries = AccountAuditEntry.objects.select_related("actor", "subject")[:500]
    return render(request, "accounts/audit.html", {"entries": entries})
