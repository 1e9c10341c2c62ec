"""Rate limits hold across server processes (issue 13, finding 8): two real Daphne processes behind one
Redis count the same wrong join codes, joins and failed logins, so spreading attempts over the
processes behind a proxy gains an attacker nothing. The limits are set low for the test through the
RATE_LIMITS environment variable the processes read at start."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from inquiry.models import Participant

from .. import servers
from ..conftest import PASSWORD
from ..support import is_participant_page

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "RedisCache" not in settings.CACHES["default"]["BACKEND"],
        reason="needs REDIS_URL: without it each process counts on its own (the embedded default is one)",
    ),
]

LIMITS = "wrong_code_ip=6/600,join_ip=4/600,login_user_ip=3/900"


@pytest.fixture
def processes(transactional_db, tmp_path):
    with servers.running(tmp_path, env={"RATE_LIMITS": LIMITS}) as started:
        yield started


class Browser:
    """A browser with its own cookies, talking to real servers; redirects are answers, not followed."""

    class _NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirects()
        )

    def request(self, url, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=servers.TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_form(self, url, fields, action=None):
        """GET the page, then POST its form (to ``action``, else the page) with the CSRF token."""
        status, page = self.request(url)
        assert status == 200, (status, page[:500])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(action or url, {"csrfmiddlewaretoken": token, **fields})


def test_wrong_join_codes_are_counted_across_processes(processes, inquiry):
    one, two = processes
    # Three wrong codes on each process, then both refuse, even the right code.
    for server in (one, two, one, two, one, two):
        assert Browser().post_form(server.url + "/", {"code": "QQQQQQ"}, server.url + "/join/")[0] == 400
    for server in processes:
        status, page = Browser().post_form(server.url + "/", {"code": inquiry.code}, server.url + "/join/")
        assert status == 429 and "join codes that match no inquiry" in page
        assert Browser().request(f"{server.url}/i/{inquiry.code}/join/")[0] == 429


def test_joins_and_failed_logins_are_counted_across_processes(processes, inquiry, users):
    one, two = processes
    for server in (one, two, one, two):
        status, page = Browser().post_form(f"{server.url}/i/{inquiry.code}/join/", {"sector": "NHS"})
        assert is_participant_page(status, page, inquiry.code)
    for server in processes:
        status, page = Browser().post_form(f"{server.url}/i/{inquiry.code}/join/", {"sector": "NHS"})
        assert status == 429 and "joined this inquiry from your network" in page
    assert Participant.objects.filter(inquiry=inquiry).count() == 4

    login = "/accounts/login/"
    for server in (one, two, one):
        status, _ = Browser().post_form(server.url + login, {"username": "alice", "password": "wrong"})
        assert status == 400  # the form again, with the reason (a form with errors answers 400)
    for server in processes:
        status, page = Browser().post_form(server.url + login, {"username": "alice", "password": PASSWORD})
        assert status == 429 and "Too many failed logins for this account" in page
