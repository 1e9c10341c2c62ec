"""Rate limits over HTTP (issue 13, finding 8): guessing join codes, joining again and again from one
place, guessing passwords, and the QR code as a test of which codes exist. Each attack as the outside
tester ran it, through the pages; each refusal is a 429 page that says what to do."""

import pytest
from django.test import Client

from inquiry import limits
from inquiry.models import Participant

from ..conftest import PASSWORD
from ..support import joined

OFFICE = "203.0.113.7"  # documentation addresses (RFC 5737)
ELSEWHERE = "198.51.100.20"


def client(address=OFFICE):
    return Client(REMOTE_ADDR=address)


@pytest.fixture
def later(monkeypatch):
    """The limits' clock, started at the top of an hour (the start of every limit's window, so waits
    are the whole window) and moved forward on demand."""
    real = limits.clock
    start = real()
    offset = [start // 3600 * 3600 + 0.5 - start]
    monkeypatch.setattr(limits, "clock", lambda: real() + offset[0])

    def forward(seconds):
        offset[0] += seconds

    return forward


def refused(response, words):
    """A 429 that says ``words``: the "Too many attempts" page, or the login form with the reason."""
    assert response.status_code == 429, response.status_code
    assert int(response["Retry-After"]) >= 1
    body = response.content.decode()
    assert words in body, body
    assert 'data-code="rate_limited"' in body or 'id="id_password"' in body
    return body


def test_guessing_join_codes_from_one_address_is_stopped_after_300_wrong_ones(inquiry, later):
    guesser = client()
    wrong = [f"{n:06d}".translate(str.maketrans("0123456789", "ACDEFGHJKM")) for n in range(300)]
    wrong = [code for code in wrong if code != inquiry.code]
    for code in wrong[:200]:
        assert guesser.post("/join/", {"code": code}).status_code == 400
    for code in wrong[200:]:  # the join link with a code in it counts the same
        assert guesser.get(f"/i/{code}/join/").status_code == 404
    missing = 300 - len(wrong)
    for _ in range(missing):
        guesser.post("/join/", {"code": "QQQQQQ"})
    # Over the limit, even a right code is refused (the answer would tell a guesser it is right).
    body = refused(guesser.post("/join/", {"code": inquiry.code}), "type the code shown on the screen")
    assert "minutes" in body
    refused(guesser.get(f"/i/{inquiry.code}/join/"), "join codes")
    refused(guesser.get(f"/j/{inquiry.code}"), "join codes")
    refused(guesser.get(f"/i/{inquiry.code}/"), "join codes")
    # Someone on another network is not affected; the guesser gets going again once the window passes.
    assert client(ELSEWHERE).post("/join/", {"code": inquiry.code}).status_code == 302
    later(601)
    assert guesser.post("/join/", {"code": "QQQQQQ"}).status_code == 400
    later(600)
    assert guesser.post("/join/", {"code": inquiry.code}).status_code == 302


def test_right_codes_never_count(inquiry):
    room = client()
    for _ in range(400):
        assert room.get(f"/i/{inquiry.code}/join/").status_code == 200


def test_an_ipv6_client_is_counted_by_its_64_prefix(inquiry, settings):
    settings.RATE_LIMITS = {"wrong_code_ip": (3, 600)}
    for n in range(3):
        assert client(f"2001:db8:1:2::{n + 1}").post("/join/", {"code": "QQQQQQ"}).status_code == 400
    refused(client("2001:db8:1:2::99").post("/join/", {"code": inquiry.code}), "join codes")
    assert client("2001:db8:1:3::1").post("/join/", {"code": inquiry.code}).status_code == 302


def test_joining_again_and_again_from_one_address_is_capped_per_inquiry(inquiry, other_inquiry, settings):
    settings.RATE_LIMITS = {"join_ip": (25, 600)}
    for n in range(25):
        response = client().post(f"/i/{inquiry.code}/join/", {"display_name": f"Sock {n}", "sector": "NHS"})
        assert joined(response, inquiry)
    response = client().post(f"/i/{inquiry.code}/join/", {"display_name": "Sock 26", "sector": "NHS"})
    refused(response, "joined this inquiry from your network")
    assert Participant.objects.filter(inquiry=inquiry).count() == 25
    # Other networks, and other inquiries, are unaffected.
    assert joined(client(ELSEWHERE).post(f"/i/{inquiry.code}/join/", {"sector": "NHS"}), inquiry)
    assert joined(client().post(f"/i/{other_inquiry.code}/join/", {"sector": "NHS"}), other_inquiry)


def test_the_default_join_limit_lets_a_room_of_a_thousand_join_from_one_address():
    rate = limits.rate("join_ip")
    assert rate.count >= 1000 and rate.seconds <= 600
    assert limits.rate("wrong_code_ip").count >= 100, "a room of 1,000 mistyping now and then"


def test_the_qr_code_is_only_for_the_inquirys_facilitators(inquiry, alice, eve, carol, anonymous):
    real, made_up = f"/i/{inquiry.code}/qr.svg", "/i/QQQQQQ/qr.svg"
    assert alice.get(real).status_code == 200
    # Anyone else gets the same answer whether the code exists or not: nothing to learn from it.
    for visitor in (anonymous, carol):
        one, other = visitor.get(real), visitor.get(made_up)
        assert one.status_code == other.status_code == 302
        assert one["Location"].split("?")[0] == other["Location"].split("?")[0] == "/accounts/login/"
    assert eve.get(real).status_code == eve.get(made_up).status_code == 404


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_wrong_passwords_are_throttled_per_account_and_address(users, later):
    attacker = client()
    answers = [login(attacker, "alice", f"guess-{n}").status_code for n in range(40)]
    assert answers[:5] == [400] * 5  # the form again, "Please enter a correct username and password"
    assert set(answers[5:]) == {429}
    refused(login(attacker, "alice", PASSWORD), "failed logins for this account")
    # Alice herself, elsewhere, is not locked out by someone guessing from another network.
    assert login(client(ELSEWHERE), "alice", PASSWORD).status_code == 302
    later(901)
    assert login(attacker, "alice", PASSWORD).status_code == 302


def test_a_right_password_clears_the_count_for_that_address(users):
    office = client()
    for n in range(4):
        assert login(office, "alice", f"typo-{n}").status_code == 400
    assert login(office, "alice", PASSWORD).status_code == 302
    for n in range(4):
        assert login(client(), "alice", f"typo-again-{n}").status_code == 400


def test_guessing_across_many_accounts_from_one_address_is_throttled(users, settings):
    settings.RATE_LIMITS = {"login_ip": (20, 3600)}
    for n in range(20):
        assert login(client(), f"someone-{n}", "password").status_code == 400
    refused(login(client(), "bob", PASSWORD), "failed logins from your network")
    assert login(client(ELSEWHERE), "bob", PASSWORD).status_code == 302


def test_guessing_one_account_from_many_addresses_is_throttled(users, settings):
    settings.RATE_LIMITS = {"login_user": (12, 3600)}
    for n in range(12):
        assert login(client(f"192.0.2.{n + 1}"), "bob", "wrong").status_code == 400
    refused(login(client("192.0.2.200"), "bob", PASSWORD), "failed logins for this account")


def test_an_unknown_limit_in_the_settings_is_refused(settings):
    settings.RATE_LIMITS = {"posts": (1, 1)}
    with pytest.raises(Exception, match="no such limit: posts"):
        limits.check_settings()


def test_when_the_cache_does_not_answer_people_are_let_through(inquiry, users, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert client().post("/join/", {"code": "QQQQQQ"}).status_code == 400
    assert joined(client().post(f"/i/{inquiry.code}/join/", {"sector": "NHS"}), inquiry)
    assert login(client(), "alice", "wrong").status_code == 400
    assert login(client(), "alice", PASSWORD).status_code == 302
