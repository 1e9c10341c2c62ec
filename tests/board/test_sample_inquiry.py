"""A facilitator tries Linewalk on a sample inquiry from "Your inquiries": one button, a 100-person event
in the middle of its last round, theirs alone."""

import re

import pytest
from django.test import Client

from inquiry.models import Inquiry

pytestmark = pytest.mark.django_db


def test_your_inquiries_offers_a_sample_and_says_what_an_inquiry_is(alice):
    page = alice.get("/inquiries/").content.decode()
    assert "You have no inquiries yet. An inquiry is one live event" in page
    form = re.search(r'<form method="post" action="/inquiries/sample/">.*?</form>', page, re.S)
    assert form and "csrfmiddlewaretoken" in form.group(0) and "Try a sample inquiry" in form.group(0)


def test_the_sample_opens_in_the_workspace_with_the_room_and_its_board(users, alice, bob):
    response = alice.post("/inquiries/sample/")
    sample = Inquiry.objects.get(created_by=users["alice"])
    assert response.status_code == 302 and response["Location"] == f"/i/{sample.code}/facilitate/"
    workspace = alice.get(response["Location"]).content.decode()
    assert '<h1 id="inquiry-title">Sample: health and care around each resident</h1>' in workspace
    assert "A sample to try things on: delete it under Your data when you are done." in workspace
    listed = alice.get("/inquiries/").content.decode()
    assert f'<tr id="inquiry-{sample.code}">' in listed and '<td class="num">100</td>' in listed
    # Nobody else's: another facilitator neither sees it nor can open it.
    assert sample.code not in bob.get("/inquiries/").content.decode()
    assert bob.get(f"/i/{sample.code}/facilitate/").status_code == 404


def test_a_sample_needs_a_login_a_post_and_the_csrf_token(users, anonymous):
    response = anonymous.post("/inquiries/sample/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["alice"])
    assert client.get("/inquiries/sample/").status_code == 405
    assert client.post("/inquiries/sample/").status_code == 403
    assert not Inquiry.objects.filter(title__startswith="Sample:").exists()
