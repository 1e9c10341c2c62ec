"""Data protection (issue 13; UK GDPR, NHS DSPT): the owner deletes an inquiry and everything in it, an
inquiry is purged a set number of days after it closes, and a participant erases their own
contributions from their phone. Through the pages (HTTP, with CSRF) and the sockets people use; what
every screen shows afterwards, and what is left in the database."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from board.models import Card, Dot, Reaction
from inquiry.models import AuditEntry, DeletionRecord, Inquiry, Participant

from ..conftest import PASSWORD
from ..support import Screen, everyone, fresh_board, rows_quoting, text

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async


@sync
def rows_of(inquiry_id):
    """Every stored row that belongs to the inquiry, by model."""
    found = {}
    for model in apps.get_models():
        fields = {f.name for f in model._meta.get_fields()}
        for path in ("inquiry_id", "vote__inquiry_id", "card__inquiry_id"):
            if path.split("__")[0].removesuffix("_id") in fields:
                count = model.objects.filter(**{path: inquiry_id}).count()
                if count:
                    found[model.__name__] = count
                break
    return found


async def fill(room):
    """Posts, a theme, a vote with dots, reactions: something of every kind."""
    await room["carol"].post("Carol's idea about shared records")
    await room["dave"].post("Dave's idea about transport")
    both = {"Carol's idea about shared records", "Dave's idea about transport"}
    await everyone(room, lambda s: both <= set(s.texts()))
    cards = {t: pk for pk, t in room["alice"].cards().items() if t in both}
    await room["alice"].send(type="theme", op="add", name="Records")
    await room["alice"].until(lambda s: len(s.themes()) == 1)
    theme = room["alice"].themes()[0][0]
    await room["alice"].send(
        type="card", op="move", card=cards["Carol's idea about shared records"], theme=theme
    )
    await room["alice"].send(
        type="vote", op="open", round=None, target="cards", budget=3, per_item=2, live=True
    )
    await everyone(
        room, lambda s: s.find("vote-bar") is not None and s.find("vote-bar").get("data-vote-open")
    )
    return cards, theme


# Deleting an inquiry -----------------------------------------------------------------------------------


async def test_the_owner_deletes_an_inquiry_and_everything_in_it(inquiry, other_inquiry, room, alice, eve):
    cards, _ = await fill(room)
    await room["dave"].send(type="reaction", op="toggle", card=cards["Carol's idea about shared records"])
    await room["dave"].send(type="dot", op="add", card=cards["Carol's idea about shared records"], theme=None)
    await room["alice"].until(
        lambda s: "1 person finds this resonates" in text(s, f"card-{cards[next(iter(cards))]}-votes")
    )
    before = await rows_of(inquiry.pk)
    assert {"Card", "Participant", "Event", "AuditEntry", "Round", "Theme", "Vote", "Dot", "Reaction"} <= set(
        before
    )
    other_before = await rows_of(other_inquiry.pk)

    page = await sync(alice.get)(f"/i/{inquiry.code}/delete/")
    assert page.status_code == 200
    assert b"2 contributions" in page.content and b"2 participants" in page.content
    # A form post without its CSRF token is refused; a wrong or missing confirmation deletes nothing.
    strict = Client(enforce_csrf_checks=True)
    await sync(strict.login)(username="alice", password=PASSWORD)
    assert (
        await sync(strict.post)(f"/i/{inquiry.code}/delete/", {"confirm": inquiry.code})
    ).status_code == 403
    for confirm in ("", "QQQQQQ"):
        response = await sync(alice.post)(f"/i/{inquiry.code}/delete/", {"confirm": confirm})
        assert response.status_code == 400
    assert await Inquiry.objects.filter(pk=inquiry.pk).aexists()

    response = await sync(alice.post)(f"/i/{inquiry.code}/delete/", {"confirm": inquiry.code.lower()})
    assert response.status_code == 302 and response["Location"] == "/inquiries/"
    # Every screen still open is told; a post from one is refused.
    await everyone(room, lambda s: "has been deleted" in text(s, "live"))
    await room["carol"].post("Anyone there?")
    assert (await room["carol"].reply()).error == "not_found"

    assert await rows_of(inquiry.pk) == {}
    assert await rows_of(other_inquiry.pk) == other_before
    assert await sync(rows_quoting)("Carol's idea about shared records", "Dave's idea") == []
    assert (await sync(alice.get)(f"/i/{inquiry.code}/facilitate/")).status_code == 404
    assert (await sync(Client().get)(f"/i/{inquiry.code}/join/")).status_code == 404

    # The record of the deletion is kept outside the inquiry, and its owner sees it.
    record = await DeletionRecord.objects.aget(code=inquiry.code)
    assert (record.how, record.deleted_by_name, record.title) == ("owner", "alice", inquiry.title)
    assert record.counts["contributions"] == 2 and record.counts["participants"] == 2
    listing = (await sync(alice.get)("/inquiries/")).content.decode()
    assert "Deleted inquiries" in listing and inquiry.code in listing
    assert inquiry.code not in (await sync(eve.get)("/inquiries/")).content.decode()


async def test_only_the_owner_can_delete_an_inquiry(inquiry, room, bob, eve, carol, anonymous):
    for method in ("get", "post"):

        def call(client, method=method):
            return getattr(client, method)(f"/i/{inquiry.code}/delete/", {"confirm": inquiry.code})

        assert (await sync(call)(bob)).status_code == 403  # a co-facilitator
        assert (await sync(call)(eve)).status_code == 404  # another facilitator: as for any unknown code
        for visitor in (carol, anonymous):
            response = await sync(call)(visitor)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert (await sync(bob.get)(f"/i/{inquiry.code}/data/")).status_code == 200
    assert (
        b"Only the facilitator who created it can delete it"
        in (await sync(bob.get)(f"/i/{inquiry.code}/data/")).content
    )
    assert await Inquiry.objects.filter(pk=inquiry.pk).aexists()


# Closing and the retention period ------------------------------------------------------------------------


async def test_an_inquiry_is_purged_the_set_number_of_days_after_it_closes(
    inquiry, other_inquiry, room, alice, bob
):
    await fill(room)
    for days in ("-1", "abc", "3651"):
        response = await sync(alice.post)(f"/i/{inquiry.code}/data/retention/", {"days": days})
        assert response.status_code == 400
    assert (await sync(bob.post)(f"/i/{inquiry.code}/data/retention/", {"days": "30"})).status_code == 302
    assert (await Inquiry.objects.aget(pk=inquiry.pk)).retention_days == 30

    # Closing makes every round read-only on every screen and starts the 30 days.
    assert (await sync(alice.post)(f"/i/{inquiry.code}/data/close/")).status_code == 302
    await room["carol"].post("After closing")
    assert (await room["carol"].reply()).error == "inquiry_closed"
    page = (await sync(alice.get)(f"/i/{inquiry.code}/data/")).content.decode()
    assert "Closed on" in page and 'id="purge-date"' in page
    actions = [a async for a in AuditEntry.objects.values_list("action", flat=True)]
    assert "inquiry.retention" in actions and "inquiry.close" in actions

    # Not yet due: a run (dry or not) deletes nothing.
    assert "0 inquiries due" in await sync(run_purge)("--dry-run")
    assert "0 inquiries deleted" in await sync(run_purge)()
    # 31 days later it is due: the dry run lists it and deletes nothing, the run deletes it, once.
    await Inquiry.objects.filter(pk=inquiry.pk).aupdate(
        closed_at=(await closed_at(inquiry)) - timedelta(days=31)
    )
    listed = await sync(run_purge)("--dry-run")
    assert f"Would delete {inquiry.code}" in listed and "1 inquiry due" in listed
    assert await Inquiry.objects.filter(pk=inquiry.pk).aexists()
    done = await sync(run_purge)()
    assert f"Deleted {inquiry.code}" in done and "2 contributions" in done
    assert await rows_of(inquiry.pk) == {}
    assert "0 inquiries deleted" in await sync(run_purge)()
    assert await Inquiry.objects.filter(pk=other_inquiry.pk).aexists()
    record = await DeletionRecord.objects.aget(code=inquiry.code)
    assert record.how == "retention" and record.deleted_by_id is None
    await everyone(room, lambda s: "has been deleted" in text(s, "live"))


async def test_reopening_stops_the_clock_and_an_inquiry_without_a_period_is_kept(inquiry, room, alice):
    await sync(alice.post)(f"/i/{inquiry.code}/data/close/")
    await Inquiry.objects.filter(pk=inquiry.pk).aupdate(
        closed_at=(await closed_at(inquiry)) - timedelta(days=400)
    )
    assert "0 inquiries deleted" in await sync(run_purge)()  # no retention period set: kept
    await sync(alice.post)(f"/i/{inquiry.code}/data/retention/", {"days": "0"})
    await sync(alice.post)(f"/i/{inquiry.code}/data/reopen/")
    assert await closed_at(inquiry) is None
    assert "0 inquiries deleted" in await sync(run_purge)()
    assert await Inquiry.objects.filter(pk=inquiry.pk).aexists()


async def closed_at(inquiry):
    return (await Inquiry.objects.aget(pk=inquiry.pk)).closed_at


def run_purge(*args):
    from io import StringIO

    out = StringIO()
    call_command("purge_inquiries", *args, stdout=out)
    return out.getvalue()


# A participant erases their own contributions ----------------------------------------------------------


async def test_a_participant_erases_their_contributions_from_their_phone(inquiry, room, carol, alice):
    # Held back for review, posted while the room gathers (the vote that fill opens stops posting).
    await room["carol"].post("Call me on 07700 900123")
    await room["alice"].until(lambda s: len(s.page.xpath("//ol[@id='queue-cards']/li")) == 1)
    cards, theme = await fill(room)
    carols = cards["Carol's idea about shared records"]
    daves = cards["Dave's idea about transport"]
    await room["carol"].send(type="reaction", op="toggle", card=daves)
    await room["carol"].send(type="dot", op="add", card=daves, theme=None)
    await room["dave"].send(type="reaction", op="toggle", card=carols)
    await room["alice"].send(type="spotlight", op="set", card=carols, theme=None)
    await everyone(room, lambda s: "shared records" in text(s, "spotlight"))
    await room["alice"].until(lambda s: "1 person finds this resonates" in text(s, f"card-{daves}-votes"))
    await room["alice"].until(lambda s: "1 dot" in text(s, f"card-{daves}-votes"))

    page = await sync(carol.get)(f"/i/{inquiry.code}/erase/")
    counts = " ".join(page.content.decode().split())
    assert "2 contributions" in counts and "1 dot" in counts and "your name, “Carol”" in counts
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = carol.cookies
    assert (await sync(strict.post)(f"/i/{inquiry.code}/erase/")).status_code == 403
    assert await Card.objects.filter(author__display_name="Carol").acount() == 2

    response = await sync(carol.post)(f"/i/{inquiry.code}/erase/")
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/"
    # Gone from every screen, live: her cards, her dot and reaction on Dave's card, the spotlight.
    await everyone(room, lambda s: s.texts() == ["Dave's idea about transport"])
    await everyone(room, lambda s: "shared records" not in text(s, "spotlight"))
    await room["alice"].until(
        lambda s: (
            "0 people find" in text(s, f"card-{daves}-votes") and "0 dots" in text(s, f"card-{daves}-votes")
        )
    )
    await room["alice"].until(lambda s: s.page.xpath("//ol[@id='queue-cards']/li") == [])
    assert room["alice"].themes()[0][3] == []
    for name, client in (("alice", alice), ("dave", room["dave"].client)):
        fresh = await fresh_board(inquiry.code, client)
        await room[name].until(lambda s, fresh=fresh: s.board() == fresh)

    participant = await Participant.objects.aget(inquiry=inquiry, sector="NHS")
    assert participant.display_name == ""
    assert await Card.objects.filter(author=participant).acount() == 0
    assert await Dot.objects.filter(participant=participant).acount() == 0
    assert await Reaction.objects.filter(participant=participant).acount() == 0
    assert await sync(rows_quoting)("Carol's idea", "07700 900123") == []
    entry = await AuditEntry.objects.filter(action="participant.erase").afirst()
    assert "2 contributions, 1 dot, 1 reaction erased" in entry.detail
    # A screen catching up from before is sent a snapshot, not the old events.
    late = await Screen(inquiry.code, alice, query="since=0").connect()
    assert late.frames[0].snapshot and "Carol" not in late.frames[0].text
    await late.close()
    # She is still in, anonymous, and can carry on once the room gathers again.
    round_id = (await inquiry.rounds.afirst()).pk
    await room["alice"].send(type="round", op="phase", round=round_id, phase="gather")
    await room["carol"].until(lambda s: s.find("round-banner").get("data-phase") == "gather")
    await room["carol"].post("Back, anonymously")
    assert (await room["carol"].reply()).ack
    await everyone(room, lambda s: "Back, anonymously" in s.texts(), ["alice", "dave"])


async def test_a_removed_participant_can_still_erase(inquiry, room, carol):
    await room["carol"].post("Something I regret")
    await room["alice"].until(lambda s: "Something I regret" in s.texts())
    participant = await Participant.objects.aget(display_name="Carol")
    await room["alice"].send(type="participant", op="remove", participant=participant.pk)
    await room["carol"].until(lambda s: any(f.error == "removed" for f in s.frames))
    removed = await sync(carol.get)(f"/i/{inquiry.code}/")
    assert removed.status_code == 403 and f"/i/{inquiry.code}/erase/".encode() in removed.content
    assert (await sync(carol.post)(f"/i/{inquiry.code}/erase/")).status_code == 302
    await everyone(room, lambda s: s.texts() == [], ["alice", "dave"])
    removal = await AuditEntry.objects.aget(action="participant.remove")
    assert "Carol" not in removal.detail and f"Participant {participant.pk}" in removal.detail


async def test_someone_who_has_not_joined_has_nothing_to_erase(inquiry, anonymous):
    response = await sync(anonymous.get)(f"/i/{inquiry.code}/erase/")
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/join/"
    response = await sync(anonymous.post)(f"/i/{inquiry.code}/erase/")
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/join/"
