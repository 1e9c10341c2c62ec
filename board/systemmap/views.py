"""The systems map's downloads, for the inquiry's facilitators (docs/exports.md)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from inquiry.access import inquiry_for_facilitator

from . import exports


def _file(inquiry, body, content_type, name):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="linewalk-{inquiry.code}-{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export_kumu(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    return _file(inquiry, exports.kumu(inquiry), "application/json", "map.kumu.json")


@login_required
@require_GET
def export_graphml(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    return _file(inquiry, exports.graphml(inquiry), "application/graphml+xml", "map.graphml")


@login_required
@require_GET
def export_links_csv(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    return _file(inquiry, "\ufeff" + exports.links_csv(inquiry), "text/csv; charset=utf-8", "map-links.csv")


@login_required
@require_GET
def export_svg(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    return _file(inquiry, exports.picture(inquiry), "image/svg+xml", "map.svg")
