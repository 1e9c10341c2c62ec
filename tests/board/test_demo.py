"""The demo inquiries `manage.py demo_inquiry` builds: what a new facilitator and the screen tests see."""

from io import StringIO

import pytest
from django.core.management import call_command

from board.models import Card, Contact, NextStep, SignUp, Theme, Vote
from inquiry.models import Inquiry


@pytest.mark.parametrize("phase", ["gather", "vote"])
def test_the_event_size_demo_is_a_room_of_a_hundred_mid_event(users, phase):
    call_command("demo_inquiry", "--event-size", "--phase", phase, "--owner", "alice", stdout=StringIO())

    inquiry = Inquiry.objects.get(created_by=users["alice"])
    visible = Card.objects.filter(inquiry=inquiry, status=Card.VISIBLE)
    assert inquiry.participants.count() == 100
    assert len(set(inquiry.participants.values_list("sector", flat=True))) == 4
    assert visible.count() >= 300
    assert Theme.objects.filter(inquiry=inquiry).count() == 12
    assert 15 <= visible.filter(theme__isnull=True).count() <= 30
    assert inquiry.current_round.phase == phase
    assert inquiry.current_round.is_open == (phase == "gather")  # posting is closed while voting
    assert Vote.objects.filter(inquiry=inquiry, is_open=True).exists() == (phase == "vote")


def test_the_after_event_demo_is_closed_and_voted(users):
    call_command("demo_inquiry", "--owner", "alice", stdout=StringIO())

    inquiry = Inquiry.objects.get(created_by=users["alice"])
    assert not inquiry.rounds.filter(phase="gather").exists()
    assert Vote.objects.filter(inquiry=inquiry, revealed=True).count() == 2
    assert inquiry.harvest_note


@pytest.mark.parametrize("phase", ["map", "closed"])
def test_the_event_size_demo_closes_with_a_map_and_the_rooms_own_next_steps(client, users, phase):
    call_command("demo_inquiry", "--event-size", "--phase", phase, "--owner", "alice", stdout=StringIO())

    inquiry = Inquiry.objects.get(created_by=users["alice"])
    client.force_login(users["alice"])
    report = client.get(f"/i/{inquiry.code}/export/report/").content.decode()
    assert report.count("(reinforcing)") == 1 and report.count("(balancing)") == 2  # its feedback loops
    assert NextStep.objects.filter(inquiry=inquiry).count() >= 5
    assert SignUp.objects.filter(step__inquiry=inquiry).values("participant").distinct().count() >= 20
    if phase == "map":  # the closing round: participants propose next steps; the map is on the shared screen
        assert inquiry.current_round.kind == "next_steps" and inquiry.current_round.is_open
        assert inquiry.map_state.on_screen
    else:  # after the event: closed, as the facilitator closes it, ready to harvest
        assert not inquiry.rounds.filter(phase="gather").exists()
        assert Vote.objects.filter(inquiry=inquiry, revealed=True).count() == 2
        assert inquiry.closed_at is not None
        assert "This inquiry has closed" in client.get(f"/j/{inquiry.code}").content.decode()
        # Everyone who signed up has their private page.
        signed = set(SignUp.objects.filter(step__inquiry=inquiry).values_list("participant", flat=True))
        assert signed == signed & set(Contact.objects.values_list("participant", flat=True))
