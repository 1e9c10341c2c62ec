"""A card the room may not see yet (silent writing before the reveal, waiting for approval, hidden by a
facilitator) is worked on by the facilitators meanwhile: moved into themes, moved with others, its theme
renamed, moved, merged and deleted, suggestions accepted, the map shown, the view changed, the vote
opened on themes. None of it may carry the card's words to another participant's phone or to the
presenter view: not live, not in a catch-up, not in a snapshot."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card, Theme

from ..support import Screen, attr, everyone, fresh_board

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async


async def done(screen, before):
    """Wait until the facilitator's change is on ``screen`` (or was refused: then say so)."""
    await screen.until(lambda s: s.seq > before or any(f.error for f in s.frames[-1:]), timeout=10)
    errors = [f for f in screen.frames[-1:] if f.error]
    assert not errors, errors


async def unseen_card(room, inquiry, state):
    """Carol's card that the room does not see, in ``state``: (its id, its words)."""
    alice, carol = room["alice"], room["carol"]
    first = await sync(lambda: inquiry.rounds.order_by("position").first().pk)()
    if state == "silent":
        await alice.send(type="round", op="phase", round=first, phase="silent")
        await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "silent")
    elif state == "pending":
        await alice.send(type="room", op="settings", premoderation=True, safeguarding=False)
        await everyone(room, lambda s: s.seq >= 1)
    secret = f"Unseen {state} {uuid.uuid4().hex[:8]}"
    await carol.post(secret)
    await alice.until(lambda s: secret in s.page.text_content())
    card = await sync(lambda: Card.objects.get(text=secret).pk)()
    if state == "hidden":
        seq = alice.seq
        await alice.send(type="card", op="hide", card=card)
        await done(alice, seq)
    return card, secret


@pytest.mark.parametrize("state", ["silent", "pending", "hidden"])
async def test_no_facilitators_change_carries_an_unseen_card_to_the_room(inquiry, room, state, settings):
    settings.SUGGESTIONS_ENABLED = True
    alice = room["alice"]
    await room["dave"].post("Dave's own, for company")
    await alice.until(lambda s: "Dave's own, for company" in s.texts())
    other = await sync(lambda: Card.objects.get(text="Dave's own, for company").pk)()
    card, secret = await unseen_card(room, inquiry, state)
    # From here on (a hidden card was seen before it was hidden).
    await everyone(room, lambda s: s.seq == alice.seq, names=("dave", "presenter"))
    seen = {name: len(room[name].frames) for name in ("dave", "presenter")}

    async def steer(**message):
        seq = alice.seq
        await alice.send(**message)
        await done(alice, seq)

    await steer(type="theme", op="add", name="Where it sits")
    await steer(type="theme", op="add", name="Next door")
    one, two = await sync(lambda: list(Theme.objects.order_by("pk").values_list("pk", flat=True)))()
    await steer(type="card", op="move", card=card, theme=one)
    await steer(type="theme", op="rename", theme=one, name="Renamed")
    await steer(type="theme", op="recolour", theme=one, colour="sun")
    await steer(type="theme", op="move", theme=one, position=1)
    await steer(type="card", op="move_many", cards=[card, other], theme=two)
    await steer(type="theme", op="merge", theme=two, into=one)
    await steer(type="spotlight", op="set", theme=one)
    await steer(type="card", op="move", card=card, theme=None)
    await steer(type="theme", op="delete", theme=one)
    await steer(
        type="suggest", op="accept", themes=[{"name": "Suggested", "cards": [card, other]}], placements=[]
    )
    await steer(type="room", op="view", round=None, follow=True)
    await steer(type="map", op="show", on=True)
    await steer(type="map", op="tidy")
    await steer(type="map", op="show", on=False)
    if state != "silent":  # a vote in silent writing reveals the round: the facilitator's call
        await steer(type="vote", op="open", round=None, target="themes", budget=3, per_item=2)
        await steer(type="vote", op="close")
    # Every screen has every change.
    await everyone(room, lambda s: s.seq == alice.seq, names=("dave", "presenter"))
    for name in ("dave", "presenter"):
        leaked = [f.text[:300] for f in room[name].frames[seen[name] :] if secret in f.text]
        assert not leaked, (name, leaked)
    # A catch-up from the start, and a fresh snapshot, do not carry it either.
    dave = room["dave"]
    seen = len(dave.frames)
    await dave.send(type="sync", op="resume", last_seq=0)
    await dave.until(lambda s: len(s.frames) > seen, timeout=10)
    assert not [f.text[:300] for f in dave.frames[seen:] if secret in f.text]
    assert secret not in str(await fresh_board(inquiry.code, dave.client))
    presenter = await Screen(inquiry.code, room["alice"].client, query="view=presenter").connect()
    assert secret not in presenter.frames[0].text
    await presenter.close()
    # The author and the facilitators still have it.
    await room["carol"].until(lambda s: secret in s.texts())
    assert secret in alice.page.text_content()
