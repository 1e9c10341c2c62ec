"""The join page, rendered once for everyone arriving fresh.

When the facilitator shows the QR code, hundreds of phones ask for the same join page within a minute;
only its CSRF token differs between them. A phone that arrives fresh (no session, no messages waiting:
it can only be an anonymous visitor with nothing to be told) gets the page rendered once per process for
the inquiry as it stands, with its own token put in. The inquiry is still read for every request, so an
edited title, question or list of sectors is shown at once; anyone else gets the page rendered as usual.

Everything else on the page is the same for every fresh phone. Anything per request added to the join
page or base.html (a CSP nonce, the request's path) must be put in here as the token is, or the first
phone's would be shown to the rest (tests/inquiry/test_door.py)."""

import secrets

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string

from .forms import JoinForm

# Stands for the CSRF token in the rendered page: random per process, so no text can forge it.
_TOKEN = f"csrf{secrets.token_hex(16)}"
_pages = {}
_KEEP = 256  # inquiries whose join page a process keeps (a few hundred bytes of HTML each)


def _fresh(request):
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def join_page(request, inquiry):
    """The join page for ``inquiry`` (GET, empty form)."""
    if not _fresh(request):
        return render(request, "inquiry/join.html", {"inquiry": inquiry, "form": JoinForm(inquiry=inquiry)})
    key = (inquiry.pk, inquiry.code, inquiry.title, inquiry.question, tuple(inquiry.sectors))
    key += (inquiry.show_names,)
    html = _pages.get(key)
    if html is None:
        context = {"inquiry": inquiry, "form": JoinForm(inquiry=inquiry), "csrf_token": _TOKEN}
        html = render_to_string("inquiry/join.html", context, request=request)
        if len(_pages) >= _KEEP:
            _pages.clear()
        _pages[key] = html
    # get_token also has CsrfViewMiddleware set the csrftoken cookie on this response.
    return HttpResponse(html.replace(_TOKEN, get_token(request)))
