"""Delete every inquiry whose retention period has run out (docs/data-protection.md): run it daily from
cron or a systemd timer. Safe to run as often as you like: an inquiry is deleted once, and a run with
nothing due does nothing. Also removes the presence rows of sockets a crashed server process left behind
(a live socket's row is refreshed every minute)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from inquiry.access import Refused
from inquiry.actions import delete_inquiry
from inquiry.models import DeletionRecord, Inquiry
from sessions.models import Presence

STALE_PRESENCE = timedelta(days=1)


class Command(BaseCommand):
    help = "Delete inquiries closed longer ago than their retention period (--dry-run: only list them)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list what is due, delete nothing")

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        due = [inquiry for inquiry in Inquiry.objects.due_for_purge(now)]
        for inquiry in due:
            about = (
                f"{inquiry.code} “{inquiry.title}” (closed {timezone.localtime(inquiry.closed_at):%d %b %Y}, "
                f"kept {inquiry.retention_days} days)"
            )
            if dry_run:
                contents = inquiry.contents()
                self.stdout.write(f"Would delete {about}: {_summary(contents)}.")
                continue
            try:
                record = delete_inquiry(None, inquiry.pk, how=DeletionRecord.RETENTION)
            except Refused:  # deleted meanwhile (by its owner, or another run)
                continue
            self.stdout.write(f"Deleted {about}: {_summary(record.counts)}.")
        verb = "due" if dry_run else "deleted"
        self.stdout.write(f"{len(due)} inquir{'y' if len(due) == 1 else 'ies'} {verb}.")
        stale = Presence.objects.filter(seen__lt=now - STALE_PRESENCE)
        if not dry_run:
            removed, _ = stale.delete()
            if removed:
                self.stdout.write(f"{removed} presence rows left by stopped server processes removed.")


def _summary(counts):
    return ", ".join(f"{count} {kind}" for kind, count in counts.items())
