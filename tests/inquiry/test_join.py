from inquiry.models import Participant

from ..support import joined


def test_a_participant_joins_by_typing_the_code(anonymous, inquiry):
    response = anonymous.post("/join/", {"code": f" {inquiry.code[:3].lower()}-{inquiry.code[3:]} "})
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/join/"
    page = anonymous.get(response["Location"])
    assert inquiry.question.encode() in page.content
    response = anonymous.post(
        f"/i/{inquiry.code}/join/", {"display_name": "Gita", "sector": "Local authority"}
    )
    # The answer is the participant's page itself (one round trip, no redirect).
    assert joined(response, inquiry) and "You: Gita (Local authority)" in response.content.decode()
    participant = Participant.objects.get(display_name="Gita")
    assert participant.sector == "Local authority" and participant.inquiry == inquiry
    assert b"Gita" in anonymous.get(f"/i/{inquiry.code}/").content


def test_a_wrong_code_gets_a_clear_message(anonymous, inquiry):
    response = anonymous.post("/join/", {"code": "QQQQQQ"})
    # The form again, with what to fix, as 400 like every form with errors.
    assert response.status_code == 400
    page = response.content.decode()
    assert "No inquiry has that code. Check it against the screen and try again." in page
    assert 'value="QQQQQQ"' in page


def test_a_blank_code_says_it_is_needed(anonymous, inquiry):
    response = anonymous.post("/join/", {"code": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_the_short_link_leads_to_the_join_page_and_the_qr_code_shows_on_the_presenter_view(
    alice, anonymous, inquiry
):
    assert inquiry.question.encode() in anonymous.get(f"/j/{inquiry.code}").content
    assert f"/i/{inquiry.code}/qr.svg".encode() in alice.get(f"/i/{inquiry.code}/present/").content
    svg = alice.get(f"/i/{inquiry.code}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content


def test_a_name_is_optional_but_a_listed_sector_is_required(anonymous, inquiry):
    response = anonymous.post(f"/i/{inquiry.code}/join/", {"display_name": "", "sector": "Made up"})
    assert response.status_code == 400 and b"Select a valid choice" in response.content
    response = anonymous.post(f"/i/{inquiry.code}/join/", {"display_name": "Gita"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose your sector: the room sees it with your contributions." in page
    assert 'value="Gita"' in page
    assert not Participant.objects.exists()
    response = anonymous.post(f"/i/{inquiry.code}/join/", {"sector": "NHS"})
    assert joined(response, inquiry)
    assert Participant.objects.get().display_name == ""


def test_a_name_too_long_is_refused_saying_so(anonymous, inquiry):
    response = anonymous.post(f"/i/{inquiry.code}/join/", {"display_name": "G" * 61, "sector": "NHS"})
    assert response.status_code == 400
    assert "Ensure this value has at most 60 characters (it has 61)." in response.content.decode()
    assert not Participant.objects.exists()


def test_joining_needs_a_post_not_a_link(anonymous, inquiry):
    anonymous.get(f"/i/{inquiry.code}/join/?display_name=x&sector=NHS")
    assert not Participant.objects.exists()


def test_the_participant_page_sends_a_stranger_to_join_first(anonymous, inquiry):
    response = anonymous.get(f"/i/{inquiry.code}/")
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/join/"


def test_a_participant_who_joined_goes_straight_to_the_board(carol, inquiry):
    response = carol.get(f"/i/{inquiry.code}/join/")
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/"


def test_an_anonymous_inquiry_says_names_are_not_shown(anonymous, other_inquiry):
    page = anonymous.get(f"/i/{other_inquiry.code}/join/").content
    assert b"This inquiry is anonymous: the room never sees your name with your contributions." in page
    assert b"Only the facilitators may" in page
