from django.db import models


class Event(models.Model):
    """One change of an inquiry, as every screen of each kind received it.

    The fragments are rendered once, in the change's transaction, and kept so that a client that missed
    events can be replayed exactly what the others saw (docs/protocol.md)."""

    inquiry = models.ForeignKey("inquiry.Inquiry", on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    type = models.CharField(max_length=32)
    op = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    # The fragment for participants and the presenter, and the one for facilitators.
    html_participant = models.TextField()
    html_facilitator = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["inquiry", "seq"], name="event_seq_unique")]

    def __str__(self):
        return f"{self.inquiry_id}#{self.seq} {self.type}.{self.op}"

    @property
    def redacts(self):
        """Whether this change took something participants saw off their screens (or changed it)."""
        from .protocol import REDACTING

        return (self.type, self.op) in REDACTING


class Presence(models.Model):
    """One open participant socket, so every process can count who is here now, by sector."""

    inquiry = models.ForeignKey("inquiry.Inquiry", on_delete=models.CASCADE, related_name="presence")
    participant = models.ForeignKey("inquiry.Participant", on_delete=models.CASCADE, related_name="+")
    sector = models.CharField(max_length=100)
    channel_name = models.CharField(max_length=200, unique=True)
    server = models.CharField(max_length=100)
    seen = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["inquiry", "seen"])]

    def __str__(self):
        return f"{self.participant_id} on {self.server}"
