"""A table's picks are put before the room by the one rule a participant's post is (``Card.screen``), and
what a picked theme's room card carries from the table (its name, the words it quotes) goes with it.

Attacker-style: a host who sends, under pre-moderation, what the room should not see yet; personal data
smuggled past the table's own check in a theme's name, in words that catch the check only once quoted
together, or in the line of what the table noticed; words a facilitator hid or rejected in a theme's room
card that would come back as the table's cards "not picked" (CSV, Markdown, printable report, JSON), the
theme's name in the JSON, a table's noticed line on the public harvest and the picks wall once none of
its picks may be seen, and a file exported with hidden items and imported again. Through the endpoints:
the host's and the facilitator's sockets, the presenter view, HTTP downloads and uploads, the erase page
and the public harvest."""

import json

import pytest
from channels.db import database_sync_to_async

from board.models import Card
from board.tables.models import Table, TableCard
from inquiry.models import Participant

from ..support import text
from .tables_support import TableScreen, open_room
from .test_tables_privacy import (
    EXPORTS,
    at,
    download,
    erase,
    exported,
    imported,
    post,
    table_cards,
    tables_at_their_picks,
)

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async


def queue(screen):
    """{text: the reason shown} of the facilitator's review queue."""
    return {
        li.find_class("card-text")[0].text_content(): li.text_content()
        for li in screen.page.xpath("//ol[@id='queue-cards']/li")
    }


def queued_id(screen, words):
    return next(
        int(li.get("data-card"))
        for li in screen.page.xpath("//ol[@id='queue-cards']/li")
        if words in li.find_class("card-text")[0].text_content()
    )


async def set_moderation(fac, premoderation, safeguarding=True):
    await fac.send(type="room", op="settings", premoderation=premoderation, safeguarding=safeguarding)
    await fac.until(
        lambda s: (
            s.find("setting-premoderation") is not None
            and (s.find("setting-premoderation").get("checked") is not None) == premoderation
        )
    )


@sync
def host_of(phones):
    """The phone of the table's host (one table), and the others'."""
    table = Table.objects.get()
    pids = {
        Participant.objects.get(
            token=next(v for k, v in p.client.session.items() if k.startswith("participant:"))
        ).pk: p
        for p in phones
    }
    host = pids[table.host_id]
    return host, [p for p in phones if p is not host]


async def posted(phone, host, words):
    """``phone`` posts ``words`` at its table: its table card's id, once the host's board shows it."""
    await phone.table_post(words)
    await host.until(lambda s: words in s.table()[1].values())
    return next(pk for pk, said in host.table()[1].items() if said == words)


async def room_with_a_table(inquiry, alice):
    fac, phones = await open_room(inquiry, alice, ["NHS", "Other", "NHS"], mode="random", count=1)
    presenter = await TableScreen(inquiry.code, alice, query="view=presenter").connect()
    host, guests = await host_of(phones)
    return fac, presenter, host, guests, phones


async def close_all(*screens):
    for screen in screens:
        await screen.close()


# One rule for what the room may see --------------------------------------------------------------------


async def test_a_pick_sent_under_pre_moderation_waits_for_review_and_reaches_the_room_once_approved(
    inquiry, alice
):
    fac, presenter, host, (guest, *_), phones = await room_with_a_table(inquiry, alice)
    await set_moderation(fac, True)
    words, noticed = "Discharge waits for the pharmacy", "The pharmacy is the bottleneck"
    card = await posted(guest, host, words)
    await host.send(type="table", op="pick", card=card, theme=None)
    await host.until(lambda s: "is-picked" in s.find(f"tcard-{card}").get("class"))
    await host.send(type="table", op="send", table=None, noticed=noticed, by_vote=False)

    await fac.until(lambda s: words in queue(s))
    sent = fac.seq
    await presenter.until(lambda s: s.seq >= sent)  # the presenter has the picks' event too
    # Waiting: on no board or picks wall but the facilitators' queue, the table's line with it.
    assert all(words not in f.text and noticed not in f.text for f in presenter.frames)
    assert words not in fac.cards().values() and noticed not in text(fac, "picks-wall")
    # Its author sees it waiting, as a post's author does; the others at the table do not.
    await guest.until(lambda s: words in s.cards().values())
    pick = next(pk for pk, said in guest.cards().items() if said == words)
    assert "Waiting for a facilitator" in text(guest, f"card-{pick}")
    await host.until(lambda s: s.seq >= sent)
    assert words not in host.cards().values()

    await fac.send(type="card", op="approve", card=queued_id(fac, words))
    for screen in (presenter, fac):
        await screen.until(lambda s: words in s.cards().values())
        await screen.until(lambda s: words in text(s, "picks-wall") and noticed in text(s, "picks-wall"))
    await close_all(fac, presenter, *phones)


@pytest.mark.parametrize(
    ("name", "cards", "reason"),
    [
        # The table's own check reads posts, never a theme's name.
        ("Ring 07700 900123", ["Weekend discharges stall"], "a phone number"),
        # Each card passes the table's check; quoted one after the other, a name sits by a postcode.
        ("Care", ["Mrs Patel waits for weeks", "It is all around LS1 4AP"], "a postcode next to a name"),
    ],
)
async def test_a_pick_the_safeguarding_check_catches_is_held_back_with_its_reason_as_a_post_is(
    inquiry, alice, name, cards, reason
):
    fac, presenter, host, (guest, *_), phones = await room_with_a_table(inquiry, alice)
    ids = [await posted(guest, host, words) for words in cards]
    await host.send(type="table", op="theme", table=None, name=name)
    await host.until(lambda s: name in text(s, "table-view"))
    theme = int(host.page.xpath("//section[starts-with(@id, 'ttheme-')]")[0].get("id").split("-")[1])
    for card in ids:
        await host.send(type="table", op="move", card=card, theme=theme)
    await host.send(type="table", op="pick", card=None, theme=theme)
    await host.until(lambda s: "is-picked" in s.find(f"ttheme-{theme}").get("class"))
    await host.send(type="table", op="send", table=None, noticed="", by_vote=False)

    await fac.until(lambda s: any(k.startswith(name) for k in queue(s)))
    shown = next(v for k, v in queue(fac).items() if k.startswith(name))
    assert f"May contain {reason}." in shown
    sent = fac.seq
    await presenter.until(lambda s: s.seq >= sent)
    assert all(name not in f.text for f in presenter.frames)
    assert not any(k.startswith(name) for k in presenter.cards().values())
    await close_all(fac, presenter, *phones)


async def test_a_noticed_line_the_safeguarding_check_catches_is_refused_and_nothing_is_sent(inquiry, alice):
    fac, presenter, host, (guest, *_), phones = await room_with_a_table(inquiry, alice)
    card = await posted(guest, host, "Weekend discharges stall")
    await host.send(type="table", op="pick", card=card, theme=None)
    await host.until(lambda s: "is-picked" in s.find(f"tcard-{card}").get("class"))
    await host.send(type="table", op="send", table=None, noticed="Ring Jo on 07700 900123", by_vote=False)
    refused = await host.reply()
    assert refused.error == "held"
    assert not await sync(Table.objects.filter(sent=True).exists)()
    await host.send(type="table", op="send", table=None, noticed="Weekends are the gap", by_vote=False)
    await presenter.until(lambda s: "Weekends are the gap" in text(s, "picks-wall"))
    assert all("07700" not in f.text for f in presenter.frames + fac.frames)
    await close_all(fac, presenter, *phones)


# What a picked theme's room card carries goes with it ------------------------------------------------------


QUOTED = ["Pooled budgets across agencies", "Shared care records", "One front door"]
NOT_QUOTED = "A fourth card the room card never quoted"
LOOSE = "A card in no theme"


@sync
def theme_of_four_sent(host, guest):
    """The host's theme "Ring-fenced money" holds four cards (the room card quotes the first three), one
    card stays loose; the theme is picked and sent: the room card's id."""
    from board.tables import actions

    theme = actions.add_theme(at(host), None, "Ring-fenced money")
    for words in [*QUOTED, NOT_QUOTED]:
        actions.move_card(at(host), post(guest, words).pk, theme.pk)
    post(host, LOOSE)
    actions.pick(at(host), theme_id=theme.pk)
    actions.send_picks(at(host), None, "Money follows trust")
    return Card.objects.get(table__isnull=False).pk


def json_themes(data):
    return [t["name"] for b in data["tables"] for table in b["tables"] for t in table["themes"]]


async def assert_carried_out(client, inquiry, query):
    """Neither the quoted words nor the theme's name in any export made with ``query``; the rest stays."""
    for name in EXPORTS:
        body = await download(client, inquiry, name, query)
        for words in QUOTED:
            assert words not in body, (name, query, words)
        if name != "comments.csv":  # Polis's file holds the room's cards only
            assert NOT_QUOTED in body and LOOSE in body, (name, query)
    data = await exported(client, inquiry, query)
    assert "Ring-fenced money" not in json_themes(data)
    assert table_cards(data)[NOT_QUOTED]["theme"] is None  # no ref to a theme left out


async def test_a_hidden_theme_card_keeps_its_name_and_quoted_words_out_of_default_exports_even_imported(
    inquiry, users, alice, carol, dave
):
    host, (guest, *_) = await tables_at_their_picks(inquiry, users)
    card = await theme_of_four_sent(host, guest)
    before = await exported(alice, inquiry)
    assert "Ring-fenced money" in json_themes(before)
    room = next(c["ref"] for c in before["cards"] if c["text"].startswith("Ring-fenced money"))
    assert table_cards(before)[QUOTED[0]]["quoted"] == room

    fac = await TableScreen(inquiry.code, alice).connect()
    await fac.send(type="card", op="hide", card=card)
    await fac.until(lambda s: "is-hidden" in s.find(f"card-{card}").get("class"))
    await assert_carried_out(alice, inquiry, "")
    # Asked for with hidden items, as a hidden post is: the name and the words, linked to their room card.
    everything = await exported(alice, inquiry, "?include=all")
    assert "Ring-fenced money" in json_themes(everything)
    for name in EXPORTS:
        body = await download(alice, inquiry, name, "?include=all")
        assert all(words in body for words in QUOTED), name
    # That file imported: the copy's default exports leave them out too (the links came with it).
    status, copy, _page = await imported(alice, everything)
    assert status == 302
    await assert_carried_out(alice, copy, "")
    again = await exported(alice, copy, "?include=all")
    assert json.dumps(again["tables"][0]["tables"][0]).count('"quoted"') == len(QUOTED)
    await fac.close()


async def test_a_rejected_theme_card_takes_its_name_and_quoted_words_out_of_every_export_for_good(
    inquiry, users, alice, carol, dave
):
    host, (guest, *_) = await tables_at_their_picks(inquiry, users)
    card = await theme_of_four_sent(host, guest)
    fac = await TableScreen(inquiry.code, alice).connect()
    await fac.send(type="card", op="hide", card=card)
    await fac.send(type="card", op="reject", card=card)
    await fac.until(lambda s: s.find(f"card-{card}") is None)
    for query in ("", "?include=all"):
        await assert_carried_out(alice, inquiry, query)
    # The table cards are still there, at their table: the record of what the room card carried outlived it.
    assert await sync(TableCard.objects.filter(text=QUOTED[0]).exists)()
    await fac.close()


async def test_a_theme_picked_with_no_cards_loses_its_name_from_the_json_once_its_room_card_is_rejected(
    inquiry, users, alice, carol, dave
):
    from board.tables import actions

    host, (guest, *_) = await tables_at_their_picks(inquiry, users)

    @sync
    def send_empty_theme():
        theme = actions.add_theme(at(host), None, "Nobody asked the carers")
        post(guest, "Transport to appointments")
        actions.pick(at(host), theme_id=theme.pk)
        actions.send_picks(at(host), None, "")
        return Card.objects.get(table__isnull=False).pk

    card = await send_empty_theme()
    assert json_themes(await exported(alice, inquiry)) == ["Nobody asked the carers"]
    fac = await TableScreen(inquiry.code, alice).connect()
    await fac.send(type="card", op="reject", card=card)
    await fac.until(lambda s: s.find(f"card-{card}") is None)
    for query in ("", "?include=all"):
        body = await download(alice, inquiry, "inquiry.json", query)
        assert "Nobody asked the carers" not in body, query
        assert "Transport to appointments" in body, query
    await fac.close()


async def test_a_host_who_erases_takes_the_words_their_hidden_theme_card_quoted_out_of_the_exports_with_it(
    inquiry, users, alice, carol, dave
):
    host, (guest, *_) = await tables_at_their_picks(inquiry, users)
    card = await theme_of_four_sent(host, guest)
    fac = await TableScreen(inquiry.code, alice).connect()
    await fac.send(type="card", op="hide", card=card)
    await fac.until(lambda s: "is-hidden" in s.find(f"card-{card}").get("class"))
    phones = {"Carol": carol, "Dave": dave}
    assert (await erase(phones[host.display_name], inquiry)).status_code == 302
    await fac.until(lambda s: s.find(f"card-{card}") is None)
    for query in ("", "?include=all"):
        for name in EXPORTS:
            body = await download(alice, inquiry, name, query)
            assert all(words not in body for words in QUOTED), (name, query)
            # The guest's own card, never quoted, stays (Polis's file holds the room's cards only).
            assert NOT_QUOTED in body or name == "comments.csv", (name, query)
    await fac.close()


# What the table noticed -----------------------------------------------------------------------------------


async def test_a_tables_noticed_line_shows_on_the_harvest_and_the_wall_only_beside_a_pick_everyone_may_see(
    inquiry, users, alice, carol, dave, anonymous
):
    from board.tables import actions

    host, (guest, *_) = await tables_at_their_picks(inquiry, users)

    @sync
    def send_two():
        for words in ("Shared budgets", "One front door"):
            actions.pick(at(host), card_id=post(guest, words).pk)
        actions.send_picks(at(host), None, "Money follows trust")
        return list(Card.objects.filter(table__isnull=False).order_by("text").values_list("pk", flat=True))

    shared, front = sorted(await send_two())
    fac = await TableScreen(inquiry.code, alice).connect()
    presenter = await TableScreen(inquiry.code, alice, query="view=presenter").connect()
    await presenter.until(lambda s: "One front door" in text(s, "picks-wall"))
    assert "Money follows trust" in text(presenter, "picks-wall")
    assert (await sync(alice.post)(f"/i/{inquiry.code}/data/close/")).status_code == 302
    assert (await sync(alice.post)(f"/i/{inquiry.code}/harvest/publish/")).status_code == 302
    await sync(inquiry.refresh_from_db)()
    harvest = f"/h/{inquiry.harvest_token}/"

    async def public_page():
        return (await sync(anonymous.get)(harvest)).content.decode()

    assert "Money follows trust" in await public_page()
    await fac.send(type="card", op="hide", card=shared)
    await presenter.until(lambda s: "Shared budgets" not in text(s, "picks-wall"))
    assert "Money follows trust" in text(presenter, "picks-wall")
    page = await public_page()
    assert "Money follows trust" in page and "One front door" in page  # one pick still stands by it
    await fac.send(type="card", op="reject", card=front)
    await presenter.until(lambda s: "Money follows trust" not in text(s, "picks-wall"))
    page = await public_page()
    assert [f.error_message for f in fac.frames if f.error] == []
    assert "Money follows trust" not in page and "Table 1" in page
    # Facilitators' own report still has it: they read the whole event.
    assert "Money follows trust" in await download(alice, inquiry, "report.md")
    await close_all(fac, presenter)
