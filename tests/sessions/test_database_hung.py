"""PostgreSQL stops answering without closing anything (a hung server, or a proxy or network that drops
what it is sent while the host still acknowledges it): a post is refused for now within the query
timeout, not left unanswered for minutes, and is saved once the database answers again. Before, nothing
noticed such a database (no TCP or libpq timeout fires while the peer acknowledges): the post's socket,
and every other on the process, waited for ever (sessions/database/base.py, ``Watchdog``)."""

import time

import pytest

from .. import servers
from ..servers import TIMEOUT, RemoteScreen
from .test_database_away import post_until_saved

pytestmark = pytest.mark.django_db(transaction=True)

QUERY_TIMEOUT = 2  # s: the server's DB_QUERY_TIMEOUT here (12 in production)


@pytest.fixture
def hung_database(transactional_db, tmp_path):
    env = {"DB_QUERY_TIMEOUT": str(QUERY_TIMEOUT)}
    with servers.behind_a_cut_proxy(tmp_path, "hung", 1, env=env) as (daphne, proxy):
        yield daphne, proxy


async def test_a_post_while_the_database_hangs_is_refused_in_seconds_and_saved_once_it_answers(
    hung_database, inquiry, alice, carol
):
    daphne, proxy = hung_database
    alice_screen = await RemoteScreen(daphne, inquiry.code, alice).connect()
    carol_screen = await RemoteScreen(daphne, inquiry.code, carol).connect()
    await post_until_saved(carol_screen, "Before the hang")
    await alice_screen.until(lambda s: s.texts() == ["Before the hang"], timeout=TIMEOUT)

    proxy.hang()
    started = time.monotonic()
    await carol_screen.post("While it hangs")
    reply = await carol_screen.reply(timeout=TIMEOUT)
    answered_in = time.monotonic() - started
    assert reply.error == "unavailable", reply
    assert answered_in < QUERY_TIMEOUT * 1.25 + 1, answered_in

    proxy.restore()
    reply = await post_until_saved(carol_screen, "After the hang")
    assert reply.ack, reply
    await alice_screen.until(lambda s: s.texts() == ["After the hang", "Before the hang"], timeout=TIMEOUT)
    for screen in (alice_screen, carol_screen):
        await screen.close()
