"""What happens next, as each kind of screen sees it (templates/board/next_steps.html). The room sees the
actions, their sign-up counts by sector and the dots; a participant's own choices (what they signed up
to, their contact and whom it goes to, the contacts they may see) travel in private frames only."""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import get_template, render_to_string

from board import render as board_render
from board.harvest import participants_by_sector
from board.lens import left_out, sectors_shown_of
from board.models import Card, Vote
from inquiry.models import Participant, Round

from .connections import connections_of
from .models import Contact, NextStep, SignUp


@dataclass
class SectorCount:
    sector: str
    count: int
    small: bool = False  # the sectors of fewer than K people, counted together

    def __str__(self):
        return f"{self.count} from {self.sector}" if self.small else f"{self.sector} {self.count}"


def sector_counts(signups_by_sector, shown_sectors, k, left_out=False):
    """Sign-ups by sector; the sectors the lens withholds (``shown_sectors``: those it shows, board/lens.py)
    are counted together, so a small sector's few members cannot be picked out, neither on their own nor
    as the total less the sectors shown. ``left_out``: a sector of K or more is counted with them."""
    shown, small = [], 0
    for sector, count in sorted(signups_by_sector.items(), key=lambda item: (-item[1], item[0])):
        if sector in shown_sectors:
            shown.append(SectorCount(sector, count))
        else:
            small += count
    if small:
        why = "counted together: one has fewer than" if left_out else "fewer than"
        each = "" if left_out else " each"
        shown.append(SectorCount(f"smaller sectors ({why} {k} people{each})", small, small=True))
    return shown


def sectors_in_words(rows):
    """What follows "N signed up", without saying N twice: ", all from NHS", ", all from smaller sectors
    (...)", ": NHS 3, 2 from smaller sectors (...)", or nothing."""
    if len(rows) == 1:
        return f", all from {rows[0].sector}"
    return f": {', '.join(str(row) for row in rows)}" if rows else ""


def annotate(inquiry, steps, vote=None):
    """Sign-ups (total, by sector), consents among them and dots, for some steps, in a few queries."""
    ids = [step.pk for step in steps]
    rows = SignUp.objects.filter(step_id__in=ids, participant__removed=False).values_list(
        "step_id", "participant__sector", "participant__contact__with_signups", "participant__contact__text"
    )
    by_step, consents = {pk: Counter() for pk in ids}, Counter()
    for step_id, sector, shares, text in rows:
        by_step[step_id][sector] += 1
        if shares and text:
            consents[step_id] += 1
    people, k = participants_by_sector(inquiry), inquiry.k_threshold
    shown = sectors_shown_of(inquiry.sectors, people, k)
    together = left_out(inquiry.sectors, people, k)
    dots = {}
    if vote is not None and vote.target == Vote.ACTIONS:
        dots = dict(
            board_render.counted_dots(vote=vote, step_id__in=ids)
            .values_list("step_id")
            .annotate(n=Count("pk"))
        )
    for step in steps:
        step.signup_total = sum(by_step[step.pk].values())
        step.sectors = sector_counts(by_step[step.pk], shown, k, together)
        step.sectors_in_words = sectors_in_words(step.sectors)
        step.consents = consents[step.pk]
        step.dot_count = dots.get(step.pk, 0)
        step.in_vote = bool(vote and vote.target == Vote.ACTIONS and not step.hidden)
    return steps


def steps_of(inquiry, kind, vote=None):
    steps = NextStep.objects.filter(inquiry=inquiry).select_related("theme", "author").order_by("pk")
    if kind == board_render.PARTICIPANT_KIND:
        steps = steps.filter(hidden=False)
    return annotate(inquiry, list(steps), vote)


def consenting(inquiry):
    """Who chose to share a contact (facilitators see this, never the contact itself)."""
    return list(
        Participant.objects.filter(inquiry=inquiry, removed=False, contact__isnull=False)
        .exclude(contact__text="")
        .filter(Q(contact__with_signups=True) | Q(contact__with_theme_sectors=True))
        .order_by("display_name", "pk")
    )


def context(inquiry, kind, vote=None):
    vote = vote if vote is not None else board_render.current_vote(inquiry)
    rounds = list(Round.objects.filter(inquiry=inquiry, kind=Round.NEXT_STEPS).values_list("pk", flat=True))
    steps = steps_of(inquiry, kind, vote)
    return {
        "steps": steps,
        "steps_count": len(steps),
        "steps_rounds": " ".join(str(pk) for pk in rounds),
        "steps_vote": vote,
        "consenting": consenting(inquiry) if kind == board_render.FACILITATOR_KIND else None,
        "themes_for_steps": list(inquiry.themes.order_by("position", "pk").values_list("pk", "name")),
    }


def state(inquiry, kind, viewer=None):
    """The next steps' part of a page's or snapshot's context (``viewer``: a participant's own page)."""
    extra = {"steps_mine": mine(inquiry, viewer)} if viewer is not None else {}
    return {**context(inquiry, kind), **extra}


def partial(name, kind, ctx):
    return render_to_string(
        f"board/next_steps.html#{name}", {**ctx, "facilitator": kind == board_render.FACILITATOR_KIND}
    )


def section_changed(inquiry):
    """The whole section re-drawn (a round became or stopped being a next-steps round)."""
    return board_render.for_each_kind(
        lambda kind: partial("steps-view", kind, {**context(inquiry, kind), "oob": True})
    )


def step_changed(inquiry, step, op):
    """One action added, changed, signed up to, hidden or deleted: that item alone, and the count."""
    vote = board_render.current_vote(inquiry)

    def build(kind):
        count = NextStep.objects.filter(inquiry=inquiry)
        if kind == board_render.PARTICIPANT_KIND:
            count = count.filter(hidden=False)
        counted = count.count()
        html = partial("steps-count", kind, {"steps_count": counted, "oob": True})
        if kind == board_render.FACILITATOR_KIND:
            # "Let the room vote on the actions" is offered once there is an action (and not before).
            offer = {"steps": counted > 0, "steps_vote": vote, "oob": True}
            html += partial("steps-vote-control", kind, offer)
        shown = step is not None and (kind == board_render.FACILITATOR_KIND or not step.hidden)
        if op == "delete" or (not shown and step is not None):
            return html + board_render.delete(f"step-{step.pk if step else 0}")
        annotate(inquiry, [step], vote)
        item = {"step": step, "steps_vote": vote}
        if op == "add" or (op == "restore" and kind == board_render.PARTICIPANT_KIND):
            return html + board_render.oob("steps-list", partial("step", kind, item))
        return html + partial("step", kind, {**item, "oob": True})

    return board_render.for_each_kind(build)


def step_votes(step, kind, vote):
    step.dot_count = board_render.counted_dots(vote=vote, step=step).count()
    step.in_vote = True
    return partial("step-votes", kind, {"step": step, "steps_vote": vote, "oob": True})


def consents_changed(inquiry):
    """Who consented, for the facilitators' screens (participants' screens get nothing)."""
    return {
        board_render.PARTICIPANT_KIND: "",
        board_render.FACILITATOR_KIND: partial(
            "consents", board_render.FACILITATOR_KIND, {"consenting": consenting(inquiry), "oob": True}
        ),
    }


def mine(inquiry, participant_id):
    """One participant's own part: what they signed up to and proposed, their contact, their connections."""
    return mine_of([Participant.objects.get(pk=participant_id)])[participant_id]


def mine_of(participants):
    """``mine`` for several participants (``Participant`` rows) at once, in a few queries however many
    they are: {participant id: their own part}."""
    ids = [participant.pk for participant in participants]
    signed, own = defaultdict(list), defaultdict(list)
    rows = SignUp.objects.filter(participant_id__in=ids).order_by("step_id")
    for participant_id, step_id in rows.values_list("participant_id", "step_id"):
        signed[participant_id].append(step_id)
    rows = NextStep.objects.filter(author_id__in=ids).order_by("pk")
    for participant_id, step_id in rows.values_list("author_id", "pk"):
        own[participant_id].append(step_id)
    contacts = {contact.participant_id: contact for contact in Contact.objects.filter(participant_id__in=ids)}
    connections = connections_of(participants)
    return {
        pk: {
            "signed": json.dumps(signed[pk]),
            "own": json.dumps(own[pk]),
            "contact": contacts.get(pk),
            "connections": connections[pk],
        }
        for pk in ids
    }


def has_own_part(participant, cards=True):
    """An expression for a ``Participant`` queryset: whether ``participant`` (an ``OuterRef``) has anything
    of their own here (a sign-up, a proposal, a contact, a card in a theme). One who has none sees the
    same blank part as everyone else (``blank_mine_html``), so their connect reads nothing more.
    ``cards``: a card in a theme counts (it may bring contacts shared with the theme's other sectors)."""
    own = (
        Exists(SignUp.objects.filter(participant=participant))
        | Exists(NextStep.objects.filter(author=participant))
        | Exists(Contact.objects.filter(participant=participant))
    )
    return own | Exists(Card.objects.filter(author=participant, theme__isnull=False)) if cards else own


def own_parts_after_redraw(inquiry):
    """{participant id: their own part, as ``mine``} for everyone whose part is not the room's blank one:
    a change that draws the whole live region afresh (a reveal, a round added, the close) draws it as the
    room sees it, which wipes each participant's own part off their screen. Read for all of them at once,
    inside the change; ``mine_htmls`` draws them (after the commit: nothing there reads the database). A
    card in a theme makes a part only while someone shares a contact with the theme's other sectors."""
    shared_by_theme = (
        Contact.objects.filter(
            participant__inquiry=inquiry, participant__removed=False, with_theme_sectors=True
        )
        .exclude(text="")
        .exists()
    )
    people = Participant.objects.filter(inquiry=inquiry, removed=False).filter(
        has_own_part(OuterRef("pk"), cards=shared_by_theme)
    )
    return mine_of(list(people.order_by("pk")))


# A participant's own parts, as out-of-band swaps: (partial, what of ``mine`` it shows). Two participants
# whose ``mine`` agree on what a partial shows get the same HTML from it, so it is drawn once for both.
MINE_PARTS = (
    ("my-steps-state", lambda mine: (mine["signed"], mine["own"])),
    ("my-private", lambda mine: mine["contact"].token if mine["contact"] else None),
    (
        "my-connections",
        lambda mine: tuple(
            (c.participant_id, c.name, c.sector, c.contact, tuple(c.via)) for c in mine["connections"]
        ),
    ),
    (
        "my-contact",
        lambda mine: (
            (mine["contact"].text, mine["contact"].with_signups, mine["contact"].with_theme_sectors)
            if mine["contact"]
            else None
        ),
    ),
)


def mine_htmls(parts, contact=True):
    """{participant id: their own parts as out-of-band swaps} from {participant id: ``mine``}, each partial
    drawn once per distinct content it shows (in a room, many share a blank contact form or the same
    connections). ``contact``: their own contact form too (see ``mine_html``)."""
    pieces = MINE_PARTS if contact else MINE_PARTS[:-1]
    templates = {name: get_template(f"board/next_steps.html#{name}") for name, _ in pieces}
    drawn = {}

    def draw(name, shows, mine):
        key = (name, shows(mine))
        if key not in drawn:
            drawn[key] = templates[name].render({"steps_mine": mine, "oob": True})
        return drawn[key]

    return {pk: "".join(draw(name, shows, mine) for name, shows in pieces) for pk, mine in parts.items()}


_blank = []


def blank_mine_html():
    """``mine_html`` of a participant with no part of their own (see ``has_own_part``): the same for all."""
    if not _blank:
        blank = {"signed": "[]", "own": "[]", "contact": None, "connections": []}
        _blank.append(mine_htmls({None: blank})[None])
    return _blank[0]


def mine_html(inquiry, participant_id, contact=True):
    """A participant's own parts as out-of-band swaps. ``contact``: their own contact form too (left out
    when someone else's change only alters what they may see, so a form they are filling in stays)."""
    return mine_htmls({participant_id: mine(inquiry, participant_id)}, contact)[participant_id]
