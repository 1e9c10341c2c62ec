"""Recipes: a round of tables that follows 1-2-4-All, What? So what? Now what? or Open Space, each step on
every screen, advancing by itself; the facilitator pauses, extends or skips a step (issue 15)."""

import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from board.tables.actions import advance_if_due
from board.tables.models import Breakout, Table

from .tables_support import TableScreen, join_many

pytestmark = pytest.mark.django_db(transaction=True)


def step_of(screen):
    element = screen.find("step-title")
    return element.get("data-step") if element is not None else None


async def test_a_124all_round_shows_each_step_everywhere_and_moves_on_when_time_is_up(inquiry, alice):
    people = await sync_to_async(join_many)(inquiry, ["NHS", "Other", "NHS", "Other"])
    fac = await TableScreen(inquiry.code, alice).connect()
    presenter = await TableScreen(inquiry.code, alice, query="view=presenter").connect()
    phones = [await TableScreen(inquiry.code, c).connect() for c in people]
    screens = [fac, presenter, *phones]
    try:
        await fac.send(type="tables", op="open", mode="mixed", size=4, recipe="124all")
        for screen in screens:
            await screen.until(lambda s: step_of(s) == "1")
        await fac.send(type="recipe", op="pause")
        await phones[0].until(lambda s: "Paused with" in s.find("tables-step").text_content())
        await fac.send(type="recipe", op="resume")
        await fac.send(type="recipe", op="extend", seconds=60)
        await phones[0].until(lambda s: s.find("tables-step").xpath(".//span[@data-ends]"))
        # Time is up (the step's end, moved into the past): the recipe moves on by itself.
        breakout = await sync_to_async(Breakout.objects.get)()
        await sync_to_async(Breakout.objects.filter(pk=breakout.pk).update)(
            step_ends_at=timezone.now() - timedelta(seconds=1)
        )
        await sync_to_async(advance_if_due)(breakout.pk, 0)
        for screen in screens:
            await screen.until(lambda s: step_of(s) == "2")
        # Pairs: the table's people are shown two by two.
        await phones[0].until(
            lambda s: len(s.page.xpath("//div[@id='table-view']//ul[@class='table-group']")) == 2
        )
        await fac.send(type="recipe", op="skip")
        await fac.send(type="recipe", op="skip")
        for screen in screens:
            await screen.until(lambda s: step_of(s) == "all")
        await fac.send(type="recipe", op="skip")
        assert (await fac.reply()).error == "invalid_state"
        await phones[0].send(type="recipe", op="skip")
        assert (await phones[0].reply()).error == "forbidden"
    finally:
        for screen in screens:
            await screen.close()


def chosen_by(screen, topic):
    element = screen.find(f"topic-{topic}")
    return element.find_class("count")[0].text_content() if element is not None else None


async def test_open_space_seats_people_at_the_topics_they_chose(inquiry, alice):
    people = await sync_to_async(join_many)(inquiry, ["NHS", "Other", "NHS", "Other", "NHS"])
    fac = await TableScreen(inquiry.code, alice).connect()
    phones = [await TableScreen(inquiry.code, c).connect() for c in people]
    try:
        await fac.send(type="tables", op="open", mode="topic", size=4, recipe="openspace")
        await phones[0].until(lambda s: s.find("topics") is not None)
        await phones[0].send(type="topic", op="add", title="Housing first")
        await phones[1].send(type="topic", op="add", title="Digital records")
        await phones[4].send(type="topic", op="add", title="Only me")
        await phones[2].until(
            lambda s: len(s.page.xpath("//ul[@id='topics']/li[starts-with(@id,'topic-')]")) == 3
        )
        topics = {
            li.find_class("topic-title")[0].text_content(): int(li.get("id")[6:])
            for li in phones[2].page.xpath("//ul[@id='topics']/li[starts-with(@id,'topic-')]")
        }
        await phones[2].send(type="topic", op="choose", topic=topics["Housing first"])
        await phones[3].send(type="topic", op="choose", topic=topics["Digital records"])
        await phones[3].until(lambda s: chosen_by(s, topics["Digital records"]) == "2")
        await phones[2].until(lambda s: chosen_by(s, topics["Housing first"]) == "2")
        await fac.send(type="recipe", op="skip")
        for phone in phones:
            await phone.until(lambda s: s.table() is not None)
        labels = await sync_to_async(lambda: sorted(Table.objects.values_list("topic", flat=True)))()
        assert labels == ["Digital records", "Housing first"]  # "Only me" merged into the smallest
        assert "Housing first" in phones[2].find("table-view").text_content()
    finally:
        for screen in [fac, *phones]:
            await screen.close()


def instruction_of(screen):
    bar = screen.find("tables-step")
    element = bar.find_class("step-instruction") if bar is not None else []
    return element[0].text_content() if element else None


def clock_of(screen):
    return screen.find("tables-step").xpath(".//span[@data-ends]")


async def time_is_up():
    """The current step's end, moved into the past, and the clock's call that follows."""
    breakout = await sync_to_async(Breakout.objects.get)()
    await sync_to_async(Breakout.objects.filter(pk=breakout.pk).update)(
        step_ends_at=timezone.now() - timedelta(seconds=1)
    )
    await sync_to_async(advance_if_due)(breakout.pk, breakout.step)


async def test_what_so_what_now_what_leads_each_table_through_its_three_questions(inquiry, alice):
    people = await sync_to_async(join_many)(inquiry, ["NHS", "Other", "Local authority"])
    fac = await TableScreen(inquiry.code, alice).connect()
    presenter = await TableScreen(inquiry.code, alice, query="view=presenter").connect()
    phones = [await TableScreen(inquiry.code, c).connect() for c in people]
    screens = [fac, presenter, *phones]
    questions = [
        ("what", "What happened? What did you notice"),
        ("sowhat", "So what? Why does it matter"),
        ("nowwhat", "Now what? What will you do"),
    ]
    try:
        await fac.send(
            type="tables", op="open", mode="mixed", size=4, recipe="wsn", prompt="Winter discharges"
        )
        for screen in screens:
            await screen.until(lambda s: step_of(s) == "what")
            assert questions[0][1] in instruction_of(screen)
            assert clock_of(screen)  # each question is timed
            steps = screen.find("tables-step").xpath(".//ol[@class='recipe-steps']/li")
            assert [li.text_content() for li in steps] == [
                "What?",
                "So what?",
                "Now what?",
                "All · Back to the room",
            ]
        for phone in phones:
            await phone.until(lambda s: s.table() is not None)
            assert "Winter discharges" in phone.find("table-view").text_content()
        await phones[1].table_post("Three patients waited a week for a care package")

        # What?'s time is up: So what? follows by itself, on every screen, and the table keeps what it
        # wrote (the questions build on each other).
        await time_is_up()
        for screen in screens:
            await screen.until(lambda s: step_of(s) == "sowhat")
            assert questions[1][1] in instruction_of(screen)
            assert questions[0][1] not in instruction_of(screen)
        for phone in phones:
            await phone.until(
                lambda s: "Three patients waited a week for a care package" in s.table()[1].values()
            )
        assert "Three patients waited a week" in fac.find("tables-panel").text_content()

        # The facilitator skips ahead: Now what?, where the table chooses what it brings back.
        await fac.send(type="recipe", op="skip")
        for screen in screens:
            await screen.until(lambda s: step_of(s) == "nowwhat")
            assert questions[2][1] in instruction_of(screen)
        await phones[0].send(type="recipe", op="skip")
        assert (await phones[0].reply()).error == "forbidden"
        table = await sync_to_async(Table.objects.get)()
        pids = await sync_to_async(lambda: [_pid(c) for c in people])()
        host = phones[pids.index(table.host_id)]
        await host.table_post("Ask the council for a shared discharge list")
        await host.until(lambda s: len(s.table()[1]) == 2)
        chosen = next(pk for pk, text in host.table()[1].items() if text.startswith("Ask the council"))
        await host.send(type="table", op="pick", card=chosen, theme=None)
        await host.until(lambda s: s.find(f"tcard-{chosen}").get("class").endswith("is-picked"))
        await host.send(
            type="table", op="send", table=None, noticed="Delays start at the front door", by_vote=False
        )
        await presenter.until(lambda s: "Ask the council" in s.find("picks-wall").text_content())
        assert "Delays start at the front door" in presenter.find("picks-wall").text_content()

        # Its time is up too: the room comes back together, and that step waits for the facilitator.
        await time_is_up()
        for screen in screens:
            await screen.until(lambda s: step_of(s) == "all")
            assert not clock_of(screen)
        await fac.send(type="recipe", op="skip")
        assert (await fac.reply()).error == "invalid_state"
    finally:
        for screen in screens:
            await screen.close()


def _pid(client):
    from inquiry.models import Participant

    token = next(v for k, v in client.session.items() if k.startswith("participant:"))
    return Participant.objects.get(token=token).pk


def pick_buttons(screen):
    return screen.page.xpath("//div[@id='table-view']//button[@data-tsend='table.pick']")


async def test_a_table_picks_what_it_brings_back_only_at_the_recipes_step_for_it(inquiry, alice):
    people = await sync_to_async(join_many)(inquiry, ["NHS", "Other"])
    fac = await TableScreen(inquiry.code, alice).connect()
    phones = [await TableScreen(inquiry.code, c).connect() for c in people]
    try:
        await fac.send(type="tables", op="open", mode="mixed", size=2, recipe="124all")
        for phone in phones:
            await phone.until(lambda s: step_of(s) == "1" and s.table() is not None)
        table = await sync_to_async(Table.objects.get)()
        pids = await sync_to_async(lambda: [_pid(c) for c in people])()
        host = phones[pids.index(table.host_id)]
        await host.table_post("Alone, I wrote this")
        await host.until(lambda s: len(s.table()[1]) == 1)
        (card,) = host.table()[1]
        # 1 · On your own: no picking yet, on the screen or through the socket, the facilitator included.
        assert not pick_buttons(host) and host.find("table-view").find_class("table-send") == []
        for screen, table_id in ((host, None), (fac, table.pk)):
            await screen.send(type="table", op="pick", card=card, theme=None)
            refused = await screen.reply()
            assert refused.error == "invalid_state" and "All · Back to the room" in refused.error_message
            await screen.send(type="table", op="send", table=table_id, noticed="Too soon")
            assert (await screen.reply()).error == "invalid_state"
        for _ in range(3):
            await fac.send(type="recipe", op="skip")
        await host.until(lambda s: step_of(s) == "all" and len(pick_buttons(s)) == 1)
        await host.send(type="table", op="pick", card=card, theme=None)
        await host.until(lambda s: "is-picked" in s.find(f"tcard-{card}").get("class"))
        await host.send(type="table", op="send", table=None, noticed="Now is the time")
        await fac.until(lambda s: "Alone, I wrote this" in s.find("picks-wall").text_content())
    finally:
        for screen in [fac, *phones]:
            await screen.close()


def note_of(element):
    notes = element.find_class("group-note") if element is not None else []
    return notes[0].text_content() if notes else None


def sector_of_seat(who):
    """The sector of someone named by their seat ("Seat B (NHS)"), which must be a seat's name."""
    match = re.fullmatch(r"Seat [A-H] \((.+)\)", who)
    assert match, who
    return match[1]


def yours(screen, participant_id):
    """The line a phone shows of who it works with at this step (static/linewalk/tables.js unhides it)."""
    lines = screen.page.xpath(
        "//div[@id='table-view']//p[@class='your-group'][@data-for=$pid]", pid=str(participant_id)
    )
    return lines[0].text_content() if lines else None


async def test_a_table_of_three_works_as_a_three_and_each_phone_says_who_it_works_with(inquiry, alice):
    inquiry.show_names = False
    await sync_to_async(inquiry.save)(update_fields=["show_names"])
    people = await sync_to_async(join_many)(inquiry, ["NHS", "Local authority", "Other"])
    fac = await TableScreen(inquiry.code, alice).connect()
    phones = [await TableScreen(inquiry.code, c).connect() for c in people]
    try:
        await fac.send(type="tables", op="open", mode="mixed", size=3, recipe="124all")
        for phone in phones:
            await phone.until(lambda s: step_of(s) == "1" and s.table() is not None)
        table = await sync_to_async(Table.objects.get)()
        pids = await sync_to_async(lambda: [_pid(c) for c in people])()
        await fac.send(type="recipe", op="skip")
        # In pairs, three people: one three, never a pair and someone alone; each phone names the two
        # others it works with (names are off: their seat and their sector), and the facilitator's copy
        # of the table's board says so too.
        for phone in phones:
            await phone.until(lambda s: step_of(s) == "2" and yours(s, pids[0]) is not None)
            assert len(phone.page.xpath("//div[@id='table-view']//ul[@class='table-group']")) == 1
            assert note_of(phone.find("table-view")) == "3 at this table: you work as a three, not in pairs."
        sectors = ["NHS", "Local authority", "Other"]
        for n, phone in enumerate(phones):
            others = {sector for sector in sectors if sector != sectors[n]}
            kind, _, who = yours(phone, pids[n]).partition(": ")
            assert kind == "Your three" and {sector_of_seat(w) for w in who.split(" and ")} == others
        await fac.until(lambda s: note_of(s.find(f"table-{table.pk}")) is not None)
        assert "work as a three" in note_of(fac.find(f"table-{table.pk}"))
        # In fours, fewer than four: the whole table, and the phones say so.
        await fac.send(type="recipe", op="skip")
        await phones[1].until(lambda s: step_of(s) == "4")
        await phones[1].until(lambda s: "fewer than four" in (note_of(s.find("table-view")) or ""))
        kind, _, who = yours(phones[1], pids[1]).partition(": ")
        assert kind == "Your table" and {sector_of_seat(w) for w in who.split(" and ")} == {"NHS", "Other"}
    finally:
        for screen in [fac, *phones]:
            await screen.close()


async def test_where_the_inquiry_shows_names_a_phone_names_its_pair(inquiry, alice):
    people = await sync_to_async(join_many)(inquiry, ["NHS", "NHS", "Other", "Other"])
    fac = await TableScreen(inquiry.code, alice).connect()
    phones = [await TableScreen(inquiry.code, c).connect() for c in people]
    try:
        await fac.send(type="tables", op="open", mode="random", size=4, recipe="124all")
        for phone in phones:
            await phone.until(lambda s: step_of(s) == "1" and s.table() is not None)
        pids = await sync_to_async(lambda: [_pid(c) for c in people])()
        await fac.send(type="recipe", op="skip")
        await phones[0].until(lambda s: step_of(s) == "2" and yours(s, pids[0]) is not None)
        line = yours(phones[0], pids[0])
        assert line.startswith("Your pair: P") and "Seat" not in line, line
        assert note_of(phones[0].find("table-view")) is None  # two pairs: as the step says
        names = phones[0].find("table-view").xpath(".//li[@data-participant]/text()")
        assert sorted(n.split(" (")[0] for n in names) == ["P0", "P1", "P2", "P3"]
    finally:
        for screen in [fac, *phones]:
            await screen.close()
