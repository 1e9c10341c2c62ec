"""Changes to an inquiry itself: creating it, joining it, its facilitators and its rounds."""

from django.contrib.auth import get_user_model
from django.db import transaction

from board import render
from board.actions import changing
from sessions.events import publish

from .access import Refused, require_facilitator
from .models import DEFAULT_SECTORS, Inquiry, Participant, Round


def create_inquiry(user, *, title, question, rounds, sectors, show_names):
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            title=title,
            question=question,
            sectors=sectors or list(DEFAULT_SECTORS),
            show_names=show_names,
            created_by=user,
        )
        inquiry.facilitators.add(user)
        created = [
            Round.objects.create(inquiry=inquiry, position=index, question=text)
            for index, text in enumerate(rounds or [question])
        ]
        inquiry.current_round = created[0]
        inquiry.save(update_fields=["current_round"])
    return inquiry


def join(inquiry, *, display_name, sector):
    if sector not in inquiry.sectors:
        raise Refused("invalid_field", "Choose one of the sectors listed.")
    return Participant.objects.create(inquiry=inquiry, display_name=display_name.strip(), sector=sector)


def add_cofacilitator(user, inquiry, username):
    if not inquiry.is_facilitator(user):
        raise Refused("forbidden", "Only the facilitators of this inquiry can add a co-facilitator.")
    other = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if other is None:
        raise Refused("not_found", f"There is no facilitator account called {username!r}.")
    inquiry.facilitators.add(other)
    return other


def _round(inquiry, round_id):
    found = Round.objects.filter(pk=round_id, inquiry=inquiry).first()
    if found is None:
        raise Refused("not_found", "There is no such round in this inquiry.")
    return found


def _set_round(actor, round_id, op, change):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        target = _round(inquiry, round_id)
        change(inquiry, target)
        publish(inquiry, "round", op, {"round": target.pk}, render.round_banner(inquiry))
        return target


def activate_round(actor, round_id):
    """Move the room to this round: phones show its question and new posts belong to it."""

    def change(inquiry, target):
        inquiry.current_round = target
        inquiry.save(update_fields=["current_round"])

    return _set_round(actor, round_id, "activate", change)


def close_round(actor, round_id):
    def change(inquiry, target):
        target.phase = Round.CLOSED
        target.save(update_fields=["phase"])

    return _set_round(actor, round_id, "close", change)


def reopen_round(actor, round_id):
    def change(inquiry, target):
        target.phase = Round.GATHER
        target.save(update_fields=["phase"])

    return _set_round(actor, round_id, "reopen", change)
