"""Who sees which page, and that everything a user wrote is shown as text."""

import uuid

import lxml.html
import pytest
from channels.db import database_sync_to_async

from board.actions import post_card
from inquiry.access import PARTICIPANT, Actor
from inquiry.models import Participant

from ..support import Screen

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


@pytest.mark.django_db(transaction=True)
async def test_user_text_is_escaped_on_every_page(alice, carol, inquiry):
    # The pages come without the board: it is their socket's first frame (tests/inquiry/test_door.py).
    participant = await Participant.objects.aget(display_name="Carol")
    actor = Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk)
    for text in NASTY:
        await database_sync_to_async(post_card)(actor, uuid.uuid4(), text)
    for path, query in (("facilitate", ""), ("present", "view=presenter")):
        page = (await database_sync_to_async(alice.get)(f"/i/{inquiry.code}/{path}/")).content.decode()
        assert "alert(1)" not in page and 'id="board"' not in page
        screen = await Screen(inquiry.code, alice, query=query).connect()
        board = screen.frames[0].text
        await screen.close()
        assert "<script>alert(1)" not in board
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in board
        assert board.count('id="board"') == 1
        assert 'hx-swap-oob="true" id="board"' not in board


def test_the_home_page_offers_a_join_form_with_csrf(anonymous, db):
    page = anonymous.get("/").content.decode()
    assert 'name="code"' in page and "csrfmiddlewaretoken" in page


def test_your_inquiries_tells_inquiries_of_one_title_apart(alice, inquiry, carol, dave, users):
    from django.utils import timezone

    from inquiry.actions import create_inquiry

    twin = create_inquiry(
        users["alice"], title=inquiry.title, question="Again?", rounds=[], sectors=[], show_names=False
    )
    post_card(Actor(PARTICIPANT, inquiry.pk, participant_id=carol_id(inquiry)), str(uuid.uuid4()), "First")
    second = inquiry.rounds_in_order()[1]
    second.kind, second.phase = "next_steps", "gather"
    second.save()
    inquiry.current_round = second
    inquiry.closed_at = timezone.now()
    inquiry.save()
    page = lxml.html.fromstring(alice.get("/inquiries/").content)
    assert [th.text_content() for th in page.xpath("//table[@id='inquiry-list']/thead//th")] == [
        "Inquiry", "Code", "Status", "Now", "Participants", "Contributions", "Created",
    ]  # fmt: skip

    def row(code):
        return [" ".join(c.text_content().split()) for c in page.xpath(f"//tr[@id='inquiry-{code}']/*")]

    mine, other = row(inquiry.code), row(twin.code)
    assert mine[:6] == [
        inquiry.title, inquiry.code, f"Closed {timezone.localdate():%-d %b %Y}",
        "Round 2 of 2: Next steps: propose actions and sign up", "2", "1",
    ]  # fmt: skip
    assert other[:6] == [
        inquiry.title, twin.code, "Open",
        "Round 1 of 1: Gather: contributions appear as they are posted", "0", "0",
    ]  # fmt: skip
    # The list sits in its own scrolling box: the page does not scroll sideways on a small phone.
    assert page.xpath("//table[@id='inquiry-list']/parent::div[@class='table-scroll']")


def carol_id(inquiry):
    return Participant.objects.get(inquiry=inquiry, display_name="Carol").pk


def test_a_facilitator_already_logged_in_is_sent_on_from_the_login_and_pointed_to_their_inquiries(
    alice, anonymous, db
):
    response = alice.get("/accounts/login/")
    assert response.status_code == 302 and response["Location"] == "/inquiries/"
    assert alice.get("/accounts/login/?next=/inquiries/new/")["Location"] == "/inquiries/new/"
    home = alice.get("/").content.decode()
    assert 'You are logged in as a facilitator: <a href="/inquiries/">Your inquiries</a>' in home
    assert "Log in as a facilitator" not in home
    # Someone not logged in still gets the login form, and the home page's way to it.
    assert anonymous.get("/accounts/login/").status_code == 200
    assert "Log in as a facilitator" in anonymous.get("/").content.decode()
