import io
import sys

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, InterfaceError, OperationalError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.views import defaults
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from board import actions as board_actions
from board.changes import VOTE_DEFAULTS
from board.models import Card
from board.render import base_context

from . import actions, door, limits
from .access import (
    FACILITATOR,
    PARTICIPANT,
    Actor,
    Refused,
    inquiry_by_code,
    inquiry_for_facilitator,
    inquiry_for_owner,
    participant_for_session,
    session_key,
)
from .counting import count_of
from .forms import (
    CodeForm,
    CofacilitatorForm,
    DeleteForm,
    InquiryForm,
    JoinForm,
    RetentionForm,
    SettingsForm,
    ThrottledAuthenticationForm,
)
from .models import DeletionRecord, Inquiry, Participant, Round, normalise_code

# How long the "back in a moment" page waits before it reloads itself (also its Retry-After).
RETRY_AFTER = 5


def server_error(request):
    """Django's handler500. When the database did not answer (down, restarting, out of connections), a
    friendly 503 that reloads itself until it is back; it renders without a request context, so nothing
    in it touches the database. Anything else: the usual 500 page."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        context = {"retry_after": RETRY_AFTER, "resend": _join_to_resend(request)}
        html = loader.get_template("503.html").render(context)
        response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return defaults.server_error(request)


def _join_to_resend(request):
    """A join sent while the database was away: the fields to send again from the 503 page (a reload
    would ask for the page and lose what the person typed), with their own CSRF token; else None."""
    match = getattr(request, "resolver_match", None)
    if request.method != "POST" or match is None or match.url_name not in ("join", "join_short"):
        return None
    names = ("csrfmiddlewaretoken", "display_name", "sector")
    return {"action": request.path, "fields": [(name, request.POST.get(name, "")[:200]) for name in names]}


def join_url(request, inquiry):
    path = reverse("inquiry:join_short", args=[inquiry.code])
    return (settings.PUBLIC_URL + path) if settings.PUBLIC_URL else request.build_absolute_uri(path)


@require_GET
def home(request):
    return render(request, "inquiry/home.html", {"form": CodeForm()})


@require_POST
@limits.counting_wrong_codes
def find(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        inquiry = Inquiry.objects.filter(code=normalise_code(form.cleaned_data["code"])).first()
        if inquiry is not None:
            return redirect("inquiry:join", inquiry.code)
        limits.wrong_code(request)
        form.add_error("code", "No inquiry has that code. Check it against the screen and try again.")
    # The form again with what to fix, as 400 like every form with errors (the join form's below too):
    # a plain page POST, which the browser shows whatever its status (no htmx swap to refuse it).
    return render(request, "inquiry/home.html", {"form": form}, status=400)


@require_http_methods(["GET", "POST"])
@limits.counting_wrong_codes
def join(request, code):
    inquiry = door.inquiry_at_door(code)
    if participant_for_session(request.session, inquiry) is not None:
        return redirect("inquiry:participate", inquiry.code)
    if request.method == "GET":
        return door.join_page(request, inquiry)
    if inquiry.closed_at is not None:
        return door.closed_page(request, inquiry, status=403)
    form = JoinForm(request.POST, inquiry=inquiry)
    if form.is_valid():
        limited = limits.join_refusal(request, inquiry)
        if limited is not None:
            return limits.too_many(request, limited)
        try:
            participant = actions.join(
                inquiry, display_name=form.cleaned_data["display_name"], sector=form.cleaned_data["sector"]
            )
        except IntegrityError:  # deleted in the few seconds the door still knew it (inquiry/door.py)
            raise Http404("No inquiry has that code.") from None
        except Refused:  # closed in the second the door still knew it open
            return door.closed_page(request, Inquiry.objects.get(pk=inquiry.pk), status=403)
        request.session[session_key(inquiry)] = participant.token
        # The participant's page is the answer itself, not a redirect to it: one round trip fewer for a
        # phone, and one request fewer for a room arriving at once (docs/production.md, "The door"). The
        # page puts its own address in the address bar (history.replaceState: static/linewalk/linewalk.js),
        # so a reload or a shared link is the participant's page, not the form sent again.
        return door.participant_page(request, participant, [])
    return render(request, "inquiry/join.html", {"inquiry": inquiry, "form": form}, status=400)


@require_GET
@limits.counting_wrong_codes
def participate(request, code):
    inquiry = door.inquiry_at_door(code)
    participant = participant_for_session(request.session, inquiry, door.with_cards)
    if participant is None:
        return redirect("inquiry:join", inquiry.code)
    if participant.removed:
        return render(request, "inquiry/removed.html", {"inquiry": inquiry}, status=403)
    own = list(participant.cards.values_list("pk", flat=True)) if participant.has_cards else []
    # The page is the frame around the board; the board itself is the socket's first frame (a snapshot
    # rendered once per sequence number for every phone, sessions/consumers.py), so a room arriving at
    # once does not render it once per person (docs/benchmarks.md, "The door").
    return door.participant_page(request, participant, own)


@login_required
@require_GET
def facilitate(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    # Like a phone's, the page is the frame around the board, which comes as the socket's first frame: a
    # snapshot rendered once per sequence number for every screen of a kind (sessions/consumers.py), so
    # the page's first byte does not wait for a board of a thousand cards (docs/benchmarks.md, "Page
    # weight").
    context = {
        **base_context(inquiry),
        "board_follows": True,
        "facilitator": True,
        "role": "facilitator",
        "join_url": join_url(request, inquiry),
        "cofacilitator_form": CofacilitatorForm(),
        "facilitators": inquiry.facilitators.order_by("username"),
        "suggestions_enabled": settings.SUGGESTIONS_ENABLED,
        "vote_defaults": VOTE_DEFAULTS,  # what the vote dialog starts from (static/linewalk/vote-dialog.js)
    }
    return render(request, "inquiry/facilitate.html", context)


@login_required
@require_GET
def present(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    context = {
        **base_context(inquiry),
        "board_follows": True,  # the board comes as the socket's first frame, as on the facilitator's page
        "role": "presenter",
        "join_url": join_url(request, inquiry),
    }
    return render(request, "inquiry/present.html", context)


@login_required
@require_GET
def qr(request, code):
    # Only the facilitators' pages show it: to anyone else every code answers alike (no existence test).
    inquiry = inquiry_for_facilitator(request.user, code)
    svg = io.BytesIO()
    # A standalone SVG (with its XML namespace) so that an <img> can show it.
    segno.make(join_url(request, inquiry), error="m").save(
        svg, kind="svg", scale=8, dark="#000", light="#fff", border=2, omitsize=True, xmldecl=False
    )
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def inquiry_list(request):
    inquiries = (
        request.user.facilitated_inquiries.order_by("-created")
        .select_related("current_round")
        .annotate(
            participant_count=count_of(Participant.objects.filter(removed=False), "inquiry"),
            card_count=count_of(Card.objects.all(), "inquiry"),
            round_count=count_of(Round.objects.all(), "inquiry"),
        )
    )
    deleted = DeletionRecord.objects.filter(Q(owner=request.user) | Q(deleted_by=request.user))
    return render(request, "inquiry/list.html", {"inquiries": inquiries, "deleted": deleted[:50]})


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_new(request):
    form = InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        inquiry = actions.create_inquiry(request.user, **form.cleaned_data)
        return redirect("inquiry:facilitate", inquiry.code)
    return render(request, "inquiry/new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def add_cofacilitator(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    form = CofacilitatorForm(request.POST)
    if not form.is_valid():
        # Shown where the form is, as a refusal is (a blank username went back to the page unexplained).
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect("inquiry:facilitate", inquiry.code)
    try:
        other = actions.add_cofacilitator(request.user, inquiry, form.cleaned_data["username"])
        messages.success(request, f"{other.get_username()} can now facilitate this inquiry.")
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect("inquiry:facilitate", inquiry.code)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request, code):
    """The inquiry's title, framing question, names, sectors and the lens's smallest group, after creation."""
    inquiry = inquiry_for_facilitator(request.user, code)
    initial = {f: getattr(inquiry, f) for f in ("title", "question", "show_names", "k_threshold")}
    form = SettingsForm(request.POST or None, inquiry=inquiry, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = actions.change_settings_of_inquiry(
                _facilitator(request, inquiry),
                title=data["title"],
                question=data["question"],
                show_names=data["show_names"],
                k_threshold=data["k_threshold"],
                sector_plan=data["sector_plan"],
            )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            done = "Saved: every open screen shows it now." if changed else "Nothing changed."
            messages.success(request, done)
            return redirect("inquiry:settings", inquiry.code)
    status = 400 if form.errors else 200
    return render(request, "inquiry/settings.html", {"inquiry": inquiry, "form": form}, status=status)


@login_required
@require_GET
def audit_log(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    show = request.GET.get("show")
    entries = inquiry.audit.select_related("user", "participant")
    if show in AUDIT_VIEWS:
        entries = entries.filter(refused=show == "refused")
    else:
        show = ""
    page = Paginator(entries, AUDIT_PAGE).get_page(request.GET.get("page"))
    context = {"inquiry": inquiry, "page": page, "entries": page.object_list, "show": show}
    return render(request, "inquiry/audit.html", context)


AUDIT_VIEWS = ("done", "refused")
AUDIT_PAGE = 100


# Data protection (docs/data-protection.md) ---------------------------------------------------------------


def _facilitator(request, inquiry):
    return Actor(FACILITATOR, inquiry.pk, user_id=request.user.pk)


def _data_page(request, inquiry, form=None, status=200):
    days = inquiry.retention_days
    context = {
        "inquiry": inquiry,
        "form": form or RetentionForm(initial={"days": days}),
        "contents": inquiry.contents(),
        "owner": inquiry.created_by_id == request.user.pk,
    }
    return render(request, "inquiry/data.html", context, status=status)


@login_required
@require_GET
def data(request, code):
    """What the inquiry holds, how long it is kept, closing it, and (for its owner) deleting it."""
    return _data_page(request, inquiry_for_facilitator(request.user, code))


@login_required
@require_POST
def retention(request, code):
    inquiry = inquiry_for_facilitator(request.user, code)
    form = RetentionForm(request.POST)
    if not form.is_valid():
        return _data_page(request, inquiry, form, status=400)
    days = form.cleaned_data["days"]
    actions.set_retention(_facilitator(request, inquiry), days)
    if days is None:
        messages.success(request, "Saved: this inquiry is kept until a facilitator deletes it.")
    else:
        messages.success(
            request, f"Saved: everything in this inquiry is deleted {days} days after it closes."
        )
    return redirect("inquiry:data", inquiry.code)


def _closing_view(action, done):
    """A POST from the data page that closes or reopens the inquiry, back to that page with the outcome."""

    @login_required
    @require_POST
    def view(request, code):
        inquiry = inquiry_for_facilitator(request.user, code)
        try:
            action(_facilitator(request, inquiry))
            messages.success(request, done)
        except Refused as refused:
            messages.error(request, refused.message)
        return redirect("inquiry:data", inquiry.code)

    return view


close = _closing_view(actions.close_inquiry, "The inquiry is closed: every round is read-only.")
reopen = _closing_view(actions.reopen_inquiry, "The inquiry is open again; open a round to take posts.")


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, code):
    inquiry = inquiry_for_owner(request.user, code)
    form = DeleteForm(request.POST or None, inquiry=inquiry)
    if request.method == "POST" and form.is_valid():
        actions.delete_inquiry(request.user, inquiry.pk)
        messages.success(request, f"Deleted “{inquiry.title}” ({inquiry.code}) and everything in it.")
        return redirect("inquiry:list")
    context = {"inquiry": inquiry, "form": form, "contents": inquiry.contents()}
    return render(request, "inquiry/delete.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@limits.counting_wrong_codes
def erase(request, code):
    """A participant erases their own contributions, dots, reactions and name, after confirming."""
    inquiry = inquiry_by_code(code)
    participant = participant_for_session(request.session, inquiry)
    if participant is None:
        return redirect("inquiry:join", inquiry.code)
    if request.method == "POST":
        actor = Actor(PARTICIPANT, inquiry.pk, participant_id=participant.pk)
        counts = board_actions.erase_participant(actor)
        messages.success(
            request,
            f"Erased: {counts['contributions']} contribution{'s' if counts['contributions'] != 1 else ''}, "
            f"{counts['dots']} dot{'s' if counts['dots'] != 1 else ''} and {counts['reactions']} "
            f"reaction{'s' if counts['reactions'] != 1 else ''}, and your name. They are gone from every "
            "screen.",
        )
        return redirect("inquiry:participate", inquiry.code)
    context = {
        "inquiry": inquiry,
        "participant": participant,
        "contributions": participant.cards.count(),
        "dots": participant.dots.count(),
        "reactions": participant.reactions.count(),
    }
    return render(request, "inquiry/erase.html", context)


class ErrorsAre400:
    """For Django's form views: a form with errors comes back whole with them, as 400 like every form of
    Linewalk's own (Django's answer 200). A page, never an htmx swap: no HTML form here posts through htmx
    (it carries the websocket only), so no 4xx answer is left unshown."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LoginView(ErrorsAre400, auth_views.LoginView):
    """Django's login page, throttled (inquiry.limits): refused attempts get the form back with 429."""

    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True  # a facilitator already in goes on to where they were going

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.limited is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.limited.retry_after)
        return response
