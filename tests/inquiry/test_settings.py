"""The inquiry's settings after it has started (/i/<code>/settings/): its title, framing question, names
shown or not, the lens's smallest group and its sectors. Through the page (HTTP) and what every open
screen shows over its socket."""

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from inquiry.models import AuditEntry

from ..conftest import PASSWORD
from ..support import join_as, text

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async


def form_of(inquiry, **changes):
    """What the settings page's form posts: the inquiry as it is, with ``changes``."""
    data = {
        "title": inquiry.title,
        "question": inquiry.question,
        "k_threshold": inquiry.k_threshold,
        "new_sectors": "",
        **{f"sector_{i}": s for i, s in enumerate(inquiry.sectors)},
    }
    if inquiry.show_names:
        data["show_names"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def sectors_offered(inquiry):
    """The sectors a newcomer's join page offers."""
    page = Client().get(f"/i/{inquiry.code}/join/").content.decode()
    return [s for s in ("NHS", "NHS trusts", "Local authority", "Police", "Other") if f'value="{s}"' in page]


def exported(client, inquiry):
    response = client.get(f"/i/{inquiry.code}/export/contributions.csv")
    return b"".join(response.streaming_content).decode()


def test_the_settings_page_shows_the_inquiry_as_it_is(inquiry, alice):
    page = alice.get(f"/i/{inquiry.code}/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Wrapping care around residents"' in html
    assert 'value="Voluntary and community sector"' in html
    assert "Smallest group shown on its own" in html
    # Reached from the board's menu.
    board = alice.get(f"/i/{inquiry.code}/facilitate/").content.decode()
    assert f'href="/i/{inquiry.code}/settings/"' in board


async def test_a_new_title_reaches_every_open_screen_at_once(inquiry, alice, room):
    response = await sync(alice.post)(
        f"/i/{inquiry.code}/settings/", form_of(inquiry, title="Health and care, around each resident")
    )
    assert response.status_code == 302
    for screen in room.values():
        await screen.until(lambda s: text(s, "inquiry-title") == "Health and care, around each resident")
    page = await sync(alice.get)(f"/i/{inquiry.code}/present/")
    assert '<h1 id="inquiry-title">Health and care, around each resident</h1>' in page.content.decode()


async def test_a_title_is_escaped_on_every_screen(inquiry, alice, room):
    await sync(alice.post)(f"/i/{inquiry.code}/settings/", form_of(inquiry, title="<b>Care</b> & <i>us</i>"))
    await room["carol"].until(lambda s: text(s, "inquiry-title") == "<b>Care</b> & <i>us</i>")
    assert room["carol"].find("inquiry-title").xpath(".//b") == []


async def test_a_renamed_sector_takes_its_people_and_their_cards_with_it(inquiry, alice, room):
    await room["carol"].post("Carol's idea about shared records")
    await room["presenter"].until(lambda s: len(s.texts()) == 1)
    plan = form_of(inquiry, sector_0="NHS trusts")
    assert (await sync(alice.post)(f"/i/{inquiry.code}/settings/", plan)).status_code == 302
    # The card's line of small print on every screen says the new name.
    for screen in room.values():
        await screen.until(lambda s: "NHS trusts" in "".join(s.find("live").itertext()))
    assert await sync(sectors_offered)(inquiry) == ["NHS trusts", "Local authority", "Other"]
    # Carol is in it still: the contributions export says so.
    csv = await sync(exported)(alice, inquiry)
    assert "NHS trusts" in csv and ",NHS," not in csv


def test_a_sector_someone_chose_cannot_be_removed_and_nothing_changes(inquiry, alice, carol):
    response = alice.post(f"/i/{inquiry.code}/settings/", form_of(inquiry, sector_0="", title="Renamed"))
    assert response.status_code == 400
    assert "1 participant chose “NHS”: rename it rather than remove it." in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.title == "Wrapping care around residents" and inquiry.sectors[0] == "NHS"


def test_an_unused_sector_is_removed_and_a_new_one_offered_to_newcomers(inquiry, alice):
    response = alice.post(
        f"/i/{inquiry.code}/settings/", form_of(inquiry, sector_3="", new_sectors="Police\n")
    )
    assert response.status_code == 302
    assert sectors_offered(inquiry) == ["NHS", "Local authority", "Police"]
    join_as(inquiry, "Pat", "Police")
    page = alice.get(f"/i/{inquiry.code}/settings/").content.decode()
    assert 'value="Police"' in page and 'value="Other"' not in page


def test_two_sectors_of_one_name_are_refused(inquiry, alice):
    response = alice.post(f"/i/{inquiry.code}/settings/", form_of(inquiry, new_sectors="nhs"))
    assert response.status_code == 400
    assert "“nhs” is listed twice: each sector once." in response.content.decode()
    nothing = {f"sector_{i}": "" for i in range(4)}
    response = alice.post(f"/i/{inquiry.code}/settings/", form_of(inquiry, **nothing))
    assert "Keep at least one sector." in response.content.decode()


async def test_names_hidden_leave_every_screen(inquiry, alice, room):
    await room["carol"].post("Carol's idea about shared records")
    await room["presenter"].until(lambda s: "Carol ·" in "".join(s.find("live").itertext()))
    response = await sync(alice.post)(f"/i/{inquiry.code}/settings/", form_of(inquiry, show_names=None))
    assert response.status_code == 302
    for screen in room.values():
        await screen.until(lambda s: "Carol's idea" in "".join(s.find("live").itertext()))
        await screen.until(lambda s: "Carol ·" not in "".join(s.find("live").itertext()))


def test_only_the_inquirys_facilitators_change_its_settings(inquiry, eve, anonymous, carol):
    for client in (eve, carol, anonymous):
        got = client.get(f"/i/{inquiry.code}/settings/")
        posted = client.post(f"/i/{inquiry.code}/settings/", form_of(inquiry, title="Taken over"))
        assert got.status_code in (302, 404) and posted.status_code in (302, 404)
        if got.status_code == 302:
            assert got.url.startswith("/accounts/login/")
    inquiry.refresh_from_db()
    assert inquiry.title == "Wrapping care around residents"


def test_a_post_without_the_csrf_token_is_refused(inquiry, users):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    assert client.post(f"/i/{inquiry.code}/settings/", form_of(inquiry, title="Forged")).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.title == "Wrapping care around residents"


def test_each_change_is_in_the_audit_log(inquiry, alice, dave):
    alice.post(
        f"/i/{inquiry.code}/settings/",
        form_of(inquiry, sector_1="Council", k_threshold=5, question="How might care wrap around us?"),
    )
    entry = AuditEntry.objects.filter(inquiry=inquiry, action="inquiry.settings").get()
    assert "sector “Local authority” renamed “Council”" in entry.detail
    assert "k_threshold changed" in entry.detail and "question changed" in entry.detail
    page = alice.get(f"/i/{inquiry.code}/audit/").content.decode()
    assert "renamed “Council”" in page
    assert "How might care wrap around us?" in Client().get(f"/i/{inquiry.code}/join/").content.decode()
