import getpass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword

from inquiry.accounts.models import Account


class Command(changepassword.Command):
    """Django's changepassword, for a password someone types for somebody else: like the one
    ensure_facilitator makes, its owner is asked to choose their own at their next password sign-in
    (Account.password_to_change; middleware.password_change_required)."""

    help = (
        "Set a facilitator's password (you type it twice). They are asked to choose their own when they "
        "next sign in with it, unless --no-change-at-login."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-change-at-login",
            action="store_true",
            help="the password is the account owner's own (you are setting yours): do not ask for another",
        )

    def handle(self, *args, **options):
        said = super().handle(*args, **options)  # raises CommandError, changing nothing, if it fails
        users = get_user_model()._default_manager.db_manager(options["database"])
        user = users.get(**{get_user_model().USERNAME_FIELD: options["username"] or getpass.getuser()})
        to_change = not options["no_change_at_login"]
        Account.objects.db_manager(options["database"]).update_or_create(
            user=user, defaults={"password_to_change": to_change}
        )
        self.forget_made_password(user)
        if to_change:
            said += f"; {user} will be asked to choose their own at their next sign-in"
        return said

    @staticmethod
    def forget_made_password(user):
        # The password ensure_facilitator made and kept for this account no longer works.
        login_file = settings.BASE_DIR / "var" / "facilitator-login.txt"
        if login_file.exists() and login_file.read_text().startswith(f"username {user.get_username()} "):
            login_file.unlink()
