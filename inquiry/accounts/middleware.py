from django.contrib import messages
from django.shortcuts import redirect

from . import twofactor

# Pages a facilitator who must still set up two-factor can open.
OPEN_PATHS = ("/accounts/two-factor/", "/accounts/logout/", "/static/")


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
