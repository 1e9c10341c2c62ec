"""Who may manage the organisation's facilitators: its admins (the first account is one)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..access import Refused
from .models import Account


def account_for(user):
    """The account record of a facilitator (made on first need: users created before accounts existed,
    or by `createsuperuser`, have none yet)."""
    account, _ = Account.objects.get_or_create(user=user)
    return account


def account_of(user):
    """For showing: the account record, or an unsaved default one (a page view writes nothing)."""
    return Account.objects.filter(user=user).first() or Account(user=user)


def is_admin(user):
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or Account.objects.filter(user=user, admin=True, status=Account.ACTIVE).exists()


def require_admin(user):
    if not is_admin(user):
        raise Refused("forbidden", "Only an organisation admin can do that.")


def admin_required(view):
    """Pages for admins only; anyone else signed in is told so (403), anyone signed out logs in first."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_admin(request.user):
            return render(request, "accounts/not_admin.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
