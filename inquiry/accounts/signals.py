from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import actions, twofactor
from .middleware import PASSWORD_TO_CHANGE
from .models import Account


@receiver(user_logged_in, dispatch_uid="linewalk.remember_session")
def remember_session(sender, request, user, **kwargs):
    actions.remember_session(request, user)
    # Looked up once, at sign-in: the middleware then reads the session, not the database, per request.
    # Only a password sign-in: one with the organisation's provider never typed the made-up password.
    if (
        twofactor.password_session(request)
        and Account.objects.filter(user=user, password_to_change=True).exists()
    ):
        request.session[PASSWORD_TO_CHANGE] = True


@receiver(user_logged_out, dispatch_uid="linewalk.forget_session")
def forget_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        actions.forget_session(request.session.session_key)
