import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone

# Join codes avoid characters people confuse when reading them off a shared screen: 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6

DEFAULT_SECTORS = ["NHS", "Local authority", "Voluntary and community sector", "Other"]


def distinct_sectors(names):
    """Each sector once, however it is capitalised or spaced ("NHS", "nhs", "NHS  "), in the first spelling
    given: two spellings would be two choices on the join form and split the sector lens and the report."""
    first = {}
    for name in names:
        first.setdefault(sector_key(name), name)
    return list(first.values())


def sector_key(name):
    """What two spellings of one sector have in common: "NHS", "nhs" and "NHS  " are one."""
    return " ".join(name.split()).casefold()


# The longest an inquiry can be set to be kept after it closes (days): ten years.
RETENTION_LIMIT = 3650


def new_join_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw):
    """What a person typed, as a code: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


class InquiryQuerySet(models.QuerySet):
    def due_for_purge(self, now):
        """Inquiries closed longer ago than their retention period (oldest deadline first)."""
        candidates = self.filter(closed_at__isnull=False, retention_days__isnull=False)
        return sorted((i for i in candidates if i.purge_after <= now), key=lambda i: i.purge_after)


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

    # Steering the room (issue: the facilitator steers the room in real time).
    paused = models.BooleanField(default=False, help_text="Nobody can post or edit while paused.")
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    timer_closes_round = models.BooleanField(default=False)
    # "Time is up": the round's countdown ran out. Every screen shows it, a screen that connects later too,
    # until the room moves on (another round, a phase, a new timer).
    time_up = models.BooleanField(default=False)
    spotlight_card = models.ForeignKey(
        "board.Card", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    spotlight_theme = models.ForeignKey(
        "board.Theme", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "Follow me": every screen shows the round the facilitator shows (None: all rounds).
    follow = models.BooleanField(default=False)
    view_round = models.ForeignKey(
        "inquiry.Round", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    announcement = models.CharField(max_length=280, blank=True)
    # The presenter's join panel (code, QR code, link): large while the room arrives, then in a corner
    # once the facilitator says people have joined.
    join_in_corner = models.BooleanField(default=False)
    premoderation = models.BooleanField(
        default=False, help_text="Posts wait in a queue until a facilitator approves them."
    )
    # The harvest: a read-only page the facilitator publishes by link after the event.
    harvest_token = models.CharField(max_length=64, blank=True)
    harvest_published = models.BooleanField(default=False)
    harvest_note = models.TextField(blank=True)
    # Per-sector figures for a sector with fewer participants than this are withheld.
    k_threshold = models.PositiveSmallIntegerField(default=3)
    safeguarding = models.BooleanField(
        default=True,
        help_text="Hold back posts that look like personal data (NHS numbers, emails, phone numbers, "
        "postcodes next to names, dates of birth) for a facilitator to review.",
    )
    # Data protection (docs/data-protection.md): when a facilitator closed the inquiry, and how many days
    # after that everything in it is deleted by ``manage.py purge_inquiries`` (None: kept until deleted).
    closed_at = models.DateTimeField(null=True, blank=True)
    retention_days = models.PositiveIntegerField(null=True, blank=True)

    objects = InquiryQuerySet.as_manager()

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

    @property
    def purge_after(self):
        """When ``manage.py purge_inquiries`` deletes this inquiry, or None if it never will."""
        if self.closed_at is None or self.retention_days is None:
            return None
        return self.closed_at + timedelta(days=self.retention_days)

    def contents(self):
        """How much this inquiry holds, by kind: what deleting it deletes."""
        from board.models import Card, Dot, Reaction, Theme, Vote
        from board.tables.models import Seat, Table, TableCard, TableEmail, TableTheme, TableVote, Topic
        from sessions.models import Event

        at_tables = {"table__breakout__inquiry": self}
        return {
            "rounds": self.rounds.count(),
            "participants": self.participants.count(),
            "contributions": Card.objects.filter(inquiry=self).count(),
            "themes": Theme.objects.filter(inquiry=self).count(),
            "votes": Vote.objects.filter(inquiry=self).count(),
            "dots": Dot.objects.filter(vote__inquiry=self).count(),
            "reactions": Reaction.objects.filter(card__inquiry=self).count(),
            "tables": Table.objects.filter(breakout__inquiry=self).count(),
            "seats at tables": Seat.objects.filter(breakout__inquiry=self).count(),
            "table cards": TableCard.objects.filter(**at_tables).count(),
            "table themes": TableTheme.objects.filter(**at_tables).count(),
            "picks to bring back": TableCard.objects.filter(**at_tables, picked=True).count()
            + TableTheme.objects.filter(**at_tables, picked=True).count(),
            "table votes": TableVote.objects.filter(table_card__table__breakout__inquiry=self).count(),
            "Open Space topics": Topic.objects.filter(breakout__inquiry=self).count(),
            "emails given for tables": TableEmail.objects.filter(participant__inquiry=self).count(),
            "audit entries": self.audit.count(),
            "stored changes": Event.objects.filter(inquiry=self).count(),
        }

    def is_facilitator(self, user):
        if not user or not user.is_authenticated:
            return False
        return self.facilitators.filter(pk=user.pk).exists()

    def rounds_in_order(self):
        return self.rounds.order_by("position", "pk")


class Round(models.Model):
    GATHER = "gather"
    SILENT = "silent"
    REVEAL = "reveal"
    VOTE = "vote"
    CLOSED = "closed"
    PHASES = [
        (GATHER, "Gather: contributions appear as they are posted"),
        (SILENT, "Silent writing: contributions stay hidden until the reveal"),
        (REVEAL, "Revealed: everything written so far is shown"),
        (VOTE, "Vote"),
        (CLOSED, "Closed: read-only"),
    ]
    POSTING_PHASES = (GATHER, SILENT, REVEAL)

    # What participants do in a round: post contributions (always), link themes on the systems map, or
    # propose the next steps (board.systemmap, board.nextsteps).
    CONTRIBUTIONS = "contributions"
    MAPPING = "map"
    NEXT_STEPS = "next_steps"
    KINDS = [
        (CONTRIBUTIONS, "Contributions"),
        (MAPPING, "Systems map: participants link themes"),
        (NEXT_STEPS, "Next steps: participants propose actions and sign up"),
    ]

    # The question and guidance a map or next-steps round asks unless the facilitator words its own. A
    # round of contributions asks the inquiry's own question, without guidance.
    DEFAULT_WORDS = {
        MAPPING: (
            "How do our themes act on one another?",
            "Link two themes: does one lead to more or less of the other, enable it or block it?",
        ),
        NEXT_STEPS: (
            "What will you do next, and with whom?",
            "Propose an action, or press “I'm in” on someone else's.",
        ),
    }

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="rounds")
    position = models.PositiveIntegerField(default=0)
    question = models.CharField(max_length=500)
    guidance = models.CharField(max_length=1000, blank=True)
    phase = models.CharField(max_length=16, choices=PHASES, default=GATHER)
    kind = models.CharField(max_length=16, choices=KINDS, default=CONTRIBUTIONS)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.question

    def default_words(self, kind):
        """(question, guidance) a round of ``kind`` asks unless the facilitator words its own."""
        return self.DEFAULT_WORDS.get(kind, (self.inquiry.question, ""))

    def change_kind(self, kind):
        """Make this a round of ``kind``. Its question and its guidance, each while still the previous
        kind's default, follow the new kind's: a next-steps round made a map round no longer asks "What
        will you do next?" under "Systems map". Words the facilitator wrote stay. Returns the fields
        changed."""
        before, after = self.default_words(self.kind), self.default_words(kind)
        changed = ["kind"]
        if self.question == before[0]:
            self.question = after[0]
            changed.append("question")
        if self.guidance == before[1]:
            self.guidance = after[1]
            changed.append("guidance")
        self.kind = kind
        return changed

    @property
    def is_open(self):
        """Whether contributions can be posted, edited and deleted in this round."""
        return self.phase in self.POSTING_PHASES

    @property
    def is_silent(self):
        return self.phase == self.SILENT

    # What the round banner says while a map or next-steps round is open: "Gather: contributions appear
    # as they are posted" would describe a round of contributions, not what participants do in these.
    OPEN_LABELS = {
        MAPPING: "Systems map: link themes and contributions",
        NEXT_STEPS: "Next steps: propose actions and sign up",
    }
    # ...and while one is in Silent writing: like a round of contributions, the banner says posts are
    # hidden until the reveal (the phase's colour alone did not), and what still shows as it comes.
    SILENT_LABELS = {
        MAPPING: "Systems map · Silent writing: links show as they are drawn; new posts stay hidden until"
        " the reveal",
        NEXT_STEPS: "Next steps · Silent writing: actions show as they are proposed; new posts stay hidden"
        " until the reveal",
    }

    # What each phase does, for a facilitator meeting the phase buttons for the first time (the round
    # banner's "Help"). Map and next-steps rounds use the same buttons, but Silent hides posts only: links
    # and actions show as they are made (board/systemmap, board/nextsteps), and leaving the open phases
    # stops them too.
    PHASE_HELP = {
        CONTRIBUTIONS: {
            GATHER: "Posts appear on every screen as people send them.",
            SILENT: "People write on their own: each post stays hidden from the room (you see it) until"
            " you press Reveal.",
            REVEAL: "Everything written in silence appears on every screen at once; people can go on"
            " posting.",
            VOTE: "Opens a dot vote: you choose what on and how many dots first.",
            CLOSED: "The round becomes read-only: no more posts.",
        },
        MAPPING: {
            GATHER: "People link themes and contributions on the map; each link appears on every screen as"
            " it is drawn.",
            SILENT: "Links still appear on every screen as they are drawn; only new posts stay hidden from"
            " the room (you see them) until you press Reveal.",
            REVEAL: "Posts written in silence appear on every screen at once; people go on linking.",
            VOTE: "Opens a dot vote on where to act (the map's themes and links, or the themes): you"
            " choose how many dots first. No new links meanwhile.",
            CLOSED: "No more links or posts from the room: the map stays as drawn (you can still change it).",
        },
        NEXT_STEPS: {
            GATHER: "People propose actions and sign up to them; each action appears on every screen as"
            " it is proposed.",
            SILENT: "Actions still appear on every screen as they are proposed; only new posts stay hidden"
            " from the room (you see them) until you press Reveal.",
            REVEAL: "Posts written in silence appear on every screen at once; people go on proposing"
            " actions and signing up.",
            VOTE: "Opens a dot vote on the actions proposed: you choose how many dots first. No new"
            " actions meanwhile; signing up goes on.",
            CLOSED: "No more actions, sign-ups or posts; people can still withdraw from an action.",
        },
    }

    @property
    def phase_help(self):
        """[(phase, what it does in this kind of round)], in the buttons' order."""
        said = self.PHASE_HELP.get(self.kind, self.PHASE_HELP[self.CONTRIBUTIONS])
        return [(value, said[value]) for value, _label in self.PHASES]

    @property
    def phase_label(self):
        """The phase as every screen names it: what participants do now, in this kind of round."""
        if self.is_silent and self.kind in self.SILENT_LABELS:
            return self.SILENT_LABELS[self.kind]
        if self.is_open and self.kind in self.OPEN_LABELS:
            return self.OPEN_LABELS[self.kind]
        return self.get_phase_display()

    @property
    def phase_name(self):
        """The phase's name alone ("Gather", "Silent writing", "Systems map", "Systems map · Silent
        writing"): for where only that fits."""
        return self.phase_label.partition(": ")[0]

    @property
    def phase_detail(self):
        """What the phase means, after its name ("contributions appear as they are posted"), or ""."""
        return self.phase_label.partition(": ")[2]


class Participant(models.Model):
    """Someone who joined by code, with no account; known by a token kept in their Django session."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="participants")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe, editable=False)
    display_name = models.CharField(max_length=60, blank=True)
    sector = models.CharField(max_length=100)
    joined = models.DateTimeField(auto_now_add=True)
    removed = models.BooleanField(default=False)
    # When their last socket closed (sessions/presence.py): tables seat who is in the room, and someone
    # whose page is reloading or reconnecting this moment still is.
    last_seen = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.display_name or f"Participant {self.pk}"


class AuditEntry(models.Model):
    """A steering or moderation action, or a refused attempt at one: who, what, when."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="audit")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=64)
    detail = models.CharField(max_length=500, blank=True)
    refused = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    # The same refused attempt repeated (same person, action and reason, within minutes of the last) adds
    # to one entry: how many times, and when last.
    times = models.PositiveIntegerField(default=1)
    last = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"{self.action} {'refused' if self.refused else ''}"

    @property
    def who(self):
        if self.user_id:
            return self.user.get_username()
        if self.participant_id:
            return f"participant {self.participant} ({self.participant.sector})"
        return "unknown"


class DeletionRecord(models.Model):
    """What was deleted, when, by whom: kept after the inquiry and everything in it are gone (so it holds
    nothing anyone wrote, only the inquiry's title, code and how much it held)."""

    OWNER = "owner"
    RETENTION = "retention"
    HOWS = [(OWNER, "Deleted by its owner"), (RETENTION, "Purged at the end of its retention period")]

    code = models.CharField(max_length=12)
    title = models.CharField(max_length=200)
    inquiry_created = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The account's name at the time, kept if the account itself goes.
    deleted_by_name = models.CharField(max_length=150, blank=True)
    how = models.CharField(max_length=16, choices=HOWS)
    # How much went: {"participants": 60, "contributions": 150, ...}
    counts = models.JSONField(default=dict)
    deleted = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deleted", "-pk"]

    def __str__(self):
        return f"{self.code} {self.title} ({self.how})"


# Organisation accounts live in their own module; imported here so Django registers them with this app.
from .accounts.models import (  # noqa: E402, F401
    Account,
    AccountAuditEntry,
    Invitation,
    LoginSession,
    Organisation,
)
