"""Every address the app answers (every URL pattern of every URL conf), attacked with a plain HTTP client:
by GET and by POST, as a facilitator of another inquiry (Eve), a participant of this inquiry (Carol), a
participant of another inquiry (Frank) and someone who is neither (no session). Each address is listed
in ``ACCESS`` with who may use it; each attempt from anyone else gets the refusal that kind of address
gives, shows nothing of the inquiry and changes nothing stored. Addresses that name an object by its id
(a card) are also asked with another inquiry's id by the inquiry's own facilitator.

A new address fails ``test_every_address_is_in_the_table`` until it is given a kind here, so it is
attacked like the rest. CSRF is tests/inquiry/test_attacker_csrf.py's (these clients do not check it,
so that only authorisation stands in the way)."""

import uuid

import pytest
from django.apps import apps

from board.models import Card
from inquiry.models import Inquiry, Round

from .test_attacker_csrf import PARAMETER, routes
from .test_settings import form_of

pytestmark = pytest.mark.django_db

# Who may use each address:
#   facilitator  the inquiry's facilitators (owner and co-facilitators); anyone else signed in gets 404
#                (as for a code that does not exist), anyone signed out the login page
#   owner        the facilitator who created the inquiry; a co-facilitator 403, the rest as above
#   participant  whoever joined the inquiry in this browser; anyone else is sent to its join page
#   door         anyone: the way in (join by code), which shows the title and the join form only
#   account      any signed-in facilitator, for their own account; anyone signed out logs in first
#   admin        the organisation's admins; another facilitator 403, anyone signed out logs in first
#   token        anyone holding the address's secret token; any other token 404
#   public       anyone; nothing of any inquiry (sign-in, sign-out, the favicon)
ACCESS = {
    "": "door",
    "join/": "door",
    "j/<str:code>": "door",
    "i/<str:code>/join/": "door",
    "i/<str:code>/": "participant",
    "i/<str:code>/erase/": "participant",
    "i/<str:code>/facilitate/": "facilitator",
    "i/<str:code>/present/": "facilitator",
    "i/<str:code>/qr.svg": "facilitator",
    "i/<str:code>/facilitators/": "facilitator",
    "i/<str:code>/settings/": "facilitator",
    "i/<str:code>/audit/": "facilitator",
    "i/<str:code>/data/": "facilitator",
    "i/<str:code>/data/retention/": "facilitator",
    "i/<str:code>/data/close/": "facilitator",
    "i/<str:code>/data/reopen/": "facilitator",
    "i/<str:code>/delete/": "owner",
    "i/<str:code>/export/contributions.csv": "facilitator",
    "i/<str:code>/export/comments.csv": "facilitator",
    "i/<str:code>/export/inquiry.json": "facilitator",
    "i/<str:code>/export/report.md": "facilitator",
    "i/<str:code>/export/report/": "facilitator",
    "i/<str:code>/export/map.kumu.json": "facilitator",
    "i/<str:code>/export/map.graphml": "facilitator",
    "i/<str:code>/export/map-links.csv": "facilitator",
    "i/<str:code>/export/map.svg": "facilitator",
    "i/<str:code>/export/next-steps.csv": "facilitator",
    "i/<str:code>/export/tables.csv": "facilitator",
    "i/<str:code>/harvest/": "facilitator",
    "i/<str:code>/harvest/publish/": "facilitator",
    "i/<str:code>/harvest/unpublish/": "facilitator",
    "i/<str:code>/similar/<int:card_id>/": "facilitator",
    "inquiries/": "account",
    "inquiries/new/": "account",
    "inquiries/import/": "account",
    "inquiries/sample/": "account",
    "h/<str:token>/": "token",
    "n/<str:token>/": "token",
    "accounts/invitation/<str:token>/": "token",
    "accounts/password/reset/<uidb64>/<token>/": "token",
    "accounts/": "account",
    "accounts/password/": "account",
    "accounts/two-factor/": "account",
    "accounts/two-factor/start/": "account",
    "accounts/two-factor/setup/": "account",
    "accounts/two-factor/recovery-codes/": "account",
    "accounts/two-factor/off/": "account",
    "accounts/facilitators/": "admin",
    "accounts/facilitators/<int:user_id>/remove/": "admin",
    "accounts/facilitators/<int:user_id>/<str:change>/": "admin",
    "accounts/invitations/": "admin",
    "accounts/invitations/<int:invitation_id>/revoke/": "admin",
    "accounts/organisation/": "admin",
    "accounts/audit/": "admin",
    "accounts/login/": "public",
    "accounts/logout/": "public",
    "accounts/login/code/": "public",
    "accounts/password/reset/": "public",
    "accounts/password/reset/sent/": "public",
    "accounts/password/reset/done/": "public",
    "oidc/authenticate/": "public",
    "oidc/callback/": "public",
    "favicon.ico": "public",
}


def every_route():
    return {route for route in routes() if not route.startswith("static/")}


def test_every_address_is_in_the_table():
    assert every_route() == set(ACCESS), every_route() ^ set(ACCESS)


def stored():
    """Every row the app and its accounts store, bar what any request may touch (sessions, presence, the
    audit log, which notes refusals, and the organisation's one row, made by the first page that reads
    it)."""
    skipped = {"auditentry", "presence", "session", "organisation"}
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for model in apps.get_models()
        if model._meta.app_label in ("board", "inquiry", "live_sessions", "accounts", "auth")
        and model._meta.model_name not in skipped
    }


def address(route, values):
    def value(match):
        converter, name = match.groups()
        return str(values.get(name, 1 if converter == "int" else "x"))

    return "/" + PARAMETER.sub(value, route)


def form(inquiry):
    """One POST body that every form of the app would take if its sender were allowed: the settings page's
    fields (the title changed), the join code to confirm deletion, a co-facilitator, retention, a featured
    card, an erasure confirmed."""
    card = Card.objects.filter(inquiry=inquiry).first()
    return {
        **form_of(inquiry, title="Taken over"),
        "confirm": inquiry.code,
        "username": "eve",
        "days": "1",
        "featured": [card.pk],
        "note": "Taken over",
        "display_name": "Mallory",
        "sector": "NHS",
        "text": "Taken over",
    }


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def board(inquiry, other_inquiry, carol, frank):
    """A card in each inquiry (Carol's and Frank's), so that the addresses naming a card have one."""
    cards = {}
    for found in (inquiry, other_inquiry):
        author = found.participants.first()
        round_ = found.current_round or Round.objects.filter(inquiry=found).first()
        if round_ is None:
            round_ = Round.objects.create(inquiry=found, question="Elsewhere?", position=0)
        card = Card.objects.create(
            inquiry=found, round=round_, author=author, client_id=uuid.uuid4(), text=f"Said in {found.code}"
        )
        cards[found.pk] = card.pk
    return cards


def expected(kind, who):
    """How an address of ``kind`` refuses ``who`` (a refusal is a status, or a redirect's target's start);
    None: ``who`` may use it (or it answers them as it answers anyone)."""
    signed_in = who == "eve"
    if kind in ("facilitator", "owner"):
        return 404 if signed_in else "/accounts/login/"
    if kind == "participant":
        return "/i/{code}/join/"
    if kind == "admin":
        return 403 if signed_in else "/accounts/login/"
    if kind == "account":
        return None if signed_in else "/accounts/login/"
    return None


def methods(kind, who):
    """GET, and POST where a POST from ``who`` could only be an attack: joining through the door, signing
    in or out, and a facilitator's changes to their own account (a new inquiry of theirs) are what those
    addresses are for."""
    if kind in ("door", "public") or (kind == "account" and who == "eve"):
        return ("get",)
    return ("get", "post")


def refused(response, refusal, code):
    if response.status_code == 405:
        return True  # the method is refused before anything else (a POST to a page only shown)
    if isinstance(refusal, int):
        return response.status_code == refusal
    return response.status_code == 302 and response.url.startswith(refusal.format(code=code))


def test_no_address_lets_anyone_see_or_change_an_inquiry_they_have_no_part_in(
    inquiry, other_inquiry, board, eve, carol, frank, anonymous
):
    attackers = {"eve": eve, "carol": carol, "frank": frank, "anonymous": anonymous}
    values = {"code": inquiry.code, "card_id": board[inquiry.pk], "user_id": inquiry.created_by_id}
    data = form(inquiry)
    before = stored()
    holes = []
    for route, kind in sorted(ACCESS.items()):
        path = address(route, values)
        for who, client in attackers.items():
            if kind == "participant" and who == "carol":
                continue  # her own page
            if kind in ("facilitator", "owner", "admin", "account") and who == "carol":
                who_kind = "anonymous"  # a participant has no account: as anyone signed out
            else:
                who_kind = who
            refusal = expected(kind, who_kind)
            for method in methods(kind, who):
                response = getattr(client, method)(path, data) if method == "post" else client.get(path)
                shows = inquiry.title.encode() in body(response) and kind not in ("door", "participant")
                if refusal is not None and not refused(response, refusal, inquiry.code):
                    holes.append((route, who, method, response.status_code, getattr(response, "url", "")))
                elif shows:
                    holes.append((route, who, method, "shows the inquiry's title"))
    assert not holes, "\n".join(map(repr, holes))
    assert stored() == before
    assert Inquiry.objects.get(pk=inquiry.pk).title != "Taken over"


def test_an_inquirys_own_facilitators_get_each_of_its_addresses(inquiry, board, alice, bob):
    """The table is right: what it says a facilitator may use answers them (GET, or 405 where only a POST
    does anything), the owner's address refuses a co-facilitator."""
    values = {"code": inquiry.code, "card_id": board[inquiry.pk]}
    for route, kind in ACCESS.items():
        if kind not in ("facilitator", "owner"):
            continue
        path = address(route, values)
        for who, client in (("alice", alice), ("bob", bob)):
            status = client.get(path).status_code
            if route.endswith("similar/<int:card_id>/"):
                assert status in (200, 404), (route, who, status)  # 404: suggestions off on this server
            elif kind == "owner" and who == "bob":
                assert status == 403, (route, who, status)
            else:
                assert status in (200, 405), (route, who, status)


def test_a_facilitator_cannot_reach_another_inquiry_through_their_own(
    inquiry, other_inquiry, board, alice, settings
):
    """Ids in an address are looked up in the inquiry of the address's code only: Alice, facilitating
    this inquiry, naming Eve's inquiry's card through her own gets 404, as she does with Eve's code."""
    settings.SUGGESTIONS_ENABLED = True
    foreign = board[other_inquiry.pk]
    assert alice.get(f"/i/{inquiry.code}/similar/{board[inquiry.pk]}/").status_code == 200
    assert alice.get(f"/i/{inquiry.code}/similar/{foreign}/").status_code == 404
    values = {"code": other_inquiry.code, "card_id": foreign}
    for route, kind in ACCESS.items():
        if kind in ("facilitator", "owner"):
            path = address(route, values)
            assert alice.get(path).status_code in (404, 405), route
            assert alice.post(path, form(other_inquiry)).status_code in (404, 405), route
    assert Inquiry.objects.get(pk=other_inquiry.pk).title == "Elsewhere"


def test_a_participant_of_another_inquiry_cannot_erase_anything_here(inquiry, board, frank, carol):
    """The erasure page acts for the participant of the browser's session in the inquiry of the code: a
    participant of another inquiry (whose session holds a token of theirs) is sent to the join page."""
    before = Card.objects.filter(inquiry=inquiry).count()
    response = frank.post(f"/i/{inquiry.code}/erase/")
    assert response.status_code == 302 and response.url == f"/i/{inquiry.code}/join/"
    assert Card.objects.filter(inquiry=inquiry).count() == before
