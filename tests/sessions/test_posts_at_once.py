"""Many participants posting in the same instant over their sockets: posts that arrive while earlier
ones are being stored go in together, and still each sender gets its own answer, a refused post turns
down that post only, a resend is stored once, and every screen ends with the board a fresh screen gets."""

import asyncio
import uuid

import pytest

from inquiry.models import Participant

from ..support import Screen, everyone, fresh_board, join_as

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 24


async def test_posts_arriving_together_are_each_answered_and_reach_every_screen(inquiry, alice):
    clients = [await asyncio.to_thread(join_as, inquiry, f"P{n}", "NHS") for n in range(PEOPLE)]
    facilitator = await Screen(inquiry.code, alice).connect()
    first = await inquiry.rounds.afirst()
    await facilitator.send(type="round", op="activate", round=first.pk)
    screens = [await Screen(inquiry.code, client).connect() for client in clients]
    question = first.question
    await everyone({"f": facilitator, **dict(enumerate(screens))}, lambda s: s.round_question() == question)
    # One of them has been removed by a facilitator meanwhile (their socket is still open).
    removed = await Participant.objects.filter(inquiry=inquiry, display_name="P3").aupdate(removed=True)
    assert removed == 1

    resent = str(uuid.uuid4())
    sends = [screen.post(f"Idea from P{n}") for n, screen in enumerate(screens)]
    sends.append(screens[0].post("Idea from P0, sent twice", client_id=resent))
    sends.append(screens[0].post("Idea from P0, sent twice", client_id=resent))
    await asyncio.gather(*sends)

    expected = sorted([f"Idea from P{n}" for n in range(PEOPLE) if n != 3] + ["Idea from P0, sent twice"])
    room = {"facilitator": facilitator, **{f"P{n}": screen for n, screen in enumerate(screens)}}
    await everyone(room, lambda s: sorted(s.texts()) == expected)

    refused = await screens[3].until(lambda s: any(frame.error for frame in s.frames))
    assert [frame.error for frame in refused.frames if frame.error] == ["removed"]
    assert not any(frame.ack for frame in screens[3].frames)
    for n, screen in enumerate(screens):
        if n in (0, 3):
            continue
        await screen.until(lambda s: any(frame.ack for frame in s.frames))
        assert len([frame for frame in screen.frames if frame.ack]) == 1
    await screens[0].until(lambda s: len([f for f in s.frames if f.ack]) == 3)
    acks = [frame.ack for frame in screens[0].frames if frame.ack]
    assert acks.count(resent) == 2  # the resend is answered with the card already stored

    participant_view = await fresh_board(inquiry.code, clients[1])
    facilitator_view = await fresh_board(inquiry.code, alice)
    for name, screen in room.items():
        assert screen.board() == (facilitator_view if name == "facilitator" else participant_view), name
    for screen in room.values():
        live = [frame.seq for frame in screen.frames if frame.seq is not None and not frame.snapshot]
        assert live == sorted(set(live))
        await screen.close()


async def test_a_post_that_fails_unexpectedly_costs_the_others_nothing(inquiry, alice, monkeypatch):
    """A bug storing one post (here: a store that raises on one text) must not lose the posts that
    arrived with it: they are stored one at a time, and only the failing sender hears of it."""
    from board import actions

    real = actions.post_cards

    def failing_on_one(inquiry_id, posts):
        if any(text == "This one breaks the store" for _, _, text in posts):
            raise RuntimeError("a bug in storing one post")
        return real(inquiry_id, posts)

    monkeypatch.setattr(actions, "post_cards", failing_on_one)
    clients = [await asyncio.to_thread(join_as, inquiry, f"P{n}", "NHS") for n in range(8)]
    screens = [await Screen(inquiry.code, client).connect() for client in clients]
    facilitator = await Screen(inquiry.code, alice).connect()
    texts = [f"Idea from P{n}" for n in range(1, 8)]
    # The first post goes alone; the rest arrive while it is stored and go in together, the failing one
    # among them.
    await asyncio.gather(
        *(screen.post(text) for screen, text in zip(screens[1:], texts, strict=True)),
        screens[0].post("This one breaks the store"),
    )
    await facilitator.until(lambda s: sorted(s.texts()) == sorted(texts))
    failed = await screens[0].reply()
    assert failed.error == "server_error"
    for screen in screens[1:]:
        assert (await screen.reply()).ack
    # The socket stays up: the same sender posts again.
    monkeypatch.setattr(actions, "post_cards", real)
    await screens[0].post("Trying again")
    await facilitator.until(lambda s: "Trying again" in s.texts())
    for screen in [*screens, facilitator]:
        await screen.close()
