"""What happens next: actions participants propose in a closing round, who signs up, and contacts shared
by consent only."""

import re
import secrets

from django.db import models

WHAT_LIMIT = 200
WITH_LIMIT = 200
WHEN_LIMIT = 60
CONTACT_LIMIT = 200

# A "by when" that names a point in time ("June", "31 March", "2027", "end of May", "Q3", "Friday", "Autumn"):
# it reads "by June". Anything else ("Ongoing", "Next month", "ASAP") is not a deadline to be "by".
MONTHS = "january february march april may june july august september october november december".split()
DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
SEASONS = {"spring", "summer", "autumn", "winter"}
NAMES = sorted(
    {name for full in MONTHS + DAYS for name in (full, full[:3])} | {"sept", "tues", "thurs"} | SEASONS
)
DEADLINE = re.compile(
    r"^(?:the\s+)?(?:(?:end|start|beginning|middle|mid)(?:\s+of)?[\s-]+)?(?:\d|q[1-4]\b|(?:"
    + "|".join(NAMES)
    + r")\b)",
    re.I,
)


class NextStep(models.Model):
    VISIBLE = "visible"
    HIDDEN = "hidden"

    inquiry = models.ForeignKey("inquiry.Inquiry", on_delete=models.CASCADE, related_name="next_steps")
    round = models.ForeignKey(
        "inquiry.Round", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_steps"
    )
    author = models.ForeignKey("inquiry.Participant", on_delete=models.CASCADE, related_name="next_steps")
    client_id = models.UUIDField()
    what = models.CharField(max_length=WHAT_LIMIT)
    with_whom = models.CharField(max_length=WITH_LIMIT, blank=True)
    by_when = models.CharField(max_length=WHEN_LIMIT, blank=True)
    theme = models.ForeignKey(
        "board.Theme", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_steps"
    )
    # A feedback loop of the map, by its key (map node ids), and its themes as they were named then.
    loop = models.CharField(max_length=400, blank=True)
    loop_label = models.CharField(max_length=600, blank=True)
    hidden = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    edited = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="next_step_once_per_client_id")
        ]

    def __str__(self):
        return self.what[:40]

    @property
    def when_phrase(self):
        """The "by when" as a sentence says it: "by June", "when: Ongoing" ("" if none given); one that
        already says "by", "before" or "until" stays as written."""
        when = self.by_when.strip()
        if not when or re.match(r"(?:by|before|until|from|after|within|in|on)\b", when, re.I):
            return when
        return f"by {when}" if DEADLINE.match(when) else f"when: {when}"

    @property
    def dom_id(self):
        return f"step-{self.pk}"


class SignUp(models.Model):
    """ "I'm in": a participant takes an action forward with others."""

    step = models.ForeignKey(NextStep, on_delete=models.CASCADE, related_name="signups")
    participant = models.ForeignKey("inquiry.Participant", on_delete=models.CASCADE, related_name="signups")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["step", "participant"], name="sign_up_once")]

    def __str__(self):
        return f"{self.participant_id} in {self.step_id}"


def new_token():
    return secrets.token_urlsafe(32)


class Contact(models.Model):
    """A participant's own choice to share a contact, and with whom. Nothing is shown to anyone else
    unless one of the choices is on; the text is cleared when they withdraw. ``token`` makes their
    private link (no account) to their actions and connections after the event."""

    participant = models.OneToOneField(
        "inquiry.Participant", on_delete=models.CASCADE, related_name="contact"
    )
    text = models.CharField(max_length=CONTACT_LIMIT, blank=True)
    with_signups = models.BooleanField(default=False)
    with_theme_sectors = models.BooleanField(default=False)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"contact of {self.participant_id}"

    @property
    def shared(self):
        return bool(self.text) and (self.with_signups or self.with_theme_sectors)
