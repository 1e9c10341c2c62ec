"""What happens next, over the websocket: participants propose actions in a next-steps round and sign up
("I'm in"), withdraw; counts by sector respect K; contacts are shared by consent only and reach only
the people their owner chose: in private frames, never in the room's events, replays or snapshots."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Contact, NextStep
from inquiry.models import Participant
from sessions.models import Event

from ..support import Screen, attr, everyone, join_as, text

pytestmark = pytest.mark.django_db(transaction=True)

CAROL_CONTACT = "carol@example.org"
DAVE_CONTACT = "dave, 01632 960001"
ERIN_CONTACT = "erin-private@example.org"


async def propose(screen, what, **fields):
    await screen.send(
        type="step", op="add", client_id=str(uuid.uuid4()), what=what,
        with_whom=fields.get("with_whom", ""), by_when=fields.get("by_when", ""),
        theme=fields.get("theme"), loop=fields.get("loop", ""),
    )  # fmt: skip


def steps_shown(screen):
    return [
        li.find_class("step-what")[0].text_content() for li in screen.page.xpath("//ol[@id='steps-list']/li")
    ]


def signups(screen, step):
    return text(screen, f"step-{step}-signups")


def connections(screen):
    element = screen.find("my-connections")
    if element is None:
        return []
    return [el.text_content() for el in element.find_class("connection-contact")]


async def step_id(what):
    return await database_sync_to_async(lambda: NextStep.objects.get(what=what).pk)()


async def test_participants_propose_and_sign_up_and_withdraw(steps_room, inquiry):
    room = steps_room
    await propose(
        room["carol"], "Shared induction across NHS and council", with_whom="HR leads", by_when="June"
    )
    await everyone(room, lambda s: steps_shown(s) == ["Shared induction across NHS and council"])
    step = await step_id("Shared induction across NHS and council")
    assert signups(room["dave"], step).startswith("1 signed up")
    await room["dave"].send(type="step", op="join", step=step)
    await room["erin"].send(type="step", op="join", step=step)
    await everyone(room, lambda s: signups(s, step).startswith("3 signed up"))
    # Carol and Erin are NHS, Dave is Local authority: K=3, and each sector has fewer than 3 people in
    # this inquiry, so the sectors are counted together.
    assert (
        signups(room["presenter"], step) == "3 signed up, all from smaller sectors (fewer than 3 people each)"
    )
    await room["dave"].until(lambda s: s.find("my-steps-state").get("data-signed") == f"[{step}]")
    await room["dave"].send(type="step", op="leave", step=step)
    await everyone(room, lambda s: signups(s, step).startswith("2 signed up"))
    await room["dave"].send(type="step", op="leave", step=step)
    assert (await room["dave"].reply()).error == "invalid_state"
    # Signing up happens in the next-steps round, not after it is closed; withdrawing, at any time.
    round_id = inquiry.current_round_id
    await room["alice"].send(type="round", op="phase", round=round_id, phase="closed")
    await room["dave"].until(lambda s: s.find("round-banner").get("data-phase") == "closed")
    await room["dave"].send(type="step", op="join", step=step)
    assert (await room["dave"].reply()).error == "round_closed"
    await room["erin"].send(type="step", op="leave", step=step)
    await everyone(room, lambda s: signups(s, step).startswith("1 signed up"))
    await room["erin"].send(type="step", op="join", step=step)
    assert (await room["erin"].reply()).error == "round_closed"
    await room["alice"].send(type="round", op="phase", round=round_id, phase="gather")
    await room["dave"].until(lambda s: s.find("round-banner").get("data-phase") == "gather")
    # Nobody changes another's proposal.
    await room["dave"].send(type="step", op="delete", step=step)
    assert (await room["dave"].reply()).error == "forbidden"
    await room["dave"].send(
        type="step", op="edit", step=step, what="Mine now", with_whom="", by_when="", loop=""
    )
    assert (await room["dave"].reply()).error == "forbidden"
    await room["carol"].send(
        type="step", op="edit", step=step, what="Joint induction", with_whom="", by_when="", loop=""
    )
    await everyone(room, lambda s: steps_shown(s) == ["Joint induction"])
    # Facilitators cannot propose, participants cannot hide.
    await room["alice"].send(
        type="step", op="add", client_id=str(uuid.uuid4()), what="x", with_whom="", by_when="", loop=""
    )
    assert (await room["alice"].reply()).error == "forbidden"
    await room["carol"].send(type="step", op="hide", step=step)
    assert (await room["carol"].reply()).error == "forbidden"
    await room["alice"].send(type="step", op="hide", step=step)
    await everyone(room, lambda s: steps_shown(s) == [], ["carol", "dave", "presenter"])
    await room["bob"].until(lambda s: "is-hidden" in s.find(f"step-{step}").get("class"))


async def test_proposals_only_in_a_next_steps_round(room, inquiry):
    await propose(room["carol"], "Too early")
    assert (await room["carol"].reply()).error == "forbidden"
    await room["alice"].send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await room["alice"].send(type="round", op="phase", round=inquiry.current_round_id, phase="vote")
    await room["carol"].until(lambda s: s.find("round-banner").get("data-phase") == "vote")
    # The Vote phase of a next-steps round opens the vote on its actions: proposing has ended.
    await room["carol"].until(lambda s: s.find("vote-bar").get("data-target") == "actions")
    await propose(room["carol"], "Too late")
    assert (await room["carol"].reply()).error == "round_closed"
    await room["carol"].send(
        type="step", op="add", client_id="nope", what="x", with_whom="", by_when="", loop=""
    )
    assert (await room["carol"].reply()).error == "invalid_field"


async def test_a_resent_proposal_is_stored_once(steps_room):
    client_id = str(uuid.uuid4())
    for _ in range(2):
        await steps_room["carol"].send(
            type="step", op="add", client_id=client_id, what="Once", with_whom="", by_when="", loop=""
        )
    await everyone(steps_room, lambda s: steps_shown(s) == ["Once"])
    assert await database_sync_to_async(NextStep.objects.count)() == 1


async def test_contacts_reach_only_those_their_owner_chose(steps_room, inquiry):
    room = steps_room
    await propose(room["carol"], "Shared induction")
    await everyone(room, lambda s: steps_shown(s) == ["Shared induction"])
    step = await step_id("Shared induction")
    for name in ("dave", "erin"):
        await room[name].send(type="step", op="join", step=step)
    await everyone(room, lambda s: signups(s, step).startswith("3 signed up"))
    # Carol and Dave consent to connect with the people of their actions; Erin does not.
    await room["carol"].send(
        type="contact", op="share", text=CAROL_CONTACT, with_signups=True, with_theme_sectors=False
    )
    await room["dave"].send(
        type="contact", op="share", text=DAVE_CONTACT, with_signups=True, with_theme_sectors=False
    )
    await room["carol"].until(lambda s: connections(s) == [DAVE_CONTACT])
    await room["dave"].until(lambda s: connections(s) == [CAROL_CONTACT])
    await room["erin"].until(lambda s: sorted(connections(s)) == sorted([CAROL_CONTACT, DAVE_CONTACT]))
    # Facilitators see who consented, never the contact.
    await room["alice"].until(
        lambda s: "2 participants chose to share a contact" in text(s, "steps-consents")
    )
    consents = text(room["alice"], "steps-consents")
    assert "Carol (NHS)" in consents and "Dave (Local authority)" in consents and "Erin" not in consents
    # Erin then shares too, but with people of other sectors in her themes only (she has none): nobody.
    await room["erin"].send(
        type="contact", op="share", text=ERIN_CONTACT, with_signups=False, with_theme_sectors=True
    )
    await room["alice"].until(lambda s: "3 participants" in text(s, "steps-consents"))
    await room["carol"].until(lambda s: s.seq == room["alice"].seq)
    for screen in room.values():
        page = "".join(frame.text for frame in screen.frames)
        assert ERIN_CONTACT not in page or screen is room["erin"]
    for name in ("alice", "bob", "presenter"):
        page = "".join(frame.text for frame in room[name].frames)
        assert CAROL_CONTACT not in page and DAVE_CONTACT not in page
    # Nothing of a contact is in the room's events (so never in a replay), nor in a fresh snapshot.
    stored = await database_sync_to_async(
        lambda: "".join(e.html_participant + e.html_facilitator for e in Event.objects.all())
    )()
    assert all(contact not in stored for contact in (CAROL_CONTACT, DAVE_CONTACT, ERIN_CONTACT))
    for name in ("alice", "presenter"):
        fresh = await Screen(
            inquiry.code, room[name].client, "view=presenter" if name == "presenter" else ""
        ).connect()
        assert all(c not in fresh.frames[0].text for c in (CAROL_CONTACT, DAVE_CONTACT, ERIN_CONTACT))
        await fresh.close()
    fresh_erin = await Screen(inquiry.code, room["erin"].client).connect()
    assert sorted(connections(fresh_erin)) == sorted([CAROL_CONTACT, DAVE_CONTACT])
    await fresh_erin.close()
    # A replay (a screen that saw change 1) carries her own part after the room's changes.
    replayed = await Screen(inquiry.code, room["erin"].client, "since=1").connect()
    assert replayed.frames[0].seq == room["alice"].seq and not replayed.frames[0].snapshot
    assert all(c in replayed.frames[0].text for c in (CAROL_CONTACT, DAVE_CONTACT, ERIN_CONTACT))
    replayed_dave = await Screen(inquiry.code, room["dave"].client, "since=1").connect()
    assert ERIN_CONTACT not in replayed_dave.frames[0].text and CAROL_CONTACT in replayed_dave.frames[0].text
    await replayed_dave.close()
    await replayed.close()
    # Dave withdraws: his contact disappears from the screens that showed it.
    await room["dave"].send(type="contact", op="withdraw")
    await room["carol"].until(lambda s: connections(s) == [])
    await room["erin"].until(lambda s: connections(s) == [CAROL_CONTACT])
    assert (
        await database_sync_to_async(lambda: Contact.objects.get(participant__display_name="Dave").text)()
        == ""
    )
    # Leaving the action takes Carol's contact away from Erin.
    await room["erin"].send(type="step", op="leave", step=step)
    await room["erin"].until(lambda s: connections(s) == [])


async def test_consent_needs_a_choice_of_whom(steps_room):
    await steps_room["carol"].send(
        type="contact", op="share", text="me", with_signups=False, with_theme_sectors=False
    )
    assert (await steps_room["carol"].reply()).error == "invalid_field"
    await steps_room["carol"].send(type="contact", op="withdraw")
    assert (await steps_room["carol"].reply()).error == "invalid_state"
    await steps_room["alice"].send(type="contact", op="withdraw")
    assert (await steps_room["alice"].reply()).error == "forbidden"


async def test_contacts_across_sectors_in_the_same_theme(steps_room, inquiry):
    """Sharing with people of other sectors who contributed to the same theme: Dave (Local authority)
    sees Carol's (NHS); Erin, of Carol's own sector, does not."""
    room = steps_room
    await room["alice"].send(type="theme", op="add", name="Workforce")
    await everyone(room, lambda s: len(s.themes()) == 1)
    theme = room["alice"].themes()[0][0]
    for name in ("carol", "dave", "erin"):
        await room[name].post(f"{name} on workforce")
    await room["alice"].until(lambda s: len(s.cards()) == 3)
    for pk in room["alice"].cards():
        await room["alice"].send(type="card", op="move", card=pk, theme=theme)
    await everyone(room, lambda s: len(s.themes()[0][3]) == 3)
    await room["carol"].send(
        type="contact", op="share", text=CAROL_CONTACT, with_signups=False, with_theme_sectors=True
    )
    await room["dave"].until(lambda s: connections(s) == [CAROL_CONTACT])
    await room["carol"].until(
        lambda s: s.find("contact-state") is not None and "You share" in text(s, "contact-state")
    )
    await room["erin"].until(lambda s: s.seq == room["carol"].seq)
    assert connections(room["erin"]) == []
    assert all(CAROL_CONTACT not in f.text for f in room["erin"].frames)
    # Opening the page again: Dave has no contact, sign-up or action of his own, only a card in the theme,
    # and his first frame still carries Carol's contact; a newcomer's carries the blank form.
    dave_again = await Screen(inquiry.code, room["dave"].client).connect()
    frank = await database_sync_to_async(join_as)(inquiry, "Frank", "Voluntary and community sector")
    newcomer = await Screen(inquiry.code, frank).connect()
    await dave_again.close()
    await newcomer.close()
    assert connections(dave_again) == [CAROL_CONTACT]
    assert connections(newcomer) == [] and text(newcomer, "my-connections") == "Nobody yet."
    assert text(newcomer, "contact-state") == "You share nothing."
    assert newcomer.find("contact-form") is not None and CAROL_CONTACT not in newcomer.frames[0].text


async def test_the_room_votes_on_the_actions(steps_room):
    room = steps_room
    await propose(room["carol"], "First")
    await propose(room["dave"], "Second")
    await everyone(room, lambda s: len(steps_shown(s)) == 2)
    second = await step_id("Second")
    await room["alice"].send(
        type="vote", op="open", round=None, target="actions", budget=2, per_item=1, live=True
    )
    await room["erin"].until(lambda s: s.find(f"step-{second}-votes").find(".//button") is not None)
    await room["erin"].send(type="dot", op="add", card=None, theme=None, step=second)
    await everyone(room, lambda s: "1 dot" in text(s, f"step-{second}-votes"))
    await room["erin"].send(type="dot", op="add", card=None, theme=None, step=second)
    assert (await room["erin"].reply()).error == "item_limit"


async def test_the_private_page_holds_actions_and_connections(steps_room, anonymous, inquiry):
    room = steps_room
    await propose(room["carol"], "Shared induction")
    await everyone(room, lambda s: steps_shown(s) == ["Shared induction"])
    step = await step_id("Shared induction")
    await room["dave"].send(type="step", op="join", step=step)
    await room["carol"].send(
        type="contact", op="share", text=CAROL_CONTACT, with_signups=True, with_theme_sectors=False
    )
    await room["dave"].send(
        type="contact", op="share", text=DAVE_CONTACT, with_signups=True, with_theme_sectors=False
    )
    await room["dave"].until(
        lambda s: connections(s) == [CAROL_CONTACT] and s.find("private-link") is not None
    )
    link = room["dave"].find("private-link").get("href")
    token = await database_sync_to_async(
        lambda: Contact.objects.get(participant__display_name="Dave").token
    )()
    assert link == f"/n/{token}/" and len(token) >= 40
    page = await database_sync_to_async(anonymous.get)(link)
    body = page.content.decode()
    assert page.status_code == 200 and "Shared induction" in body and CAROL_CONTACT in body
    assert page["Cache-Control"] == "private, no-store"
    assert (await database_sync_to_async(anonymous.get)("/n/not-a-token/")).status_code == 404
    # Withdrawing from the private page (a POST with its CSRF token) reaches the live screens.
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert (await database_sync_to_async(client.post)(link, {"withdraw": "1"})).status_code == 403
    form = await database_sync_to_async(client.get)(link)
    csrf = form.cookies["csrftoken"].value
    response = await database_sync_to_async(client.post)(link, {"withdraw": "1", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    await room["carol"].until(lambda s: connections(s) == [])
    # The facilitators' participate-as-nobody: the participant pages never carry others' contacts. A
    # participant's page is drawn by its socket's first frame (the page itself comes without the board).
    carol_fresh = await Screen(inquiry.code, room["carol"].client).connect()
    dave_fresh = await Screen(inquiry.code, room["dave"].client).connect()
    carol_page, dave_page = carol_fresh.frames[0].text, dave_fresh.frames[0].text
    await carol_fresh.close()
    await dave_fresh.close()
    assert CAROL_CONTACT in carol_page and DAVE_CONTACT not in carol_page
    assert CAROL_CONTACT in dave_page
    alice_page = (
        await database_sync_to_async(room["alice"].client.get)(f"/i/{inquiry.code}/facilitate/")
    ).content.decode()
    assert CAROL_CONTACT not in alice_page
    assert await database_sync_to_async(Participant.objects.filter(contact__isnull=False).count)() == 2


async def test_a_participant_erasing_takes_their_links_actions_sign_ups_and_contact(steps_room, inquiry):
    """The right to erasure covers what the map and next steps hold of them too."""
    from board.models import MapLink, SignUp

    room = steps_room
    round_id = inquiry.current_round_id
    await room["alice"].send(type="theme", op="add", name="One")
    await room["alice"].send(type="theme", op="add", name="Two")
    await everyone(room, lambda s: len(s.themes()) == 2)
    one, two = (pk for pk, *_ in room["alice"].themes())
    await room["alice"].send(type="round", op="kind", round=round_id, kind="map")
    await room["carol"].until(lambda s: s.find("map-view").get("data-map-rounds") == str(round_id))
    await room["carol"].send(
        type="link", op="add", source=f"theme-{one}", target=f"theme-{two}", kind="influences", note="mine"
    )
    await everyone(room, lambda s: s.find("map-svg") is not None)
    await room["alice"].send(type="round", op="kind", round=round_id, kind="next_steps")
    await room["carol"].until(lambda s: s.find("steps-view").get("data-steps-rounds") == str(round_id))
    await propose(room["carol"], "Carol's plan")
    await propose(room["dave"], "Dave's plan")
    await everyone(room, lambda s: len(steps_shown(s)) == 2)
    daves = await step_id("Dave's plan")
    await room["carol"].send(type="step", op="join", step=daves)
    await room["carol"].send(
        type="contact", op="share", text=CAROL_CONTACT, with_signups=True, with_theme_sectors=False
    )
    await room["dave"].until(lambda s: connections(s) == [CAROL_CONTACT])
    response = await database_sync_to_async(room["carol"].client.post)(f"/i/{inquiry.code}/erase/")
    assert response.status_code == 302
    await everyone(room, lambda s: steps_shown(s) == ["Dave's plan"] and s.find("map-svg") is None)
    await room["dave"].until(lambda s: connections(s) == [])
    assert signups(room["alice"], daves).startswith("1 signed up")
    assert await database_sync_to_async(MapLink.objects.count)() == 0
    stored = await database_sync_to_async(
        lambda: "".join(e.html_participant + e.html_facilitator for e in Event.objects.all())
    )()
    assert "Carol&#x27;s plan" not in stored and "Carol's plan" not in stored and ": mine<" not in stored
    # Carol's contact (and her private page) went; Dave's private page, from his proposal, shares nothing.
    contacts = await database_sync_to_async(lambda: list(Contact.objects.select_related("participant")))()
    assert [(c.participant.display_name, c.text) for c in contacts] == [("Dave", "")]
    assert await database_sync_to_async(SignUp.objects.filter(participant__display_name="").count)() == 0


def signed_up(screen):
    state = screen.find("my-steps-state")
    return state.get("data-signed") if state is not None else None


async def test_a_redrawn_live_region_gives_each_participant_their_own_part_back(steps_room, inquiry):
    """Revealing a silent round draws every screen's live region afresh, as the room sees it: blank of
    anyone's own part. The people with a part of their own get it back without reconnecting."""
    room = steps_room
    await propose(room["carol"], "Shared induction")
    await everyone(room, lambda s: steps_shown(s) == ["Shared induction"])
    step = await step_id("Shared induction")
    await room["dave"].send(type="step", op="join", step=step)
    for screen, contact in ((room["carol"], CAROL_CONTACT), (room["dave"], DAVE_CONTACT)):
        await screen.send(
            type="contact", op="share", text=contact, with_signups=True, with_theme_sectors=False
        )
    await room["dave"].until(lambda s: connections(s) == [CAROL_CONTACT] and signed_up(s) == f"[{step}]")
    # The next round, written in silence, then revealed.
    second = await database_sync_to_async(lambda: inquiry.rounds_in_order()[1].pk)()
    await room["alice"].send(type="round", op="activate", round=second)
    await room["alice"].send(type="round", op="phase", round=second, phase="silent")
    await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "silent")
    await room["erin"].post("Written in silence")
    await room["erin"].reply()
    await room["alice"].send(type="round", op="phase", round=second, phase="reveal")

    def revealed_and_kept(screen):
        return "Written in silence" in screen.texts() and signed_up(screen) == f"[{step}]"

    await room["dave"].until(
        lambda s: (
            revealed_and_kept(s) and connections(s) == [CAROL_CONTACT] and s.find("private-link") is not None
        )
    )
    await room["carol"].until(lambda s: revealed_and_kept(s) and "Stop sharing" in text(s, "my-contact"))
    # Erin, who has no part of her own, and the presenter view see the room's blank one.
    await room["presenter"].until(lambda s: "Written in silence" in s.texts())
    assert signed_up(room["presenter"]) == "[]" and room["presenter"].find("private-link") is None
    assert signed_up(room["erin"]) == "[]"


def meta_of(screen, step):
    element = screen.find(f"step-{step}")
    return (
        " ".join(element.find_class("step-meta")[0].text_content().split()) if element is not None else None
    )


async def test_by_when_reads_on_live_screens_as_the_reports_say_it(steps_room, inquiry, alice):
    """ "By June", "When: Ongoing": never "By: Ongoing"."""
    room = steps_room
    cases = {
        "Shared induction": ("HR leads", "June", "With: HR leads · By June"),
        "Monthly huddle": ("", "Ongoing", "When: Ongoing"),
        "Pilot": ("", "before the summer", "Before the summer"),
        "Outreach": ("Age UK", "Autumn", "With: Age UK · By Autumn"),
        "Open door": ("", "", ""),
    }
    for what, (with_whom, by_when, _shown) in cases.items():
        await propose(room["carol"], what, with_whom=with_whom, by_when=by_when)
    await everyone(room, lambda s: len(steps_shown(s)) == len(cases))
    steps = {what: await step_id(what) for what in cases}
    for screen in room.values():
        assert {what: meta_of(screen, steps[what]) for what in cases} == {
            what: shown for what, (_w, _b, shown) in cases.items()
        }
    # A page opened now, drawn whole by its socket's first frame (a snapshot), says the same.
    fresh = await Screen(inquiry.code, alice).connect()
    await fresh.close()
    assert fresh.frames[0].snapshot
    assert [meta_of(fresh, steps[what]) for what in cases] == [shown for _w, _b, shown in cases.values()]
    assert "By: " not in fresh.frames[0].text


async def test_a_withdrawn_action_is_not_replayed_to_a_facilitator_catching_up(steps_room, inquiry, bob):
    """A facilitator's screen that reconnects with a sequence number from before the action was proposed
    is replayed what it missed (a facilitator's replay crosses withdrawals): never the withdrawn words."""
    room = steps_room
    last_seen = room["bob"].seq
    await room["bob"].close()
    withdrawn = "Ring Carol on 07700 900789 about the rota"
    await propose(room["carol"], withdrawn, with_whom="Carol's manager", by_when="June")
    await propose(room["dave"], "Joint rota")
    await everyone(room, lambda s: len(steps_shown(s)) == 2, ["alice", "carol", "presenter"])
    await room["carol"].send(type="step", op="delete", step=await step_id(withdrawn))
    await everyone(room, lambda s: steps_shown(s) == ["Joint rota"], ["alice", "carol", "presenter"])
    back = await Screen(inquiry.code, bob, query=f"since={last_seen}").connect()
    try:
        await back.until(lambda s: s.seq == room["alice"].seq)
        sent = "".join(frame.text for frame in back.frames)
        for gone in ("07700 900789", "Carol's manager", "Carol&#x27;s manager"):
            assert gone not in sent, gone
        assert steps_shown(back) == ["Joint rota"]
    finally:
        await back.close()
    stored = await database_sync_to_async(
        lambda: [e for e in Event.objects.filter(inquiry=inquiry) if "07700 900789" in e.html_facilitator]
    )()
    assert stored == []


async def test_signing_up_is_refused_while_the_room_is_paused_and_leaving_is_not(steps_room, inquiry):
    room = steps_room
    await propose(room["carol"], "Weekly discharge huddle")
    await everyone(room, lambda s: steps_shown(s) == ["Weekly discharge huddle"])
    step = await step_id("Weekly discharge huddle")
    await room["erin"].send(type="step", op="join", step=step)
    await everyone(room, lambda s: signups(s, step).startswith("2 signed up"))
    await room["alice"].send(type="room", op="pause", paused=True)
    await everyone(room, lambda s: attr(s, "room-state", "data-paused") == "1")
    await room["dave"].send(type="step", op="join", step=step)
    frame = await room["dave"].reply()
    assert (frame.error, frame.error_message) == ("paused", "The facilitator has paused the room.")
    await room["erin"].send(type="step", op="leave", step=step)
    await everyone(room, lambda s: signups(s, step).startswith("1 signed up"))
