"""People and places every test can use: like healthchecks' alice/bob/charlie.

alice facilitates "the inquiry", bob is her co-facilitator, carol (NHS) and dave (Local authority) join it
as participants, and eve is a facilitator with no part in it (an outsider)."""

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, TransactionTestCase

from inquiry import limits
from inquiry.actions import add_cofacilitator, create_inquiry
from sessions.hub import hub
from sessions.revocation import revocations

from .support import RECHECK, Screen, join_as, login_as

PASSWORD = "a-long-test-password-1"

# Tests log people in often: a deliberately slow password hash would dominate the suite's time.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Close connections after each use so the test database can be dropped at the end (PostgreSQL).
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0

_flush = TransactionTestCase._fixture_teardown


def _flush_again_after_a_deadlock(self, attempts=3):
    """Empty the database after a test, as pytest-django does; on PostgreSQL its TRUNCATE can deadlock with
    the test's own server still closing the test's sockets (a browser test's Daphne), and PostgreSQL then
    cancels the flush: it is tried again. Only the test harness truncates tables, so this deadlock is the
    harness's; the server's side of it is retried or moot."""
    for attempt in range(1, attempts + 1):
        try:
            return _flush(self)
        except CommandError as error:
            if attempt == attempts or "deadlock detected" not in str(error.__cause__):
                raise


TransactionTestCase._fixture_teardown = _flush_again_after_a_deadlock


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and at the end: on PostgreSQL, connections other threads still hold
    (threads that ran database work for in-process servers and sockets, which nothing closes) are ended
    first, so the test database can be dropped rather than left behind with a warning."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test runs in its own event loop: give it its own channel layer and hub, as a new process has."""
    yield
    hub.reset()
    revocations.reset()
    channel_layers.backends.clear()


@pytest.fixture
def users(db):
    User = get_user_model()
    return {
        name: User.objects.create_user(username=name, password=PASSWORD) for name in ("alice", "bob", "eve")
    }


@pytest.fixture
def inquiry(users):
    inquiry = create_inquiry(
        users["alice"],
        title="Wrapping care around residents",
        question="How might health and care wrap around each resident?",
        rounds=["What gets in the way today?", "What would you try first?"],
        sectors=["NHS", "Local authority", "Voluntary and community sector", "Other"],
        show_names=True,
    )
    add_cofacilitator(users["alice"], inquiry, "bob")
    return inquiry


@pytest.fixture
def other_inquiry(users):
    return create_inquiry(
        users["eve"],
        title="Elsewhere",
        question="Another question?",
        rounds=[],
        sectors=["NHS"],
        show_names=False,
    )


@pytest.fixture
def alice(users):
    return login_as("alice", PASSWORD)


@pytest.fixture
def bob(users):
    return login_as("bob", PASSWORD)


@pytest.fixture
def eve(users):
    return login_as("eve", PASSWORD)


@pytest.fixture
def carol(inquiry):
    return join_as(inquiry, "Carol", "NHS")


@pytest.fixture
def dave(inquiry):
    return join_as(inquiry, "Dave", "Local authority")


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def frank(other_inquiry):
    """A participant of the other inquiry."""
    return join_as(other_inquiry, "Frank", "NHS")


@pytest.fixture
def frank_in_inquiry(inquiry):
    """A third participant of the inquiry, from the voluntary sector."""
    return join_as(inquiry, "Frankie", "Voluntary and community sector")


async def connect_room(inquiry, alice, bob, carol, dave, screen=Screen):
    """Every screen of the inquiry, connected (as ``screen``, a Screen class): both facilitators, two
    participants, the presenter view."""
    return {
        "alice": await screen(inquiry.code, alice).connect(),
        "bob": await screen(inquiry.code, bob).connect(),
        "carol": await screen(inquiry.code, carol).connect(),
        "dave": await screen(inquiry.code, dave).connect(),
        "presenter": await screen(inquiry.code, alice, query="view=presenter").connect(),
    }


@pytest.fixture
async def room(inquiry, alice, bob, carol, dave):
    """Every screen of the inquiry, connected: both facilitators, two participants, the presenter view."""
    screens = await connect_room(inquiry, alice, bob, carol, dave)
    yield screens
    for screen in screens.values():
        await screen.close()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test counts its own attempts (the counters would otherwise carry over from test to test)."""
    limits.reset()
    yield


@pytest.fixture(params=["hub", "group"])
def fanout(request, settings):
    """Both fan-outs in turn, with the re-check of open sockets every ``support.RECHECK`` seconds (tests of a
    closing or seating message the channel layer lost)."""
    settings.LIVE_FANOUT = request.param
    settings.LIVE_RECHECK_SECONDS = RECHECK
    return request.param
