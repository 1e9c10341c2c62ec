"""The facilitator steers the room; every participant's screen and the presenter view follow, and a
screen that joins late shows the room as it is."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card
from inquiry.models import AuditEntry, Round
from sessions import presence

from ..support import Screen, attr, everyone, fresh_board, join_as, text

pytestmark = pytest.mark.django_db(transaction=True)


async def rounds_of(inquiry):
    return await database_sync_to_async(
        lambda: list(inquiry.rounds.order_by("position").values_list("pk", flat=True))
    )()


async def test_the_room_moves_to_a_round_and_shows_its_question(inquiry, room):
    first, second = await rounds_of(inquiry)
    await room["alice"].send(type="round", op="activate", round=second)
    await everyone(room, lambda s: s.round_question() == "What would you try first?")
    await room["carol"].post("Try one neighbourhood first")
    await everyone(room, lambda s: "Try one neighbourhood first" in s.texts())


async def test_moving_to_another_round_stops_the_timer_of_the_round_before(inquiry, room):
    first, second = await rounds_of(inquiry)
    await room["alice"].send(type="timer", op="start", seconds=300)
    await everyone(room, lambda s: attr(s, "timer", "data-ends-at"))
    await room["alice"].send(type="round", op="activate", round=second)
    await everyone(room, lambda s: s.round_question() == "What would you try first?")
    await everyone(room, lambda s: attr(s, "timer", "data-ends-at") == "")


async def test_the_facilitator_moves_the_join_panel_to_a_corner_and_back(inquiry, room):
    await everyone(room, lambda s: attr(s, "room-state", "data-join") == "large")
    await room["bob"].send(type="room", op="join", corner=True)
    await everyone(room, lambda s: attr(s, "room-state", "data-join") == "corner")
    await room["alice"].send(type="room", op="join", corner=False)
    await everyone(room, lambda s: attr(s, "room-state", "data-join") == "large")
    entries = await database_sync_to_async(
        lambda: list(AuditEntry.objects.filter(action="room.join").order_by("pk").values_list("detail"))
    )()
    assert entries == [("join panel in the corner",), ("join panel large",)]


async def test_rounds_are_added_edited_and_reordered_during_the_event(inquiry, room):
    await room["alice"].send(
        type="round", op="add", question="What will you do on Monday?", guidance="One action each."
    )
    await everyone(
        room,
        lambda s: "What will you do on Monday?" in text(s, "round-controls") or s is not room["alice"],
        ["alice", "bob"],
    )
    new = (await rounds_of(inquiry))[-1]
    await room["bob"].send(type="round", op="move", round=new, position=0)
    await room["bob"].send(
        type="round", op="edit", round=new, question="What will you do on Monday morning?", guidance=""
    )
    await room["alice"].send(type="round", op="activate", round=new)
    await everyone(room, lambda s: s.round_question() == "What will you do on Monday morning?")
    assert text(room["carol"], "round-banner").startswith("Round 1 of 3")
    assert (await rounds_of(inquiry))[0] == new


async def test_guidance_shows_under_the_question(inquiry, room):
    first, _ = await rounds_of(inquiry)
    await room["alice"].send(
        type="round",
        op="edit",
        round=first,
        question="What gets in the way today?",
        guidance="Think of one resident you know.",
    )
    await everyone(room, lambda s: text(s, "round-guidance") == "Think of one resident you know.")


async def carol_writes_in_silence(room, round_id):
    """Silent writing in this round, and Carol's secret card, as she and the facilitators see it."""
    await room["alice"].send(type="round", op="phase", round=round_id, phase="silent")
    await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "silent")
    secret = f"Secret thought {uuid.uuid4().hex[:6]}"
    await room["carol"].post(secret)
    await room["carol"].until(lambda s: secret in s.texts())
    await room["alice"].until(lambda s: secret in s.texts())
    return secret


async def test_silent_writing_never_leaks_text_to_other_participants(inquiry, room):
    first, _ = await rounds_of(inquiry)
    # The author and the facilitators see it; the others see a count only.
    secret = await carol_writes_in_silence(room, first)
    await room["bob"].until(lambda s: secret in s.texts())
    await room["dave"].until(lambda s: "1 contribution written so far" in text(s, "silent-count"))
    await room["presenter"].until(lambda s: "1 contribution written so far" in text(s, "silent-count"))
    for name in ("dave", "presenter"):
        assert not any(secret in frame.text for frame in room[name].frames), name
    # A late joiner's snapshot does not carry it either.
    assert secret not in str(await fresh_board(inquiry.code, room["dave"].client))
    # Reveal: all appear at once, everywhere.
    await room["alice"].send(type="round", op="phase", round=first, phase="reveal")
    await everyone(room, lambda s: secret in s.texts())
    assert text(room["dave"], "silent-count") == ""


async def test_a_late_joiner_gets_round_phase_timer_spotlight_and_announcement(
    inquiry, room, frank_in_inquiry
):
    first, second = await rounds_of(inquiry)
    await room["carol"].post("Worth a spotlight")
    await room["alice"].until(lambda s: len(s.cards()) == 1)
    card = next(iter(room["alice"].cards()))
    await room["alice"].send(type="round", op="activate", round=second)
    await room["alice"].send(type="round", op="phase", round=second, phase="silent")
    await room["alice"].send(type="timer", op="start", seconds=300)
    await room["alice"].send(type="spotlight", op="set", card=card)
    await room["alice"].send(type="announce", op="set", text="Back in five minutes")
    await room["alice"].until(lambda s: text(s, "announcement-text") == "Back in five minutes")
    late = await Screen(inquiry.code, frank_in_inquiry).connect()
    assert late.frames[0].snapshot
    assert late.round_question() == "What would you try first?"
    assert attr(late, "round-banner", "data-phase") == "silent"
    ends_at = int(attr(late, "timer", "data-ends-at"))
    now = int(late.frames[0].elements[0].get("data-now"))
    assert 295_000 <= ends_at - now <= 300_000
    assert "Worth a spotlight" in text(late, "spotlight")
    assert text(late, "announcement-text") == "Back in five minutes"
    await late.close()


async def test_the_timer_starts_gains_time_and_stops_on_every_screen(inquiry, room):
    await room["alice"].send(type="timer", op="start", seconds=120)
    await everyone(room, lambda s: attr(s, "timer", "data-ends-at"))
    ends = int(attr(room["dave"], "timer", "data-ends-at"))
    await room["bob"].send(type="timer", op="add", seconds=60)
    await everyone(room, lambda s: int(attr(s, "timer", "data-ends-at") or 0) >= ends + 59_000)
    await room["alice"].send(type="timer", op="stop")
    await everyone(room, lambda s: attr(s, "timer", "data-ends-at") == "")


async def test_a_timer_can_close_the_round_when_time_is_up(inquiry, room):
    await room["alice"].send(type="timer", op="start", seconds=1, closes_round=True)
    await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "closed", ["carol", "presenter"])
    await room["carol"].post("Too late")
    assert (await room["carol"].reply()).error == "round_closed"


async def test_spotlight_shows_a_card_or_a_theme_and_clears(inquiry, room):
    await room["carol"].post("Bring social prescribers into practices")
    await room["alice"].until(lambda s: len(s.cards()) == 1)
    card = next(iter(room["alice"].cards()))
    await room["alice"].send(type="spotlight", op="set", card=card)
    await everyone(room, lambda s: "Bring social prescribers into practices" in text(s, "spotlight"))
    await room["alice"].send(type="theme", op="add", name="Prevention")
    await room["alice"].until(lambda s: len(s.themes()) == 1)
    await room["alice"].send(type="spotlight", op="set", theme=room["alice"].themes()[0][0])
    await everyone(room, lambda s: "Prevention" in text(s, "spotlight"))
    await room["bob"].send(type="spotlight", op="clear")
    await everyone(room, lambda s: attr(s, "spotlight", "hidden") is not None)


async def test_an_announcement_shows_until_cleared(inquiry, room):
    await room["alice"].send(type="announce", op="set", text="Ten minutes left: start prioritising")
    await everyone(room, lambda s: text(s, "announcement-text") == "Ten minutes left: start prioritising")
    await room["alice"].send(type="announce", op="set", text="Replaced message")
    await everyone(room, lambda s: text(s, "announcement-text") == "Replaced message")
    await room["alice"].send(type="announce", op="clear")
    await everyone(room, lambda s: text(s, "announcement-text") == "")


async def test_pausing_the_room_stops_posting_until_it_resumes(inquiry, room, bob):
    await room["alice"].send(type="room", op="pause", paused=True)
    await everyone(room, lambda s: attr(s, "room-state", "data-paused") == "1")
    assert attr(room["carol"], "round-banner", "data-open") == "0"
    await room["carol"].post("While paused")
    assert (await room["carol"].reply()).error == "paused"
    # A facilitator's screen that connects meanwhile is given the Pause button as it is now, once: the
    # workspace holds it outside the live region (before the tools under it, where Tab meets it).
    late = await Screen(inquiry.code, bob).connect(expect_frame=False)
    snapshot = await late.until(lambda s: any(f.first("live") is not None for f in s.frames))
    (whole,) = [f for f in snapshot.frames if f.first("live") is not None]
    assert whole.text.count('id="room-pause-bar"') == 1
    assert whole.first("room-pause-bar").text_content().strip() == "Resume the room"
    await late.close()
    await room["alice"].send(type="room", op="pause", paused=False)
    await everyone(room, lambda s: attr(s, "room-state", "data-paused") == "")
    await room["carol"].post("After the pause")
    await everyone(room, lambda s: "After the pause" in s.texts())


async def test_follow_me_sets_the_round_every_screen_shows(inquiry, room):
    first, second = await rounds_of(inquiry)
    await room["alice"].send(type="room", op="view", round=second, follow=True)
    await everyone(
        room,
        lambda s: (
            attr(s, "room-state", "data-view-round") == str(second)
            and attr(s, "room-state", "data-follow") == "1"
        ),
    )
    await room["alice"].send(type="room", op="view", round=None, follow=False)
    await everyone(
        room,
        lambda s: (
            attr(s, "room-state", "data-view-round") == "" and attr(s, "room-state", "data-follow") == ""
        ),
    )


async def test_presence_counts_connected_participants_by_sector(inquiry, room, frank_in_inquiry):
    # One person per sector is below the lens's minimum group size (3): the room sees the total only.
    await room["alice"].until(lambda s: text(s, "presence").startswith("2 participants connected"))
    for name in ("alice", "presenter", "carol"):
        await room[name].until(lambda s: text(s, "presence").startswith("2 participants connected"))
        assert "NHS" not in text(room[name], "presence")
        assert "Local authority" not in text(room[name], "presence")
    inquiry.k_threshold = 1
    await inquiry.asave(update_fields=["k_threshold"])
    extra = await Screen(inquiry.code, frank_in_inquiry).connect()
    await room["alice"].until(lambda s: text(s, "presence").startswith("3 participants connected"))
    assert "NHS 1" in text(room["alice"], "presence") and "Local authority 1" in text(
        room["alice"], "presence"
    )
    assert "Voluntary and community sector 1" in text(room["alice"], "presence")
    await extra.close()
    await room["presenter"].until(lambda s: text(s, "presence").startswith("2 participants connected"))


async def test_a_small_sector_cannot_be_counted_as_the_total_less_the_sectors_shown(inquiry, room):
    """Three sectors of two people and one of one, the minimum group 2: showing the three would give the
    fourth's count as the total less theirs; two of the four are left out."""
    inquiry.k_threshold = 2
    await inquiry.asave(update_fields=["k_threshold"])
    people = [("Nina", "NHS"), ("Len", "Local authority"), ("Vic", "Voluntary and community sector")]
    people += [("Val", "Voluntary and community sector"), ("Olly", "Other")]
    phones = []
    for name, sector in people:
        client = await database_sync_to_async(join_as)(inquiry, name, sector)
        phones.append(await Screen(inquiry.code, client).connect())
    await room["presenter"].until(lambda s: text(s, "presence").startswith("7 participants connected"))
    shown = text(room["presenter"], "presence")
    assert "Other" not in shown, shown
    assert sum(f"{sector} 2" in shown for sector in inquiry.sectors) == 2, shown
    for phone in phones:
        await phone.close()


async def test_the_first_phone_in_counts_itself_from_its_first_frame(inquiry, carol):
    """A phone's socket is counted with the next presence frame (arrivals are written together, up to a
    second later); its own first frame already counts it: nobody alone in a room reads "0 participants
    connected"."""
    screen = await Screen(inquiry.code, carol).connect()
    assert text(screen, "presence").startswith("1 participant connected"), text(screen, "presence")
    await screen.close()


async def test_a_phone_alone_still_counts_itself_once_its_presence_frame_comes(inquiry, carol, monkeypatch):
    """Its connect read the count (without it: its arrival is written by the presence frame) into the
    count that pages read at most once a second; the frame counts afresh, not from that read (whenever
    the frame came within that second, the phone read "0 participants connected" from then on). The
    read is held longer here so that the frame always comes within it."""
    monkeypatch.setattr(presence, "CACHE_FOR", 60.0)
    screen = await Screen(inquiry.code, carol).connect()
    await screen.until(lambda s: len(s.frames) > 1 and 'id="presence"' in s.frames[-1].text)
    assert text(screen, "presence").startswith("1 participant connected"), text(screen, "presence")
    await screen.close()


async def test_a_screen_opened_once_the_room_has_joined_counts_the_room(inquiry, alice, carol, dave):
    """The room's snapshot is rendered once per sequence number, here when the first phone connected and
    nobody was counted yet; a presenter who opens the shared screen later, with nothing changed since,
    still reads the room as it is (it read "0 participants connected" beside a room of 100)."""
    phones = [await Screen(inquiry.code, person).connect() for person in (carol, dave)]
    await phones[0].until(lambda s: text(s, "presence").startswith("2 participants connected"))
    presenter = await Screen(inquiry.code, alice, query="view=presenter").connect()
    assert text(presenter, "presence").startswith("2 participants connected"), text(presenter, "presence")
    for screen in (presenter, *phones):
        await screen.close()


async def test_two_facilitators_acting_at_once_converge(inquiry, room):
    first, _ = await rounds_of(inquiry)
    await room["carol"].post("Shared card")
    await room["alice"].until(lambda s: len(s.cards()) == 1)
    card = next(iter(room["alice"].cards()))
    await room["alice"].send(type="theme", op="add", name="One")
    await room["bob"].send(type="theme", op="add", name="Two")
    await everyone(room, lambda s: len(s.themes()) == 2)
    one, two = (t[0] for t in room["alice"].themes())
    # At once: one starts the timer while the other changes the phase; both move the same card.
    await room["alice"].send(type="timer", op="start", seconds=600)
    await room["bob"].send(type="round", op="phase", round=first, phase="silent")
    await room["alice"].send(type="card", op="move", card=card, theme=one)
    await room["bob"].send(type="card", op="move", card=card, theme=two)
    # 7 changes in all: the post, two themes, the timer, the phase and two moves.
    await everyone(room, lambda s: s.seq == 7)
    facilitator_view = await fresh_board(inquiry.code, room["alice"].client)
    participant_view = await fresh_board(inquiry.code, room["carol"].client)
    for name, screen in room.items():
        assert screen.board() == (facilitator_view if name in ("alice", "bob") else participant_view), name
        assert attr(screen, "round-banner", "data-phase") == "silent"
        assert attr(screen, "timer", "data-ends-at")
    stored = await database_sync_to_async(lambda: Card.objects.get(pk=card).theme_id)()
    assert stored in (one, two)
    for screen in room.values():
        assert screen.theme_of(card) == stored  # whichever move came last wins, everywhere


async def test_a_participant_cannot_steer_and_the_attempt_is_audited(inquiry, room):
    first, _ = await rounds_of(inquiry)
    attempts = [
        dict(type="round", op="phase", round=first, phase="closed"),
        dict(type="timer", op="start", seconds=10),
        dict(type="spotlight", op="clear"),
        dict(type="announce", op="set", text="Free pizza"),
        dict(type="room", op="pause", paused=True),
        dict(type="room", op="join", corner=True),
        dict(type="card", op="hide", card=1),
        dict(type="participant", op="remove", participant=1),
    ]
    for attempt in attempts:
        await room["carol"].send(**attempt)
        frame = await room["carol"].reply()
        assert frame.error == "forbidden", attempt
    refused = await database_sync_to_async(
        lambda: list(AuditEntry.objects.filter(refused=True).values_list("action", flat=True))
    )()
    assert sorted(refused) == sorted(f"{a['type']}.{a['op']}" for a in attempts)
    await room["alice"].send(type="announce", op="set", text="A real announcement")
    await everyone(room, lambda s: text(s, "announcement-text") == "A real announcement")
    assert not any("Free pizza" in f.text for f in room["dave"].frames)


async def test_facilitators_see_the_audit_log(inquiry, room, alice, eve, carol):
    first, _ = await rounds_of(inquiry)
    await room["alice"].send(type="round", op="phase", round=first, phase="silent")
    await room["carol"].send(type="timer", op="stop")
    await room["carol"].reply()
    await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "silent", ["bob"])
    page = (await database_sync_to_async(alice.get)(f"/i/{inquiry.code}/audit/")).content.decode()
    assert "round.phase" in page and "round 1 → silent" in page and "timer.stop" in page and "Refused" in page
    assert (await database_sync_to_async(eve.get)(f"/i/{inquiry.code}/audit/")).status_code == 404
    assert (await database_sync_to_async(carol.get)(f"/i/{inquiry.code}/audit/")).status_code == 302


async def test_closed_rounds_are_read_only_and_vote_phase_stops_posting(inquiry, room):
    first, _ = await rounds_of(inquiry)
    await room["alice"].send(type="round", op="phase", round=first, phase="vote")
    # The Vote phase is the round's dot vote (tests/board/test_vote_phase.py): posting stops as it opens.
    await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "vote")
    await everyone(room, lambda s: attr(s, "vote-bar", "data-vote-open") == "1")
    await room["carol"].post("During the vote")
    assert (await room["carol"].reply()).error == "round_closed"
    assert await database_sync_to_async(lambda: Round.objects.get(pk=first).phase)() == "vote"


async def test_an_author_keeps_their_silent_card_where_the_facilitators_put_it(inquiry, room):
    """Facilitators cluster during silent writing: the author's own card moves on their screen too,
    and stays there through changes that redraw whole columns (a rename, merge, a new round)."""
    first, _ = await rounds_of(inquiry)
    await room["dave"].post("Shared before the silence")
    await everyone(room, lambda s: "Shared before the silence" in s.texts())
    await room["alice"].send(type="theme", op="add", name="Workforce")
    await room["alice"].send(type="theme", op="add", name="Elsewhere")
    await everyone(room, lambda s: len(s.themes()) == 2)
    (workforce, *_), (elsewhere, *_) = room["alice"].themes()
    secret = await carol_writes_in_silence(room, first)
    cards = {text: pk for pk, text in room["alice"].cards().items()}
    shared, mine = cards["Shared before the silence"], cards[secret]

    async def carol_sees_what_she_would_on_connecting():
        assert room["carol"].board() == await fresh_board(inquiry.code, room["carol"].client)
        assert secret not in str(await fresh_board(inquiry.code, room["dave"].client))

    # Into a theme, then the shared card in after it and another before it: the secret keeps its place.
    await room["alice"].send(type="card", op="move", card=mine, theme=workforce)
    await room["carol"].until(lambda s: s.theme_of(mine) == workforce)
    await room["alice"].send(type="card", op="move", card=shared, theme=workforce, position=0)
    await everyone(room, lambda s: s.theme_of(shared) == workforce)
    await room["carol"].until(lambda s: s.themes()[0][3] == [shared, mine])
    await carol_sees_what_she_would_on_connecting()

    # A rename redraws the column for every participant; a merge redraws the one merged into.
    await room["alice"].send(type="theme", op="rename", theme=workforce, name="Workforce & skills")
    await everyone(room, lambda s: s.themes()[0][1] == "Workforce & skills")
    await room["carol"].until(lambda s: s.themes()[0][3] == [shared, mine])
    await room["alice"].send(type="theme", op="merge", theme=workforce, into=elsewhere)
    await everyone(room, lambda s: len(s.themes()) == 1)
    await room["carol"].until(lambda s: s.themes()[0][3] == [shared, mine])
    await carol_sees_what_she_would_on_connecting()

    # A new round redraws the whole board.
    await room["alice"].send(type="round", op="add", question="And next?", guidance="")
    await room["alice"].until(lambda s: "And next?" in text(s, "round-controls"))
    await room["carol"].until(lambda s: s.themes()[0][3] == [shared, mine])
    assert secret not in room["dave"].texts()
    for name in ("dave", "presenter"):
        assert not any(secret in frame.text for frame in room[name].frames), name
    await carol_sees_what_she_would_on_connecting()


def phase_shown(screen):
    return screen.find("round-banner").xpath(".//span[contains(@class, 'phase')]")[0].text_content()


async def test_a_next_steps_round_is_labelled_for_what_participants_do(inquiry, room):
    first, _ = await rounds_of(inquiry)
    await everyone(room, lambda s: phase_shown(s) == "Gather: contributions appear as they are posted")
    await room["alice"].send(type="round", op="kind", round=first, kind="next_steps")
    await everyone(room, lambda s: phase_shown(s) == "Next steps: propose actions and sign up")
    await room["alice"].send(type="round", op="kind", round=first, kind="map")
    await everyone(room, lambda s: phase_shown(s) == "Systems map: link themes and contributions")
    # Closed is closed, whatever the round was for.
    await room["alice"].send(type="round", op="phase", round=first, phase="closed")
    await everyone(room, lambda s: phase_shown(s) == "Closed: read-only")


HIDDEN_UNTIL_REVEAL = "new posts stay hidden until the reveal"
SILENT_MAP = f"Systems map · Silent writing: links show as they are drawn; {HIDDEN_UNTIL_REVEAL}"
SILENT_STEPS = f"Next steps · Silent writing: actions show as they are proposed; {HIDDEN_UNTIL_REVEAL}"


async def test_a_map_or_next_steps_round_in_silent_writing_says_so_on_every_screen(inquiry, room):
    first, _ = await rounds_of(inquiry)
    await room["alice"].send(type="round", op="kind", round=first, kind="map")
    await everyone(room, lambda s: phase_shown(s) == "Systems map: link themes and contributions")
    await room["alice"].send(type="round", op="phase", round=first, phase="silent")
    await everyone(room, lambda s: phase_shown(s) == SILENT_MAP)
    await room["alice"].send(type="round", op="kind", round=first, kind="next_steps")
    await everyone(room, lambda s: phase_shown(s) == SILENT_STEPS)
    # What a screen connecting now shows is the same.
    later = await Screen(inquiry.code, room["carol"].client).connect()
    assert phase_shown(later) == SILENT_STEPS
    await later.close()
    await room["alice"].send(type="round", op="phase", round=first, phase="reveal")
    await everyone(room, lambda s: phase_shown(s) == "Next steps: propose actions and sign up")


async def test_the_agenda_names_each_rounds_phase_whole_and_a_round_to_come_as_such(inquiry, room):
    first, second = await rounds_of(inquiry)
    # The second round has not been reached: it is to come, not "gathering".
    assert "(to come)" in text(room["alice"], f"round-{second}")
    assert "(now: Gather: contributions appear as they are posted)" in text(room["alice"], f"round-{first}")
    await room["alice"].send(type="round", op="phase", round=second, phase="silent")
    await room["alice"].until(
        lambda s: "(Silent writing: contributions stay hidden until the reveal)" in text(s, f"round-{second}")
    )
    await room["alice"].send(type="round", op="activate", round=second)
    await room["alice"].until(lambda s: "(now: Silent writing" in text(s, f"round-{second}"))
    assert "(Gather: contributions appear as they are posted)" in text(room["alice"], f"round-{first}")


async def test_an_empty_round_is_deleted_and_one_with_cards_is_refused_saying_why(inquiry, room):
    first, second = await rounds_of(inquiry)
    await room["alice"].send(type="round", op="add", question="Anything else?", guidance="")
    await room["alice"].until(lambda s: "Anything else?" in text(s, "round-controls"))
    third = (await rounds_of(inquiry))[-1]
    assert room["alice"].find(f"round-{third}-delete") is not None
    # The round the room is in has no Delete button, and the server refuses it too.
    assert room["alice"].find(f"round-{first}-delete") is None
    await room["alice"].send(type="round", op="delete", round=first)
    assert "move the room to another round first" in (await room["alice"].reply()).error_message
    # A round with cards keeps them: refused, saying what it holds.
    await room["alice"].send(type="round", op="activate", round=second)
    await everyone(room, lambda s: s.round_question() == "What would you try first?")
    await room["carol"].post("Try one neighbourhood first")
    await everyone(room, lambda s: "Try one neighbourhood first" in s.texts())
    await room["alice"].send(type="round", op="activate", round=first)
    await everyone(room, lambda s: s.round_question() == "What gets in the way today?")
    await room["bob"].send(type="round", op="delete", round=second)
    refused = await room["bob"].reply()
    assert refused.error == "invalid_state"
    assert "holds 1 contribution:" in refused.error_message
    assert "Try one neighbourhood first" in room["carol"].texts()
    # Participants cannot delete a round.
    await room["carol"].send(type="round", op="delete", round=third)
    assert (await room["carol"].reply()).error == "forbidden"
    await room["alice"].send(type="round", op="delete", round=third)
    await everyone(room, lambda s: "Anything else?" not in text(s, "round-controls"), ["alice", "bob"])
    assert await rounds_of(inquiry) == [first, second]
    assert text(room["alice"], "round-controls").startswith("Agenda: 2 rounds")


async def test_a_blank_announcement_is_refused_with_a_reason_to_its_sender(inquiry, room):
    await room["alice"].send(type="announce", op="set", text=" \u00a0\u200b\t ")
    frame = await room["alice"].reply()
    assert frame.error == "empty_text"
    assert frame.error_message == "The announcement is empty: write something first."
    inquiry_now = await database_sync_to_async(type(inquiry).objects.get)(pk=inquiry.pk)
    assert inquiry_now.announcement == ""
