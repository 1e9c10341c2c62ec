"""Every change to next steps, sign-ups and shared contacts: check, do (in the inquiry's transaction,
with its sequence number), notify. Contacts only ever go out in the private frames of the people their
owner chose (board/nextsteps/connections.py); the room's events say nothing of them."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from board.changes import changing, publish
from board.models import Theme
from board.systemmap import render as map_render
from inquiry import audit, limits
from inquiry.access import Refused, open_round_of_kind, require_facilitator, require_participant
from inquiry.models import Round
from sessions import events
from sessions.events import notify_participant
from sessions.protocol import step_ack_frame

from . import render as steps_render
from .connections import seen_by
from .models import Contact, NextStep, SignUp


def _open_steps_round(inquiry):
    return open_round_of_kind(
        inquiry, Round.NEXT_STEPS, "Actions are proposed in a round set up for next steps."
    )


def _step(inquiry, step_id):
    step = NextStep.objects.select_related("theme").filter(pk=step_id, inquiry=inquiry).first()
    if step is None:
        raise Refused("not_found", "There is no such action in this inquiry.")
    return step


def _own_step(actor, inquiry, step_id):
    participant = require_participant(actor, inquiry)
    step = _step(inquiry, step_id)
    if step.author_id != participant.pk:
        raise Refused("forbidden", "You can only change the actions you proposed.")
    return participant, step


def _about(inquiry, fields):
    """The theme and loop an action is linked to, checked: (theme or None, loop key, loop label)."""
    theme = None
    if fields.get("theme"):
        theme = Theme.objects.filter(pk=fields["theme"], inquiry=inquiry).first()
        if theme is None:
            raise Refused("not_found", "There is no such theme in this inquiry.")
    key = fields.get("loop") or ""
    label = ""
    if key:
        _nodes, _links, found = map_render.graph(inquiry, "participant")
        loop = found.by_key().get(key)
        if loop is None:
            raise Refused("not_found", "That loop is no longer on the map.")
        label = " → ".join(loop.labels + loop.labels[:1])[:600]
    return theme, key, label


def _tell(inquiry, participant_ids, own_contact=None):
    """Each of these participants gets their own part afresh (what they signed up to, the contacts they
    may see; ``own_contact``: the one whose contact form changed gets it too), in a frame of their own."""
    for pk in sorted(set(participant_ids)):
        html = steps_render.mine_html(inquiry, pk, contact=pk == own_contact)
        notify_participant(inquiry.pk, pk, html, after=inquiry.seq)


def _published(inquiry, step, op, data):
    publish(inquiry, "step", op, data, steps_render.step_changed(inquiry, step, op))


def propose(actor, client_id, fields):
    """A participant proposes an action (what, with whom, by when; optionally about a theme or a loop)
    and is signed up to it. A resend with the same client id stores nothing new. Returns (step, created)."""
    with changing(actor.inquiry_id) as inquiry:
        participant = require_participant(actor, inquiry)
        existing = NextStep.objects.filter(author=participant, client_id=client_id).first()
        if existing is not None:
            return existing, False
        current = _open_steps_round(inquiry)
        theme, key, label = _about(inquiry, fields)
        # An action is text every screen shows, like a post: it counts against the same allowance, or
        # one phone could put a hundred actions on every screen in a second.
        limits.take_post(participant.pk)
        try:
            with transaction.atomic():
                step = NextStep.objects.create(
                    inquiry=inquiry,
                    round=current,
                    author=participant,
                    client_id=client_id,
                    what=fields["what"],
                    with_whom=fields.get("with_whom") or "",
                    by_when=fields.get("by_when") or "",
                    theme=theme,
                    loop=key,
                    loop_label=label,
                )
        except IntegrityError:
            return NextStep.objects.get(author=participant, client_id=client_id), False
        SignUp.objects.create(step=step, participant=participant)
        _keep_private_page(participant)
        _published(inquiry, step, "add", {"step": step.pk})
        _tell(inquiry, [participant.pk])
        return step, True


def edit(actor, step_id, fields):
    with changing(actor.inquiry_id) as inquiry:
        _participant, step = _own_step(actor, inquiry, step_id)
        _open_steps_round(inquiry)
        step.theme, step.loop, step.loop_label = _about(inquiry, fields)
        step.what = fields["what"]
        step.with_whom, step.by_when = fields.get("with_whom") or "", fields.get("by_when") or ""
        step.edited = timezone.now()
        step.save()
        _published(inquiry, step, "edit", {"step": step.pk})
        return step


def delete(actor, step_id):
    """The author withdraws their proposal (while its round is open): it goes, with its sign-ups."""
    with changing(actor.inquiry_id) as inquiry:
        _participant, step = _own_step(actor, inquiry, step_id)
        _open_steps_round(inquiry)
        signed = list(step.signups.values_list("participant_id", flat=True))
        # What the author took back is kept nowhere, as for a deleted card: not in the stored changes a
        # screen catching up is replayed (a facilitator's replay crosses a delete), before the change that
        # takes it off the screens is stored. No change before the action was made shows it.
        events.redact(inquiry.pk, [f'id="{step.dom_id}"'], since=step.created - timedelta(minutes=1))
        step.delete()
        step.pk = step_id
        _published(inquiry, step, "delete", {"step": step_id})
        _tell(inquiry, signed)


def _signups_open(inquiry):
    """Signing up happens while the room is in a next-steps round that is not closed (withdrawing, at
    any time)."""
    current = inquiry.current_round
    if current is None or current.kind != Round.NEXT_STEPS:
        raise Refused("forbidden", "Signing up to actions is open in a round set up for next steps.")
    if current.phase == Round.CLOSED:
        raise Refused("round_closed", "This round is closed: sign-ups have ended.")
    if inquiry.paused:
        raise Refused("paused", "The facilitator has paused the room.")


def _signed_up(actor, step_id, joining):
    with changing(actor.inquiry_id) as inquiry:
        participant = require_participant(actor, inquiry)
        step = _step(inquiry, step_id)
        if joining:
            _signups_open(inquiry)
            if step.hidden:
                raise Refused("not_found", "There is no such action in this inquiry.")
        # They now see (or no longer see) the contacts shared in this action; and if they share theirs
        # with the people of their actions, everyone in this one sees it come or go. Nobody else changes.
        contact = Contact.objects.filter(participant=participant).first()
        shares = contact is not None and bool(contact.text) and contact.with_signups
        before = set(step.signups.values_list("participant_id", flat=True)) if shares else set()
        if joining:
            _obj, created = SignUp.objects.get_or_create(step=step, participant=participant)
            if not created:
                raise Refused("invalid_state", "You are already signed up to this action.")
            _keep_private_page(participant)
        else:
            deleted, _ = SignUp.objects.filter(step=step, participant=participant).delete()
            if not deleted:
                raise Refused("invalid_state", "You are not signed up to this action.")
        _published(inquiry, step, "signup", {"step": step.pk})
        _tell(inquiry, before | {participant.pk})
        return step


def _keep_private_page(participant):
    """Whoever signs up to or proposes an action gets a private page (board/nextsteps/views.py), shared
    contact or not: its link is their Contact's token; a Contact with no text shares nothing."""
    Contact.objects.get_or_create(participant=participant)


def keep_private_pages(inquiry):
    """At the close: everyone who signed up to or proposed an action gets a private page if they have none
    yet (sign-ups imported, or made before pages came with them). Inside the caller's change, before the
    close is published: the close draws the live region afresh, which gives each of them their own part
    back, with its link (``board.changes.publish``)."""
    from inquiry.models import Participant

    own = Participant.objects.filter(inquiry=inquiry, removed=False)
    acting = own.filter(Q(signups__isnull=False) | Q(next_steps__isnull=False))
    missing = acting.filter(contact__isnull=True).distinct().values_list("pk", flat=True)
    Contact.objects.bulk_create([Contact(participant_id=pk) for pk in missing], ignore_conflicts=True)


def join(actor, step_id):
    """ "I'm in": take this action forward with the others signed up to it."""
    return _signed_up(actor, step_id, True)


def leave(actor, step_id):
    return _signed_up(actor, step_id, False)


def _moderate(actor, step_id, hidden):
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        step = _step(inquiry, step_id)
        if step.hidden == hidden:
            raise Refused("invalid_state", "That action is already " + ("hidden." if hidden else "shown."))
        step.hidden = hidden
        step.save(update_fields=["hidden"])
        op = "hide" if hidden else "restore"
        audit.record(inquiry.pk, actor, f"step.{op}", f"step {step.pk}: {step.what[:80]}")
        _published(inquiry, step, op, {"step": step.pk})
        # A hidden action connects nobody (connections.py): its people see the contacts it brought them
        # go (or come back, when it is shown again).
        _tell(inquiry, step.signups.values_list("participant_id", flat=True))
        return step


def hide(actor, step_id):
    return _moderate(actor, step_id, True)


def restore(actor, step_id):
    return _moderate(actor, step_id, False)


def share_contact(actor, text, with_signups, with_theme_sectors):
    """A participant's own choice to share a contact, and with whom. Who may see it changes for them
    alone; facilitators learn only that they chose to."""
    if not (with_signups or with_theme_sectors):
        raise Refused("invalid_field", "Choose who may see your contact, or stop sharing it.")
    with changing(actor.inquiry_id) as inquiry:
        participant = require_participant(actor, inquiry)
        contact = Contact.objects.filter(participant=participant).first() or Contact(participant=participant)
        before = seen_by(participant)
        contact.text, contact.with_signups, contact.with_theme_sectors = (
            text,
            with_signups,
            with_theme_sectors,
        )
        contact.save()
        _contact_changed(inquiry, participant, before)
        return contact


def withdraw_contact(actor):
    """Stop sharing: the contact is forgotten and disappears from every screen that showed it."""
    with changing(actor.inquiry_id) as inquiry:
        participant = require_participant(actor, inquiry, after_close=True)
        contact = Contact.objects.filter(participant=participant).first()
        if contact is None or not contact.shared:
            raise Refused("invalid_state", "You are not sharing a contact.")
        before = seen_by(participant)
        contact.text, contact.with_signups, contact.with_theme_sectors = "", False, False
        contact.save()
        _contact_changed(inquiry, participant, before)
        return contact


def _contact_changed(inquiry, participant, before):
    publish(inquiry, "contact", "change", {}, steps_render.consents_changed(inquiry))
    _tell(inquiry, before | seen_by(participant) | {participant.pk}, own_contact=participant.pk)


def erase_participant_parts(inquiry, participant):
    """A participant erases what they added: the actions they proposed (with their sign-ups), their own
    sign-ups and the contact they shared. Inside the caller's change; returns the room's fragments (the
    private frames of the people whose view changes follow the change)."""
    before = seen_by(participant)
    steps = list(NextStep.objects.filter(author=participant))
    signed = set(SignUp.objects.filter(step__in=steps).values_list("participant_id", flat=True))
    joined = list(SignUp.objects.filter(participant=participant).select_related("step"))
    Contact.objects.filter(participant=participant).delete()
    SignUp.objects.filter(participant=participant).delete()
    # What their proposals said is erased from the stored changes too, as for an erased card.
    events.redact(inquiry.pk, [f'id="step-{step.pk}"' for step in steps])
    for step in steps:
        pk = step.pk
        step.delete()
        step.pk = pk
    fragments = {kind: "" for kind in ("participant", "facilitator")}
    changed = [(step, "delete") for step in steps] + [
        (s.step, "signup") for s in joined if s.step not in steps
    ]
    for step, op in changed:
        more = steps_render.step_changed(inquiry, step, op)
        fragments = {kind: html + more[kind] for kind, html in fragments.items()}
    if before:
        more = steps_render.consents_changed(inquiry)
        fragments = {kind: html + more[kind] for kind, html in fragments.items()}
    tell = (before | signed) - {participant.pk}
    if tell:
        _tell_later(inquiry, tell)
    return fragments


def _tell_later(inquiry, participant_ids):
    """``_tell`` for a change not yet published: the frames wait for the next sequence number."""
    for pk in sorted(participant_ids):
        html = steps_render.mine_html(inquiry, pk, contact=False)
        notify_participant(inquiry.pk, pk, html, after=inquiry.seq + 1)


def vote_item(inquiry, vote, step_id):
    step = NextStep.objects.filter(pk=step_id, inquiry=inquiry, hidden=False).first() if step_id else None
    if step is None:
        raise Refused("not_found", "That is not one of the actions in this vote.")
    return {"step": step}


def _fields(m):
    return {name: m[name] for name in ("what", "with_whom", "by_when", "theme", "loop")}


class Proposed:
    """``propose``'s outcome for the socket: the action, and the acknowledgement the proposer's page waits
    for before it stops sending it again (a resend is acknowledged too)."""

    def __init__(self, result):
        self.step, self.created = result
        self.ws_reply = step_ack_frame(self.step.client_id, self.step.pk)


HANDLERS = {
    ("step", "add"): lambda actor, m: Proposed(propose(actor, m["client_id"], _fields(m))),
    ("step", "edit"): lambda actor, m: edit(actor, m["step"], _fields(m)),
    ("step", "delete"): lambda actor, m: delete(actor, m["step"]),
    ("step", "join"): lambda actor, m: join(actor, m["step"]),
    ("step", "leave"): lambda actor, m: leave(actor, m["step"]),
    ("step", "hide"): lambda actor, m: hide(actor, m["step"]),
    ("step", "restore"): lambda actor, m: restore(actor, m["step"]),
    ("contact", "share"): lambda actor, m: share_contact(
        actor, m["text"], m["with_signups"], m["with_theme_sectors"]
    ),
    ("contact", "withdraw"): lambda actor, m: withdraw_contact(actor),
}
