"""The seed's room: 100 participants joining and posting within a few seconds, at once, from many
threads (as Daphne runs them), give no "database is locked" error and lose no post."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from board.actions import post_card
from board.models import Card
from inquiry.access import PARTICIPANT, Actor
from inquiry.models import Participant
from sessions.models import Event

from ..support import joined

pytestmark = pytest.mark.django_db(transaction=True)

ROOM = 100
# Daphne runs sync work in a bounded thread pool; 40 at once is already more than it would, and keeps
# PostgreSQL within its default 100 connections.
AT_ONCE = threading.BoundedSemaphore(40)


def test_a_hundred_people_join_and_post_at_once_without_errors(inquiry):
    start = threading.Barrier(ROOM)
    errors = []

    def person(index):
        start.wait()
        AT_ONCE.acquire()
        try:
            client = Client()
            response = client.post(f"/i/{inquiry.code}/join/", {"display_name": f"P{index}", "sector": "NHS"})
            assert joined(response, inquiry), response.status_code
            token = client.session[f"participant:{inquiry.pk}"]
            participant = Participant.objects.get(token=token)
            actor = Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk)
            for n in range(2):
                post_card(actor, uuid.uuid4(), f"Idea {n} from person {index}")
        except Exception as error:  # collected and reported below
            errors.append(repr(error))
        finally:
            connection.close()
            AT_ONCE.release()

    threads = [threading.Thread(target=person, args=(i,)) for i in range(ROOM)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Participant.objects.filter(inquiry=inquiry).count() == ROOM
    assert Card.objects.filter(inquiry=inquiry).count() == 2 * ROOM
    # Every post got its own sequence number, with no gaps.
    seqs = list(Event.objects.filter(inquiry=inquiry).values_list("seq", flat=True))
    assert sorted(seqs) == list(range(1, 2 * ROOM + 1))
