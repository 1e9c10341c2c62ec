"""A table's cards reach its own screens and the facilitators only; a participant can never read or
change another table's cards (websocket, replay after reconnect, snapshot, HTTP); a host's powers stop at
their table; picks reach the plenary (issue 15)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from board.tables.models import Seat, Table, TableCard

from .tables_support import TableScreen, join_many, tack

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def tables(inquiry, alice):
    """Four phones at two tables of two (mixed), a facilitator and the presenter, connected."""
    people = await sync_to_async(join_many)(inquiry, ["NHS", "Other", "NHS", "Other"])
    fac = await TableScreen(inquiry.code, alice).connect()
    presenter = await TableScreen(inquiry.code, alice, query="view=presenter").connect()
    phones = [await TableScreen(inquiry.code, c).connect() for c in people]
    await fac.send(type="tables", op="open", mode="mixed", size=2)
    for phone in phones:
        await phone.until(lambda s: s.table() is not None)
    ids = sorted({p.table_id() for p in phones})
    at = {t: [p for p in phones if p.table_id() == t] for t in ids}
    hosts = await sync_to_async(lambda: dict(Table.objects.values_list("pk", "host_id")))()
    yield {
        "fac": fac,
        "presenter": presenter,
        "phones": phones,
        "at": at,
        "ids": ids,
        "clients": people,
        "hosts": hosts,
    }
    for screen in [fac, presenter, *phones]:
        await screen.close()


async def host_and_guest(tables, table_id):
    """(the host's phone, another phone) at a table."""
    pids = await sync_to_async(lambda: [_pid(c) for c in tables["clients"]])()
    host = tables["phones"][pids.index(tables["hosts"][table_id])]
    guest = next(p for p in tables["at"][table_id] if p is not host)
    return host, guest


def _pid(client):
    from inquiry.models import Participant

    token = next(v for k, v in client.session.items() if k.startswith("participant:"))
    return Participant.objects.get(token=token).pk


async def quiet(screen, seconds=0.3):
    """Frames a screen receives within ``seconds`` (nothing should come): their texts."""
    texts = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                texts.append((await screen.receive(seconds)).text)
    except TimeoutError:
        return texts


async def test_a_post_reaches_its_table_and_the_facilitators_and_no_other_screen(tables):
    one, two = tables["ids"]
    author, neighbour = tables["at"][one]
    client_id = await author.table_post("Only for table one")
    await author.until(lambda s: any(tack(f) == client_id for f in s.frames))
    await author.until(lambda s: "Only for table one" in s.table()[1].values())
    await neighbour.until(lambda s: "Only for table one" in s.table()[1].values())
    await tables["fac"].until(lambda s: "Only for table one" in (s.board_of(one) or {}).values())
    for other in tables["at"][two] + [tables["presenter"]]:
        received = await quiet(other)
        assert not any("Only for table one" in text for text in received)
        assert "Only for table one" not in other.raw()


async def test_a_phone_that_reconnects_gets_its_own_table_only(tables, inquiry):
    one, two = tables["ids"]
    author = tables["at"][one][0]
    await author.table_post("Said at table one")
    await author.until(lambda s: "Said at table one" in s.table()[1].values())
    other_client = tables["clients"][tables["phones"].index(tables["at"][two][0])]
    # Reconnecting from where it was (a replay) and from nothing (a snapshot): table one never shows.
    for query in (f"since={tables['at'][two][0].seq}", "since=0", ""):
        again = await TableScreen(inquiry.code, other_client, query=query).connect()
        await again.until(lambda s: s.table() is not None)
        await quiet(again)
        assert again.table_id() == two
        assert "Said at table one" not in again.raw()
        await again.close()


async def test_a_participant_cannot_touch_another_tables_cards(tables):
    one, two = tables["ids"]
    author = tables["at"][one][0]
    await author.table_post("Table one's card")
    await author.until(lambda s: "Table one's card" in s.table()[1].values())
    card = await sync_to_async(lambda: TableCard.objects.get(text="Table one's card").pk)()
    host_two, _guest = await host_and_guest(tables, two)
    for message in (
        {"type": "table", "op": "vote", "card": card},
        {"type": "table", "op": "pick", "card": card, "theme": None},
        {"type": "table", "op": "move", "card": card, "theme": None},
        {"type": "table", "op": "theme", "table": one, "name": "Mine now"},
        {"type": "table", "op": "send", "table": one, "noticed": "x"},
    ):
        await host_two.send(**message)
        assert (await host_two.reply()).error in ("not_found", "forbidden"), message
    assert "Table one's card" not in host_two.raw()


async def test_only_the_host_clusters_and_picks_and_at_most_three(tables):
    one, _two = tables["ids"]
    host, guest = await host_and_guest(tables, one)
    for n in range(4):
        await guest.table_post(f"Idea {n}")
    await host.until(lambda s: len(s.table()[1]) == 4)
    cards = await sync_to_async(
        lambda: list(TableCard.objects.filter(table_id=one).order_by("pk").values_list("pk", flat=True))
    )()
    await guest.send(type="table", op="theme", table=None, name="Guest theme")
    assert (await guest.reply()).error == "forbidden"
    await guest.send(type="table", op="pick", card=cards[0], theme=None)
    assert (await guest.reply()).error == "forbidden"
    await host.send(type="table", op="theme", table=None, name="Access")
    await host.until(lambda s: "Access" in s.find(f"table-{one}").text_content())
    theme = await sync_to_async(lambda: Table.objects.get(pk=one).themes.get().pk)()
    await host.send(type="table", op="move", card=cards[0], theme=theme)
    await guest.until(
        lambda s: (
            s.find(f"ttheme-{theme}") is not None
            and s.find(f"tcard-{cards[0]}").xpath(f"ancestor::section[@id='ttheme-{theme}']")
        )
    )
    for pk in cards[:3]:
        await host.send(type="table", op="pick", card=pk, theme=None)
    await host.until(lambda s: len(s.page.xpath("//li[contains(@class,'is-picked')]")) == 3)
    await host.send(type="table", op="pick", card=cards[3], theme=None)
    assert (await host.reply()).error == "too_many_picks"


async def test_picks_arrive_on_the_room_board_labelled_with_their_table(tables, inquiry):
    one, two = tables["ids"]
    host, guest = await host_and_guest(tables, one)
    await guest.table_post("Carry this back")
    await guest.table_post("Leave this here")
    await host.until(lambda s: len(s.table()[1]) == 2)
    carry = await sync_to_async(lambda: TableCard.objects.get(text="Carry this back").pk)()
    await guest.send(type="table", op="vote", card=carry)
    await host.until(
        lambda s: "1 votes" in s.find(f"tcard-{carry}").xpath(".//span[@class='count']")[0].get("aria-label")
    )
    await host.send(type="table", op="send", table=None, noticed="Trust comes first", by_vote=True)
    number = host.table()[0]
    everyone = [tables["fac"], tables["presenter"], *tables["phones"]]
    for screen in everyone:
        await screen.until(lambda s: "Carry this back" in s.cards().values())
        assert "Leave this here" not in s_cards(screen)
        card = next(pk for pk, text in screen.cards().items() if text == "Carry this back")
        assert f"From Table {number}" in screen.find(f"card-{card}").text_content()
    wall = tables["presenter"].find("picks-wall").text_content()
    assert f"Table {number}" in wall and "Trust comes first" in wall and "Carry this back" in wall


def s_cards(screen):
    return list(screen.cards().values())


async def test_exports_and_the_table_list_are_for_facilitators_only(tables, inquiry, alice):
    one, _two = tables["ids"]
    await tables["at"][one][0].table_post("A private table thought")
    await tables["at"][one][0].until(lambda s: "A private table thought" in s.table()[1].values())
    phone_client = tables["clients"][0]

    def fetch(client, path):
        return client.get(path)

    for path in (f"/i/{inquiry.code}/export/tables.csv", f"/i/{inquiry.code}/export/inquiry.json"):
        response = await sync_to_async(fetch)(phone_client, path)
        assert response.status_code in (302, 404)
        assert b"A private table thought" not in b"".join(
            getattr(response, "streaming_content", [response.content])
        )
    page = await sync_to_async(fetch)(phone_client, f"/i/{inquiry.code}/participate/")
    assert b"A private table thought" not in page.content
    listing = await sync_to_async(fetch)(alice, f"/i/{inquiry.code}/export/tables.csv")
    rows = listing.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "Pre-assign Room Name,Email Address,Name,Sector"
    assert len(rows) == 5 and all(r.startswith("Table ") for r in rows[1:])


async def test_a_facilitator_hands_the_host_role_to_someone_else_at_the_table(tables):
    one, _two = tables["ids"]
    host, guest = await host_and_guest(tables, one)
    await guest.table_post("Hand it over")
    await host.until(lambda s: "Hand it over" in s.table()[1].values())
    card = await sync_to_async(lambda: TableCard.objects.get(text="Hand it over").pk)()
    pids = await sync_to_async(lambda: [_pid(c) for c in tables["clients"]])()
    await tables["fac"].send(
        type="tables", op="host", table=one, participant=pids[tables["phones"].index(guest)]
    )
    await guest.until(
        lambda s: s.find(f"table-{one}").get("data-host") == str(pids[tables["phones"].index(guest)])
    )
    await host.send(type="table", op="pick", card=card, theme=None)
    assert (await host.reply()).error == "forbidden"
    await guest.send(type="table", op="pick", card=card, theme=None)
    await guest.until(
        lambda s: s.find(f"tcard-{card}") is not None and "is-picked" in s.find(f"tcard-{card}").get("class")
    )
    # Someone from another table cannot be made this table's host.
    other = pids[tables["phones"].index(tables["at"][_two][0])]
    await tables["fac"].send(type="tables", op="host", table=one, participant=other)
    assert (await tables["fac"].reply()).error == "not_found"


async def test_the_wall_shows_one_table_or_all_and_stays_after_the_tables_close(tables):
    numbers = {}
    for table_id in tables["ids"]:
        host, guest = await host_and_guest(tables, table_id)
        await guest.table_post(f"Brought back from {table_id}")
        await host.until(lambda s, t=table_id: f"Brought back from {t}" in s.table()[1].values())
        card = await sync_to_async(
            lambda t=table_id: TableCard.objects.get(text=f"Brought back from {t}").pk
        )()
        await host.send(type="table", op="pick", card=card, theme=None)
        await host.send(type="table", op="send", table=None, noticed=f"Noticed at {table_id}")
        numbers[table_id] = host.table()[0]
    presenter = tables["presenter"]
    await presenter.until(lambda s: len(s.page.xpath("//section[@class='wall-table']")) == 2)
    first, second = tables["ids"]
    await tables["fac"].send(type="tables", op="wall", table=numbers[first])
    await presenter.until(lambda s: len(s.page.xpath("//section[@class='wall-table']")) == 1)
    assert f"Noticed at {first}" in presenter.find("picks-wall").text_content()
    await tables["fac"].send(type="tables", op="wall", table=0)
    await tables["fac"].send(type="tables", op="close")
    phone = tables["phones"][0]
    await phone.until(lambda s: s.table() is None)
    await phone.until(lambda s: len(s.page.xpath("//section[@class='wall-table']")) == 2)
    await presenter.until(lambda s: len(s.page.xpath("//section[@class='wall-table']")) == 2)


async def test_an_email_given_for_the_zoom_room_shows_in_the_facilitators_table_list_only(
    tables, inquiry, alice
):
    phone = tables["phones"][0]
    await phone.send(type="table", op="email", email="not an email")
    assert (await phone.reply()).error == "invalid_field"
    await phone.send(type="table", op="email", email="carol@example.org")
    await phone.until(lambda s: "breakout room" in s.find("lw-status").text_content())
    listing = await sync_to_async(alice.get)(f"/i/{inquiry.code}/export/tables.csv")
    assert "carol@example.org" in listing.content.decode()
    exported = await sync_to_async(
        lambda: b"".join(alice.get(f"/i/{inquiry.code}/export/inquiry.json").streaming_content)
    )()
    assert b"carol@example.org" not in exported
    for other in tables["phones"][1:] + [tables["fac"], tables["presenter"]]:
        assert "carol@example.org" not in other.raw()
    await phone.send(type="table", op="email", email="")
    await phone.until(lambda s: "withdrawn" in s.find("lw-status").text_content())
    listing = await sync_to_async(alice.get)(f"/i/{inquiry.code}/export/tables.csv")
    assert "carol@example.org" not in listing.content.decode()


async def test_erasing_my_contributions_takes_my_table_cards_off_my_tables_screens(tables, inquiry):
    one, _two = tables["ids"]
    author, mate = tables["at"][one]
    await author.table_post("Please forget this")
    await mate.until(lambda s: "Please forget this" in s.table()[1].values())
    client = tables["clients"][tables["phones"].index(author)]
    response = await sync_to_async(client.post)(f"/i/{inquiry.code}/erase/")
    assert response.status_code == 302
    await mate.until(lambda s: "Please forget this" not in s.table()[1].values())
    await tables["fac"].until(lambda s: "Please forget this" not in (s.board_of(one) or {}).values())
    assert not await sync_to_async(TableCard.objects.filter(text="Please forget this").exists)()


def lost_post(table_id, text):
    """A post stored whose frame never went out (the channel layer delivers at most once)."""
    from django.db.models import F

    table = Table.objects.get(pk=table_id)
    author = Seat.objects.filter(table=table).first().participant
    TableCard.objects.create(table=table, author=author, text=text, position=table.seq)
    Table.objects.filter(pk=table_id).update(seq=F("seq") + 1)


async def test_a_table_change_the_layer_lost_reaches_the_table_at_the_hubs_next_checks(tables):
    from sessions.hub import hub

    one, _two = tables["ids"]
    mate = tables["at"][one][1]
    await sync_to_async(lost_post)(one, "Dropped on the way")
    await hub._tables_behind()  # the first check only notes who lacks it (it may be on its way)
    await hub._tables_behind()
    await mate.until(lambda s: "Dropped on the way" in s.table()[1].values())


async def test_a_screen_that_missed_a_tables_frame_reads_the_table_afresh_at_the_next_one(tables):
    one, two = tables["ids"]
    author, mate = tables["at"][one]
    await sync_to_async(lost_post)(one, "Dropped on the way")
    # The next post's frame carries its card alone: applied onto a board that lacks the one before, it
    # would leave a gap for good. Each screen sees the gap and reads the table afresh instead.
    await author.table_post("The next one")
    both = ["Dropped on the way", "The next one"]
    for screen in (author, mate):
        await screen.until(lambda s: list(s.table()[1].values()) == both)
    await tables["fac"].until(lambda s: list((s.board_of(one) or {}).values()) == both)
    for other in tables["at"][two] + [tables["presenter"]]:
        assert not any(text in other.raw() for text in both)


async def test_a_board_built_from_posted_cards_is_the_board_a_new_screen_is_sent(tables, inquiry):
    one, _two = tables["ids"]
    author, mate = tables["at"][one]
    for n in range(3):
        await (author, mate)[n % 2].table_post(f"Card {n} <b>not bold</b>")
    for screen in (author, mate):
        await screen.until(lambda s: len(s.table()[1]) == 3)
    client = tables["clients"][tables["phones"].index(mate)]
    fresh = await TableScreen(inquiry.code, client).connect()
    try:
        await fresh.until(lambda s: s.table() is not None)
        assert fresh.table() == mate.table() == author.table()
        assert list(mate.table()[1].values()) == [f"Card {n} <b>not bold</b>" for n in range(3)]
        view = mate.find("table-view")
        assert [li.get("data-tcard") for li in view.xpath(".//li[@data-tcard]")] == [
            li.get("data-tcard") for li in fresh.find("table-view").xpath(".//li[@data-tcard]")
        ]
    finally:
        await fresh.close()
