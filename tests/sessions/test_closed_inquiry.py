"""After the event (the facilitator's Close on /i/<code>/data/): the server refuses every change a
participant tries, over every message type, with `inquiry_closed`; every screen says the inquiry has
closed and links to the harvest once it is published; what stays a participant's to do (withdrawing a
contact) still works; facilitators curate but open nothing for the room until they reopen it."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card, Contact, NextStep, Reaction, SignUp
from inquiry.models import Inquiry

from ..support import everyone, text

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async


def closed(screen):
    banner = screen.find("round-banner")
    return banner is not None and banner.get("data-inquiry-closed") == "1"


def signups(screen, step):
    return text(screen, f"step-{step}-signups")


async def steps_round(room, inquiry):
    await room["alice"].send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await everyone(
        room, lambda s: s.find("steps-view").get("data-steps-rounds") == str(inquiry.current_round_id)
    )


async def propose(screen, what, **fields):
    await screen.send(
        type="step", op="add", client_id=str(uuid.uuid4()), what=what,
        with_whom=fields.get("with_whom", ""), by_when=fields.get("by_when", ""), theme=None, loop="",
    )  # fmt: skip


async def close(alice, inquiry, room):
    assert (await sync(alice.post)(f"/i/{inquiry.code}/data/close/")).status_code == 302
    await everyone(room, closed)


async def test_after_the_close_every_participant_change_is_refused(room, inquiry, alice):
    await steps_round(room, inquiry)
    await room["carol"].post("Carol's idea about shared records")
    await room["dave"].post("Dave's idea about transport")
    await everyone(room, lambda s: len(s.texts()) == 2)
    cards = {t: pk for pk, t in room["alice"].cards().items()}
    carols, daves = cards["Carol's idea about shared records"], cards["Dave's idea about transport"]
    await propose(room["carol"], "Shared induction", with_whom="HR leads", by_when="June")
    await room["alice"].until(lambda s: s.find("steps-list") is not None and len(s.find("steps-list")))
    step = await sync(lambda: NextStep.objects.get(what="Shared induction").pk)()
    await room["dave"].send(type="step", op="join", step=step)
    await everyone(room, lambda s: signups(s, step).startswith("2 signed up"))
    await room["alice"].send(type="theme", op="add", name="Records")
    await room["alice"].until(lambda s: len(s.themes()) == 1)
    theme = room["alice"].themes()[0][0]

    await close(alice, inquiry, room)

    refused = [
        ("dave", {"type": "reaction", "op": "toggle", "card": carols}),
        ("dave", {"type": "step", "op": "leave", "step": step}),
        ("carol", {"type": "step", "op": "leave", "step": step}),
        ("dave", {"type": "step", "op": "join", "step": step}),
        ("carol", {"type": "step", "op": "add", "client_id": str(uuid.uuid4()), "what": "Late idea",
                   "with_whom": "", "by_when": "", "theme": None, "loop": ""}),
        ("carol", {"type": "step", "op": "edit", "step": step, "what": "Changed", "with_whom": "",
                   "by_when": "", "theme": None, "loop": ""}),
        ("carol", {"type": "step", "op": "delete", "step": step}),
        ("dave", {"type": "card", "op": "add", "client_id": str(uuid.uuid4()), "text": "After the close"}),
        ("dave", {"type": "card", "op": "edit", "card": daves, "text": "Changed afterwards"}),
        ("dave", {"type": "card", "op": "delete", "card": daves}),
        ("dave", {"type": "dot", "op": "add", "card": carols, "theme": None, "link": None, "step": None}),
        ("dave", {"type": "contact", "op": "share", "text": "dave@example.org", "with_signups": True,
                  "with_theme_sectors": False}),
        ("dave", {"type": "link", "op": "add", "source": f"theme-{theme}", "target": f"card-{carols}",
                  "kind": "influences", "sign": "+", "note": ""}),
        ("dave", {"type": "table", "op": "post", "client_id": str(uuid.uuid4()), "text": "At a table"}),
        ("dave", {"type": "table", "op": "vote", "card": carols}),
        ("dave", {"type": "table", "op": "email", "email": "dave@example.org"}),
        ("dave", {"type": "topic", "op": "add", "title": "A topic"}),
    ]  # fmt: skip
    for name, message in refused:
        await room[name].send(**message)
        reply = await room[name].reply()
        assert reply.error == "inquiry_closed", (message, reply.error)
        assert "This inquiry has closed" in reply.text

    # Nothing moved: the harvest and next-steps.csv read what they read at the close.
    assert await sync(SignUp.objects.filter(step_id=step).count)() == 2
    assert not await sync(Reaction.objects.exists)()
    assert await sync(lambda: sorted(Card.objects.values_list("text", flat=True)))() == [
        "Carol's idea about shared records",
        "Dave's idea about transport",
    ]
    assert signups(room["presenter"], step).startswith("2 signed up")
    csv = (await sync(alice.get)(f"/i/{inquiry.code}/export/next-steps.csv")).content.decode()
    assert "Shared induction" in csv and ",2," in csv


async def test_a_participant_may_still_withdraw_a_contact_after_the_close(room, inquiry, alice):
    await steps_round(room, inquiry)
    await room["carol"].send(
        type="contact", op="share", text="carol@example.org", with_signups=True, with_theme_sectors=False
    )
    await room["carol"].until(lambda s: "You share your contact" in text(s, "contact-state"))
    await close(alice, inquiry, room)
    await room["carol"].until(
        lambda s: s.find("private-link") is not None
    )  # her own part, back after the close
    assert "You share your contact" in text(room["carol"], "contact-state")
    await room["carol"].send(type="contact", op="withdraw")
    await room["carol"].until(lambda s: "You share nothing" in text(s, "contact-state"))
    assert await sync(lambda: Contact.objects.get(participant__display_name="Carol").text)() == ""


async def test_after_the_close_facilitators_curate_but_open_nothing_for_the_room(room, inquiry, alice):
    await close(alice, inquiry, room)
    await room["alice"].send(type="round", op="phase", round=inquiry.current_round_id, phase="gather")
    assert (await room["alice"].reply()).error == "inquiry_closed"
    await room["alice"].send(
        type="vote", op="open", round=None, target="cards", budget=3, per_item=1, live=True
    )
    assert (await room["alice"].reply()).error == "inquiry_closed"
    # Neither a new round (it would open for the room) nor a timer (a clock for a room that cannot write).
    await room["alice"].send(type="round", op="add", question="One more thing?", guidance="")
    assert (await room["alice"].reply()).error == "inquiry_closed"
    await room["alice"].send(type="timer", op="start", seconds=60)
    assert (await room["alice"].reply()).error == "inquiry_closed"
    assert await sync(
        lambda: (inquiry.rounds.count(), Inquiry.objects.get(pk=inquiry.pk).timer_ends_at)
    )() == (
        2,
        None,
    )
    await room["alice"].send(type="theme", op="add", name="Curated afterwards")
    await everyone(room, lambda s: [t[1] for t in s.themes()] == ["Curated afterwards"])
    assert "participants can no longer add or change anything" in text(room["alice"], "inquiry-closed")
    # Reopening takes the closed state off every screen.
    assert (await sync(alice.post)(f"/i/{inquiry.code}/data/reopen/")).status_code == 302
    await everyone(room, lambda s: not closed(s) and s.find("inquiry-closed") is None)


async def test_every_screen_says_it_has_closed_and_links_to_the_published_harvest(room, inquiry, alice):
    await close(alice, inquiry, room)
    for name in ("carol", "dave", "presenter"):
        notice = text(room[name], "inquiry-closed")
        assert "This inquiry has closed" in notice and "Thank you for taking part" in notice
        assert room[name].find("harvest-link") is None
    assert (await sync(alice.post)(f"/i/{inquiry.code}/harvest/publish/")).status_code == 302
    token = (await Inquiry.objects.aget(pk=inquiry.pk)).harvest_token
    await everyone(
        room,
        lambda s: s.find("harvest-link") is not None and s.find("harvest-link").get("href") == f"/h/{token}/",
        ["carol", "dave", "presenter"],
    )
    assert "This inquiry has closed" in text(room["carol"], "inquiry-closed")
    assert (await sync(alice.post)(f"/i/{inquiry.code}/harvest/unpublish/")).status_code == 302
    await everyone(room, lambda s: s.find("harvest-link") is None, ["carol", "dave", "presenter"])


async def test_a_held_post_no_longer_promises_a_review_after_the_close(room, inquiry, alice):
    await room["carol"].post("Ring me on 07700 900123 about it")
    await room["carol"].until(lambda s: "A facilitator will review it" in text(s, "live"))
    await close(alice, inquiry, room)
    await room["carol"].until(lambda s: "closed before a facilitator reviewed it" in text(s, "live"))
    assert "A facilitator will review it" not in text(room["carol"], "live")


def tables_open(screen):
    return "Tables are open" in text(screen, "tables-step")


async def test_closing_the_inquiry_closes_its_open_tables_and_reopening_leaves_them_closed(inquiry, alice):
    from board.tables.models import Breakout

    from ..board.tables_support import TableScreen, open_room

    facilitator, phones = await open_room(inquiry, alice, ["NHS", "Other"], mode="mixed", size=2)
    presenter = await TableScreen(inquiry.code, alice, query="view=presenter").connect()
    screens = [facilitator, presenter, *phones]
    try:
        for screen in screens:
            await screen.until(tables_open)
        await facilitator.until(lambda s: s.find("tables-close") is not None)
        assert (await sync(alice.post)(f"/i/{inquiry.code}/data/close/")).status_code == 302
        # Every screen, without reloading: the tables are closed, as the facilitator's Close tables does.
        for screen in screens:
            await screen.until(lambda s: closed(s) and not tables_open(s))
        for phone in phones:
            await phone.until(lambda s: s.table() is None)
        await facilitator.until(
            lambda s: s.find("tables-close") is None and s.find("tables-open") is not None
        )
        assert await sync(lambda: list(Breakout.objects.values_list("closed", flat=True)))() == [True]
        exported = await sync(
            lambda: b"".join(alice.get(f"/i/{inquiry.code}/export/inquiry.json").streaming_content)
        )()
        assert '"closed": true' in exported.decode()
        audit = (await sync(alice.get)(f"/i/{inquiry.code}/audit/")).content.decode()
        assert "tables.close" in audit
        # Reopening the inquiry does not reopen them: a facilitator opens tables again when the room is
        # ready for them (a new seating of whoever is there then).
        assert (await sync(alice.post)(f"/i/{inquiry.code}/data/reopen/")).status_code == 302
        for screen in screens:
            await screen.until(lambda s: not closed(s))
            assert not tables_open(screen)
        for phone in phones:
            assert phone.table() is None
        assert await sync(lambda: list(Breakout.objects.values_list("closed", flat=True)))() == [True]
    finally:
        for screen in screens:
            await screen.close()


async def test_after_the_close_announcements_and_the_spotlight_wait_for_the_reopen(room, inquiry, alice):
    """Words or a card shown large to a room that has gone home: refused with the reason, the socket stays
    open; clearing is still the facilitator's (the close took down what was up); reopening from the
    workspace (its closed notice's Reopen, ``inquiry.reopen`` over the socket) lets them through again."""
    await room["carol"].post("Carol's idea about shared records")
    await everyone(room, lambda s: len(s.texts()) == 1)
    (card,) = room["alice"].cards()
    await room["alice"].send(type="theme", op="add", name="Records")
    await room["alice"].until(lambda s: len(s.themes()) == 1)
    theme = room["alice"].themes()[0][0]
    await room["alice"].send(type="announce", op="set", text="Back at half past")
    await everyone(room, lambda s: "Back at half past" in text(s, "announcement"))

    await close(alice, inquiry, room)

    for message in (
        {"type": "announce", "op": "set", "text": "One more thing"},
        {"type": "spotlight", "op": "set", "card": card, "theme": None},
        {"type": "spotlight", "op": "set", "card": None, "theme": theme},
    ):
        await room["alice"].send(**message)
        reply = await room["alice"].reply()
        assert reply.error == "inquiry_closed", (message, reply)
        assert "reopen it" in reply.error_message
    stored = await sync(lambda: Inquiry.objects.values_list(
        "announcement", "spotlight_card", "spotlight_theme").get(pk=inquiry.pk))()  # fmt: skip
    assert stored == ("", None, None)
    # The socket is still open, and clearing is still allowed (though the close took the words down).
    await room["alice"].send(type="announce", op="clear")
    await room["alice"].next_event()
    assert not any("Back at half past" in text(s, "announcement") for s in room.values())
    # A participant may not reopen it; the facilitator may, from the workspace.
    await room["carol"].send(type="inquiry", op="reopen")
    assert (await room["carol"].reply()).error == "forbidden"
    await room["alice"].send(type="inquiry", op="reopen")
    await everyone(room, lambda s: not closed(s))
    await room["alice"].send(type="spotlight", op="set", card=card, theme=None)
    await everyone(room, lambda s: "Carol's idea" in text(s, "spotlight"))
    await room["alice"].send(type="announce", op="set", text="One more thing")
    await everyone(room, lambda s: "One more thing" in text(s, "announcement"))


async def test_closing_takes_the_announcement_and_the_spotlight_down_and_reopening_leaves_them_down(
    room, inquiry, alice
):
    await room["carol"].post("Carol's idea about shared records")
    await everyone(room, lambda s: len(s.texts()) == 1)
    (card,) = room["alice"].cards()
    await room["alice"].send(type="announce", op="set", text="Coffee break")
    await room["alice"].send(type="spotlight", op="set", card=card, theme=None)
    await everyone(room, lambda s: "Coffee break" in text(s, "announcement") and "Carol's idea" in spotlit(s))

    await close(alice, inquiry, room)
    await everyone(room, lambda s: text(s, "announcement-text") == "" and spotlit(s) == "")
    stored = await sync(lambda: Inquiry.objects.values_list(
        "announcement", "spotlight_card", "spotlight_theme").get(pk=inquiry.pk))()  # fmt: skip
    assert stored == ("", None, None)
    log = await sync(lambda: Inquiry.objects.get(pk=inquiry.pk).audit.get(action="inquiry.close").detail)()
    assert "announcement cleared" in log and "spotlight cleared" in log

    assert (await sync(alice.post)(f"/i/{inquiry.code}/data/reopen/")).status_code == 302
    await everyone(room, lambda s: not closed(s))
    assert all(text(s, "announcement-text") == "" and spotlit(s) == "" for s in room.values())


def spotlit(screen):
    """What the spotlight shows, or "" when it is hidden."""
    spotlight = screen.find("spotlight")
    return "" if spotlight is None or spotlight.get("hidden") is not None else text(screen, "spotlight")
