"""A real Daphne process on PostgreSQL keeps a bounded number of database connections, however many
requests it serves: under ASGI each request runs in a thread of its own, and with persistent connections
(the old ``CONN_MAX_AGE=60``) each left one open (100 joins: 33 open, then HTTP 500 once PostgreSQL ran
out). Connections now come from psycopg's pool."""

import asyncio
import uuid

import pytest
from django.db import connection

from .. import servers
from ..servers import Browser, RemoteScreen

pytestmark = pytest.mark.django_db(transaction=True)

POOL = 4
JOINS = 100


@pytest.fixture
def server(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no connection limit: this is about PostgreSQL's")
    name = f"linewalk-test-{uuid.uuid4().hex[:8]}"
    (daphne,) = servers.start(
        [tmp_path / "daphne.log"],
        redis_prefix=f"linewalk-db-{uuid.uuid4().hex[:12]}",
        # libpq names every connection of the process, so the test can count them.
        env={"PGAPPNAME": name, "DB_POOL_MAX_SIZE": str(POOL), "DB_POOL_MIN_SIZE": "1"},
    )
    daphne.application_name = name
    yield daphne
    daphne.stop()


def open_connections(application_name):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return cursor.fetchone()[0]


async def test_many_joins_and_screens_keep_the_connections_bounded(server, inquiry):
    def join(n):
        browser = Browser(server)
        status = browser.join(inquiry.code, f"Person {n}", "NHS")
        page_status, _ = browser.get(f"/i/{inquiry.code}/")
        return status, page_status, browser

    results = await asyncio.gather(*(asyncio.to_thread(join, n) for n in range(JOINS)))
    assert [(status, page) for status, page, _ in results] == [(True, 200)] * JOINS
    assert 0 < await asyncio.to_thread(open_connections, server.application_name) <= POOL

    # Screens of some of them, each posting: the live path shares the same few connections.
    screens = []
    for n, (_, _, browser) in enumerate(results[:10]):
        screens.append(await RemoteScreen(server, inquiry.code, cookie=browser.cookie).connect())
        await screens[-1].post(f"Posted by person {n}")
    for screen in screens:
        await screen.until(lambda s: len(s.texts()) == 10, timeout=servers.TIMEOUT)
    assert 0 < await asyncio.to_thread(open_connections, server.application_name) <= POOL
    for screen in screens:
        await screen.close()
