from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import actions


@receiver(user_logged_in, dispatch_uid="linewalk.remember_session")
def remember_session(sender, request, user, **kwargs):
    actions.remember_session(request, user)


@receiver(user_logged_out, dispatch_uid="linewalk.forget_session")
def forget_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        actions.forget_session(request.session.session_key)
