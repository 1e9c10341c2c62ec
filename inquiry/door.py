"""The door: the join page and the participant's page, each rendered once for a room arriving at once.

When the facilitator shows the QR code, hundreds of phones ask for the same join page within a minute;
only its CSRF token differs between them. A phone that arrives fresh (no session, no messages waiting:
it can only be an anonymous visitor with nothing to be told) gets the page rendered once per process for
the inquiry as it stands, with its own token put in. The inquiry is still read for every request, so an
edited title, question or list of sectors is shown at once; anyone else gets the page rendered as usual.

Everything else on the page is the same for every fresh phone. Anything per request added to the join
page or base.html (a CSP nonce, the request's path) must be put in here as the token is, or the first
phone's would be shown to the rest (tests/inquiry/test_door.py).

The participant's page right after joining is the same for every participant of the inquiry but for
who they are (name, sector, id), the cards they posted and the server's clock; it is rendered once per
process for the inquiry as it stands with stand-ins for those, which are put in (escaped) per request.
It is the frame around the board: the board is the page's socket's first frame (sessions/consumers.py).
A phone with messages waiting (after erasing its contributions) gets the page rendered as usual.

What these pages need of the inquiry (its id, code, title, question, sectors, whether names show) is read
from Django's cache, not the database, for each of the room's requests (``inquiry_at_door``): Redis when
there is one, so a change made through any process is seen by all at once (the entry is dropped when an
inquiry is saved with any of those fields, or deleted); else this process's memory. An entry lives a
few seconds at most, for what changes them without Django's signals (another process's management
command on the embedded default, a queryset update). Each process also keeps what it read for a second
(NEAR_SECONDS), so a change made through another process shows on its join pages within that second."""

import json
import secrets
import time
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape

from board.models import Card

from .access import by_token
from .forms import JoinForm
from .models import Inquiry, Participant, normalise_code

# Stand-ins in a rendered page: random per process, so no text anyone types can forge one.
_MARK = secrets.token_hex(8)
_TOKEN = f"csrf{_MARK}"
_NAME, _SECTOR, _ID, _NOW = (f"lw{what}{_MARK}" for what in ("name", "sector", "id", "now"))
_OWN = f"lwown{_MARK}"
_pages = {}
_KEEP = 256  # inquiries whose pages a process keeps (a few KB of HTML each)


# The inquiry's fields the door shows or checks, kept in the cache this long (seconds) at most.
# In the model's order, which Model.from_db reads them in.
DOOR_FIELDS = tuple(
    f.attname
    for f in Inquiry._meta.concrete_fields
    # closed_at and the harvest's: a closed inquiry's door says so, and links to its published harvest.
    if f.attname
    in (
        "id",
        "code",
        "title",
        "question",
        "sectors",
        "show_names",
        "closed_at",
        "harvest_token",
        "harvest_published",
    )
)
DOOR_SECONDS = 5
# ...and in this process's memory for this long, in front of the cache (a round trip to Redis each of
# a joining room's requests saved): a change made through another process shows within this time.
NEAR_SECONDS = 1.0
_near = {}  # code -> (monotonic time it expires, row)


def _door_key(code):
    return f"door:{code}"


def inquiry_at_door(code):
    """The inquiry with this join code, with only its DOOR_FIELDS loaded (any other field is read from the
    database when first used), or Http404."""
    code = normalise_code(code)
    now = time.monotonic()
    expires, row = _near.get(code, (0, None))
    if expires < now:
        row = _shared_row(code)
        if len(_near) >= _KEEP:
            _near.clear()
        _near[code] = (now + NEAR_SECONDS, row)
    return Inquiry.from_db("default", DOOR_FIELDS, row)


def _shared_row(code):
    try:
        row = cache.get(_door_key(code))
    except Exception:  # noqa: BLE001 - a cache that does not answer: the database still does
        row = None
    if row is None:
        row = Inquiry.objects.filter(code=code).values_list(*DOOR_FIELDS).first()
        if row is None:
            raise Http404("No inquiry has that code.")
        try:
            cache.set(_door_key(code), row, DOOR_SECONDS)
        except Exception:  # noqa: BLE001,S110 - as above
            pass
    return row


def inquiry_changed(sender, instance, update_fields=None, **kwargs):
    """Receiver of Inquiry's post_save and post_delete: the door reads it afresh."""
    if update_fields is None or set(update_fields) & set(DOOR_FIELDS):
        _near.pop(instance.code, None)
        try:
            cache.delete(_door_key(instance.code))
        except Exception:  # noqa: BLE001,S110 - the entry ends by itself within DOOR_SECONDS
            pass


def _keep(key, html):
    if len(_pages) >= _KEEP:
        _pages.clear()
    _pages[key] = html
    return html


def _fresh(request):
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def join_page(request, inquiry):
    """The join page for ``inquiry`` (GET, empty form); once it has closed, a page that says so."""
    if inquiry.closed_at is not None:
        return closed_page(request, inquiry)
    if not _fresh(request):
        return render(request, "inquiry/join.html", {"inquiry": inquiry, "form": JoinForm(inquiry=inquiry)})
    key = (inquiry.pk, inquiry.code, inquiry.title, inquiry.question, tuple(inquiry.sectors))
    key += (inquiry.show_names,)
    html = _pages.get(key)
    if html is None:
        context = {"inquiry": inquiry, "form": JoinForm(inquiry=inquiry), "csrf_token": _TOKEN}
        html = _keep(key, render_to_string("inquiry/join.html", context, request=request))
    # get_token also has CsrfViewMiddleware set the csrftoken cookie on this response.
    return HttpResponse(html.replace(_TOKEN, get_token(request)))


def closed_page(request, inquiry, status=200):
    """What the door shows once the inquiry has closed: nobody joins; the published harvest, if any."""
    return render(request, "inquiry/closed.html", {"inquiry": inquiry}, status=status)


def _with_cards():
    return Participant.objects.annotate(has_cards=Exists(Card.objects.filter(author=OuterRef("pk"))))


# Participants, each read with whether they have posted anything: one who has not (everyone just through
# the door) needs no query for their cards. Compiled once (building and compiling the query cost more
# than running it).
with_cards = by_token(_with_cards)


def participant_page(request, participant, own_cards):
    """The participant's page (GET), ``own_cards`` the ids of the cards they posted."""
    inquiry = participant.inquiry
    context = {"inquiry": inquiry, "participant": participant, "own_cards": own_cards, "role": "participant"}
    if "messages" in request.COOKIES or "_messages" in request.session:
        return render(request, "inquiry/participate.html", context)
    key = ("participate", inquiry.pk, inquiry.code, inquiry.title, tuple(inquiry.sectors))
    page = _pages.get(key)
    if page is None:
        stand_in = SimpleNamespace(pk=_ID, display_name=_NAME, sector=_SECTOR)
        context |= {"participant": stand_in, "own_cards": _OWN, "now_us": _NOW}
        page = _keep(key, render_to_string("inquiry/participate.html", context, request=request))
    # What json_script makes of a list of ids (no character in it needs escaping).
    own = json.dumps(list(own_cards))
    return HttpResponse(
        page.replace(f'"{_OWN}"', own)
        .replace(_NAME, escape(participant.display_name or "anonymous"))
        .replace(_SECTOR, escape(participant.sector))
        .replace(_ID, str(int(participant.pk)))
        .replace(_NOW, str(time.time_ns() // 1000))
    )
