"""Cards like this one (GET /i/<code>/similar/<card>/): the suggester's similarity, for facilitators."""

import uuid

import pytest
from django.test import override_settings

from board import actions
from board.models import Card
from inquiry.access import PARTICIPANT, Actor
from inquiry.actions import join

pytestmark = pytest.mark.django_db

TEXTS = [
    "Buses to the hospital stop at six, so evening visits are impossible.",
    "There is no bus to the community hospital after six in the evening.",
    "Carers get no break: respite care has a waiting list of months.",
    "Respite for unpaid carers is so scarce that people burn out.",
    "Three organisations keep three different records for the same resident.",
    "Our records do not talk to each other, so residents repeat their story.",
    "Not enough district nurses to cover the rural villages.",
    "Agency staff costs eat the budget for permanent posts.",
    "buses to the hospital stop at six,  so evening visits are impossible.",
]


@pytest.fixture
def cards(inquiry):
    poster = Actor(
        PARTICIPANT, inquiry.pk, participant_id=join(inquiry, display_name="Dave", sector="NHS").pk
    )
    with override_settings(RATE_LIMITS={"post": (50, 60)}):
        return [actions.post_card(poster, uuid.uuid4(), text)[0].pk for text in TEXTS]


def url(inquiry, card, **query):
    return f"/i/{inquiry.code}/similar/{card}/" + ("?all=1" if query.get("all") else "")


def test_it_names_the_duplicate_first_then_the_cards_about_the_same_thing(inquiry, cards, alice):
    found = alice.get(url(inquiry, cards[0])).json()["cards"]
    assert found[0] == cards[8]  # the same words, case and spacing aside
    assert cards[1] in found[:3]
    assert cards[0] not in found
    assert not {cards[6], cards[7]} & set(found)


def test_it_looks_only_at_unsorted_cards_unless_asked_for_all(inquiry, cards, alice):
    theme = actions.add_theme(Actor("facilitator", inquiry.pk, user_id=inquiry.created_by_id), "Transport")
    Card.objects.filter(pk=cards[1]).update(theme=theme)
    assert cards[1] not in alice.get(url(inquiry, cards[0])).json()["cards"]
    assert cards[1] in alice.get(url(inquiry, cards[0], all=True)).json()["cards"]


def test_participants_and_outsiders_get_nothing(inquiry, cards, carol, eve, anonymous):
    assert carol.get(url(inquiry, cards[0])).status_code == 302  # to the facilitators' login
    assert anonymous.get(url(inquiry, cards[0])).status_code == 302
    assert eve.get(url(inquiry, cards[0])).status_code == 404


def test_it_only_answers_get(inquiry, cards, alice):
    assert alice.post(url(inquiry, cards[0])).status_code == 405
