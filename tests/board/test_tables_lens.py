"""The sector lens per table, live on the facilitators' tables panel: people and cards by sector for the
sectors with at least the inquiry's minimum group size (k) at the table, smaller ones withheld, as on the
room's lens (issue 15)."""

import pytest
from asgiref.sync import sync_to_async

from board.tables.models import Table

from .tables_support import TableScreen, join_many, open_room

pytestmark = pytest.mark.django_db(transaction=True)


def lens_of(screen, table_id):
    row = screen.find(f"table-row-{table_id}")
    return row.find_class("table-lens")[0].text_content() if row is not None else None


async def test_the_tables_panel_reads_each_table_by_sector_above_k_only(inquiry, alice):
    assert inquiry.k_threshold == 3
    fac, phones = await open_room(
        inquiry, alice, ["NHS", "NHS", "Other", "NHS", "Other"], mode="mixed", size=8
    )
    try:
        table = await sync_to_async(Table.objects.get)()
        await fac.until(lambda s: lens_of(s, table.pk) is not None)
        assert lens_of(fac, table.pk) == "NHS: 3 people, 0 cards"  # two from Other: withheld
        await phones[0].table_post("From an NHS seat")
        await fac.until(lambda s: lens_of(s, table.pk) == "NHS: 3 people, 1 card")
        await phones[2].table_post("From a seat in Other")
        await fac.until(lambda s: "From a seat in Other" in s.board_of(table.pk).values())
        assert lens_of(fac, table.pk) == "NHS: 3 people, 1 card"
        # Nobody at a table receives the panel's lens.
        assert all("table-lens" not in phone.raw() for phone in phones)
    finally:
        for screen in [fac, *phones]:
            await screen.close()


async def test_a_table_with_no_sector_of_k_shows_none(inquiry, alice):
    people = await sync_to_async(join_many)(inquiry, ["NHS", "Other", "NHS", "Other"])
    fac = await TableScreen(inquiry.code, alice).connect()
    try:
        await fac.send(type="tables", op="open", mode="mixed", size=8)
        await fac.until(lambda s: s.page.xpath("//td[@class='table-lens']"))
        lens = fac.page.xpath("//td[@class='table-lens']")[0].text_content()
        assert lens == "no sector of 3+" and len(people) == 4
    finally:
        await fac.close()


def row_of(screen, table_id):
    """The facilitators' at-a-glance row of a table: [people, cards, picks] (the picks' count alone, without
    "· sent" or "· Waiting for Table 1's host")."""
    row = screen.find(f"table-row-{table_id}")
    if row is None:
        return None
    cells = [td.text_content().strip() for td in row.xpath("./td")]
    return [cells[0], cells[1], cells[3].split(" · ")[0]]


async def test_the_panel_counts_each_tables_people_cards_and_picks_within_a_tick(inquiry, alice):
    fac, phones = await open_room(inquiry, alice, ["NHS", "Other", "NHS"], mode="mixed", size=8)
    try:
        table = await sync_to_async(Table.objects.get)()
        await fac.until(lambda s: row_of(s, table.pk) == ["3", "0", "0"])
        for n, phone in enumerate(phones):
            await phone.table_post(f"Idea {n}")
        await fac.until(lambda s: row_of(s, table.pk) == ["3", "3", "0"])
        hosts = await sync_to_async(lambda: [_is_host(p.client, table) for p in phones])()
        host = phones[hosts.index(True)]
        await host.until(lambda s: len(s.table()[1]) == 3)
        for card in list(host.table()[1])[:2]:
            await host.send(type="table", op="pick", card=card, theme=None)
        await fac.until(lambda s: row_of(s, table.pk) == ["3", "3", "2"])
    finally:
        for screen in [fac, *phones]:
            await screen.close()


def _is_host(client, table):
    from inquiry.models import Participant

    token = next(v for k, v in client.session.items() if k.startswith("participant:"))
    return Participant.objects.get(token=token).pk == table.host_id
