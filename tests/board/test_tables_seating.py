"""Seating people at tables: each mode, late joiners, a facilitator's move (issue 15)."""

import random
from collections import Counter

import pytest
from asgiref.sync import sync_to_async

from board.tables import seating
from board.tables.models import Seat, Table

from .tables_support import TableScreen, join_many, open_room

pytestmark = pytest.mark.django_db(transaction=True)

SECTORS = ["NHS", "Local authority", "Voluntary and community sector", "Other"]


def seated():
    """{participant id: (table number, sector)}"""
    return {
        s.participant_id: (s.table.number, s.participant.sector)
        for s in Seat.objects.select_related("table", "participant")
    }


def sectors_by_table():
    tables = {}
    for number, sector in seated().values():
        tables.setdefault(number, []).append(sector)
    return tables


async def close_all(*screens):
    for screen in screens:
        await screen.close()


async def test_mixed_by_sector_seats_every_table_with_every_sector_the_room_has(inquiry, alice):
    fac, phones = await open_room(inquiry, alice, SECTORS * 4, mode="mixed", size=4)
    try:
        tables = await sync_to_async(sectors_by_table)()
        assert len(tables) == 4
        assert all(sorted(s) == sorted(SECTORS) for s in tables.values())
        # Each phone reads its own table's number, as the room's Zoom rooms are numbered.
        by_person = await sync_to_async(seated)()
        assert sorted(p.table()[0] for p in phones) == sorted(n for n, _ in by_person.values())
    finally:
        await close_all(fac, *phones)


def test_mixed_by_sector_is_as_diverse_as_an_uneven_room_allows():
    rng = random.Random(7)
    people = (
        [(n, "NHS") for n in range(9)] + [(100 + n, "LA") for n in range(3)] + [(200, "VCS"), (201, "Other")]
    )
    tables = seating.mixed_tables(people, size=4, rng=rng)
    assert sorted(len(t) for t in tables) == [3, 3, 4, 4]
    # No table holds two more of a sector than another table does, and the few from small sectors are
    # spread one to a table.
    for sector in ("NHS", "LA", "VCS", "Other"):
        counts = [sum(1 for _, s in t if s == sector) for t in tables]
        assert max(counts) - min(counts) <= 1
    # The most diversity possible: each sector at as many tables as it has people (up to every table).
    room = Counter(s for _, s in people)
    assert sum(len({s for _, s in t}) for t in tables) == sum(min(n, len(tables)) for n in room.values())


async def test_random_seats_everyone_once_at_tables_that_differ_by_one_at_most(inquiry, alice):
    fac, phones = await open_room(inquiry, alice, ["NHS"] * 7, mode="random", count=3)
    try:
        sizes = sorted(len(v) for v in (await sync_to_async(sectors_by_table)()).values())
        assert sizes == [2, 2, 3]
        assert await sync_to_async(Seat.objects.count)() == 7
    finally:
        await close_all(fac, *phones)


async def test_same_sector_tables_hold_one_sector_each(inquiry, alice):
    fac, phones = await open_room(inquiry, alice, ["NHS"] * 5 + ["Other"] * 3, mode="same", size=4)
    try:
        tables = await sync_to_async(sectors_by_table)()
        assert all(len(set(s)) == 1 for s in tables.values())
        assert sorted(len(s) for s in tables.values()) == [2, 3, 3]
    finally:
        await close_all(fac, *phones)


async def test_a_late_joiner_is_seated_where_their_sector_is_missing_and_sees_that_table(inquiry, alice):
    fac, phones = await open_room(
        inquiry, alice, ["NHS", "Other", "NHS", "Local authority"], mode="mixed", size=2
    )
    try:
        (late,) = await sync_to_async(join_many)(inquiry, ["Other"])
        phone = await TableScreen(inquiry.code, late).connect()
        await phone.until(lambda s: s.table() is not None)
        number = phone.table()[0]
        tables = await sync_to_async(sectors_by_table)()
        assert tables[number].count("Other") == 1 and len(tables[number]) == 3
        # The facilitators' overview counts them.
        await fac.until(lambda s: s.find(f"table-row-{phone.table_id()}") is not None)
        await close_all(phone)
    finally:
        await close_all(fac, *phones)


async def test_a_facilitator_moves_a_person_and_their_phone_follows(inquiry, alice):
    fac, phones = await open_room(inquiry, alice, ["NHS", "Other", "NHS", "Other"], mode="mixed", size=2)
    try:
        first = phones[0]
        ids = await sync_to_async(lambda: sorted(Table.objects.values_list("pk", flat=True)))()
        target = next(t for t in ids if t != first.table_id())
        who = await sync_to_async(
            lambda: Seat.objects.get(table_id=first.table_id(), participant__display_name="P0").participant_id
        )()
        await fac.send(type="tables", op="seat", participant=who, table=target)
        await first.until(lambda s: s.table_id() == target)
        names = first.find(f"table-{target}").text_content()
        assert "P0" in names
    finally:
        await close_all(fac, *phones)


def moves(screen):
    """The facilitator's form to move someone, as it reads: ["P0 (NHS) · Table 2", ...]."""
    form = screen.find("tables-move-who")
    return sorted(o.text_content() for o in form.xpath(".//option")) if form is not None else []


async def test_the_facilitators_list_of_who_sits_where_follows_a_move(inquiry, alice):
    fac, phones = await open_room(inquiry, alice, ["NHS", "Other", "NHS", "Other"], mode="random", count=2)
    try:
        await fac.until(lambda s: len(moves(s)) == 4)
        first = phones[0]
        target = next(p.table_id() for p in phones if p.table_id() != first.table_id())
        number = next(p.table()[0] for p in phones if p.table_id() == target)
        who = await sync_to_async(
            lambda: Seat.objects.get(table_id=first.table_id(), participant__display_name="P0").participant_id
        )()
        await fac.send(type="tables", op="seat", participant=who, table=target)
        await first.until(lambda s: s.table_id() == target)
        await fac.until(lambda s: f"P0 (NHS) · Table {number}" in moves(s))
        assert len(moves(fac)) == 4
    finally:
        await close_all(fac, *phones)


async def test_a_participant_cannot_seat_anyone(inquiry, alice):
    fac, phones = await open_room(inquiry, alice, ["NHS", "Other"], mode="random", count=2)
    try:
        await phones[0].send(type="tables", op="seat", participant=1, table=1)
        assert (await phones[0].reply()).error == "forbidden"
    finally:
        await close_all(fac, *phones)


def test_open_space_merges_a_topic_nobody_else_chose_into_the_smallest():
    choices = {"a": [1, 2, 3], "b": [4, 5], "c": [6]}
    tables = seating.topic_tables(choices, size=8)
    assert sorted((t, sorted(p)) for t, p in tables) == [("a", [1, 2, 3]), ("b", [4, 5, 6])]
    assert Counter(len(p) for _, p in seating.topic_tables({"big": list(range(12))}, size=8)) == {6: 2}


def joined_long_ago(*participant_ids, left=False):
    """These people joined ten minutes ago (and, with ``left``, their last socket closed then too)."""
    from datetime import timedelta

    from django.utils import timezone

    from inquiry.models import Participant

    then = timezone.now() - timedelta(minutes=10)
    changes = {"joined": then, **({"last_seen": then} if left else {})}
    Participant.objects.filter(pk__in=participant_ids).update(**changes)


def participant_ids(inquiry):
    from inquiry.models import Participant

    return dict(Participant.objects.filter(inquiry=inquiry).values_list("display_name", "pk"))


async def test_tables_seat_the_people_in_the_room_and_someone_who_comes_back_later_is_seated_then(
    inquiry, alice
):
    people = await sync_to_async(join_many)(inquiry, ["NHS", "Local authority", "NHS", "Other", "Other"])
    by_name = await sync_to_async(participant_ids)(inquiry)
    ids = {client: by_name[f"P{n}"] for n, client in enumerate(people)}
    *here, blip, gone = people
    phones = [await TableScreen(inquiry.code, c).connect() for c in here]
    # Their phone's page reloading as the tables open: closed a moment ago, back in a second.
    await (await TableScreen(inquiry.code, blip).connect()).close()
    # Their browser closed long before.
    await (await TableScreen(inquiry.code, gone).connect()).close()
    await sync_to_async(joined_long_ago)(*[ids[c] for c in here], ids[blip])
    await sync_to_async(joined_long_ago)(ids[gone], left=True)
    fac = await TableScreen(inquiry.code, alice).connect()
    try:
        await fac.until(lambda s: s.find("tables-open") is not None)
        await fac.send(type="tables", op="open", mode="mixed", size=2)
        for phone in phones:
            await phone.until(lambda s: s.table() is not None)
        sat = await sync_to_async(seated)()
        assert set(sat) == {ids[c] for c in [*here, blip]}  # nobody who left long ago
        assert sorted(len(v) for v in (await sync_to_async(sectors_by_table)()).values()) == [2, 2]
        # Back later: their phone connects and they are seated as a late joiner (at the table lacking
        # their sector).
        back = await TableScreen(inquiry.code, gone).connect()
        await back.until(lambda s: s.table() is not None)
        number = back.table()[0]
        assert (await sync_to_async(seated)())[ids[gone]][0] == number
        assert (await sync_to_async(sectors_by_table)())[number].count("Other") == 1
        await back.close()
    finally:
        await close_all(fac, *phones)


def seats_at_table(screen):
    return sorted(p.split(" (")[0] for p in people_at_table(screen))


def people_at_table(screen):
    """How the phone's table names its people (without the host's mark)."""
    items = screen.find("table-view").xpath(".//li[@data-participant]")
    return sorted(li.text_content().split(" · ")[0] for li in items)


async def test_names_at_a_table_follow_the_inquirys_setting_as_it_changes(inquiry, alice):
    from tests.inquiry.test_settings import form_of

    fac, phones = await open_room(inquiry, alice, ["NHS", "Other"], mode="random", count=1)
    try:
        assert people_at_table(phones[0]) == ["P0 (NHS)", "P1 (Other)"]
        # The facilitator turns names off mid-event: the table's screens name seats at once (A, B in
        # seating order).
        response = await sync_to_async(alice.post)(
            f"/i/{inquiry.code}/settings/", form_of(inquiry, show_names=None)
        )
        assert response.status_code == 302
        for screen in phones:
            await screen.until(lambda s: seats_at_table(s) == ["Seat A", "Seat B"])
            assert sorted(p.split(" (")[1] for p in people_at_table(screen)) == ["NHS)", "Other)"]
    finally:
        await close_all(fac, *phones)
