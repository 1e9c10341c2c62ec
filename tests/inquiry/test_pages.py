"""Who sees which page, and that everything a user wrote is shown as text."""

import uuid

from board.actions import post_card
from inquiry.access import PARTICIPANT, Actor
from inquiry.models import Participant

NASTY = ["<script>alert(1)</script>", '<div hx-swap-oob="true" id="board">x</div>', 'id="board"']


def test_only_facilitators_of_the_inquiry_can_facilitate_or_present(
    alice, bob, eve, carol, anonymous, inquiry
):
    for path in (f"/i/{inquiry.code}/facilitate/", f"/i/{inquiry.code}/present/"):
        assert alice.get(path).status_code == 200
        assert bob.get(path).status_code == 200
        assert eve.get(path).status_code == 404
        assert carol.get(path).status_code == 302  # to the login page
        assert anonymous.get(path).status_code == 302


def test_the_presenter_view_shows_the_join_code_and_qr_code(alice, inquiry):
    page = alice.get(f"/i/{inquiry.code}/present/").content.decode()
    assert inquiry.code in page and f"/i/{inquiry.code}/qr.svg" in page and f"/j/{inquiry.code}" in page


def test_a_facilitator_adds_a_co_facilitator(alice, eve, inquiry, users):
    response = alice.post(f"/i/{inquiry.code}/facilitators/", {"username": "eve"}, follow=True)
    assert b"eve can now facilitate this inquiry" in response.content
    assert eve.get(f"/i/{inquiry.code}/facilitate/").status_code == 200


def test_adding_an_unknown_co_facilitator_says_so(alice, inquiry):
    response = alice.post(f"/i/{inquiry.code}/facilitators/", {"username": "nobody"}, follow=True)
    assert b"There is no facilitator account called" in response.content


def test_an_outsider_cannot_add_co_facilitators(eve, inquiry, users):
    assert eve.post(f"/i/{inquiry.code}/facilitators/", {"username": "eve"}).status_code == 404
    assert not inquiry.facilitators.filter(username="eve").exists()


def test_user_text_is_escaped_on_every_page(alice, carol, inquiry):
    # A participant's page has no board: it comes as their socket's first frame (tests/inquiry/test_door.py).
    participant = Participant.objects.get(display_name="Carol")
    actor = Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk)
    for text in NASTY:
        post_card(actor, uuid.uuid4(), text)
    for client, path in ((alice, "facilitate"), (alice, "present")):
        page = client.get(f"/i/{inquiry.code}/{path + '/' if path else ''}").content.decode()
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert page.count('id="board"') == 1
        assert 'hx-swap-oob="true" id="board"' not in page


def test_the_home_page_offers_a_join_form_with_csrf(anonymous, db):
    page = anonymous.get("/").content.decode()
    assert 'name="code"' in page and "csrfmiddlewaretoken" in page
