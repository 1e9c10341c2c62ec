"""The settings page (/i/<code>/settings/) attacked from outside: who may use it, markup and template
syntax in every field it pushes to open screens, and sector renames that could mix people up."""

import csv
import io

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from inquiry.models import AuditEntry, Inquiry

from ..support import text
from .test_settings import form_of

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async

MARKUP = "<img src=x onerror=alert(1)>"
TEMPLATE = "{{ inquiry.code }}{% csrf_token %}"


def authors_by_sector(client, inquiry):
    """{author: sector} as the contributions export gives them (names show in this inquiry)."""
    response = client.get(f"/i/{inquiry.code}/export/contributions.csv")
    body = b"".join(response.streaming_content).decode().removeprefix("\ufeff")
    return {row["author"]: row["sector"] for row in csv.DictReader(io.StringIO(body, newline=""))}


async def posted(room):
    await room["carol"].post("Carol's idea about shared records")
    await room["dave"].post("Dave's idea about transport")
    await room["alice"].until(lambda s: len(s.texts()) == 2)


async def test_two_sectors_swapped_keep_each_person_in_the_sector_they_chose(inquiry, alice, room):
    await posted(room)
    swap = form_of(inquiry, sector_0="Local authority", sector_1="NHS")
    assert (await sync(alice.post)(f"/i/{inquiry.code}/settings/", swap)).status_code == 302
    # Carol chose the sector first named NHS, now named Local authority; Dave the other way round.
    assert await sync(authors_by_sector)(alice, inquiry) == {"Carol": "Local authority", "Dave": "NHS"}
    page = (await sync(alice.get)(f"/i/{inquiry.code}/settings/")).content.decode()
    assert 'value="Local authority"' in page and 'value="NHS"' in page


async def test_a_chain_of_renames_moves_each_sector_once(inquiry, alice, room):
    await posted(room)
    chain = form_of(inquiry, sector_0="Local authority", sector_1="Council")
    assert (await sync(alice.post)(f"/i/{inquiry.code}/settings/", chain)).status_code == 302
    assert await sync(authors_by_sector)(alice, inquiry) == {"Carol": "Local authority", "Dave": "Council"}
    entry = await sync(lambda: AuditEntry.objects.get(action="inquiry.settings").detail)()
    assert "sector “NHS” renamed “Local authority”" in entry
    assert "sector “Local authority” renamed “Council”" in entry


async def test_markup_and_template_syntax_reach_every_screen_as_text(inquiry, alice, room):
    await posted(room)
    title, question = f"Care {MARKUP}{TEMPLATE}", f"Why {MARKUP}{{{{ 7|add:1 }}}}?"
    sector = f"NHS {MARKUP}"
    data = form_of(inquiry, title=title, question=question, sector_0=sector, new_sectors=f"Police {MARKUP}")
    assert (await sync(alice.post)(f"/i/{inquiry.code}/settings/", data)).status_code == 302
    for screen in room.values():
        await screen.until(lambda s: text(s, "inquiry-title") == title)
        # The sector's new name is drawn on every screen with the rest of the live region (Carol's card).
        await screen.until(lambda s: sector in text(s, "live"))
        assert screen.page.xpath("//img") == []
        assert not [frame for frame in screen.frames if "<img src=x" in frame.text]


async def test_markup_in_the_settings_shows_as_text_on_every_page(inquiry, alice, carol, anonymous):
    title, sector = f"Care {MARKUP}{TEMPLATE}", f"NHS {MARKUP}{TEMPLATE}"
    data = form_of(inquiry, title=title, question=f"Why {MARKUP}?", sector_0=sector)
    assert (await sync(alice.post)(f"/i/{inquiry.code}/settings/", data)).status_code == 302
    pages = [
        (alice, f"/i/{inquiry.code}/facilitate/"),
        (alice, f"/i/{inquiry.code}/present/"),
        (alice, f"/i/{inquiry.code}/settings/"),
        (alice, f"/i/{inquiry.code}/audit/"),
        (alice, f"/i/{inquiry.code}/data/"),
        (alice, "/inquiries/"),
        (alice, f"/i/{inquiry.code}/harvest/"),
        (alice, f"/i/{inquiry.code}/export/report/"),
        (carol, f"/i/{inquiry.code}/"),
        (anonymous, f"/i/{inquiry.code}/join/"),
    ]
    for client, url in pages:
        response = await sync(client.get)(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body, url
        # Template syntax is never evaluated: it reads as typed, and names no join code.
        assert "{{ inquiry.code }}{% csrf_token %}" in body, url


def test_a_co_facilitator_may_change_the_settings_and_the_audit_log_names_them(inquiry, bob):
    """By design: a co-facilitator steers the room like its owner (only deleting it is the owner's)."""
    response = bob.post(f"/i/{inquiry.code}/settings/", form_of(inquiry, title="Renamed by Bob"))
    assert response.status_code == 302
    entry = AuditEntry.objects.get(inquiry=inquiry, action="inquiry.settings")
    assert entry.who == "bob"


def test_a_participant_or_outsider_posting_a_valid_token_changes_nothing(inquiry, eve, carol):
    """With CSRF checks on and a token of their own, people who do not facilitate this inquiry still get
    nothing: the page answers as for an unknown code."""
    for client, username in ((eve, "eve"), (carol, None)):
        forging = Client(enforce_csrf_checks=True)
        forging.cookies = client.cookies
        token = forging.get("/").cookies["csrftoken"].value
        data = {**form_of(inquiry, title="Taken over"), "csrfmiddlewaretoken": token}
        response = forging.post(f"/i/{inquiry.code}/settings/", data)
        assert response.status_code in (302, 404), username
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/")
    inquiry.refresh_from_db()
    assert inquiry.title == "Wrapping care around residents"


def test_a_look_alike_sector_with_a_zero_width_character_is_refused_as_a_second_of_one_name(inquiry, alice):
    look_alike = "NHS\u200b"
    response = alice.post(f"/i/{inquiry.code}/settings/", form_of(inquiry, new_sectors=f"{look_alike}\n"))
    assert response.status_code == 400
    assert "“NHS” is listed twice: each sector once." in response.content.decode()
    page = Client().get(f"/i/{inquiry.code}/join/").content.decode()
    assert page.count('value="NHS') == 1
    # Nor at creation.
    made = alice.post(
        "/inquiries/new/",
        {"title": "Look-alikes", "question": "Why?", "rounds": "", "sectors": f"NHS\n{look_alike}\n\u200b\n"},
    )
    assert made.status_code == 302
    assert Inquiry.objects.get(title="Look-alikes").sectors == ["NHS"]
