"""Exports, the harvest page and import (HTTP). Formats: docs/exports.md."""

from asgiref.sync import sync_to_async
from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inquiry.access import FACILITATOR, Actor, inquiry_for_facilitator
from inquiry.models import Inquiry
from sessions.protocol import LIMIT, whole_number

from . import exports, harvest, sample
from .models import Card

IMPORT_LIMIT_BYTES = 50 * 1024 * 1024


def _include_all(request):
    return request.GET.get("include") == "all"


def _flag(request, name, default):
    value = request.GET.get(name)
    return default if value is None else value not in ("0", "false", "no", "off")


def _actor(request, inquiry):
    return Actor(FACILITATOR, inquiry.pk, user_id=request.user.pk)


async def _async_chunks(chunks):
    """A sync generator served under ASGI: each chunk is read in the thread that owns the database
    connection (Django would otherwise read the whole generator into a list before sending it)."""
    end = object()
    while (chunk := await sync_to_async(next)(chunks, end)) is not end:
        yield chunk


def _download(request, chunks, content_type, filename):
    if isinstance(request, ASGIRequest):
        chunks = _async_chunks(chunks)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _filename(inquiry, name, request):
    suffix = "-all" if _include_all(request) else ""
    return f"linewalk-{inquiry.code}-{name}{suffix}"


@login_required
@require_GET
def export_csv(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    chunks = exports.csv_chunks(inquiry, include_all=_include_all(request), bom=_flag(request, "bom", True))
    return _download(
        request, chunks, "text/csv; charset=utf-8", _filename(inquiry, "contributions", request) + ".csv"
    )


@login_required
@require_GET
def export_polis(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    chunks = exports.polis_chunks(
        inquiry, include_all=_include_all(request), bom=_flag(request, "bom", False)
    )
    return _download(
        request, chunks, "text/csv; charset=utf-8", _filename(inquiry, "comments", request) + ".csv"
    )


@login_required
@require_GET
def export_json(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    chunks = exports.json_chunks(inquiry, include_all=_include_all(request))
    return _download(request, chunks, "application/json", _filename(inquiry, "inquiry", request) + ".json")


@login_required
@require_GET
def export_markdown(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    text = exports.markdown(harvest.build(inquiry, include_all=_include_all(request)))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(inquiry, "report", request)}.md"'
    return response


@login_required
@require_GET
# One self-contained file (saved or mailed, it reads the same): its stylesheet is inline, allowed by hash.
@csp_update({"style-src": [harvest.report_style_source()]})
def export_report(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    return HttpResponse(harvest.report_html(inquiry, include_all=_include_all(request), controls=True))


# The harvest ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def harvest_manage(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    problem = None
    if request.method == "POST":
        chosen = [whole_number(pk) for pk in request.POST.getlist("featured")]
        note = request.POST.get("note", "")[:10_000]
        if any(pk is None or not 0 < pk <= LIMIT for pk in chosen) or "\x00" in note:
            problem = "That selection could not be read: nothing was saved. Tick contributions and try again."
        else:
            count = harvest.save_selection(_actor(request, inquiry), inquiry, chosen, note)
            messages.success(
                request, f"Saved: {count} featured contribution{'s' if count != 1 else ''} and the note."
            )
            return redirect("board:harvest", inquiry.code)
    report = harvest.build(inquiry)
    context = {
        "inquiry": inquiry,
        "report": report,
        "public_url": _public_url(request, inquiry),
        "unrevealed": Card.objects.filter(inquiry=inquiry, status=Card.VISIBLE, silent=True).exists(),
        "problem": problem,
    }
    return render(request, "harvest/manage.html", context, status=400 if problem else 200)


def _public_url(request, inquiry):
    if not inquiry.harvest_token:
        return None
    return request.build_absolute_uri(reverse("board:harvest_public", args=[inquiry.harvest_token]))


@login_required
@require_POST
def harvest_publish(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    harvest.publish(_actor(request, inquiry), inquiry)
    messages.success(request, "The harvest is published: anyone with the link can read it.")
    return redirect("board:harvest", inquiry.code)


@login_required
@require_POST
def harvest_unpublish(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    harvest.unpublish(_actor(request, inquiry), inquiry)
    messages.success(request, "The harvest is unpublished: its link shows nothing until you publish again.")
    return redirect("board:harvest", inquiry.code)


@require_GET
def harvest_public(request, token):
    inquiry = (
        Inquiry.objects.filter(harvest_token=token, harvest_published=True).exclude(harvest_token="").first()
    )
    if inquiry is None:
        raise Http404("There is no published harvest at this address.")
    report = harvest.build(inquiry, public=True)
    return render(request, "harvest/public.html", {"inquiry": inquiry, "report": report})


# Import ----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_inquiry(request):
    if request.method == "GET":
        return render(request, "harvest/import.html")
    try:
        upload = request.FILES.get("file")
        if upload is None:
            raise exports.ImportProblem("Choose the JSON file to import.")
        if upload.size > IMPORT_LIMIT_BYTES:
            raise exports.ImportProblem(f"This file is larger than {IMPORT_LIMIT_BYTES // (1024 * 1024)} MB.")
        follow_up = request.POST.get("follow_up") == "on"  # the systems map and next steps: a follow-up
        inquiry = exports.import_inquiry(request.user, exports.read_file(upload), follow_up=follow_up)
    except exports.ImportProblem as problem:
        return render(request, "harvest/import.html", {"problem": problem.message}, status=400)
    messages.success(
        request, f"Imported “{inquiry.title}” as a new inquiry with the join code {inquiry.code}."
    )
    return redirect("inquiry:facilitate", inquiry.code)


@login_required
@require_POST
def sample_inquiry(request):
    """A sample inquiry to try Linewalk on before an event: the demo in the middle of a 100-person event
    (board/sample.py), the facilitator's own to change, run and delete."""
    inquiry = sample.create_sample(request.user, title="Sample: health and care around each resident")
    messages.success(request, "A sample to try things on: delete it under Your data when you are done.")
    return redirect("inquiry:facilitate", inquiry.code)


@login_required
@require_GET
def similar_cards(request, code, card_id):
    """Cards like this one (board/suggestions/similar.py), for the facilitator's workspace to select:
    ``{"cards": [ids, most alike first]}``, from the unsorted cards (``?all=1``: from the whole board)."""
    from django.conf import settings
    from django.http import JsonResponse

    from .suggestions.similar import similar

    inquiry = inquiry_for_facilitator(request.user, code)
    card = Card.objects.filter(pk=card_id, inquiry=inquiry).first()
    if card is None or not settings.SUGGESTIONS_ENABLED:
        raise Http404("No such card, or suggestions are off on this server.")
    board = Card.objects.filter(inquiry=inquiry, status__in=(Card.VISIBLE, Card.HIDDEN)).exclude(pk=card.pk)
    if not _flag(request, "all", False):
        board = board.filter(theme__isnull=True)
    candidates = list(board.order_by("position", "pk").values_list("pk", "text")[:2000])
    found = similar(card.text, [text for _, text in candidates])
    response = JsonResponse({"card": card.pk, "cards": [candidates[i][0] for i in found]})
    response["Cache-Control"] = "private, no-store"
    return response
