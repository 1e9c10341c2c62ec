"""What every change to an inquiry is made of, below the actions that make them (``board.actions``,
``inquiry.actions`` and the capabilities' own: tables, the systems map, next steps): the inquiry's lock
(``changing``), publishing a change with its sequence number (``publish``), a timer that closes its
round once time is up, and a dot vote with the round's Vote phase (``start_vote``, ``end_votes``). The
actions modules import this one, never each other for these."""

import re
from collections import defaultdict
from contextlib import contextmanager
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inquiry.access import Refused
from inquiry.models import Inquiry, Round
from sessions import events
from sessions.events import notify_participant

from . import render
from .models import Card, NextStep, Vote
from .nextsteps import render as steps_render
from .nextsteps.render import mine_htmls, own_parts_after_redraw
from .systemmap import render as map_render


@contextmanager
def changing(inquiry_id):
    """One transaction holding the inquiry's row lock: changes to one inquiry happen one at a time, in
    sequence order (SQLite's IMMEDIATE transactions give the same on the embedded default)."""
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().filter(pk=inquiry_id).first()
        if inquiry is None:
            raise Refused("not_found", "This inquiry no longer exists.")
        yield inquiry


# A participants' column rendered whole (a theme's or the unsorted one) in an event's HTML.
_COLUMN = re.compile(r'id="cards-(?:unsorted|theme-(\d+))"')
# A participant's own part of next steps, in an event's HTML: the whole live region, drawn for the room.
_OWN_PART = 'id="my-steps-state"'


# Changes that can alter a closed vote's results on the shared screen (board/results.py): what a card
# says or whether the room may see it, a theme's name, who counts as a voter, the smallest group shown.
_CHANGE_RESULTS = {
    *(("card", op) for op in ("edit", "delete", "hide", "restore", "approve", "reject")),
    *(("theme", op) for op in ("rename", "merge", "delete")),
    ("participant", "remove"),
    ("participant", "erase"),
    ("inquiry", "settings"),
    ("board", "undo"),  # a theme back, or suggested ones gone
}


def publish(inquiry, kind, op, data, fragments):
    """``sessions.events.publish`` (the sequence number, the stored event, the broadcast on commit), and
    then what only the board knows: where the participants' HTML re-renders whole columns (a theme
    renamed, the board after a vote opens...), it leaves out the cards only their authors may see (silent
    writing, pre-moderation), so those authors get them back in place; where it re-renders the whole live
    region, it leaves out each participant's own part of next steps, so they get that back too; and the
    room's count of contributions goes with every change that may alter it (``render.counts_changed``).
    Every change goes through here, not through ``sessions.events.publish`` directly."""
    if (kind, op) in _CHANGE_RESULTS:
        fragments = render.with_results(fragments, inquiry)
    counted = render.counts_changed(inquiry, kind)
    if counted:
        fragments = {**fragments, render.PARTICIPANT_KIND: fragments[render.PARTICIPANT_KIND] + counted}
    event = events.publish(inquiry, kind, op, data, fragments)
    columns = _COLUMN.findall(fragments[render.PARTICIPANT_KIND])
    if columns:
        tell_authors(inquiry, {int(pk) for pk in columns if pk}, unsorted="" in columns)
    if _OWN_PART in fragments[render.PARTICIPANT_KIND]:
        _tell_own_parts(inquiry)
    return event


def _tell_own_parts(inquiry):
    """The live region was drawn afresh for participants, blank of anyone's own part (what they signed
    up to and proposed, their private link, contact and connections): each who has one gets it back.
    Their parts are read here, for all of them at once, at this change's state; they are drawn and sent
    once it has committed, so a room of a thousand does not hold the inquiry's lock while they are drawn."""
    parts = own_parts_after_redraw(inquiry)
    if parts:
        inquiry_id, seq = inquiry.pk, inquiry.seq
        transaction.on_commit(lambda: _send_own_parts(inquiry_id, seq, parts), robust=True)


def _send_own_parts(inquiry_id, seq, parts):
    for participant_id, html in mine_htmls(parts).items():
        notify_participant(inquiry_id, participant_id, html, after=seq)


def column(inquiry, theme_id):
    """A column's cards in order (``theme_id`` None: unsorted)."""
    return list(Card.objects.filter(inquiry=inquiry, theme_id=theme_id).order_by("position", "pk"))


def tell_author(inquiry, card, context, siblings=None, last=False):
    """The author sees their own card even where others cannot (silent writing, queues), in its place
    (``siblings``: its column's cards in order, when known; ``last``: it is its column's last)."""
    if card.public or card.status == Card.HIDDEN:
        return
    if siblings is None and not last:
        siblings = column(inquiry, card.theme_id)
    html = render.card_placed(card, render.PARTICIPANT_KIND, context, siblings, viewer=card.author_id)
    notify_participant(inquiry.pk, card.author_id, html, after=inquiry.seq)


def tell_authors(inquiry, theme_ids, unsorted=False):
    """Columns were re-rendered for participants, which leaves out the cards only their authors may see
    (silent writing, queues), or such cards moved: put those back on their authors' screens, in place,
    one frame each."""
    where = Q(theme_id__in=theme_ids)
    if unsorted:
        where |= Q(theme__isnull=True)
    own = (
        Card.objects.filter(where, inquiry=inquiry)
        .exclude(status=Card.HIDDEN)
        .exclude(status=Card.VISIBLE, silent=False)
        .select_related("author", "round")
        .order_by("-position", "-pk")  # last first: each goes before a neighbour already back in place
    )
    columns, frames, context = {}, defaultdict(str), None
    for card in own:
        context = context or render.base_context(inquiry)
        if card.theme_id not in columns:
            columns[card.theme_id] = column(inquiry, card.theme_id)
        siblings = columns[card.theme_id]
        frames[card.author_id] += render.card_placed(
            card, render.PARTICIPANT_KIND, context, siblings, viewer=card.author_id
        )
    for author, html in frames.items():
        notify_participant(inquiry.pk, author, html, after=inquiry.seq)


# Timers ------------------------------------------------------------------------------------------------


def expire_timer_if_due(inquiry):
    """A timer set to close its round closes it once time is up, whoever acts first after that."""
    if inquiry.timer_ends_at and inquiry.timer_closes_round and inquiry.timer_ends_at <= timezone.now():
        close_round_for_timer(inquiry)


def close_round_for_timer(inquiry):
    """Time is up on a timer set to close its round (inside a change already holding the lock)."""
    closing = inquiry.current_round
    inquiry.timer_ends_at, inquiry.timer_closes_round, inquiry.time_up = None, False, True
    inquiry.save(update_fields=["timer_ends_at", "timer_closes_round", "time_up"])
    publish(inquiry, "timer", "expire", {}, render.room_changed(inquiry, "timer"))
    if closing is None:
        return
    if closing.phase == Round.VOTE:
        # The Vote phase is the round's vote: time up on it closes the vote, as Close the vote does
        # (``end_votes`` takes the round to Closed with it).
        own = Vote.objects.filter(inquiry=inquiry, is_open=True).order_by("-created", "-pk").first()
        if own is not None and own.belongs_to(closing.pk):
            shown = vote_shown(inquiry)
            end_votes(inquiry)
            data = {"round": closing.pk, "phase": Round.CLOSED, "vote_closed": own.pk}
            publish(inquiry, "round", "phase", data, vote_changed(inquiry, shown))
            return
    if closing.is_open or closing.phase == Round.VOTE:
        closing.phase = Round.CLOSED
        closing.save(update_fields=["phase"])
        revealed = Card.objects.filter(round=closing, silent=True).update(silent=False)
        fragments = render.live_for_all(inquiry) if revealed else render.round_banner(inquiry)
        publish(inquiry, "round", "phase", {"round": closing.pk, "phase": Round.CLOSED}, fragments)


def time_up_ends(inquiry):
    """The room moves on (another round, another phase, a new timer): "Time is up" goes (inside a change
    holding the lock). Returns whether it was showing, so the change re-draws the timer with it."""
    if not inquiry.time_up:
        return False
    inquiry.time_up = False
    inquiry.save(update_fields=["time_up"])
    return True


def with_timer(fragments, inquiry):
    """``fragments`` and the timer as it is now, on every screen."""
    timer = render.room_changed(inquiry, "timer")
    return {kind: html + timer[kind] for kind, html in fragments.items()}


# Votes and the Vote phase -------------------------------------------------------------------------------
# A round's Vote phase and its dot vote are one thing (docs/protocol.md, "Votes and the Vote phase"): the
# Vote phase opens a vote when none is open for the round, opening a vote puts the room's round in the
# Vote phase, and the two end together (closing the vote closes the round; leaving the phase closes the
# vote). A facilitator never sees "Vote" over a room with nothing to vote on, nor a vote in "Gather".

# The vote the Vote phase opens (round.phase takes no settings: vote.open does), and what the workspace's
# vote dialog starts from before there is a last vote (given to static/linewalk/vote-dialog.js in the
# page): in the map's and next steps' rounds, what their own buttons open.
VOTE_DEFAULTS = {
    Round.CONTRIBUTIONS: {"target": Vote.CARDS, "budget": 3, "per_item": 1, "live": False},
    Round.MAPPING: {"target": Vote.LEVERAGE, "budget": 3, "per_item": 2, "live": False},
    Round.NEXT_STEPS: {"target": Vote.ACTIONS, "budget": 3, "per_item": 1, "live": False},
}


def start_vote(inquiry, voting_in, *, target, budget, per_item, live, on_round=None):
    """Inside a change: open a dot vote on ``target`` (the cards of ``on_round``, or of every round),
    any open vote closing first (``end_votes``), and put ``voting_in`` (the round the room is in, or None)
    in the Vote phase, which shows its silent cards: nobody votes on what they cannot see. Returns
    (the vote, how many silent cards it showed)."""
    end_votes(inquiry)
    vote = Vote.objects.create(
        inquiry=inquiry,
        round=on_round,
        opened_in=voting_in,
        target=target,
        budget=budget,
        per_item=min(per_item, budget),
        live_results=live,
    )
    revealed = 0
    if voting_in is not None:
        voting_in.phase = Round.VOTE
        voting_in.save(update_fields=["phase"])
        if voting_in.pk == inquiry.current_round_id:
            inquiry.current_round.phase = Round.VOTE
        revealed = Card.objects.filter(round=voting_in, silent=True).update(silent=False)
    return vote, revealed


def end_votes(inquiry, leaving=None):
    """Inside a change: close the open vote (one at most, but a stored history may hold more), and the
    round it was opened in leaves the Vote phase for Closed, unless it is ``leaving`` (a round the
    facilitator takes to another phase: they set it). Returns the votes closed."""
    votes = list(Vote.objects.filter(inquiry=inquiry, is_open=True))
    if not votes:
        return []
    Vote.objects.filter(pk__in=[vote.pk for vote in votes]).update(is_open=False)
    # A vote stored without its round (before rounds were recorded, or imported so) belongs to any round
    # (``Vote.belongs_to``): the one the room is in.
    rounds = {vote.opened_in_id or inquiry.current_round_id for vote in votes}
    rounds -= {None, getattr(leaving, "pk", None)}
    Round.objects.filter(pk__in=rounds, phase=Round.VOTE).update(phase=Round.CLOSED)
    current = inquiry.current_round
    if current is not None and current.pk in rounds and current.phase == Round.VOTE:
        current.phase = Round.CLOSED  # the instance the inquiry holds, as the database has it now
    for vote in votes:
        vote.is_open = False
    return votes


class VoteShown(NamedTuple):
    """What every screen shows of the room's vote until a change (``vote_shown``)."""

    vote_id: int | None
    results: bool
    phases: list
    silent: int


def vote_shown(inquiry):
    """What every screen shows of the room's vote, taken inside a change before it changes anything:
    the current vote and whether its results show, each round's phase (the round banner names the
    current one and lists the closed ones) and how many cards are silent. ``vote_changed`` works out
    from it what the change did, so no caller says so (and none can say it wrong)."""
    vote = render.current_vote(inquiry)
    return VoteShown(
        getattr(vote, "pk", None),
        vote is not None and vote.results_visible,
        _phases(inquiry),
        _silent(inquiry),
    )


def _phases(inquiry):
    return list(Round.objects.filter(inquiry=inquiry).order_by("pk").values_list("pk", "phase"))


def _silent(inquiry):
    return Card.objects.filter(inquiry=inquiry, silent=True).count()


def vote_changed(inquiry, shown):
    """What a vote opening, closing, reopening or showing its results changes on every screen, against
    what they showed before it (``shown``, from ``vote_shown``): the counts of the cards and themes it is
    on or was on (``render.vote_parts``), the vote bar (and the facilitators' controls beside it), the
    sector lens, the dots on the map and on next steps where the vote is or was on them; the round
    banner too when a round's phase changed with it (the Vote phase came or went); the board drawn
    whole when it showed silent cards, which then appear in their columns.

    Not the whole board for a vote alone: at event size (300 cards) that was ~50 KB to every phone and
    ~650 KB to each facilitator, swapped in whole (docs/benchmarks.md, "A vote's frames")."""
    vote = render.current_vote(inquiry)
    if vote is not None and vote.pk == shown.vote_id:
        before = vote
    else:  # it opened: the screens showed the one before it until now
        before = Vote.objects.filter(pk=shown.vote_id).first() if shown.vote_id is not None else None
    shown_before = before is not None and shown.results
    phase = shown.phases != _phases(inquiry)
    if shown.silent != _silent(inquiry):
        board = render.board_replaced(inquiry)
        lens_for = render.KINDS
    else:
        board = render.vote_parts(inquiry, vote, before, shown_before)
        # The lens counts the dots of every vote, which a vote's change leaves as they are: only whether
        # participants may see it (render.lens_report): while no vote's results are hidden from them.
        lens_before = before is None or shown_before
        lens_for = (render.PARTICIPANT_KIND,) if vote.results_visible != lens_before else ()
    names = (
        ("vote-bar", "vote-results", "round-banner", "silent-count")
        if phase
        else ("vote-bar", "vote-results")
    )
    fragments = render.for_each_kind(lambda kind: board[kind] + render.room_parts(inquiry, kind, names))
    if lens_for:
        lens = render.lens_changed(inquiry)
        fragments = {
            kind: html + (lens[kind] if kind in lens_for else "") for kind, html in fragments.items()
        }
    targets = {v.target for v in (vote, before) if v is not None}
    # Votes on where to act on the map and on next steps show their dots there.
    if Vote.LEVERAGE in targets:
        fragments = map_render.with_map(fragments, inquiry)
    if Vote.ACTIONS in targets and NextStep.objects.filter(inquiry=inquiry).exists():
        steps = steps_render.section_changed(inquiry)
        fragments = {kind: html + steps[kind] for kind, html in fragments.items()}
    return fragments
