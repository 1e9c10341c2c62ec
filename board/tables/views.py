"""The table list for Zoom's breakout pre-assignment (facilitators only)."""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from board.exports import spreadsheet_safe
from inquiry.access import inquiry_for_facilitator

from .models import Seat, TableEmail
from .render import latest_breakout

# Zoom's pre-assignment file names the room, then the person's email (where they chose to give one
# for this, on their phone); name and sector help whoever fills in the rest.
COLUMNS = ["Pre-assign Room Name", "Email Address", "Name", "Sector"]


@login_required
@require_GET
def export_csv(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    breakout = latest_breakout(inquiry.pk)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    if breakout is not None:
        seats = Seat.objects.filter(breakout=breakout).select_related(
            "table", "participant", "participant__table_email"
        )
        for seat in seats.order_by("table__number", "pk"):
            writer.writerow(
                [
                    f"Table {seat.table.number}",
                    spreadsheet_safe(_email(seat.participant)),
                    spreadsheet_safe(seat.participant.display_name or f"Participant {seat.participant_id}"),
                    spreadsheet_safe(seat.participant.sector),
                ]
            )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="linewalk-{inquiry.code}-tables.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _email(participant):
    try:
        return participant.table_email.email
    except TableEmail.DoesNotExist:
        return ""
