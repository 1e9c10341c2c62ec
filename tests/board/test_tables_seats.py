"""Who sits at a table, as its screens name them: in an anonymous inquiry, by seat ("Seat A (NHS)", the
letter by seating order, the sector only where the inquiry has more than one), never by name, in
anything a phone receives (its socket's frames, its page); and whose host has yet to send the table's
picks, on the facilitators' overview."""

import pytest
from asgiref.sync import sync_to_async

from board.tables.models import Table
from inquiry.models import Participant

from ..support import join_as
from .tables_support import TableScreen

pytestmark = pytest.mark.django_db(transaction=True)

# Names nothing else on a page could spell by chance.
PEOPLE = {
    "Zebedee Quartermain": "NHS",
    "Ottoline Brackwater": "Local authority",
    "Perpetua Vonderhaar": "Other",
    "Lysander Ockenden": "NHS",
}


def people_at_table(screen):
    items = screen.find("table-view").xpath(".//li[@data-participant]")
    return [li.text_content().split(" · ")[0] for li in items]


def step_of(screen):
    element = screen.find("step-title")
    return element.get("data-step") if element is not None else None


def overview_row(screen, table_id):
    row = screen.find(f"table-row-{table_id}")
    return row.text_content() if row is not None else ""


@sync_to_async
def anonymous_room(inquiry):
    inquiry.show_names = False
    inquiry.save(update_fields=["show_names"])
    return {name: join_as(inquiry, name, sector) for name, sector in PEOPLE.items()}


@sync_to_async
def host_of_the_table():
    table = Table.objects.get()
    return table, Participant.objects.get(pk=table.host_id).display_name


@sync_to_async
def page_of(client, inquiry):
    return client.get(f"/i/{inquiry.code}/").content.decode()


async def test_an_anonymous_inquirys_table_names_seats_and_no_phone_ever_receives_a_name(inquiry, alice):
    clients = await anonymous_room(inquiry)
    fac = await TableScreen(inquiry.code, alice).connect()
    phones = {name: await TableScreen(inquiry.code, c).connect() for name, c in clients.items()}
    try:
        await fac.until(lambda s: s.find("tables-open") is not None)
        await fac.send(type="tables", op="open", mode="random", count=1, recipe="124all")
        for phone in phones.values():
            await phone.until(lambda s: s.table() is not None)
        table, host = await host_of_the_table()
        for phone in phones.values():
            labels = people_at_table(phone)
            assert [label.split(" (")[0] for label in labels] == ["Seat A", "Seat B", "Seat C", "Seat D"]
            assert sorted(label.split(" (")[1].rstrip(")") for label in labels) == sorted(PEOPLE.values())
        # The facilitators' list to move someone names the seats as the tables do, not the people.
        await fac.until(lambda s: len(s.page.xpath('//*[@id="tables-move-who"]/option')) == len(PEOPLE))
        moves = [o.text_content() for o in fac.find("tables-move-who").xpath(".//option")]
        assert sorted(m.split(" (")[0] for m in moves) == ["Seat A", "Seat B", "Seat C", "Seat D"], moves
        assert not [m for m in moves for name in PEOPLE for part in name.split() if part in m], moves
        # Everything a table does that could carry a name: pairs ("Your pair: Seat B (NHS)"), posts,
        # votes, the host's picks sent to the room with what the table noticed.
        await fac.send(type="recipe", op="skip")
        for name, phone in phones.items():
            await phone.until(lambda s: step_of(s) == "2")
            await phone.table_post(f"An idea from the seat of {PEOPLE[name]}")
        await phones[host].until(lambda s: len(s.table()[1]) == len(PEOPLE))
        card = min(phones[host].table()[1])
        for phone in phones.values():
            await phone.send(type="table", op="vote", card=card)
        await fac.send(type="recipe", op="skip")
        await fac.send(type="recipe", op="skip")
        await phones[host].until(lambda s: step_of(s) == "all")
        await fac.until(lambda s: f"Waiting for Table {table.number}'s host" in overview_row(s, table.pk))
        await phones[host].send(type="table", op="pick", card=card)
        await phones[host].send(type="table", op="send", table=table.pk, noticed="We noticed trust")
        for phone in phones.values():
            await phone.until(lambda s: "We noticed trust" in s.find("picks-wall").text_content())
        await fac.until(lambda s: "sent" in overview_row(s, table.pk))
        assert "Waiting" not in overview_row(fac, table.pk)
        # What an attacker at the table reads: every frame their socket received, and their page.
        for name, phone in phones.items():
            received = phone.raw()
            assert '<span class="group-who">: Seat ' in received  # "Your pair: Seat B (NHS)"
            page = await page_of(clients[name], inquiry)
            for other in PEOPLE:
                for part in other.split():
                    assert part not in received, (name, part)
                    if other != name:  # their own name heads their page ("You: ...")
                        assert part not in page, (name, part)
    finally:
        for screen in [fac, *phones.values()]:
            await screen.close()


async def test_a_table_of_a_one_sector_inquiry_names_seats_alone(other_inquiry, eve):
    clients = [await sync_to_async(join_as)(other_inquiry, name, "NHS") for name in ("Ada", "Bo")]
    fac = await TableScreen(other_inquiry.code, eve).connect()
    phones = [await TableScreen(other_inquiry.code, c).connect() for c in clients]
    try:
        await fac.until(lambda s: s.find("tables-open") is not None)
        await fac.send(type="tables", op="open", mode="random", count=1)
        for phone in phones:
            await phone.until(lambda s: s.table() is not None)
            assert people_at_table(phone) == ["Seat A", "Seat B"]
    finally:
        for screen in [fac, *phones]:
            await screen.close()
