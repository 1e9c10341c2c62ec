"""Who may do what with an inquiry: one helper per resource, used by views and the consumer alike."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .compiled import Compiled
from .models import Inquiry, Participant, Round, normalise_code

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
PRESENTER = "presenter"


class Refused(Exception):
    """An action that may not happen: the sender is told ``message``; nothing is stored."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Actor:
    """Whoever is acting: a facilitator (a user), a participant (no account), or a presenter screen."""

    role: str
    inquiry_id: int
    user_id: int | None = None
    participant_id: int | None = None


def session_key(inquiry):
    return f"participant:{inquiry.pk}"


def inquiry_by_code(code):
    try:
        return Inquiry.objects.get(code=normalise_code(code))
    except Inquiry.DoesNotExist:
        raise Http404("No inquiry has that code.") from None


def inquiry_for_facilitator(user, code):
    """The inquiry with this code, if the user facilitates it; else 404 (its existence is not revealed)."""
    if not user.is_authenticated:
        raise Http404("No inquiry has that code.")
    try:
        return Inquiry.objects.get(code=normalise_code(code), facilitators=user)
    except Inquiry.DoesNotExist:
        raise Http404("No inquiry has that code.") from None


def inquiry_for_owner(user, code):
    """The inquiry with this code, if the user created it (what only its owner may do: delete it).
    Another of its facilitators is told so (403); anyone else gets 404, as for an unknown code."""
    inquiry = inquiry_for_facilitator(user, code)
    if inquiry.created_by_id != user.pk:
        raise PermissionDenied("Only the facilitator who created this inquiry can do that.")
    return inquiry


def participant_for_session(session, inquiry, participants=None):
    """The participant this browser joined as, or None; its ``inquiry`` is the one given. ``participants``:
    where to read it from, ``by_token(queryset)`` of a queryset with annotations the caller needs; by
    default every participant, the ordinary way."""
    token = session.get(session_key(inquiry))
    if not token:
        return None
    if participants is None:
        found = Participant.objects.filter(inquiry_id=inquiry.pk, token=token).first()
    else:
        found = participants.first(token=token)
        if found is not None and found.inquiry_id != inquiry.pk:
            found = None
    if found is not None:
        found.inquiry = inquiry
    return found


def by_token(participants):
    """``participant_for_session``'s query of ``participants`` (a function returning a queryset, called
    once), compiled once (inquiry/compiled.py): a room arriving at once runs it for every phone's page."""
    return Compiled(lambda token: participants().filter(token=token).order_by("pk")[:1])


def actor_for_socket(user, session, code, view):
    """Who a websocket connecting to this inquiry speaks for, or None if nobody it may be."""
    inquiry, actor, _participant = socket_identity(user, session, code, view)
    return inquiry, actor


def participant_for_code(session, code, participants=None):
    """The participant this browser joined the inquiry of ``code`` as, with that inquiry loaded, or None;
    in one query (a room connecting at once queues on each one). ``participants``: where to read it
    from, ``by_code(queryset)`` of a queryset with annotations the caller needs; by default every
    participant, the ordinary way."""
    tokens = [token for key, token in session.items() if key.startswith("participant:") and token]
    if not tokens:
        return None
    if participants is None:
        found = (
            Participant.objects.select_related("inquiry")
            .filter(inquiry__code=normalise_code(code), token__in=tokens)
            .first()
        )
    else:
        found = participants.first(code=normalise_code(code), tokens=tokens)
    if found is None or session.get(session_key(found.inquiry)) != found.token:
        return None
    return found


def by_code(participants):
    """``participant_for_code``'s query of ``participants`` (a function returning a queryset, called once),
    compiled once (inquiry/compiled.py): a websocket's connect runs it for every screen of a room."""
    return Compiled(
        lambda code, tokens: (
            participants()
            .select_related("inquiry")
            .filter(inquiry__code=code, token__in=tokens)
            .order_by("pk")[:1]
        )
    )


def socket_identity(user, session, code, view, participants=None):
    """``actor_for_socket``, with the Participant it found (or None): (inquiry, actor, participant).
    ``participants``: as for ``participant_for_code``."""
    inquiry = None
    if user is not None and user.is_authenticated:
        inquiry = Inquiry.objects.filter(code=normalise_code(code)).first()
        if inquiry is not None and inquiry.is_facilitator(user):
            role = PRESENTER if view == PRESENTER else FACILITATOR
            return inquiry, Actor(role, inquiry.pk, user_id=user.pk), None
    participant = participant_for_code(session, code, participants) if session is not None else None
    if participant is not None:
        if participant.removed:
            return participant.inquiry, None, None
        return (
            participant.inquiry,
            Actor(PARTICIPANT, participant.inquiry_id, participant_id=participant.pk),
            participant,
        )
    if inquiry is None:
        inquiry = Inquiry.objects.filter(code=normalise_code(code)).first()
    return inquiry, None, None


def require_facilitator(actor, inquiry):
    """Check again at every action: a co-facilitator may have been removed since the socket opened."""
    if (
        actor.role != FACILITATOR
        or not inquiry.facilitators.filter(pk=actor.user_id, is_active=True).exists()
    ):
        raise Refused("forbidden", "Only the facilitators of this inquiry can do that.")


# What a participant is told of any change they try after the inquiry closed (docs/protocol.md).
INQUIRY_CLOSED = (
    "inquiry_closed",
    "This inquiry has closed: nothing more can be added or changed. Thank you for taking part.",
)


# What a facilitator is told of asking the room for more (a round opened, a vote, tables) after the close.
REOPEN_FIRST = (
    "inquiry_closed",
    "This inquiry is closed: reopen it (Data and deletion → Reopen the inquiry) before asking the room "
    "for more.",
)


def require_open_inquiry(inquiry, refusal=INQUIRY_CLOSED):
    """After the event (``close_inquiry``) the room is read-only: what participants said stays as the
    harvest shows it. Facilitators still curate (themes, moves, moderation, the map, the harvest) but
    open nothing for the room until they reopen the inquiry (``refusal``: REOPEN_FIRST)."""
    if inquiry.closed_at is not None:
        raise Refused(*refusal)


def require_participant(actor, inquiry, after_close=False):
    """The acting participant, if they may still change something here. ``after_close``: what stays
    theirs to do once the inquiry has closed (withdrawing a contact or an email they gave: consent is
    withdrawn as easily as it was given; erasing is ``erase_participant``'s own)."""
    if actor.role != PARTICIPANT:
        raise Refused("forbidden", "Only participants can post contributions.")
    participant = Participant.objects.filter(pk=actor.participant_id, inquiry=inquiry).first()
    if participant is None or participant.removed:
        raise Refused("removed", "A facilitator has removed you from this inquiry.")
    if not after_close:
        require_open_inquiry(inquiry)
    return participant


def round_of(inquiry, round_id):
    """The round ``round_id`` of ``inquiry``, or Refused (a round of another inquiry is not found either)."""
    found = Round.objects.filter(pk=round_id, inquiry=inquiry).first()
    if found is None:
        raise Refused("not_found", "There is no such round in this inquiry.")
    return found


def require_room_open(inquiry, what="posting"):
    if inquiry.paused:
        raise Refused("paused", f"The facilitator has paused the room: {what} is back when they resume.")


def open_round_of_kind(inquiry, kind, refusal):
    """The current round, if participants may act in it: of this ``kind`` (else ``refusal``), open, and
    the room not paused (the systems map's links, next steps' proposals)."""
    current = inquiry.current_round
    if current is None or current.kind != kind:
        raise Refused("forbidden", refusal)
    if not current.is_open:
        raise Refused("round_closed", "This round is closed: nothing more can be added to it.")
    require_room_open(inquiry)
    return current
