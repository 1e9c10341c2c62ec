"""After the close (/i/<code>/data/close/), attacked with a raw client: every message type a participant
may send, and the facilitator's tables, must change nothing the harvest reads."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card, Dot, Reaction
from board.nextsteps.models import Contact, NextStep, SignUp
from board.systemmap.models import MapLink
from board.tables.models import Breakout, Table, TableCard, TableEmail, TableTheme, TableVote, Topic
from inquiry.models import Participant
from sessions import protocol
from sessions.models import Event

from ..board.tables_support import TableScreen
from ..support import text

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async

# What stays a participant's own to do after the close (withdrawing what they shared), and catching up.
STILL_THEIRS = {("sync", "resume"), ("contact", "withdraw")}


def stored(inquiry):
    """Everything of the inquiry a participant's message could add to or change."""
    mine = {"inquiry": inquiry}
    at_tables = {"table__breakout__inquiry": inquiry}
    return {
        "cards": sorted(Card.objects.filter(**mine).values_list("pk", "text", "edited", "status")),
        "steps": sorted(NextStep.objects.filter(**mine).values_list("pk", "what", "edited", "hidden")),
        "signups": SignUp.objects.filter(step__inquiry=inquiry).count(),
        "links": sorted(MapLink.objects.filter(**mine).values_list("pk", "kind", "note")),
        "dots": Dot.objects.filter(vote__inquiry=inquiry).count(),
        "reactions": Reaction.objects.filter(card__inquiry=inquiry).count(),
        "contacts": sorted(
            Contact.objects.filter(participant__inquiry=inquiry).values_list("text", flat=True)
        ),
        "table cards": sorted(TableCard.objects.filter(**at_tables).values_list("pk", "text", "theme_id")),
        "table themes": TableTheme.objects.filter(**at_tables).count(),
        "table votes": TableVote.objects.filter(table_card__table__breakout__inquiry=inquiry).count(),
        "picked": TableCard.objects.filter(**at_tables, picked=True).count(),
        "sent": Table.objects.filter(breakout__inquiry=inquiry, sent=True).count(),
        "topics": Topic.objects.filter(breakout__inquiry=inquiry).count(),
        "emails": TableEmail.objects.filter(participant__inquiry=inquiry).count(),
    }


def value_for(name, kind, ids):
    """A well-formed value of field ``name`` naming the room's real things (the attacker's own where
    it matters: their card, their action, their link, their table)."""
    if isinstance(kind, protocol.ClientId):
        return str(uuid.uuid4())
    if isinstance(kind, protocol.Id):
        return ids.get(name, ids["card"])
    if isinstance(kind, protocol.ItemRef):
        return f"theme-{ids['theme']}" if name == "source" else f"card-{ids['other_card']}"
    if isinstance(kind, protocol.Flag):
        return True
    if isinstance(kind, protocol.Choice):
        return kind.choices[-1]
    if isinstance(kind, protocol.Sign):
        return "+"
    if isinstance(kind, protocol.Count):
        return 0
    if name == "email":
        return "carol@example.org"
    if isinstance(kind, protocol.Text | protocol.OptionalText):
        return "Written after the close"
    raise AssertionError(f"no sample for {name}: {kind}")


@pytest.fixture
async def closed_room(inquiry, alice, carol, dave):
    """Carol has a card, an action, a link, a contact and a table (which she hosts) with a card on it,
    all made while the inquiry was open; then it closed. Her phone and the facilitator's screen stay."""
    fac = await TableScreen(inquiry.code, alice).connect()
    phone = await TableScreen(inquiry.code, carol).connect()
    other = await TableScreen(inquiry.code, dave).connect()
    await phone.post("Carol's idea about shared records")
    await other.post("Dave's idea about transport")
    await fac.send(type="theme", op="add", name="Records")
    await fac.until(lambda s: len(s.cards()) == 2 and len(s.themes()) == 1)
    cards = {t: pk for pk, t in fac.cards().items()}
    theme = fac.themes()[0][0]
    round_id = inquiry.current_round_id
    await fac.send(type="round", op="kind", round=round_id, kind="map")
    await phone.until(lambda s: s.find("map-view").get("data-map-rounds") == str(round_id))
    daves = cards["Dave's idea about transport"]
    await phone.send(
        type="link", op="add", source=f"theme-{theme}", target=f"card-{daves}", kind="influences",
        sign="+", note="",
    )  # fmt: skip
    await fac.until(lambda s: s.find("map-view").get("data-links") == "1")
    await fac.send(type="round", op="kind", round=round_id, kind="next_steps")
    await phone.until(lambda s: (s.find("steps-view").get("data-steps-rounds") or "") == str(round_id))
    await phone.send(
        type="step", op="add", client_id=str(uuid.uuid4()), what="Shared induction", with_whom="",
        by_when="", theme=None, loop="",
    )  # fmt: skip
    await phone.send(type="contact", op="share", text="carol@example.org", with_signups=True,
                     with_theme_sectors=False)  # fmt: skip
    await phone.until(lambda s: "You share your contact" in text(s, "contact-state"))
    await fac.send(type="tables", op="open", mode="random", size=2)
    await phone.until(lambda s: s.table() is not None)
    await phone.table_post("Said at the table")
    await phone.until(lambda s: "Said at the table" in s.raw())
    ids = {
        "card": cards["Carol's idea about shared records"],
        "other_card": cards["Dave's idea about transport"],
        "theme": theme,
        "into": theme,
        "round": round_id,
        "step": await NextStep.objects.values_list("pk", flat=True).aget(),
        "link": await MapLink.objects.values_list("pk", flat=True).aget(),
        "table": phone.table_id(),
        "topic": 1,
        "participant": await Participant.objects.values_list("pk", flat=True).aget(display_name="Dave"),
    }
    ids["card_at_table"] = await TableCard.objects.values_list("pk", flat=True).aget()
    assert (await sync(alice.post)(f"/i/{inquiry.code}/data/close/")).status_code == 302
    await phone.until(lambda s: (s.find("round-banner").get("data-inquiry-closed") or "") == "1")
    yield fac, phone, ids
    for screen in (fac, phone, other):
        await screen.close()


async def test_every_message_a_participant_may_send_is_refused_after_the_close(inquiry, closed_room):
    _fac, phone, ids = closed_room
    before = await sync(stored)(inquiry)
    sent = 0
    for (kind, op), (roles, schema) in protocol.INBOUND.items():
        if "participant" not in roles or (kind, op) in STILL_THEIRS:
            continue
        at_table = kind == "table" and op in ("move", "vote", "pick")
        fields = {
            name: ids["card_at_table"] if at_table and name == "card" else value_for(name, field, ids)
            for name, field in schema.items()
        }
        if (kind, op) == ("table", "pick"):
            fields["theme"] = None
        await phone.send(type=kind, op=op, **fields)
        reply = await phone.reply()
        assert reply.error == "inquiry_closed", (kind, op, reply)
        sent += 1
    assert sent >= 25
    assert await sync(stored)(inquiry) == before


async def test_closing_the_inquiry_closes_its_tables_so_no_pick_reaches_the_room_after_it(
    inquiry, closed_room
):
    fac, phone, ids = closed_room
    # Every phone leaves its table; the facilitators' screens say no tables are open.
    await phone.until(lambda s: s.table() is None)
    assert await Breakout.objects.filter(inquiry=inquiry, closed=False).aexists() is False
    before = await sync(stored)(inquiry)
    for message in (
        {"type": "table", "op": "pick", "card": ids["card_at_table"], "theme": None},
        {
            "type": "table",
            "op": "send",
            "table": ids["table"],
            "noticed": "After the close",
            "by_vote": False,
        },
        {"type": "table", "op": "theme", "table": ids["table"], "name": "After the close"},
        {"type": "tables", "op": "seat", "participant": ids["participant"], "table": ids["table"]},
        {"type": "recipe", "op": "skip"},
        {"type": "tables", "op": "open", "mode": "random", "prompt": ""},
    ):
        await fac.send(**message)
        reply = await fac.reply()
        assert reply.error, (message, reply)
    assert await sync(stored)(inquiry) == before
    assert "Said at the table" not in fac.texts()
    # Nothing the tables did after the close is in the room's log of changes.
    assert not await Event.objects.filter(inquiry=inquiry, type="tables", op="picks").aexists()
