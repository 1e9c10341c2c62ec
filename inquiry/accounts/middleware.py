from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from . import twofactor

# Pages a facilitator who must still set up two-factor can open.
OPEN_PATHS = ("/accounts/two-factor/", "/accounts/logout/", "/static/")
# Set at sign-in (signals.py) for an account whose password was made for it (Account.password_to_change).
PASSWORD_TO_CHANGE = "linewalk_password_to_change"
PASSWORD_OPEN_PATHS = (*OPEN_PATHS, "/accounts/password/", "/accounts/login/")


def two_factor_required(get_response):
    """Where an admin requires two-factor sign-in, a password session without it (opened before it was
    required) is sent to set it up before anything else. Participants have no account: never affected."""

    def middleware(request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PATHS)
            and twofactor.password_session(request)
            and twofactor.required()
            and not twofactor.enrolled(user)
        ):
            messages.info(request, "Your organisation now requires two-factor sign-in: set it up to go on.")
            return redirect("accounts:two_factor")
        return get_response(request)

    return middleware


def password_change_required(get_response):
    """A facilitator who signed in with the password the server made for their account (ensure_facilitator
    prints it to whoever set the server up) chooses their own before anything else (the page says why),
    then goes on to the page they asked for."""

    def middleware(request):
        if (
            request.user.is_authenticated
            and request.session.get(PASSWORD_TO_CHANGE)
            and not request.path.startswith(PASSWORD_OPEN_PATHS)
        ):
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return redirect(reverse("accounts:password_change") + (f"?{query}" if query else ""))
        return get_response(request)

    return middleware
