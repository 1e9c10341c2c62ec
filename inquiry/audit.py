"""The audit log of steering and moderation: who did what, when; refused attempts too."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from .models import AuditEntry

# A refused attempt repeating one logged less than this long ago adds to that entry instead of a new one:
# a flood of refused messages stays a line or two, and the facilitators' own actions stay in view.
REPEATS_WITHIN = timedelta(minutes=10)


def record(inquiry_id, actor, action, detail="", refused=False):
    detail = str(detail)[:500]
    if refused and _repeated(inquiry_id, actor, action, detail):
        return
    AuditEntry.objects.create(
        inquiry_id=inquiry_id,
        user_id=actor.user_id,
        participant_id=actor.participant_id,
        action=action,
        detail=detail,
        refused=refused,
    )


def _repeated(inquiry_id, actor, action, detail):
    now = timezone.now()
    same = AuditEntry.objects.filter(
        inquiry_id=inquiry_id,
        user_id=actor.user_id,
        participant_id=actor.participant_id,
        action=action,
        detail=detail,
        refused=True,
        last__gte=now - REPEATS_WITHIN,
    )
    latest = same.order_by("-pk").values_list("pk", flat=True).first()
    if latest is None:
        return False
    AuditEntry.objects.filter(pk=latest).update(times=F("times") + 1, last=now)
    return True


ERASED = "[text erased]"


def forget_cards(inquiry_id, card_ids):
    """Take what some cards said out of the inquiry's audit log, keeping the entries: an entry about one
    of them ("card 12 (held → hidden): <text>", "card 12: <text>") keeps what was done, not the text."""
    prefixes = tuple(f"card {pk}{end}" for pk in card_ids for end in (" ", ":"))
    if not prefixes:
        return
    entries = AuditEntry.objects.filter(inquiry_id=inquiry_id, detail__startswith="card ")
    changed = []
    for entry in entries.only("pk", "detail").iterator(chunk_size=500):
        if entry.detail.startswith(prefixes):
            entry.detail = entry.detail.split(":", 1)[0] + ": " + ERASED
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["detail"], batch_size=500)


def forget_name(inquiry_id, participant):
    """A participant's display name out of the audit log: an entry naming them (a removal notes
    "<name> (<sector>)") names them by number instead."""
    named = f"{participant.display_name} ({participant.sector})"
    entries = AuditEntry.objects.filter(inquiry_id=inquiry_id, detail__contains=named)
    for entry in entries.only("pk", "detail"):
        entry.detail = entry.detail.replace(named, f"Participant {participant.pk} ({participant.sector})")
        entry.save(update_fields=["detail"])
