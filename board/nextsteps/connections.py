"""Who sees whose contact: only those a participant chose, and only while they choose it.

Someone who shares "with the people who signed up to the same actions" is seen by everyone signed up to
an action they are signed up to (one a facilitator has not hidden); "with people from other sectors who
contributed to the same theme" by everyone of another sector with a visible contribution in a theme where
they have one. Removed participants neither see nor are seen."""

from dataclasses import dataclass, field

from board.models import Card

from .models import Contact, SignUp


@dataclass
class Connection:
    participant_id: int
    name: str
    sector: str
    contact: str
    via: list = field(default_factory=list)


def _themes_of(participant_ids):
    rows = Card.objects.filter(
        author_id__in=participant_ids, status=Card.VISIBLE, silent=False, theme__isnull=False
    ).values_list("author_id", "theme_id", "theme__name")
    themes = {}
    for author, theme, name in rows:
        themes.setdefault(author, {})[theme] = name
    return themes


def connections_of(participant):
    """The contacts ``participant`` may see, each with why: [Connection]."""
    if participant.removed:
        return []
    found = {}

    def add(other, via):
        contact = other.contact
        entry = found.setdefault(
            other.pk, Connection(other.pk, other.display_name or "Someone", other.sector, contact.text)
        )
        if via not in entry.via:
            entry.via.append(via)

    # An action a facilitator hid connects nobody (it may have been a lure for contacts).
    mine = SignUp.objects.filter(participant=participant, step__hidden=False).values_list(
        "step_id", flat=True
    )
    shared = (
        SignUp.objects.filter(step_id__in=list(mine), participant__contact__with_signups=True)
        .exclude(participant=participant)
        .exclude(participant__contact__text="")
        .exclude(participant__removed=True)
        .select_related("participant__contact", "step")
        .order_by("step_id", "pk")
    )
    for signup in shared:
        add(signup.participant, f"“{signup.step.what}”")
    my_themes = _themes_of([participant.pk]).get(participant.pk, {})
    if my_themes:
        others = (
            Card.objects.filter(
                theme_id__in=list(my_themes),
                status=Card.VISIBLE,
                silent=False,
                author__contact__with_theme_sectors=True,
            )
            .exclude(author__sector=participant.sector)
            .exclude(author__contact__text="")
            .exclude(author__removed=True)
            .select_related("author__contact")
            .order_by("theme_id", "pk")
        )
        for card in others:
            add(card.author, f"the theme “{my_themes[card.theme_id]}”")
    return sorted(found.values(), key=lambda c: (c.name.lower(), c.participant_id))


def seen_by(participant):
    """The ids of everyone who may see ``participant``'s contact now (if they share one)."""
    contact = Contact.objects.filter(participant=participant).first()
    if contact is None or not contact.text or participant.removed:
        return set()
    viewers = set()
    if contact.with_signups:
        steps = SignUp.objects.filter(participant=participant, step__hidden=False).values_list(
            "step_id", flat=True
        )
        viewers |= set(
            SignUp.objects.filter(step_id__in=list(steps), participant__removed=False).values_list(
                "participant_id", flat=True
            )
        )
    if contact.with_theme_sectors:
        themes = list(_themes_of([participant.pk]).get(participant.pk, {}))
        viewers |= set(
            Card.objects.filter(theme_id__in=themes, status=Card.VISIBLE, silent=False, author__removed=False)
            .exclude(author__sector=participant.sector)
            .values_list("author_id", flat=True)
        )
    viewers.discard(participant.pk)
    return viewers
