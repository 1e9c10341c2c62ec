import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Make sure a facilitator account exists, and say how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="facilitator")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the server will answer")

    def handle(self, *args, username, url, **options):
        users = get_user_model().objects
        login_file = settings.BASE_DIR / "var" / "facilitator-login.txt"
        if users.filter(username=username).exists():
            if login_file.exists():
                self.stdout.write(f"Facilitator login: {login_file.read_text().strip()}  (from {login_file})")
            else:
                self.stdout.write(
                    f"Facilitator account {username!r} exists; reset it with "
                    f"`.venv/bin/python manage.py changepassword {username}`."
                )
            return
        password = secrets.token_urlsafe(12)
        users.create_user(username=username, password=password)
        login_file.parent.mkdir(parents=True, exist_ok=True)
        login_file.write_text(f"username {username}  password {password}\n")
        login_file.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created facilitator account. Log in at {url.rstrip('/')}/accounts/login/ with "
                f"username {username}  password {password}  (kept in {login_file})"
            )
        )
