"""The systems map: themes (and single cards) placed on a canvas and joined by directed, typed links."""

from django.db import models
from django.db.models import Q

from .layout import HEIGHT, WIDTH  # noqa: F401

NOTE_LIMIT = 140


class MapNode(models.Model):
    """A theme or a card on the map, where the layout (or a facilitator's drag) put it."""

    inquiry = models.ForeignKey("inquiry.Inquiry", on_delete=models.CASCADE, related_name="map_nodes")
    theme = models.ForeignKey(
        "board.Theme", null=True, blank=True, on_delete=models.CASCADE, related_name="map_nodes"
    )
    card = models.ForeignKey(
        "board.Card", null=True, blank=True, on_delete=models.CASCADE, related_name="map_nodes"
    )
    x = models.FloatField(default=0)
    y = models.FloatField(default=0)
    # Dragged by a facilitator: the layout never moves it again (until the map is tidied).
    pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["theme"], condition=Q(theme__isnull=False), name="map_node_theme"
            ),
            models.UniqueConstraint(fields=["card"], condition=Q(card__isnull=False), name="map_node_card"),
            models.CheckConstraint(
                condition=Q(theme__isnull=True, card__isnull=False)
                | Q(theme__isnull=False, card__isnull=True),
                name="map_node_theme_or_card",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def ref(self):
        return f"theme-{self.theme_id}" if self.theme_id else f"card-{self.card_id}"

    @property
    def label(self):
        return self.theme.name if self.theme_id else self.card.text

    @property
    def dom_id(self):
        return f"map-node-{self.pk}"


class MapLink(models.Model):
    INFLUENCES = "influences"
    ENABLES = "enables"
    BLOCKS = "blocks"
    KINDS = [(INFLUENCES, "leads to / influences"), (ENABLES, "enables"), (BLOCKS, "blocks")]

    inquiry = models.ForeignKey("inquiry.Inquiry", on_delete=models.CASCADE, related_name="map_links")
    source = models.ForeignKey(MapNode, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(MapNode, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=KINDS, default=INFLUENCES)
    # For "influences": +1 (more leads to more) or -1 (more leads to less). Enables counts as +, blocks as -.
    sign = models.SmallIntegerField(default=1)
    note = models.CharField(max_length=NOTE_LIMIT, blank=True)
    # Who drew it: a participant (in a mapping round), else a facilitator.
    participant = models.ForeignKey(
        "inquiry.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="map_links"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="map_link_once_per_pair")]

    def __str__(self):
        return f"{self.source_id} {self.kind} {self.target_id}"

    @property
    def polarity(self):
        if self.kind == self.ENABLES:
            return 1
        if self.kind == self.BLOCKS:
            return -1
        return 1 if self.sign >= 0 else -1

    @property
    def sign_symbol(self):
        return "+" if self.polarity > 0 else "−"

    @property
    def form_kind(self):
        """The link's kind as the link form's choice names it: "influences:+", "influences:-", "enables"."""
        if self.kind == self.INFLUENCES:
            return f"influences:{'+' if self.sign >= 0 else '-'}"
        return self.kind

    @property
    def verb(self):
        if self.kind == self.INFLUENCES:
            return "more leads to more" if self.sign >= 0 else "more leads to less"
        return self.get_kind_display()

    @property
    def dom_id(self):
        return f"map-link-{self.pk}"


class MapState(models.Model):
    """What the map shows the room: on the shared screen or not, and a loop picked out."""

    inquiry = models.OneToOneField("inquiry.Inquiry", on_delete=models.CASCADE, related_name="map_state")
    on_screen = models.BooleanField(default=False)
    focus = models.CharField(max_length=400, blank=True)

    def __str__(self):
        return f"map of {self.inquiry_id}"
