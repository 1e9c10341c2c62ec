"""The door: what a room arriving at once is served. The join page is rendered once per inquiry for
phones that arrive fresh, each with its own CSRF token; the participant page is the frame around the
board, which the page's socket brings as its first frame."""

import base64
import json
import re
import uuid

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.template.loader import render_to_string
from django.test import Client

from board.actions import post_card
from inquiry.access import PARTICIPANT, Actor
from inquiry.actions import delete_inquiry
from inquiry.models import Participant

from ..support import Screen, join_as, joined

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def fresh_phone():
    return Client(enforce_csrf_checks=True)


def join_page(client, inquiry):
    response = client.get(f"/i/{inquiry.code}/join/")
    assert response.status_code == 200
    return response, TOKEN.search(response.content.decode()).group(1)


def test_each_fresh_phone_gets_its_own_csrf_token_and_can_join_with_it(inquiry):
    first, second = fresh_phone(), fresh_phone()
    (page_one, token_one), (page_two, token_two) = join_page(first, inquiry), join_page(second, inquiry)
    assert token_one != token_two
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    for page in (page_one, page_two):
        assert inquiry.question in page.content.decode()
        assert "Voluntary and community sector" in page.content.decode()
    # Each token goes with its own phone's cookie only.
    refused = second.post(f"/i/{inquiry.code}/join/", {"csrfmiddlewaretoken": token_one, "sector": "NHS"})
    assert refused.status_code == 403
    form = {"csrfmiddlewaretoken": token_one, "display_name": "Gita", "sector": "NHS"}
    response = first.post(f"/i/{inquiry.code}/join/", form)
    assert joined(response, inquiry) and "You: Gita (NHS)" in response.content.decode()
    assert Participant.objects.filter(display_name="Gita", sector="NHS").exists()


def test_a_join_without_the_pages_token_is_refused(inquiry):
    phone = fresh_phone()
    join_page(phone, inquiry)
    response = phone.post(f"/i/{inquiry.code}/join/", {"display_name": "Mallory", "sector": "NHS"})
    assert response.status_code == 403
    assert not Participant.objects.filter(display_name="Mallory").exists()


def test_the_join_page_shows_the_inquiry_as_it_stands(inquiry):
    join_page(fresh_phone(), inquiry)
    inquiry.title = "Renamed <on the day>"
    inquiry.sectors = ["NHS", "Housing"]
    inquiry.save(update_fields=["title", "sectors"])
    page = join_page(fresh_phone(), inquiry)[0].content.decode()
    assert "Renamed &lt;on the day&gt;" in page
    assert 'value="Housing"' in page and "Voluntary and community sector" not in page


def test_a_logged_in_facilitator_sees_their_own_header_on_the_join_page(inquiry, alice):
    join_page(fresh_phone(), inquiry)  # the page as every fresh phone gets it, rendered first
    page = alice.get(f"/i/{inquiry.code}/join/").content.decode()
    assert "Log out alice" in page and "Facilitator login" not in page


def test_a_phone_that_already_joined_goes_straight_to_its_page(inquiry, carol):
    response = carol.get(f"/i/{inquiry.code}/join/")
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/"


def test_the_participant_page_comes_without_the_board(inquiry, carol):
    participant = Participant.objects.get(display_name="Carol")
    post_card(Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk), uuid.uuid4(), "On the board")
    page = carol.get(f"/i/{inquiry.code}/").content.decode()
    assert "You: Carol (NHS)" in page
    assert 'id="lw-seq" data-seq=""' in page and 'id="live"' in page
    assert "On the board" not in page and 'id="board"' not in page


@pytest.mark.django_db(transaction=True)
async def test_the_participants_socket_brings_the_board_escaped_as_its_first_frame(inquiry):
    carol = await database_sync_to_async(join_as)(inquiry, "Carol", "NHS")
    participant = await Participant.objects.aget(display_name="Carol")
    actor = Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk)
    nasty = ["<script>alert(1)</script>", '<div hx-swap-oob="true" id="board">x</div>']
    for text in nasty:
        await database_sync_to_async(post_card)(actor, uuid.uuid4(), text)
    screen = await Screen(inquiry.code, carol).connect()  # as the page opens it: no ?since=
    first = screen.frames[0]
    assert first.snapshot and first.seq == 2
    assert "<script>alert(1)" not in first.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in first.text
    assert first.text.count('id="board"') == 1
    assert screen.texts() == sorted(nasty)
    await screen.close()


@pytest.mark.django_db(transaction=True)
async def test_a_removed_participant_gets_neither_page_nor_board(inquiry, alice):
    carol = await database_sync_to_async(join_as)(inquiry, "Carol", "NHS")
    await Participant.objects.filter(display_name="Carol").aupdate(removed=True)
    response = await database_sync_to_async(carol.get)(f"/i/{inquiry.code}/")
    assert response.status_code == 403 and b"You have been removed" in response.content
    screen = Screen(inquiry.code, carol)
    await screen.connect(expect_frame=False)
    assert (await screen.reply()).error == "forbidden"


@pytest.mark.django_db(transaction=True)
async def test_a_facilitator_whose_password_changed_since_login_is_refused_on_the_socket(inquiry, alice):
    screen = await Screen(inquiry.code, alice).connect()  # the session as it was at login: accepted
    assert screen.frames[0].snapshot
    await screen.close()
    user = await get_user_model().objects.aget(username="alice")
    user.set_password("a new password for alice")
    await user.asave()
    again = Screen(inquiry.code, alice)
    await again.connect(expect_frame=False)
    assert (await again.reply()).error == "forbidden"


@pytest.mark.django_db(transaction=True)
async def test_a_participant_who_left_before_being_counted_is_not_counted(inquiry, alice):
    carol, dave, facilitator = await two_phones_and_a_facilitator(inquiry, alice)
    gone = await Screen(inquiry.code, carol).connect()
    await gone.close()  # before the next presence frame writes arrivals
    stays = await Screen(inquiry.code, dave).connect()
    await facilitator.until(lambda s: present(s) == "1 participant connected")
    await stays.close()
    await facilitator.until(lambda s: present(s).startswith("0 participants connected"))
    await facilitator.close()


async def two_phones_and_a_facilitator(inquiry, alice):
    """Carol (NHS) and Dave (Local authority) joined through the join page; Alice's screen connected."""
    carol = await database_sync_to_async(join_as)(inquiry, "Carol", "NHS")
    dave = await database_sync_to_async(join_as)(inquiry, "Dave", "Local authority")
    return carol, dave, await Screen(inquiry.code, alice).connect()


def present(screen):
    element = screen.find("presence")
    return " ".join(element.text_content().split()) if element is not None else ""


@pytest.mark.django_db(transaction=True)
async def test_each_phone_reconnecting_gets_its_own_private_state_in_its_first_frame(inquiry, alice):
    carol_client, dave_client, facilitator = await two_phones_and_a_facilitator(inquiry, alice)
    carol = await Screen(inquiry.code, carol_client).connect()
    dave = await Screen(inquiry.code, dave_client).connect()
    await dave.post("Dave's idea")
    await carol.until(lambda s: "Dave's idea" in s.texts())
    card = next(iter(carol.cards()))
    await carol.send(type="reaction", op="toggle", card=card)
    fields = {"round": None, "target": "cards", "budget": 3, "per_item": 2, "live": False}
    await facilitator.send(type="vote", op="open", **fields)
    await carol.until(
        lambda s: s.find("vote-bar") is not None and "Dot voting" in s.find("vote-bar").text_content()
    )
    await carol.send(type="dot", op="add", card=card, theme=None)
    await carol.until(lambda s: s.find("lw-mine").get("data-left") == "2")

    again = await Screen(inquiry.code, carol_client).connect()  # a reload: the page's first connect
    mine = again.frames[0].first("lw-mine")
    assert again.frames[0].snapshot
    assert mine.get("data-dots") == f'{{"card-{card}": 1}}' and mine.get("data-left") == "2"
    assert str(card) in mine.get("data-reactions")
    other = await Screen(inquiry.code, dave_client).connect()
    mine = other.frames[0].first("lw-mine")
    assert (
        mine.get("data-dots") == "{}" and mine.get("data-reactions") == "[]" and mine.get("data-left") == "3"
    )

    # Silent writing (leaving the Vote phase closes the vote): her unrevealed card is hers alone.
    round_id = (await inquiry.rounds.afirst()).pk
    await facilitator.send(type="round", op="phase", round=round_id, phase="silent")
    await carol.until(lambda s: s.find("round-banner").get("data-phase") == "silent")
    await carol.post("Carol's unrevealed thought")
    await carol.reply()
    for screen in (again, other):
        await screen.close()
    again = await Screen(inquiry.code, carol_client).connect()
    assert again.frames[0].snapshot and "Carol's unrevealed thought" in again.texts()
    other = await Screen(inquiry.code, dave_client).connect()
    assert "Carol's unrevealed thought" not in other.texts() and "Dave's idea" in other.texts()
    for screen in (facilitator, carol, dave, again, other):
        await screen.close()


# The participant's page, rendered once per inquiry with each participant put in ----------------------

OWN = re.compile(r'<script id="own-cards" type="application/json">([^<]*)</script>')
CLOCK = re.compile(r'data-now-us="\d+"')


def page_of(client, inquiry):
    response = client.get(f"/i/{inquiry.code}/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_participant_gets_their_own_name_cards_and_id_on_the_page(inquiry, carol, dave):
    mallory = join_as(inquiry, "<b>Mallory</b> & co", "Other")
    carol_id = Participant.objects.get(display_name="Carol").pk
    card, _ = post_card(Actor(PARTICIPANT, inquiry.pk, participant_id=carol_id), uuid.uuid4(), "Mine")
    carols, daves, mallorys = page_of(carol, inquiry), page_of(dave, inquiry), page_of(mallory, inquiry)
    assert "You: Carol (NHS)" in carols and "You: Dave (Local authority)" in daves
    assert "You: &lt;b&gt;Mallory&lt;/b&gt; &amp; co (Other)" in mallorys and "<b>Mallory" not in mallorys
    assert OWN.search(carols).group(1) == f"[{card.pk}]" and OWN.search(daves).group(1) == "[]"
    assert f'data-me="{carol_id}"' in carols and f'data-me="{carol_id}"' not in daves
    assert "Carol" not in daves and "Dave" not in carols


def test_the_page_rendered_once_is_the_page_rendered_whole(inquiry, carol):
    participant = Participant.objects.get(display_name="Carol")
    post_card(Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk), uuid.uuid4(), "Mine")
    page_of(join_as(inquiry, "Dave", "Local authority"), inquiry)  # the page as first rendered, for Dave
    context = {
        "inquiry": inquiry,
        "participant": participant,
        "own_cards": list(participant.cards.values_list("pk", flat=True)),
        "role": "participant",
    }
    whole = render_to_string("inquiry/participate.html", context)
    assert CLOCK.sub("", page_of(carol, inquiry)) == CLOCK.sub("", whole)


def test_a_phone_that_erased_its_posts_is_told_so_on_its_page(inquiry, carol):
    participant = Participant.objects.get(display_name="Carol")
    post_card(Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk), uuid.uuid4(), "Gone soon")
    page_of(carol, inquiry)
    response = carol.post(f"/i/{inquiry.code}/erase/", follow=True)
    assert "Erased: 1 contribution" in response.content.decode()
    assert "Gone soon" not in response.content.decode()


# A phone's session: signed, in its cookie -------------------------------------------------------------


def test_a_phones_session_is_its_signed_cookie_and_nothing_on_the_server(inquiry, carol):
    cookie = carol.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not Session.objects.exists()
    assert "You: Carol (NHS)" in page_of(carol, inquiry)


def test_a_phone_cookie_altered_to_name_someone_else_is_a_stranger(inquiry, carol, dave):
    daves = Participant.objects.get(display_name="Dave")
    _payload, stamp, signature = carol.cookies[settings.SESSION_COOKIE_NAME].value.rsplit(":", 2)
    forged = (
        base64.urlsafe_b64encode(json.dumps({f"participant:{inquiry.pk}": daves.token}).encode())
        .decode()
        .rstrip("=")
    )
    carol.cookies[settings.SESSION_COOKIE_NAME] = f"{forged}:{stamp}:{signature}"
    response = carol.get(f"/i/{inquiry.code}/")
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/join/"


def test_a_phone_whose_person_signs_in_is_kept_on_the_server_and_signing_out_ends_it(inquiry, carol, users):
    carol.force_login(users["alice"])
    signed_in = carol.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=signed_in).exists()
    assert "You: Carol (NHS)" in page_of(carol, inquiry)  # still the participant she joined as
    carol.logout()
    assert not Session.objects.filter(session_key=signed_in).exists()
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = signed_in
    assert stale.get(f"/i/{inquiry.code}/").status_code == 302


def test_a_deleted_inquiry_is_gone_from_the_door_at_once(inquiry, users):
    join_page(fresh_phone(), inquiry)  # the door knows it now
    delete_inquiry(users["alice"], inquiry.pk)
    assert fresh_phone().get(f"/i/{inquiry.code}/join/").status_code == 404
