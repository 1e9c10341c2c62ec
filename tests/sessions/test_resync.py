"""A screen that reconnects gets exactly what it missed (or a snapshot) and converges; a broadcast lost
on the way is recovered from the database."""

import pytest
from channels.db import database_sync_to_async

from sessions import events

from ..support import ConnectionClosed, Screen, fresh_board

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_reconnecting_screen_gets_exactly_what_it_missed(inquiry, carol, dave):
    dave_screen = await Screen(inquiry.code, dave).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    await carol_screen.post("Seen live")
    await dave_screen.until(lambda s: s.texts() == ["Seen live"])
    seen = dave_screen.seq
    await dave_screen.close()

    await carol_screen.post("Missed one")
    await carol_screen.post("Missed two")
    await carol_screen.until(lambda s: len(s.cards()) == 3)

    back = Screen(inquiry.code, dave, query=f"since={seen}")
    back.page = dave_screen.page  # the page kept what it had
    await back.connect()
    replay = back.frames[0]
    assert not replay.snapshot
    assert replay.seq == seen + 2
    assert "Missed one" in replay.text and "Missed two" in replay.text and "Seen live" not in replay.text
    assert back.board() == await fresh_board(inquiry.code, dave)
    await back.close()
    await carol_screen.close()


async def test_a_screen_far_behind_gets_a_snapshot(inquiry, carol, dave, settings):
    settings.WS_REPLAY_LIMIT = 2
    carol_screen = await Screen(inquiry.code, carol).connect()
    for text in ("one", "two", "three"):
        await carol_screen.post(text)
    await carol_screen.until(lambda s: len(s.cards()) == 3)
    back = await Screen(inquiry.code, dave, query="since=0").connect()
    assert back.frames[0].snapshot
    assert back.texts() == ["one", "three", "two"]
    await back.close()
    await carol_screen.close()


async def test_a_screen_ahead_of_the_server_gets_a_snapshot(inquiry, carol):
    screen = await Screen(inquiry.code, carol, query="since=999").connect()
    assert screen.frames[0].snapshot and screen.frames[0].seq == 0
    await screen.close()


async def test_a_screen_that_missed_nothing_gets_nothing_then_live_events(inquiry, carol, dave):
    carol_screen = await Screen(inquiry.code, carol).connect()
    await carol_screen.post("Before")
    await carol_screen.until(lambda s: len(s.cards()) == 1)
    current = carol_screen.seq
    dave_screen = await Screen(inquiry.code, dave, query=f"since={current}").connect(expect_frame=False)
    await carol_screen.post("After")
    frame = await dave_screen.next_event()
    assert frame.seq == current + 1 and "After" in frame.text and "Before" not in frame.text
    await dave_screen.close()
    await carol_screen.close()


async def test_a_lost_broadcast_is_recovered_from_the_database(inquiry, carol, dave, monkeypatch):
    dave_screen = await Screen(inquiry.code, dave).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    # The channel layer delivers at most once: drop the next broadcast on the floor.
    send = events._send
    monkeypatch.setattr(events, "_send", lambda group, message: None)
    await carol_screen.post("Dropped by the layer")
    await carol_screen.until(lambda s: any(f.ack for f in s.frames))
    monkeypatch.setattr(events, "_send", send)
    await carol_screen.post("Delivered")
    await dave_screen.until(lambda s: len(s.cards()) == 2)
    assert dave_screen.texts() == ["Delivered", "Dropped by the layer"]
    assert dave_screen.board() == await fresh_board(inquiry.code, dave)
    await dave_screen.close()
    await carol_screen.close()


async def test_a_client_can_ask_to_resume_from_a_sequence_number(inquiry, carol, dave):
    dave_screen = await Screen(inquiry.code, dave).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    await carol_screen.post("First")
    await carol_screen.post("Second")
    await dave_screen.until(lambda s: len(s.cards()) == 2)
    await dave_screen.send(type="sync", op="resume", last_seq=1)
    frame = await dave_screen.next_event()
    assert frame.seq == 2 and "Second" in frame.text and "First" not in frame.text
    await dave_screen.close()
    await carol_screen.close()


async def test_a_socket_of_someone_who_has_not_joined_is_refused(inquiry, anonymous, eve):
    for client in (anonymous, eve):
        screen = Screen(inquiry.code, client)
        await screen.connect(expect_frame=False)
        frame = await screen.receive()
        assert frame.error == "forbidden"
        with pytest.raises(ConnectionClosed) as closed:
            await screen.receive()
        assert closed.value.code == 4403


async def test_a_socket_from_another_origin_is_refused(inquiry, carol):
    for origin in (b"http://evil.example", None):
        screen = Screen(inquiry.code, carol, origin=origin)
        connected, _ = await screen.communicator.connect()
        assert not connected


async def test_a_participant_socket_for_another_inquiry_is_refused(inquiry, other_inquiry, carol):
    screen = Screen(other_inquiry.code, carol)
    await screen.connect(expect_frame=False)
    assert (await screen.reply()).error == "forbidden"
    await screen.close()


async def test_the_presenter_view_is_for_facilitators_only(inquiry, alice, carol):
    presenter = await Screen(inquiry.code, alice, query="view=presenter").connect()
    assert 'class="card-move"' not in presenter.frames[0].text
    await presenter.close()
    sneaky = await Screen(inquiry.code, carol, query="view=presenter").connect()
    # A participant asking for the presenter view is still just a participant.
    await sneaky.send(type="theme", op="add", name="No")
    assert (await sneaky.reply()).error == "forbidden"
    await sneaky.close()


async def test_a_reconnect_converges_after_theme_changes(inquiry, alice, carol, dave):
    alice_screen = await Screen(inquiry.code, alice).connect()
    dave_screen = await Screen(inquiry.code, dave).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    await carol_screen.post("Card")
    await dave_screen.until(lambda s: len(s.cards()) == 1)
    seen = dave_screen.seq
    await dave_screen.close()
    await alice_screen.until(lambda s: len(s.cards()) == 1)
    card = next(iter(alice_screen.cards()))
    await alice_screen.send(type="theme", op="add", name="T1")
    await alice_screen.until(lambda s: len(s.themes()) == 1)
    await alice_screen.send(type="card", op="move", card=card, theme=alice_screen.themes()[0][0])
    await alice_screen.send(type="theme", op="rename", theme=alice_screen.themes()[0][0], name="Renamed")
    await alice_screen.until(lambda s: s.themes() and s.themes()[0][1] == "Renamed")
    back = Screen(inquiry.code, dave, query=f"since={seen}")
    back.page = dave_screen.page
    await back.connect()
    assert back.board() == await fresh_board(inquiry.code, dave)
    assert await database_sync_to_async(lambda: inquiry.events.count())() == back.seq
    for screen in (back, alice_screen, carol_screen):
        await screen.close()


SECRET = "The falls on ward 7 are being covered up"


async def hidden_secret(inquiry, alice, carol):
    """Carol posts something a facilitator then hides: (Alice's screen, Carol's screen, card id)."""
    alice_screen = await Screen(inquiry.code, alice).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    await carol_screen.post(SECRET)
    await alice_screen.until(lambda s: SECRET in s.texts())
    card = next(pk for pk, text in alice_screen.cards().items() if text == SECRET)
    await alice_screen.send(type="card", op="hide", card=card)
    await carol_screen.until(lambda s: SECRET not in s.texts())
    return alice_screen, carol_screen, card


async def test_a_participant_replayed_from_zero_never_receives_a_hidden_cards_text(
    inquiry, alice, carol, dave
):
    alice_screen, carol_screen, _ = await hidden_secret(inquiry, alice, carol)
    await carol_screen.post("Visible to all")
    await alice_screen.until(lambda s: "Visible to all" in s.texts())

    since_zero = await Screen(inquiry.code, dave, query="since=0").connect()
    await since_zero.send(type="sync", op="resume", last_seq=0)
    await since_zero.send(type="sync", op="resume", last_seq=1)
    await since_zero.send(type="card", op="delete", card="x")  # answered after both resumes
    await since_zero.reply()
    assert since_zero.texts() == ["Visible to all"]
    assert not [frame for frame in since_zero.frames if SECRET in frame.text]
    assert since_zero.board() == await fresh_board(inquiry.code, dave)

    # A facilitator still gets the exact replay, the hidden card marked as hidden.
    facilitator = await Screen(inquiry.code, alice, query="since=0").connect()
    assert not facilitator.frames[0].snapshot
    assert SECRET in facilitator.frames[0].text and "Hidden from participants" in facilitator.frames[0].text
    for screen in (since_zero, facilitator, alice_screen, carol_screen):
        await screen.close()


async def test_a_participant_replayed_from_zero_never_receives_deleted_or_replaced_text(inquiry, carol, dave):
    carol_screen = await Screen(inquiry.code, carol).connect()
    await carol_screen.post("My old wording, with my address in it")
    await carol_screen.post("Posted by mistake")
    await carol_screen.until(lambda s: len(s.cards()) == 2)
    ids = {text: pk for pk, text in carol_screen.cards().items()}
    await carol_screen.send(
        type="card", op="edit", card=ids["My old wording, with my address in it"], text="Reworded"
    )
    await carol_screen.send(type="card", op="delete", card=ids["Posted by mistake"])
    await carol_screen.until(lambda s: s.texts() == ["Reworded"])

    back = await Screen(inquiry.code, dave, query="since=0").connect()
    assert back.texts() == ["Reworded"]
    assert not [f for f in back.frames if "old wording" in f.text or "by mistake" in f.text]
    for screen in (back, carol_screen):
        await screen.close()


async def test_a_lost_broadcast_is_not_filled_in_with_a_hidden_cards_text(
    inquiry, alice, carol, dave, monkeypatch
):
    """The hub fills a gap from the database for every screen at once: across a hide, participants'
    screens get a snapshot instead of the stored fragments."""
    dave_screen = await Screen(inquiry.code, dave).connect()
    alice_screen = await Screen(inquiry.code, alice).connect()
    carol_screen = await Screen(inquiry.code, carol).connect()
    send = events._send
    monkeypatch.setattr(events, "_send", lambda group, message: None)  # the layer loses both
    await carol_screen.post(SECRET)
    await carol_screen.until(lambda s: any(f.ack for f in s.frames))
    card = await database_sync_to_async(lambda: inquiry.cards.get(text=SECRET).pk)()
    await alice_screen.send(type="card", op="hide", card=card)
    await alice_screen.send(type="card", op="hide", card=card)  # answered once the first is stored
    assert (await alice_screen.reply()).error == "invalid_state"
    monkeypatch.setattr(events, "_send", send)
    await carol_screen.post("Delivered")
    await dave_screen.until(lambda s: s.texts() == ["Delivered"])
    assert not [frame for frame in dave_screen.frames if SECRET in frame.text]
    assert dave_screen.board() == await fresh_board(inquiry.code, dave)
    await alice_screen.until(lambda s: sorted(s.cards().values()) == ["Delivered", SECRET])
    assert alice_screen.board() == await fresh_board(inquiry.code, alice)
    for screen in (dave_screen, alice_screen, carol_screen):
        await screen.close()
