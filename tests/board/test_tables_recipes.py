"""Recipes: a round of tables that follows 1-2-4-All, What? So what? Now what? or Open Space, each step on
every screen, advancing by itself; the facilitator pauses, extends or skips a step (issue 15)."""

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
