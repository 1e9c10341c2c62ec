import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from inquiry.accounts.access import account_for
from inquiry.accounts.models import Account


class Command(BaseCommand):
    help = (
        "Make sure a facilitator account exists, and say how to log in. While the organisation has no "
        "admin, this account becomes its first (with --admin, it becomes one anyway)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="facilitator")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the server will answer")
        parser.add_argument("--admin", action="store_true", help="make this account an organisation admin")

    def handle(self, *args, username, url, admin, **options):
        users = get_user_model().objects
        login_file = settings.BASE_DIR / "var" / "facilitator-login.txt"
        user = users.filter(username=username).first()
        if user is not None:
            self.make_admin_if_needed(user, admin)
            if login_file.exists() and not account_for(user).password_to_change:
                # Its owner chose their own at first sign-in: the file's password no longer works.
                login_file.unlink()
            if login_file.exists():
                self.stdout.write(f"Facilitator login: {login_file.read_text().strip()}  (from {login_file})")
            else:
                self.stdout.write(
                    f"Facilitator account {username!r} exists; reset it with "
                    f"`.venv/bin/python manage.py changepassword {username}`."
                )
            return
        password = secrets.token_urlsafe(12)
        user = users.create_user(username=username, password=password)
        Account.objects.update_or_create(user=user, defaults={"password_to_change": True})
        self.make_admin_if_needed(user, admin)
        login_file.parent.mkdir(parents=True, exist_ok=True)
        login_file.write_text(f"username {username}  password {password}\n")
        login_file.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created facilitator account. Log in at {url.rstrip('/')}/accounts/login/ with "
                f"username {username}  password {password}  (kept in {login_file}; the first sign-in "
                "asks for a password of your own)"
            )
        )

    def make_admin_if_needed(self, user, admin):
        has_admin = (
            Account.objects.filter(admin=True, status=Account.ACTIVE).exists()
            or get_user_model().objects.filter(is_superuser=True, is_active=True).exists()
        )
        if admin or not has_admin:
            account = account_for(user)
            account.admin = True
            account.save(update_fields=["admin"])
            self.stdout.write(
                f"{user.get_username()} is an organisation admin (invites and manages facilitators)."
            )
