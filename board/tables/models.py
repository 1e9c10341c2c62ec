"""Tables: small groups inside the inquiry for one round (a "breakout"), each with its own board, brought
back to the whole room by the picks each table sends (issue 15). A table's cards never reach the room's
board or its event log: they live here, and travel on the table's own stream (board/tables/live.py)."""

import uuid

from django.db import models

PROMPT_LIMIT = 500
NOTICED_LIMIT = 200
TOPIC_LIMIT = 120
MAX_PICKS = 3


class Breakout(models.Model):
    """The room split into tables for a round; at most one open per inquiry."""

    RANDOM = "random"
    MIXED = "mixed"
    SAME = "same"
    TOPIC = "topic"
    MODES = [
        (RANDOM, "Random"),
        (MIXED, "Mixed by sector: each table as diverse as the room allows"),
        (SAME, "Same sector"),
        (TOPIC, "By topic (Open Space): participants choose"),
    ]

    inquiry = models.ForeignKey("inquiry.Inquiry", on_delete=models.CASCADE, related_name="breakouts")
    round = models.ForeignKey(
        "inquiry.Round", null=True, blank=True, on_delete=models.SET_NULL, related_name="breakouts"
    )
    mode = models.CharField(max_length=8, choices=MODES, default=MIXED)
    size = models.PositiveSmallIntegerField(default=6)
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    prompt = models.CharField(max_length=PROMPT_LIMIT, blank=True)
    # A timed structure (board/tables/recipes.py): its key, the step it is at, when that step ends, and,
    # while paused, the seconds it had left.
    recipe = models.CharField(max_length=16, blank=True)
    step = models.PositiveSmallIntegerField(default=0)
    step_ends_at = models.DateTimeField(null=True, blank=True)
    paused_left = models.PositiveIntegerField(null=True, blank=True)
    # The presenter's picks wall: 0 every table, else one table's number.
    wall = models.PositiveSmallIntegerField(default=0)
    closed = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"Tables for {self.round or 'the room'} ({self.mode})"


class Table(models.Model):
    breakout = models.ForeignKey(Breakout, on_delete=models.CASCADE, related_name="tables")
    number = models.PositiveSmallIntegerField()
    topic = models.CharField(max_length=TOPIC_LIMIT, blank=True)
    host = models.ForeignKey(
        "inquiry.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The table's own sequence number: every change of its board takes the next one, and its screens keep
    # the last they applied (a frame never goes back in time).
    seq = models.BigIntegerField(default=0)
    last_activity = models.DateTimeField(null=True, blank=True)
    noticed = models.CharField("what we noticed", max_length=NOTICED_LIMIT, blank=True)
    sent = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["breakout", "number"], name="table_number_once")]

    def __str__(self):
        return f"Table {self.number}"

    @property
    def label(self):
        return f"Table {self.number}" + (f": {self.topic}" if self.topic else "")


class Seat(models.Model):
    breakout = models.ForeignKey(Breakout, on_delete=models.CASCADE, related_name="seats")
    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="seats")
    participant = models.ForeignKey("inquiry.Participant", on_delete=models.CASCADE, related_name="seats")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["breakout", "participant"], name="one_seat_each")]

    def __str__(self):
        return f"{self.participant_id} at {self.table_id}"


class TableTheme(models.Model):
    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    picked = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


class TableCard(models.Model):
    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="cards")
    author = models.ForeignKey("inquiry.Participant", on_delete=models.CASCADE, related_name="table_cards")
    client_id = models.UUIDField(default=uuid.uuid4)
    text = models.CharField(max_length=280)
    theme = models.ForeignKey(
        TableTheme, null=True, blank=True, on_delete=models.SET_NULL, related_name="cards"
    )
    position = models.PositiveIntegerField(default=0)
    picked = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="table_card_once_per_client_id")
        ]

    def __str__(self):
        return self.text[:40]


QUOTE_LIMIT = 60  # of each card a picked theme's room card quotes


def theme_text(name, texts):
    """The text of the room card a picked theme becomes: its name, then its first cards' words."""
    return name + (": " + " / ".join(text[:QUOTE_LIMIT] for text in texts) if texts else "")


def theme_name(text, texts):
    """The theme's name at the head of a room card written by ``theme_text`` from ``texts``. Should the
    text not end with them, everything after its first colon is dropped: never words that may be gone."""
    tail = theme_text("", texts)
    if tail and text.endswith(tail):
        return text[: len(text) - len(tail)]
    return text.split(": ", 1)[0] if texts else text


class Carried(models.Model):
    """What a room card carries from a table (``send_picks``): a table card picked and brought back
    (``whole``: the room card is its copy), or a picked theme (``table_theme``), its name, with one row
    per card among its first whose words the room card quotes after the name (in the order ``position``;
    a theme with no cards has its name's row alone). What lets a room card's moderation reach the
    exports of the table's side, and an author's erasure reach the room card that quotes them
    (docs/data-protection.md).

    It outlives the room card (``card`` is then empty): a rejected or erased room card takes what it
    carried out of every export for good, so the words it quoted never come back as a table's cards "not
    picked" (board/tables/report.py)."""

    card = models.ForeignKey(
        "board.Card", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried"
    )
    table_card = models.ForeignKey(
        TableCard, null=True, blank=True, on_delete=models.CASCADE, related_name="carried"
    )
    table_theme = models.ForeignKey(
        TableTheme, null=True, blank=True, on_delete=models.CASCADE, related_name="carried"
    )
    whole = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["card", "table_card"], name="carried_once_per_card"),
            models.CheckConstraint(
                condition=models.Q(table_card__isnull=False) | models.Q(table_theme__isnull=False),
                name="carried_carries_something",
            ),
        ]

    def __str__(self):
        return f"{self.table_card_id or self.table_theme_id} in {self.card_id}"


class TableVote(models.Model):
    """A participant's quick vote, at their table, for a card to bring back to the room."""

    table_card = models.ForeignKey(TableCard, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey("inquiry.Participant", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table_card", "participant"], name="table_vote_once")]

    def __str__(self):
        return f"{self.participant_id} for {self.table_card_id}"


class Topic(models.Model):
    """Open Space: a topic a participant proposes in the marketplace; others choose one to sit at."""

    breakout = models.ForeignKey(Breakout, on_delete=models.CASCADE, related_name="topics")
    author = models.ForeignKey("inquiry.Participant", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=TOPIC_LIMIT)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title


class TopicChoice(models.Model):
    breakout = models.ForeignKey(Breakout, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="choices")
    participant = models.ForeignKey("inquiry.Participant", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["breakout", "participant"], name="one_topic_each")]

    def __str__(self):
        return f"{self.participant_id} in {self.topic_id}"


class TableEmail(models.Model):
    """An email a participant chose to give so the host can put them in their table's Zoom breakout room
    (the table list's CSV, facilitators only). Never in any other export; withdrawn by sending it empty;
    erased with their contributions."""

    participant = models.OneToOneField(
        "inquiry.Participant", on_delete=models.CASCADE, related_name="table_email"
    )
    email = models.EmailField()
    created = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"email of {self.participant_id}"
