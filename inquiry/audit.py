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
