"""`manage.py demo_inquiry`: the demo inquiry of board/sample.py, for a facilitator account or a "demo"
account that cannot log in; with --event-size, in the middle of a 100-person event."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from board import exports
from board.sample import CONTRIBUTIONS, create_sample

from .harvest_report import write_report


class Command(BaseCommand):
    help = (
        "Create a realistic demo inquiry: after the event (themed, voted on, harvest note written), or with "
        "--event-size in the middle of a 100-person event."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--owner", help="username of the facilitator who owns it (default: a 'demo' account)"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--report", help="also write its printable HTML report to this file")
        parser.add_argument("--markdown", help="also write its Markdown report to this file")
        parser.add_argument(
            "--event-size",
            action="store_true",
            help="the inquiry during the event instead: 100 participants, 300 cards, 12 themes, ~20 unplaced",
        )
        parser.add_argument(
            "--phase",
            choices=("gather", "vote", "closed", "map"),
            default="gather",
            help="with --event-size: the phase the last round is in (default: gather); map: the close, "
            "a next-steps round with the systems map on the shared screen; closed: after the event",
        )
        parser.add_argument(
            "--tables",
            choices=("round", "picks"),
            help="with --event-size: the room seated at tables for a 1-2-4-All round (board/tables/demo.py); "
            "round: in fours, posting at their tables; picks: every table's picks sent to the room",
        )
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the server answers")

    def handle(self, *args, owner, seed, report, markdown, event_size, phase, url, tables=None, **options):
        User = get_user_model()
        if owner:
            user = User.objects.filter(username=owner).first()
            if user is None:
                raise CommandError(f"There is no account called {owner!r}.")
        else:
            user, created = User.objects.get_or_create(username="demo")
            if created:
                user.set_unusable_password()
                user.save()
        try:
            inquiry = create_sample(user, event_size=event_size, phase=phase, seed=seed)
        except exports.ImportProblem as problem:
            raise CommandError(problem.message) from None
        if tables and event_size:
            from board.tables.demo import seat_the_room

            seat_the_room(inquiry, user, tables, [text for r, _t, text in CONTRIBUTIONS if r == 1])
        self.stdout.write(
            f"Created “{inquiry.title}” (join code {inquiry.code}) for {user.get_username()}: "
            f"{inquiry.participants.count()} participants, {inquiry.cards.count()} contributions."
        )
        base = url.rstrip("/")
        self.stdout.write(
            f"  facilitate: {base}/i/{inquiry.code}/facilitate/\n"
            f"  presenter:  {base}/i/{inquiry.code}/present/\n"
            f"  join:       {base}/j/{inquiry.code}"
        )
        if report:
            write_report(inquiry, report, "html")
            self.stdout.write(f"Wrote its report to {report}")
        if markdown:
            write_report(inquiry, markdown, "md")
            self.stdout.write(f"Wrote its Markdown report to {markdown}")
