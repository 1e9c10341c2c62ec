"""Changes to an inquiry itself: creating it, joining it, its facilitators and its rounds, closing and
deleting it."""

from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from board import render
from board.changes import (
    VOTE_DEFAULTS,
    changing,
    close_round_for_timer,
    end_votes,
    publish,
    start_vote,
    time_up_ends,
    vote_changed,
    vote_shown,
    with_timer,
)
from board.models import Card, NextStep, Theme, Vote
from board.nextsteps import render as steps_render
from board.nextsteps.actions import keep_private_pages
from board.systemmap import render as map_render
from board.tables.actions import close_with_inquiry, redraw_open_tables, seat_latecomer
from board.tables.models import Breakout
from sessions.events import disconnect_participant
from sessions.models import Presence

from . import audit
from .access import REOPEN_FIRST, Refused, require_facilitator, require_open_inquiry, round_of
from .compiled import Compiled
from .models import DEFAULT_SECTORS, RETENTION_LIMIT, DeletionRecord, Inquiry, Participant, Round


def create_inquiry(user, *, title, question, rounds, sectors, show_names):
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            title=title,
            question=question,
            sectors=sectors or list(DEFAULT_SECTORS),
            show_names=show_names,
            created_by=user,
        )
        inquiry.facilitators.add(user)
        created = [
            Round.objects.create(inquiry=inquiry, position=index, question=text)
            for index, text in enumerate(rounds or [question])
        ]
        inquiry.current_round = created[0]
        inquiry.save(update_fields=["current_round"])
    return inquiry


def join(inquiry, *, display_name, sector):
    require_open_inquiry(inquiry)
    if sector not in inquiry.sectors:
        raise Refused("invalid_field", "Choose one of the sectors listed.")
    name = display_name.strip()
    participant = Participant.objects.create(inquiry=inquiry, display_name=name, sector=sector)
    if _open_breakouts.first(code=inquiry.code) is not None:
        seat_latecomer(inquiry.pk, participant.pk)  # late joiners sit at a table when tables are open
    return participant


# Whether the inquiry's tables are open, for each of a room joining at once: compiled once
# (inquiry/compiled.py; building and compiling the query cost more than running it).
_open_breakouts = Compiled(
    lambda code: Breakout.objects.filter(inquiry__code=code, closed=False).only("pk").order_by("pk")[:1]
)


def add_cofacilitator(user, inquiry, username):
    if not inquiry.is_facilitator(user):
        raise Refused("forbidden", "Only the facilitators of this inquiry can add a co-facilitator.")
    other = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if other is None:
        raise Refused("not_found", f"There is no facilitator account called {username!r}.")
    inquiry.facilitators.add(other)
    return other


@contextmanager
def steering(actor, action):
    """A facilitator's change to the room: locked, authorised, and recorded in the audit log."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        notes = []
        yield inquiry, notes
        audit.record(inquiry.pk, actor, action, "; ".join(notes))


# Rounds ------------------------------------------------------------------------------------------------


def activate_round(actor, round_id):
    """Move the room to this round: phones show its question and new posts belong to it."""
    with steering(actor, "round.activate") as (inquiry, notes):
        target = round_of(inquiry, round_id)
        inquiry.current_round = target
        # A countdown belongs to the round it was set in, and so does its "Time is up": the next round
        # starts without either.
        inquiry.timer_ends_at, inquiry.timer_closes_round, inquiry.time_up = None, False, False
        fields = ["current_round", "timer_ends_at", "timer_closes_round", "time_up"]
        parts = ["round-banner", "silent-count", "timer", "vote-bar"]
        if inquiry.spotlight_card_id or inquiry.spotlight_theme_id:
            # So does a spotlight: left up, it would cover the new round's question and stage on the
            # shared screen and every phone.
            inquiry.spotlight_card = inquiry.spotlight_theme = None
            fields += ["spotlight_card", "spotlight_theme"]
            parts.append("spotlight")
            notes.append("the spotlight ends")
        notes.append(f"round {target.position + 1}: {target.question}")
        if inquiry.view_round_id is not None and inquiry.view_round_id != target.pk:
            # The board showed one round: it shows the room's new one now, on the facilitators' boards
            # and, when every screen follows, on every screen (else the new round's posts would arrive
            # out of sight, behind the previous round's cards).
            inquiry.view_round = target
            fields.append("view_round")
            parts.append("room-state")
            notes.append(f"the board shows round {target.position + 1}")
        inquiry.save(update_fields=fields)
        fragments = render.room_changed(inquiry, *parts)
        publish(inquiry, "round", "activate", {"round": target.pk}, fragments)
        return target


def set_phase(actor, round_id, phase):
    """Gather, silent writing, reveal, vote or closed. Revealing shows every silent card at once. The Vote
    phase is the round's dot vote (``board.changes.start_vote``): entering it opens one with the defaults
    for the kind of round (a vote with other settings is ``open_vote``'s), unless the round's vote is
    open already; leaving it closes that vote. One change, one event."""
    with steering(actor, "round.phase") as (inquiry, notes):
        target = round_of(inquiry, round_id)
        if phase != Round.CLOSED:
            require_open_inquiry(inquiry, REOPEN_FIRST)
        own_vote = Vote.objects.filter(inquiry=inquiry, is_open=True).order_by("-created", "-pk").first()
        own_vote = own_vote if own_vote is not None and own_vote.belongs_to(target.pk) else None
        data = {"round": target.pk, "phase": phase}
        shown = vote_shown(inquiry)
        if phase == Round.VOTE and own_vote is None:
            if target.pk != inquiry.current_round_id:
                raise Refused(
                    "invalid_state", "Move the room to this round first: its vote opens for the whole room."
                )
            settings = VOTE_DEFAULTS[target.kind]
            opened, revealed = start_vote(
                inquiry,
                target,
                **settings,
                on_round=target if settings["target"] == Vote.CARDS else None,
            )
            notes.append(
                f"round {target.position + 1} → {phase}: a vote on {settings['target']}, "
                f"{settings['budget']} dots, at most {opened.per_item} each, "
                f"results {'live' if settings['live'] else 'hidden'}"
            )
            data.update(vote=opened.pk, revealed=revealed)
            fragments = vote_changed(inquiry, shown)
        else:
            closed = end_votes(inquiry, leaving=target) if phase != Round.VOTE and own_vote else []
            target.phase = phase
            target.save(update_fields=["phase"])
            notes.append(f"round {target.position + 1} → {phase}" + ("; the vote closed" if closed else ""))
            revealed = 0
            if phase != Round.SILENT:
                revealed = Card.objects.filter(round=target, silent=True).update(silent=False)
            data["revealed"] = revealed
            if closed:
                data["vote_closed"] = closed[0].pk
            if revealed:
                fragments = render.live_for_all(inquiry)
            elif closed:
                fragments = vote_changed(inquiry, shown)
            else:
                fragments = render.round_banner(inquiry)
        if time_up_ends(inquiry):
            fragments = with_timer(fragments, inquiry)
        publish(inquiry, "round", "phase", data, fragments)
        return target


def set_round_kind(actor, round_id, kind):
    """What participants do in a round: contributions, link themes on the systems map, or propose the
    next steps. The map and next-steps sections of every screen follow."""
    with steering(actor, "round.kind") as (inquiry, notes):
        target = round_of(inquiry, round_id)
        target.save(update_fields=target.change_kind(kind))
        notes.append(f"round {target.position + 1} → {kind}")
        drawn, steps = map_render.map_changed(inquiry), steps_render.section_changed(inquiry)
        fragments = {
            screen: html + drawn[screen] + steps[screen]
            for screen, html in render.round_banner(inquiry).items()
        }
        publish(inquiry, "round", "kind", {"round": target.pk, "kind": kind}, fragments)
        return target


def expire_timer(inquiry_id, deadline):
    """Called when a timer's time is up; does nothing if the timer was changed since."""
    with changing(inquiry_id) as inquiry:
        if inquiry.timer_ends_at is None or abs((inquiry.timer_ends_at - deadline).total_seconds()) > 0.001:
            return False
        if inquiry.timer_closes_round:
            close_round_for_timer(inquiry)
        else:
            inquiry.timer_ends_at, inquiry.time_up = None, True
            inquiry.save(update_fields=["timer_ends_at", "time_up"])
            publish(inquiry, "timer", "expire", {}, render.room_changed(inquiry, "timer"))
        return True


def add_round(actor, question, guidance=""):
    with steering(actor, "round.add") as (inquiry, notes):
        require_open_inquiry(inquiry, REOPEN_FIRST)  # a new round opens for the room
        position = inquiry.rounds.count()
        added = Round.objects.create(inquiry=inquiry, position=position, question=question, guidance=guidance)
        notes.append(question)
        publish(inquiry, "round", "add", {"round": added.pk}, render.live_for_all(inquiry))
        return added


def edit_round(actor, round_id, question, guidance=""):
    with steering(actor, "round.edit") as (inquiry, notes):
        target = round_of(inquiry, round_id)
        target.question, target.guidance = question, guidance
        target.save(update_fields=["question", "guidance"])
        notes.append(f"round {target.position + 1}: {question}")
        publish(inquiry, "round", "edit", {"round": target.pk}, render.round_banner(inquiry))
        return target


def move_round(actor, round_id, position):
    with steering(actor, "round.move") as (inquiry, notes):
        target = round_of(inquiry, round_id)
        rounds = [r for r in inquiry.rounds.order_by("position", "pk") if r.pk != target.pk]
        rounds.insert(min(position, len(rounds)), target)
        for index, item in enumerate(rounds):
            item.position = index
        Round.objects.bulk_update(rounds, ["position"])
        notes.append(f"{target.question} → position {target.position + 1}")
        # Every card shows its round's number: the whole board changes.
        publish(inquiry, "round", "move", {"round": target.pk}, render.live_for_all(inquiry))
        return target


def delete_round(actor, round_id):
    """Take a round off the agenda. Only an empty one: its cards, proposals and votes would go with it,
    so a round that holds any is refused with what it holds (nothing is lost silently)."""
    with steering(actor, "round.delete") as (inquiry, notes):
        target = round_of(inquiry, round_id)
        if target.pk == inquiry.current_round_id:
            raise Refused("invalid_state", "The room is in this round: move the room to another round first.")
        held = {
            "contribution": Card.objects.filter(round=target).count(),
            "proposed action": NextStep.objects.filter(round=target).count(),
            "vote": Vote.objects.filter(round=target).count(),
        }
        if any(held.values()):
            what = ", ".join(f"{n} {name}{'' if n == 1 else 's'}" for name, n in held.items() if n)
            raise Refused(
                "invalid_state",
                f"This round holds {what}: it cannot be deleted, or they would be lost. "
                "Edit its question instead.",
            )
        target.delete()
        rest = list(inquiry.rounds.order_by("position", "pk"))
        for index, item in enumerate(rest):
            item.position = index
        Round.objects.bulk_update(rest, ["position"])
        notes.append(f"round {target.position + 1}: {target.question}")
        # Every card shows its round's number: the whole board changes.
        publish(inquiry, "round", "delete", {"round": round_id}, render.live_for_all(inquiry))


# The room --------------------------------------------------------------------------------------------------


def pause_room(actor, paused):
    with steering(actor, "room.pause") as (inquiry, notes):
        if paused and inquiry.closed_at is not None:
            # Nothing is open to pause (the button is hidden once closed); resuming stays possible.
            raise Refused("invalid_state", "This inquiry is closed: there is nothing to pause.")
        inquiry.paused = paused
        inquiry.save(update_fields=["paused"])
        notes.append("paused" if paused else "resumed")
        publish(
            inquiry,
            "room",
            "pause",
            {"paused": paused},
            render.room_changed(inquiry, "room-state", "room-pause", "round-banner"),
        )


def place_join_panel(actor, corner):
    """The presenter's join panel: large (people are arriving) or small in a corner (they have joined)."""
    with steering(actor, "room.join") as (inquiry, notes):
        inquiry.join_in_corner = corner
        inquiry.save(update_fields=["join_in_corner"])
        notes.append("join panel in the corner" if corner else "join panel large")
        publish(
            inquiry,
            "room",
            "join",
            {"corner": corner},
            render.room_changed(inquiry, "room-state", "room-join"),
        )


def set_view(actor, round_id, follow):
    """What the board shows (one round, or all), and whether every screen follows the facilitator's view."""
    with steering(actor, "room.view") as (inquiry, notes):
        inquiry.view_round = round_of(inquiry, round_id) if round_id else None
        inquiry.follow = follow
        inquiry.save(update_fields=["view_round", "follow"])
        notes.append(f"view {inquiry.view_round or 'all rounds'}; follow {'on' if follow else 'off'}")
        publish(
            inquiry,
            "room",
            "view",
            {"round": round_id, "follow": follow},
            render.room_changed(inquiry, "room-state"),
        )


def change_settings(actor, premoderation, safeguarding):
    with steering(actor, "room.settings") as (inquiry, notes):
        inquiry.premoderation, inquiry.safeguarding = premoderation, safeguarding
        inquiry.save(update_fields=["premoderation", "safeguarding"])
        on_off = {True: "on", False: "off"}
        notes.append(f"pre-moderation {on_off[premoderation]}; safeguarding {on_off[safeguarding]}")
        publish(inquiry, "room", "settings", {}, render.room_changed(inquiry, "settings"))


def start_timer(actor, seconds, closes_round=False):
    with steering(actor, "timer.start") as (inquiry, notes):
        require_open_inquiry(inquiry, REOPEN_FIRST)  # a clock for a room that can no longer write
        inquiry.timer_ends_at = timezone.now() + timedelta(seconds=seconds)
        inquiry.timer_closes_round, inquiry.time_up = bool(closes_round), False
        inquiry.save(update_fields=["timer_ends_at", "timer_closes_round", "time_up"])
        notes.append(f"{seconds} s{', closes the round' if closes_round else ''}")
        publish(inquiry, "timer", "start", {"seconds": seconds}, render.room_changed(inquiry, "timer"))
        return inquiry.timer_ends_at


def add_time(actor, seconds):
    with steering(actor, "timer.add") as (inquiry, notes):
        if inquiry.timer_ends_at is None:
            raise Refused("invalid_state", "No timer is running.")
        inquiry.timer_ends_at = max(timezone.now(), inquiry.timer_ends_at) + timedelta(seconds=seconds)
        inquiry.save(update_fields=["timer_ends_at"])
        notes.append(f"{seconds:+d} s")
        publish(inquiry, "timer", "add", {"seconds": seconds}, render.room_changed(inquiry, "timer"))
        return inquiry.timer_ends_at


def stop_timer(actor):
    with steering(actor, "timer.stop") as (inquiry, notes):
        inquiry.timer_ends_at, inquiry.timer_closes_round, inquiry.time_up = None, False, False
        inquiry.save(update_fields=["timer_ends_at", "timer_closes_round", "time_up"])
        publish(inquiry, "timer", "stop", {}, render.room_changed(inquiry, "timer"))


def set_spotlight(actor, card_id=None, theme_id=None):
    """Show one card or one theme large on the presenter view and every phone."""
    if (card_id is None) == (theme_id is None):
        raise Refused("invalid_field", "Spotlight one card or one theme.")
    with steering(actor, "spotlight.set") as (inquiry, notes):
        require_open_inquiry(inquiry, REOPEN_FIRST)  # a card shown large to a room that has gone home
        card = theme = None
        if card_id is not None:
            card = Card.objects.filter(pk=card_id, inquiry=inquiry).first()
            if card is None:
                raise Refused("not_found", "There is no such card in this inquiry.")
            if not card.public:
                raise Refused("invalid_state", "Only a card everyone can see can be spotlit.")
            notes.append(f"card {card.pk}: {card.text[:60]}")
        else:
            theme = Theme.objects.filter(pk=theme_id, inquiry=inquiry).first()
            if theme is None:
                raise Refused("not_found", "There is no such theme in this inquiry.")
            notes.append(f"theme {theme.name}")
        inquiry.spotlight_card, inquiry.spotlight_theme = card, theme
        inquiry.save(update_fields=["spotlight_card", "spotlight_theme"])
        publish(
            inquiry,
            "spotlight",
            "set",
            {"card": card_id, "theme": theme_id},
            render.room_changed(inquiry, "spotlight"),
        )


def clear_spotlight(actor):
    with steering(actor, "spotlight.clear") as (inquiry, notes):
        inquiry.spotlight_card = inquiry.spotlight_theme = None
        inquiry.save(update_fields=["spotlight_card", "spotlight_theme"])
        publish(inquiry, "spotlight", "clear", {}, render.room_changed(inquiry, "spotlight"))


def announce(actor, text):
    with steering(actor, "announce.set") as (inquiry, notes):
        require_open_inquiry(inquiry, REOPEN_FIRST)  # words to a room that can no longer answer
        inquiry.announcement = text
        inquiry.save(update_fields=["announcement"])
        notes.append(text)
        publish(inquiry, "announce", "set", {}, render.room_changed(inquiry, "announcement"))


def clear_announcement(actor):
    with steering(actor, "announce.clear") as (inquiry, notes):
        inquiry.announcement = ""
        inquiry.save(update_fields=["announcement"])
        publish(inquiry, "announce", "clear", {}, render.room_changed(inquiry, "announcement"))


def remove_participant(actor, participant_id):
    """Remove someone from the room: their sockets close and their session can no longer post."""
    with steering(actor, "participant.remove") as (inquiry, notes):
        participant = Participant.objects.filter(pk=participant_id, inquiry=inquiry).first()
        if participant is None:
            raise Refused("not_found", "There is no such participant in this inquiry.")
        if participant.removed:  # a screen that had not yet heard of it offered it again
            raise Refused("invalid_state", "This participant has already been removed.")
        participant.removed = True
        participant.save(update_fields=["removed"])
        notes.append(f"{participant} ({participant.sector})")
        disconnect_participant(inquiry.pk, participant.pk, "A facilitator has removed you from this inquiry.")
        publish(
            inquiry,
            "participant",
            "remove",
            {"participant": participant.pk},
            render.participant_removed(inquiry, participant),
        )
        return participant


# Settings ---------------------------------------------------------------------------------------------------


def change_settings_of_inquiry(actor, *, title, question, show_names, k_threshold, sector_plan):
    """The inquiry's title, framing question, names shown or not, the lens's smallest group, and its
    sectors: ``sector_plan`` is (old, new) for each sector, "" for an added one's old or a removed one's
    new. A renamed sector takes its participants with it; one that any participant chose cannot be removed.
    Every open screen shows the change at once."""
    with steering(actor, "inquiry.settings") as (inquiry, notes):
        people = Participant.objects.filter(inquiry=inquiry)
        for old, new in sector_plan:
            if old and not new and (chose := people.filter(sector=old).count()):
                raise Refused(
                    "invalid_field",
                    f"{chose} participant{'s' if chose != 1 else ''} chose “{old}”: rename it rather than "
                    "remove it.",
                )
        renamed = {old: new for old, new in sector_plan if old and new and old != new}
        if renamed:
            # All at once: renamed one by one, a swap (A→B, B→A) or a chain (A→B, B→C) would move the
            # people of one sector twice and merge two sectors into one.
            moved = Case(*(When(sector=old, then=Value(new)) for old, new in renamed.items()))
            people.filter(sector__in=list(renamed)).update(sector=moved)
            Presence.objects.filter(inquiry=inquiry, sector__in=list(renamed)).update(sector=moved)
        for old, new in sector_plan:
            if old in renamed:
                notes.append(f"sector “{old}” renamed “{new}”")
            elif old and not new:
                notes.append(f"sector “{old}” removed")
            elif new and not old:
                notes.append(f"sector “{new}” added")
        changed = {
            field: value
            for field, value in (
                ("title", title),
                ("question", question),
                ("show_names", show_names),
                ("k_threshold", k_threshold),
                ("sectors", [new for _, new in sector_plan if new]),
            )
            if getattr(inquiry, field) != value
        }
        if not changed:
            return False
        for field, value in changed.items():
            setattr(inquiry, field, value)
        inquiry.save(update_fields=list(changed))
        notes.extend(f"{field} changed" for field in changed if field != "sectors")
        fragments = render.title_changed(inquiry)
        if changed.keys() - {"title", "question"}:
            # Names, sectors or the smallest group: the cards, presence and the lens are drawn again.
            live = render.live_for_all(inquiry)
            fragments = {kind: fragments[kind] + live[kind] for kind in fragments}
            redraw_open_tables(inquiry)  # a table's people and cards: names and sectors as set now
        publish(inquiry, "inquiry", "settings", {}, fragments)
    return True


# Data protection (docs/data-protection.md) ------------------------------------------------------------------


def close_inquiry(actor):
    """Close the inquiry after the event: every round closes (nothing more is posted, edited or deleted;
    silent cards are revealed, as closing a round does), open tables close (as Close tables does), an open
    vote and a running timer stop, the announcement and the spotlight go (words and a card shown large
    to a room that has gone home; reopening does not bring them back), every participant's change is
    refused from now on (``access.require_participant``), and the retention period, if one is set,
    starts counting."""
    with steering(actor, "inquiry.close") as (inquiry, notes):
        if inquiry.closed_at is not None:
            raise Refused("invalid_state", "This inquiry is already closed.")
        if close_with_inquiry(actor, inquiry) is not None:
            notes.append("open tables closed")
        Card.objects.filter(inquiry=inquiry, silent=True).update(silent=False)
        Vote.objects.filter(inquiry=inquiry, is_open=True).update(is_open=False)
        closed = inquiry.rounds.exclude(phase=Round.CLOSED).update(phase=Round.CLOSED)
        inquiry.closed_at = timezone.now()
        inquiry.timer_ends_at, inquiry.timer_closes_round, inquiry.time_up = None, False, False
        if inquiry.announcement:
            notes.append("announcement cleared")
        if inquiry.spotlight_card_id or inquiry.spotlight_theme_id:
            notes.append("spotlight cleared")
        inquiry.announcement, inquiry.spotlight_card, inquiry.spotlight_theme = "", None, None
        inquiry.save(
            update_fields=[
                "closed_at",
                "timer_ends_at",
                "timer_closes_round",
                "time_up",
                "announcement",
                "spotlight_card",
                "spotlight_theme",
            ]
        )
        notes.append(f"{closed} round{'s' if closed != 1 else ''} closed")
        if inquiry.purge_after:
            notes.append(f"to be deleted on {timezone.localtime(inquiry.purge_after):%d %b %Y}")
        keep_private_pages(inquiry)
        publish(inquiry, "inquiry", "close", {}, render.live_for_all(inquiry))


def reopen_inquiry(actor):
    """Undo closing: the retention clock stops. Rounds stay closed until a facilitator opens one, and
    tables closed with the inquiry stay closed: a facilitator opens tables again (seating whoever is there
    then) when the room is ready for them; the closed tables keep their boards and picks."""
    with steering(actor, "inquiry.reopen") as (inquiry, notes):
        if inquiry.closed_at is None:
            raise Refused("invalid_state", "This inquiry is not closed.")
        inquiry.closed_at = None
        inquiry.save(update_fields=["closed_at"])
        # The whole region, as the close drew it: the facilitators' controls that ask the room for more
        # (the timer, a vote, a round, an announcement, the spotlight) come back on every open screen.
        publish(inquiry, "inquiry", "reopen", {}, render.live_for_all(inquiry))


def set_retention(actor, days):
    """Delete everything in the inquiry ``days`` after it closes (None: keep it until deleted by hand)."""
    if days is not None and not 0 <= days <= RETENTION_LIMIT:
        raise Refused("invalid_field", f"Keep it between 0 and {RETENTION_LIMIT} days after closing.")
    with steering(actor, "inquiry.retention") as (inquiry, notes):
        inquiry.retention_days = days
        inquiry.save(update_fields=["retention_days"])
        notes.append("kept until deleted by hand" if days is None else f"deleted {days} days after closing")


def delete_inquiry(user, inquiry_id, how=DeletionRecord.OWNER):
    """Delete an inquiry and everything in it (rounds, participants, contributions, themes, votes, dots,
    reactions, its audit log and stored changes), leaving a DeletionRecord of what went, when and by whom.
    Only its owner may (``how`` OWNER); the retention purge passes RETENTION and no user. Screens still
    open are told, and can do nothing more there."""
    with changing(inquiry_id) as inquiry:
        if how == DeletionRecord.OWNER and (user is None or inquiry.created_by_id != user.pk):
            raise Refused("forbidden", "Only the facilitator who created this inquiry can delete it.")
        record = DeletionRecord.objects.create(
            code=inquiry.code,
            title=inquiry.title,
            inquiry_created=inquiry.created,
            owner_id=inquiry.created_by_id,
            deleted_by=user,
            deleted_by_name=user.get_username() if user is not None else "",
            how=how,
            counts=inquiry.contents(),
        )
        publish(inquiry, "inquiry", "delete", {}, render.inquiry_deleted())
        inquiry.delete()
        return record
