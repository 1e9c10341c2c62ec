"""The audit log of steering and moderation: who did what, when; refused attempts too."""

from .models import AuditEntry


def record(inquiry_id, actor, action, detail="", refused=False):
    AuditEntry.objects.create(
        inquiry_id=inquiry_id,
        user_id=actor.user_id,
        participant_id=actor.participant_id,
        action=action,
        detail=str(detail)[:500],
        refused=refused,
    )


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
