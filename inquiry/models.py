import secrets

from django.conf import settings
from django.db import models
from django.db.models import F

# Join codes avoid characters people confuse when reading them off a shared screen: 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6

DEFAULT_SECTORS = ["NHS", "Local authority", "Voluntary and community sector", "Other"]


def new_join_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw):
    """What a person typed, as a code: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


class Inquiry(models.Model):
    title = models.CharField(max_length=200)
    question = models.CharField("framing question", max_length=500)
    code = models.CharField(max_length=12, unique=True, editable=False)
    sectors = models.JSONField(default=list)
    show_names = models.BooleanField(
        default=False, help_text="Show participants' display names on cards; otherwise everyone is anonymous."
    )
    facilitators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="facilitated_inquiries")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_inquiries"
    )
    current_round = models.ForeignKey(
        "inquiry.Round", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The last sequence number given to a change of this inquiry (see docs/protocol.md).
    seq = models.BigIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "inquiries"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.code:
            self.code = self._unused_code()
        super().save(*args, **kwargs)

    @staticmethod
    def _unused_code():
        while True:
            code = new_join_code()
            if not Inquiry.objects.filter(code=code).exists():
                return code

    def next_seq(self):
        """Take the next sequence number. Call inside the change's transaction: the row lock it takes
        orders concurrent changes, so sequence order is commit order."""
        Inquiry.objects.filter(pk=self.pk).update(seq=F("seq") + 1)
        self.seq = Inquiry.objects.filter(pk=self.pk).values_list("seq", flat=True).get()
        return self.seq

    def is_facilitator(self, user):
        if not user or not user.is_authenticated:
            return False
        return self.facilitators.filter(pk=user.pk).exists()

    def rounds_in_order(self):
        return self.rounds.order_by("position", "pk")


class Round(models.Model):
    GATHER = "gather"
    CLOSED = "closed"
    PHASES = [(GATHER, "Open for contributions"), (CLOSED, "Closed")]

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="rounds")
    position = models.PositiveIntegerField(default=0)
    question = models.CharField(max_length=500)
    phase = models.CharField(max_length=16, choices=PHASES, default=GATHER)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.question

    @property
    def is_open(self):
        return self.phase != self.CLOSED


class Participant(models.Model):
    """Someone who joined by code, with no account; known by a token kept in their Django session."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="participants")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe, editable=False)
    display_name = models.CharField(max_length=60, blank=True)
    sector = models.CharField(max_length=100)
    joined = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.display_name or f"Participant {self.pk}"
