"""A participant's private page after the event: their actions and connections, by an unguessable link
(no account). The link is the key: anyone holding it acts as that participant here, and nowhere else."""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from board.exports import spreadsheet_safe
from board.models import Card, Dot
from inquiry.access import PARTICIPANT, Actor, Refused, inquiry_for_facilitator

from . import actions
from .models import Contact, NextStep, SignUp
from .render import annotate, mine


def _contact(token):
    contact = Contact.objects.select_related("participant__inquiry").filter(token=token).first()
    if contact is None or contact.participant.removed:
        raise Http404("There is nothing at this address.")
    return contact


@require_http_methods(["GET", "POST"])
def private_page(request, token):
    contact = _contact(token)
    participant, inquiry = contact.participant, contact.participant.inquiry
    problem = None
    if request.method == "POST":
        actor = Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk)
        try:
            if request.POST.get("withdraw"):
                actions.withdraw_contact(actor)
            else:
                actions.share_contact(
                    actor,
                    request.POST.get("text", "").strip()[:200],
                    bool(request.POST.get("with_signups")),
                    bool(request.POST.get("with_theme_sectors")),
                )
            return redirect("board:steps_private", token)
        except Refused as refused:
            problem = refused.message
    signed = SignUp.objects.filter(participant=participant).values_list("step_id", flat=True)
    steps = annotate(
        inquiry, list(NextStep.objects.filter(pk__in=list(signed), hidden=False).select_related("theme"))
    )
    # What they wrote, as the room saw it: never someone else's, nor what was held back, hidden or waiting.
    wrote = (
        Card.objects.filter(author=participant, status=Card.VISIBLE, silent=False)
        .select_related("round", "theme")
        .order_by("round__position", "created", "pk")
    )
    context = {
        "inquiry": inquiry,
        "participant": participant,
        "wrote": wrote,
        "steps": steps,
        "proposed": set(NextStep.objects.filter(author=participant).values_list("pk", flat=True)),
        "steps_mine": mine(inquiry, participant.pk),
        "problem": problem,
    }
    response = render(request, "board/next_steps_private.html", context, status=400 if problem else 200)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


STEP_COLUMNS = [
    "action",
    "what",
    "with_whom",
    "by_when",
    "theme",
    "loop",
    "signed_up",
    "by_sector",
    "dots",
    "hidden",
]


@login_required
@require_GET
def export_csv(request, code):
    """The actions with their sign-ups by sector (small sectors counted together), for facilitators.
    Who signed up and every contact stay out."""
    inquiry = inquiry_for_facilitator(request.user, code)
    steps = annotate(
        inquiry, list(NextStep.objects.filter(inquiry=inquiry).select_related("theme").order_by("pk"))
    )
    dots = dict(
        Dot.objects.filter(step__inquiry=inquiry, participant__removed=False)
        .values_list("step_id")
        .annotate(n=Count("pk"))
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(STEP_COLUMNS)
    for step in steps:
        writer.writerow(
            [
                step.pk,
                spreadsheet_safe(step.what),
                spreadsheet_safe(step.with_whom),
                spreadsheet_safe(step.by_when),
                spreadsheet_safe(step.theme.name if step.theme else ""),
                spreadsheet_safe(step.loop_label),
                step.signup_total,
                # Sector names are typed by facilitators (a co-facilitator's settings page among them).
                spreadsheet_safe("; ".join(f"{row.sector}: {row.count}" for row in step.sectors)),
                dots.get(step.pk, 0),
                "yes" if step.hidden else "",
            ]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="linewalk-{inquiry.code}-next-steps.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
