"""Who sees whose contact: only those a participant chose, and only while they choose it.

Someone who shares "with the people who signed up to the same actions" is seen by everyone signed up to
an action they are signed up to (one a facilitator has not hidden); "with people from other sectors who
contributed to the same theme" by everyone of another sector with a visible contribution in a theme where
they have one. Removed participants neither see nor are seen."""

from collections import defaultdict
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


def connections_of(participants):
    """The contacts each of ``participants`` may see, each with why, read for all of them at once (four
    queries however many they are): {participant id: [Connection]}."""
    found = {participant.pk: {} for participant in participants}
    sector = {participant.pk: participant.sector for participant in participants if not participant.removed}

    def add(viewer, other, via):
        contact = other.contact
        entry = found[viewer].setdefault(
            other.pk, Connection(other.pk, other.display_name or "Someone", other.sector, contact.text)
        )
        if via not in entry.via:
            entry.via.append(via)

    # An action a facilitator hid connects nobody (it may have been a lure for contacts).
    viewers_of_step = defaultdict(list)
    mine = SignUp.objects.filter(participant_id__in=list(sector), step__hidden=False)
    for viewer, step in mine.values_list("participant_id", "step_id"):
        viewers_of_step[step].append(viewer)
    shared = (
        SignUp.objects.filter(step_id__in=list(viewers_of_step), participant__contact__with_signups=True)
        .exclude(participant__contact__text="")
        .exclude(participant__removed=True)
        .select_related("participant__contact", "step")
        .order_by("step_id", "pk")
    )
    for signup in shared if viewers_of_step else ():
        for viewer in viewers_of_step[signup.step_id]:
            if viewer != signup.participant_id:
                add(viewer, signup.participant, f"“{signup.step.what}”")
    viewers_of_theme, names = defaultdict(list), {}
    for viewer, themes in _themes_of(list(sector)).items():
        for theme, name in themes.items():
            viewers_of_theme[theme].append(viewer)
            names[theme] = name
    others = (
        Card.objects.filter(
            theme_id__in=list(viewers_of_theme),
            status=Card.VISIBLE,
            silent=False,
            author__contact__with_theme_sectors=True,
        )
        .exclude(author__contact__text="")
        .exclude(author__removed=True)
        .select_related("author__contact")
        .order_by("theme_id", "pk")
    )
    for card in others if viewers_of_theme else ():
        for viewer in viewers_of_theme[card.theme_id]:
            if sector[viewer] != card.author.sector:
                add(viewer, card.author, f"the theme “{names[card.theme_id]}”")
    return {
        pk: sorted(entries.values(), key=lambda c: (c.name.lower(), c.participant_id))
        for pk, entries in found.items()
    }


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
