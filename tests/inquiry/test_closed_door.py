"""The door of a closed inquiry: nobody new joins; the join page says it has closed and links to the
published harvest; the presenter view no longer asks anyone to join. Those who joined still get in."""

from inquiry.models import Inquiry, Participant

from ..support import is_participant_page


def close(alice, inquiry):
    assert alice.post(f"/i/{inquiry.code}/data/close/").status_code == 302


def test_a_closed_inquiry_takes_nobody_new_and_says_so(alice, anonymous, carol, inquiry):
    close(alice, inquiry)
    before = Participant.objects.count()
    for url in (f"/j/{inquiry.code}", f"/i/{inquiry.code}/join/"):
        page = anonymous.get(url).content.decode()
        assert "This inquiry has closed" in page and 'name="sector"' not in page
        assert "not published what came out of it yet" in page and "/h/" not in page
    response = anonymous.post(f"/i/{inquiry.code}/join/", {"display_name": "Late", "sector": "NHS"})
    assert response.status_code == 403 and "This inquiry has closed" in response.content.decode()
    assert Participant.objects.count() == before
    # Typing the code on the home page leads to the same page.
    found = anonymous.post("/join/", {"code": inquiry.code}, follow=True).content.decode()
    assert "This inquiry has closed" in found
    # Whoever joined before the close still has their (read-only) page.
    response = carol.get(f"/i/{inquiry.code}/")
    assert is_participant_page(response.status_code, response.content, inquiry.code)


def test_a_closed_inquirys_door_links_to_its_published_harvest(alice, anonymous, inquiry):
    close(alice, inquiry)
    assert alice.post(f"/i/{inquiry.code}/harvest/publish/").status_code == 302
    token = Inquiry.objects.get(pk=inquiry.pk).harvest_token
    page = anonymous.get(f"/j/{inquiry.code}").content.decode()
    assert f'href="/h/{token}/"' in page and "Read the harvest" in page
    assert anonymous.get(f"/h/{token}/").status_code == 200


def test_the_presenter_view_drops_the_join_prompt_once_closed(alice, inquiry):
    page = alice.get(f"/i/{inquiry.code}/present/").content.decode()
    assert "Join on your phone" in page and f"/i/{inquiry.code}/qr.svg" in page
    close(alice, inquiry)
    page = alice.get(f"/i/{inquiry.code}/present/").content.decode()
    assert "Join on your phone" not in page and f"/i/{inquiry.code}/qr.svg" not in page
    assert "inquiry-closed" in page
