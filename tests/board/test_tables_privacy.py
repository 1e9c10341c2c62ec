"""What a table brought back to the room stays under the room's moderation and its authors' erasure.

A card a table picked is a room card of its own: hidden in the room, it leaves the default JSON export's
tables part with it; rejected, it leaves every export. A picked theme's room card quotes its first cards'
words under the host's name: an author who erases their contributions takes their words out of it, on
every live screen, in the stored changes a screen catching up is replayed, in the audit log and in every
export, while the others' words stay. Through the endpoints: the facilitator's socket for hiding,
rejecting and the spotlight, the participant's erase page, HTTP downloads as the facilitator."""

import io
import json
import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card
from board.tables import actions
from board.tables.models import Table, TableCard, TableTheme
from inquiry.access import FACILITATOR, PARTICIPANT, Actor
from inquiry.models import Inquiry, Participant

from ..support import Screen, rows_quoting, text
from .tables_support import TableScreen

pytestmark = pytest.mark.django_db(transaction=True)

EXPORTS = ["contributions.csv", "comments.csv", "inquiry.json", "report.md", "report/"]


@database_sync_to_async
def download(client, inquiry, name, query=""):
    response = client.get(f"/i/{inquiry.code}/export/{name}{query}")
    assert response.status_code == 200, (name, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8")


async def exported(client, inquiry, query=""):
    return json.loads(await download(client, inquiry, "inquiry.json", query))


def table_cards(data):
    """{text: entry} of every table card in a JSON export's tables part."""
    return {c["text"]: c for b in data["tables"] for t in b["tables"] for c in t["cards"]}


def room_card(data, text):
    return next(c for c in data["cards"] if c["text"] == text)


@database_sync_to_async
def imported(client, data):
    """Upload ``data`` as a facilitator: (status code, the new inquiry or None, the page)."""
    before = set(Inquiry.objects.values_list("pk", flat=True))
    upload = io.BytesIO(json.dumps(data).encode())
    upload.name = "inquiry.json"
    response = client.post("/inquiries/import/", {"file": upload})
    copy = Inquiry.objects.exclude(pk__in=before).first()
    return response.status_code, copy, response.content.decode()


def carried(data):
    """The room cards of an export and what its tables part holds of each table card (the tables' own
    times and open state do not round trip: an imported round of tables is closed)."""
    tables = [(c["author"], c["text"], c["picked"], c.get("card")) for c in table_cards(data).values()]
    return data["cards"], tables


@database_sync_to_async
def tables_at_their_picks(inquiry, users):
    """One table, everyone seated (1-2-4-All, at the step where tables choose what they bring back):
    (host, the others), as Participants."""
    alice = Actor(FACILITATOR, inquiry.pk, user_id=users["alice"].pk)
    actions.open_tables(alice, None, "random", count=1, recipe="124all", everyone=True)
    for _ in range(3):
        actions.step_control(alice, "skip")
    table = Table.objects.get()
    host = Participant.objects.get(pk=table.host_id)
    return host, list(Participant.objects.filter(inquiry=inquiry).exclude(pk=host.pk).order_by("pk"))


def at(person):
    return Actor(PARTICIPANT, person.inquiry_id, participant_id=person.pk)


def post(person, text):
    actions.post(at(person), uuid.uuid4(), text)
    return TableCard.objects.get(text=text)


# A pick hidden or rejected in the room -------------------------------------------------------------------


@database_sync_to_async
def pick_and_send(host, guest):
    post(guest, "Shared budgets")
    post(host, "One front door")
    actions.pick(at(host), card_id=TableCard.objects.get(text="Shared budgets").pk)
    actions.send_picks(at(host), None, "Money follows trust")
    return Card.objects.get(text="Shared budgets", table__isnull=False).pk


async def test_a_pick_hidden_or_rejected_in_the_room_leaves_the_json_exports_tables_with_it(
    inquiry, users, alice, carol, dave
):
    host, (guest, *_) = await tables_at_their_picks(inquiry, users)
    pick = await pick_and_send(host, guest)
    fac = await TableScreen(inquiry.code, alice).connect()
    presenter = await TableScreen(inquiry.code, alice, query="view=presenter").connect()
    for screen in (presenter, fac):  # the tables' frame follows the board's
        await screen.until(lambda s: "Shared budgets" in text(s, "picks-wall"))
    data = await exported(alice, inquiry)
    assert table_cards(data)["Shared budgets"]["card"] == room_card(data, "Shared budgets")["ref"]
    assert "card" not in table_cards(data)["One front door"]

    await fac.send(type="card", op="hide", card=pick)
    # Off the picks wall of every screen (facilitators' too), live.
    for screen in (presenter, fac):
        await screen.until(lambda s: "Shared budgets" not in text(s, "picks-wall"))
    visible = await download(alice, inquiry, "inquiry.json")
    assert "Shared budgets" not in visible
    assert "One front door" in visible and "Money follows trust" in visible
    everything = await exported(alice, inquiry, "?include=all")
    hidden = room_card(everything, "Shared budgets")
    assert hidden["status"] == "hidden" and table_cards(everything)["Shared budgets"]["card"] == hidden["ref"]

    # Both files import, and export again as they were (the pick's link to its room copy included).
    for query, data in (("", json.loads(visible)), ("?include=all", everything)):
        status, copy, _page = await imported(alice, data)
        assert status == 302
        assert carried(await exported(alice, copy, query)) == carried(data), query

    await fac.send(type="card", op="reject", card=pick)
    await fac.until(lambda s: s.find(f"card-{pick}") is None)
    for query in ("", "?include=all"):
        for name in EXPORTS:
            body = await download(alice, inquiry, name, query)
            assert "Shared budgets" not in body, (name, query)
        assert "One front door" in table_cards(await exported(alice, inquiry, query))
    await fac.close()
    await presenter.close()


async def test_a_table_card_naming_a_room_copy_not_in_the_file_is_refused(inquiry, users, alice, carol, dave):
    host, (guest, *_) = await tables_at_their_picks(inquiry, users)
    await pick_and_send(host, guest)
    data = await exported(alice, inquiry)
    for card in data["tables"][0]["tables"][0]["cards"]:
        if card["text"] == "Shared budgets":
            card["card"] = "c999"
    status, copy, page = await imported(alice, data)
    assert status == 400 and copy is None
    assert "tables[0].tables[0].cards[" in page and "refers to &#x27;c999&#x27;" in page


# An author of a picked theme's cards erases their contributions ------------------------------------------


@database_sync_to_async
def theme_sent(host, cards):
    """The host groups ``cards`` ([(person, text)]) in a theme "Money", picks the theme and sends it: the
    room card's id."""
    theme = TableTheme.objects.get(pk=actions.add_theme(at(host), None, "Money").pk)
    for person, words in cards:
        actions.move_card(at(host), post(person, words).pk, theme.pk)
    actions.pick(at(host), theme_id=theme.pk)
    actions.send_picks(at(host), None, "")
    return Card.objects.get(table__isnull=False, author=host).pk


def erase(client, inquiry):
    return database_sync_to_async(client.post)(f"/i/{inquiry.code}/erase/")


async def test_an_author_who_erases_is_taken_out_of_the_room_card_of_a_theme_that_quoted_them(
    inquiry, users, alice, carol, dave, frank_in_inquiry
):
    host, (guest, other) = await tables_at_their_picks(inquiry, users)
    phones = {"Carol": carol, "Dave": dave, "Frankie": frank_in_inquiry}
    erased, kept = "Pooled budgets across agencies", ["Shared care records", "One front door"]
    card = await theme_sent(host, [(guest, erased), (other, kept[0]), (host, kept[1])])
    before = "Money: Pooled budgets across agencies / Shared care records / One front door"
    after = "Money: Shared care records / One front door"
    screens = {
        "alice": await TableScreen(inquiry.code, alice).connect(),
        "presenter": await TableScreen(inquiry.code, alice, query="view=presenter").connect(),
        "host": await TableScreen(inquiry.code, phones[host.display_name]).connect(),
    }
    for screen in screens.values():
        assert screen.cards()[card] == before
        await screen.until(lambda s: before in text(s, "picks-wall"))
    await screens["alice"].send(type="spotlight", op="set", card=card, theme=None)
    await screens["presenter"].until(lambda s: erased in text(s, "spotlight"))
    assert erased in await download(alice, inquiry, "inquiry.json")

    assert (await erase(phones[guest.display_name], inquiry)).status_code == 302
    for screen in screens.values():
        await screen.until(lambda s: s.cards().get(card) == after)
        await screen.until(lambda s: erased not in text(s, "picks-wall") and after in text(s, "picks-wall"))
        await screen.until(lambda s: erased not in text(s, "spotlight") and after in text(s, "spotlight"))
    # Kept nowhere: not in a stored change (a screen catching up gets a snapshot), not in the audit log
    # (the spotlight quoted it), not in any export; the others' words stay.
    assert await database_sync_to_async(rows_quoting)(erased[:20]) == []
    late = await Screen(inquiry.code, alice, query="since=0").connect()
    assert late.frames[0].snapshot and erased not in late.frames[0].text and after in late.frames[0].text
    for query in ("", "?include=all"):
        for name in EXPORTS:
            body = await download(alice, inquiry, name, query)
            assert erased not in body and after in body, (name, query)
    for screen in [late, *screens.values()]:
        await screen.close()


async def test_a_theme_whose_quoted_authors_all_erased_is_left_with_its_name(
    inquiry, users, alice, carol, dave, frank_in_inquiry
):
    host, (guest, other) = await tables_at_their_picks(inquiry, users)
    phones = {"Carol": carol, "Dave": dave, "Frankie": frank_in_inquiry}
    card = await theme_sent(host, [(guest, "Pooled budgets"), (other, "Shared care records")])
    assert (await erase(phones[guest.display_name], inquiry)).status_code == 302
    assert [c["text"] for c in (await exported(alice, inquiry))["cards"]] == ["Money: Shared care records"]
    assert (await erase(phones[other.display_name], inquiry)).status_code == 302
    assert [c["text"] for c in (await exported(alice, inquiry))["cards"]] == ["Money"]
    # The host wrote the name: their own erasure takes the card, as any card of theirs.
    assert (await erase(phones[host.display_name], inquiry)).status_code == 302
    assert (await exported(alice, inquiry, "?include=all"))["cards"] == []
    assert not await Card.objects.filter(pk=card).aexists()
