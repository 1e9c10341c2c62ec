"""Deleting an inquiry deletes its tables too: the owner's delete page counts the tables, seats, table
cards, themes, picks, votes and emails given for tables, and deleting removes every one (issues 13, 15)."""

import lxml.html
import pytest
from channels.db import database_sync_to_async

from board.models import Card
from board.tables.models import Breakout, Seat, Table, TableCard, TableEmail, TableTheme, TableVote

from .tables_support import open_room

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async


def _pid(client):
    from inquiry.models import Participant

    token = next(v for k, v in client.session.items() if k.startswith("participant:"))
    return Participant.objects.get(token=token).pk


@sync
def left_at_tables(inquiry_id):
    return {
        "breakouts": Breakout.objects.filter(inquiry_id=inquiry_id).count(),
        "tables": Table.objects.filter(breakout__inquiry_id=inquiry_id).count(),
        "seats": Seat.objects.filter(breakout__inquiry_id=inquiry_id).count(),
        "cards": TableCard.objects.filter(table__breakout__inquiry_id=inquiry_id).count(),
        "themes": TableTheme.objects.filter(table__breakout__inquiry_id=inquiry_id).count(),
        "votes": TableVote.objects.filter(table_card__table__breakout__inquiry_id=inquiry_id).count(),
        "emails": TableEmail.objects.filter(participant__inquiry_id=inquiry_id).count(),
        "room cards": Card.objects.filter(inquiry_id=inquiry_id).count(),
    }


async def test_the_delete_page_counts_the_tables_and_deleting_removes_them(inquiry, alice):
    fac, phones = await open_room(inquiry, alice, ["NHS", "Other", "NHS"], mode="mixed", size=4)
    people = [phone.client for phone in phones]
    try:
        table = await sync(Table.objects.get)()
        pids = await sync(lambda: [_pid(c) for c in people])()
        host = phones[pids.index(table.host_id)]
        guest = next(p for p in phones if p is not host)
        await guest.table_post("Shared care records save a phone call")
        await guest.table_post("Weekend discharges stall")
        await host.until(lambda s: len(s.table()[1]) == 2)
        records = next(pk for pk, text in host.table()[1].items() if text.startswith("Shared care"))
        await guest.send(type="table", op="vote", card=records)
        await host.send(type="table", op="theme", table=None, name="Flow")
        await host.until(lambda s: "Flow" in s.find(f"table-{table.pk}").text_content())
        await host.send(type="table", op="pick", card=records, theme=None)
        await host.until(lambda s: "is-picked" in s.find(f"tcard-{records}").get("class"))
        await guest.send(type="table", op="email", email="guest@example.nhs.uk")
        await host.send(type="table", op="send", table=None, noticed="Records first", by_vote=False)
        await fac.until(lambda s: "Shared care records save a phone call" in s.cards().values())
        await sync(lambda: TableEmail.objects.get(email="guest@example.nhs.uk"))()
    finally:
        for screen in [fac, *phones]:
            await screen.close()

    page = (await sync(alice.get)(f"/i/{inquiry.code}/delete/")).content.decode()
    listed = {li.text_content() for li in lxml.html.fromstring(page).xpath("//ul[@class='contents']/li")}
    for line in (
        "1 tables",
        "3 seats at tables",
        "2 table cards",
        "1 table themes",
        "1 picks to bring back",
        "1 table votes",
        "1 emails given for tables",
        "1 contributions",  # the pick, on the room board
    ):
        assert line in listed, (line, listed)

    before = await left_at_tables(inquiry.pk)
    assert all(before.values()), before
    response = await sync(alice.post)(f"/i/{inquiry.code}/delete/", {"confirm": inquiry.code})
    assert response.status_code == 302
    assert set((await left_at_tables(inquiry.pk)).values()) == {0}
