"""Moderation: hiding and restoring cards, pre-moderation, the safeguarding check, and removing a
participant. What a participant's socket receives is checked frame by frame: nothing leaks."""

import pytest
from channels.db import database_sync_to_async

from board.models import Card
from inquiry.models import AuditEntry, Participant

from ..support import ConnectionClosed, Screen, everyone, fresh_board, text

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def room(inquiry, alice, carol, dave):
    screens = {
        "alice": await Screen(inquiry.code, alice).connect(),
        "carol": await Screen(inquiry.code, carol).connect(),
        "dave": await Screen(inquiry.code, dave).connect(),
        "presenter": await Screen(inquiry.code, alice, query="view=presenter").connect(),
    }
    yield screens
    for screen in screens.values():
        try:
            await screen.close()
        except Exception:  # already closed by the server
            pass


def queue(screen):
    return [
        li.find_class("card-text")[0].text_content() for li in screen.page.xpath("//ol[@id='queue-cards']/li")
    ]


async def set_moderation(room, premoderation, safeguarding):
    await room["alice"].send(
        type="room", op="settings", premoderation=premoderation, safeguarding=safeguarding
    )
    await room["alice"].until(
        lambda s: (
            s.find("setting-premoderation") is not None
            and (s.find("setting-premoderation").get("checked") is not None) == premoderation
        )
    )


async def test_a_hidden_card_leaves_every_other_screen_and_the_next_snapshot(inquiry, room):
    await room["carol"].post("Rude remark")
    await everyone(room, lambda s: "Rude remark" in s.texts())
    card = next(iter(room["alice"].cards()))
    await room["alice"].send(type="card", op="hide", card=card)
    await everyone(room, lambda s: "Rude remark" not in s.texts(), ["carol", "dave", "presenter"])
    await room["alice"].until(lambda s: "is-hidden" in s.find(f"card-{card}").get("class"))
    assert "Rude remark" not in str(await fresh_board(inquiry.code, room["dave"].client))
    assert "Rude remark" not in str(await fresh_board(inquiry.code, room["carol"].client))
    await room["alice"].send(type="card", op="restore", card=card)
    await everyone(room, lambda s: "Rude remark" in s.texts())
    actions = await database_sync_to_async(
        lambda: list(AuditEntry.objects.values_list("action", flat=True))
    )()
    assert "card.hide" in actions and "card.restore" in actions


async def test_pre_moderation_holds_posts_until_approved(inquiry, room):
    await set_moderation(room, True, True)
    await room["carol"].post("Please approve me")
    await room["alice"].until(lambda s: queue(s) == ["Please approve me"])
    await room["carol"].until(
        lambda s: "Please approve me" in s.texts()
    )  # the author sees it, marked waiting
    assert "Waiting for a facilitator" in text(
        room["carol"], room["carol"].page.xpath("//li[starts-with(@id, 'card-')]")[0].get("id")
    )
    await room["dave"].post("Dave's visible? no, also waits")
    await room["alice"].until(lambda s: len(queue(s)) == 2)
    await room["dave"].until(lambda s: s.texts() == ["Dave's visible? no, also waits"])
    assert not any("Please approve me" in f.text for f in room["dave"].frames + room["presenter"].frames)
    card = int(room["alice"].page.xpath("//ol[@id='queue-cards']/li")[0].get("data-card"))
    await room["alice"].send(type="card", op="approve", card=card)
    await everyone(room, lambda s: "Please approve me" in s.texts())
    assert queue(room["alice"]) == ["Dave's visible? no, also waits"]


async def test_the_safeguarding_check_holds_back_personal_data_with_the_reason(inquiry, room):
    await room["carol"].post("Mrs Patel at LS1 4AP, NHS number 943 476 5919, waited 9 months")
    await room["alice"].until(lambda s: len(queue(s)) == 1)
    reason = text(room["alice"], room["alice"].page.xpath("//ol[@id='queue-cards']/li")[0].get("id"))
    assert "an NHS number" in reason and "a postcode next to a name" in reason
    await room["dave"].post("An ordinary post")
    await everyone(room, lambda s: "An ordinary post" in s.texts(), ["dave", "presenter"])
    assert not any("943 476 5919" in f.text for f in room["dave"].frames + room["presenter"].frames)
    assert "LS1 4AP" not in str(await fresh_board(inquiry.code, room["dave"].client))


EVASIONS = [
    "Write to jo.bloggs\u200b@example.org",
    "Write to jo.bloggs\uff20example.org",
    "Ring 077\u200b00 900\u2060123 after six",
    "Ring \uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13 after six",
    "Ring 07700.900.123 after six",
    "Her NHS number is 943\u200b476\u200b5919",
]


async def test_personal_data_written_to_slip_past_the_check_is_held_back_too(inquiry, room):
    for post in EVASIONS:
        await room["carol"].post(post)
        assert (await room["carol"].reply()).ack
    await room["alice"].until(lambda s: len(queue(s)) == len(EVASIONS))
    assert sorted(queue(room["alice"])) == sorted(EVASIONS)
    await room["dave"].post("An ordinary post")
    await everyone(room, lambda s: s.texts() == ["An ordinary post"], ["dave", "presenter"])
    for screen in (room["dave"], room["presenter"]):
        seen = "".join(f.text for f in screen.frames)
        assert not any(post in seen for post in EVASIONS)
    assert await database_sync_to_async(lambda: Card.objects.filter(status=Card.HELD).count())() == len(
        EVASIONS
    )


async def test_a_post_of_only_invisible_characters_is_refused_as_empty(inquiry, room):
    for post in ("\u200b", "\u200b\u200c\u200d\u2060\ufeff", " \u00ad \u3164 ", "\u200e\u0301"):
        await room["carol"].post(post)
        frame = await room["carol"].reply()
        assert frame.error == "empty_text", post
        assert "empty" in frame.error_message
    assert await database_sync_to_async(Card.objects.count)() == 0
    await room["carol"].post("\u200bStill here\u200b")
    assert (await room["carol"].reply()).ack
    await everyone(room, lambda s: s.texts() == ["Still here"])


async def test_the_safeguarding_check_can_be_turned_off(inquiry, room):
    await set_moderation(room, False, False)
    await room["carol"].post("Call me on 07700 900123")
    await everyone(room, lambda s: "Call me on 07700 900123" in s.texts())


async def test_an_edit_that_adds_personal_data_is_held_back(inquiry, room):
    await room["carol"].post("Harmless")
    await everyone(room, lambda s: "Harmless" in s.texts())
    card = next(iter(room["dave"].cards()))
    await room["carol"].send(type="card", op="edit", card=card, text="Email me: carol@example.org")
    await room["alice"].until(lambda s: queue(s) == ["Email me: carol@example.org"])
    await everyone(room, lambda s: s.texts() == [], ["dave", "presenter"])
    assert not any("carol@example.org" in f.text for f in room["dave"].frames)


async def test_a_removed_participant_is_disconnected_and_cannot_post_or_return(inquiry, room, carol):
    participant = await database_sync_to_async(lambda: Participant.objects.get(display_name="Carol").pk)()
    second_tab = await Screen(inquiry.code, carol).connect()
    await room["alice"].send(type="participant", op="remove", participant=participant)
    for screen in (room["carol"], second_tab):
        frame = await screen.until(lambda s: any(f.error == "removed" for f in s.frames))
        with pytest.raises(ConnectionClosed) as closed:
            await screen.until(lambda s: False)  # whatever live frames remain, then the close
        assert closed.value.code == 4403
    again = Screen(inquiry.code, carol)
    await again.connect(expect_frame=False)
    assert (await again.reply()).error == "forbidden"
    response = await database_sync_to_async(carol.get)(f"/i/{inquiry.code}/")
    assert response.status_code == 403 and b"You have been removed" in response.content
    await room["dave"].post("Still here")
    await room["dave"].until(lambda s: "Still here" in s.texts())
    assert frame is not None


async def test_a_facilitator_removes_the_author_of_a_card_on_the_board_from_its_menu(inquiry, room):
    """Not only from the review queue: a card on the board has "Remove participant" in its menu, naming its
    author to the facilitators only; it sends the same ``participant.remove``, refused to anyone else."""
    await set_moderation(room, False, False)
    await room["carol"].post("Everyone here is useless")
    await everyone(room, lambda s: "Everyone here is useless" in s.texts())
    (card,) = room["alice"].cards()
    button = room["alice"].find(f"card-{card}-remove")
    assert button is not None and button.get("data-action") == "remove-author"
    assert " ".join(button.text_content().split()) == "Remove participant who wrote this card"
    author = int(button.xpath("ancestor::li[@data-author]")[0].get("data-author"))
    carol = await database_sync_to_async(lambda: Participant.objects.get(display_name="Carol").pk)()
    assert author == carol
    for name in ("carol", "dave", "presenter"):
        assert room[name].find(f"card-{card}-remove") is None
        assert room[name].find(f"card-{card}").get("data-author") is None

    await room["dave"].send(type="participant", op="remove", participant=author)
    assert (await room["dave"].reply()).error == "forbidden"
    await room["alice"].send(type="participant", op="remove", participant=author)
    await room["carol"].until(lambda s: any(f.error == "removed" for f in s.frames))
    with pytest.raises(ConnectionClosed) as closed:
        await room["carol"].until(lambda s: False)
    assert closed.value.code == 4403
    assert await AuditEntry.objects.filter(action="participant.remove").aexists()
    # The removal's event takes the offer off the facilitators' screens; a stale screen's second try is
    # refused (the audit log records one removal, and the refused attempt as refused).
    await room["alice"].until(lambda s: s.find(f"card-{card}-remove") is None)
    assert room["alice"].find(f"card-{card}") is not None
    await room["alice"].send(type="participant", op="remove", participant=author)
    assert (await room["alice"].reply()).error == "invalid_state"
    assert await AuditEntry.objects.filter(action="participant.remove", refused=False).acount() == 1


async def test_a_silent_card_can_be_themed_without_leaking(inquiry, room):
    first = inquiry.current_round_id
    await room["alice"].send(type="round", op="phase", round=first, phase="silent")
    await room["alice"].send(type="theme", op="add", name="Early theme")
    await everyone(room, lambda s: len(s.themes()) == 1)
    await room["carol"].post("Quiet idea")
    await room["alice"].until(lambda s: "Quiet idea" in s.texts())
    card = next(iter(room["alice"].cards()))
    await room["alice"].send(type="card", op="move", card=card, theme=room["alice"].themes()[0][0])
    await room["alice"].until(lambda s: s.themes()[0][3] == [card])
    await room["dave"].until(lambda s: s.seq == room["alice"].seq)
    assert not any("Quiet idea" in f.text for f in room["dave"].frames + room["presenter"].frames)
    await room["alice"].send(type="round", op="phase", round=first, phase="reveal")
    await everyone(room, lambda s: s.themes()[0][3] == [card])
