from django.conf import settings
from django.db import models


class UndoStep(models.Model):
    """One board-arranging change a facilitator made, as much as undoing it needs: ids and places, theme
    names and colours (never what a card says: an erased card must leave nothing behind here). A
    facilitator keeps their last ``board.undo.actions.DEPTH`` of them per inquiry."""

    inquiry = models.ForeignKey("inquiry.Inquiry", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    label = models.CharField(max_length=200)
    data = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["inquiry", "user"])]

    def __str__(self):
        return self.label
