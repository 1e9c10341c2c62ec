"""The door on a real Daphne process: many phones joining at once through the HTTP flow (join page, form,
participant page), each then shown the board by its socket; HTTP served on the server's thread pool
(sessions/pool.py), a streamed export included."""

import asyncio
import csv
import io
import urllib.request
import uuid

import pytest
from django.test import Client

from bench.joins import join_one
from board.models import Card
from inquiry.models import Participant
from sessions import wire

from .. import servers
from ..servers import TIMEOUT, RemoteScreen

pytestmark = pytest.mark.django_db(transaction=True)

ROOM = 40


@pytest.fixture
def server(transactional_db, tmp_path):
    prefix = f"linewalk-door-{uuid.uuid4().hex[:12]}"
    (daphne,) = servers.start([tmp_path / "daphne.log"], redis_prefix=prefix)
    yield daphne
    daphne.stop()


async def test_a_room_joins_at_once_and_every_phone_gets_its_board(server, inquiry, alice):
    facilitator = await RemoteScreen(server, inquiry.code, alice).connect()
    await facilitator.send(type="theme", op="add", name="First thoughts")
    await facilitator.until(lambda s: len(s.themes()) == 1, timeout=TIMEOUT)

    joined = await asyncio.gather(*(join_one(i, server.url, inquiry.code, TIMEOUT) for i in range(ROOM)))
    assert [j.error for j in joined if j.error] == []
    arrived = Participant.objects.filter(inquiry=inquiry, display_name__startswith="bench ")
    assert await arrived.acount() == ROOM
    sectors = {p.sector async for p in Participant.objects.filter(display_name__startswith="bench ")}
    assert sectors == set(inquiry.sectors)  # each phone chose a sector from its form

    phones = []
    for j in joined[:5]:
        phone = Client()
        phone.cookies.load(j.session_cookie)
        phones.append(await RemoteScreen(server, inquiry.code, phone).connect())
    for phone in phones:
        assert phone.frames[0].snapshot and [t[1] for t in phone.themes()] == ["First thoughts"]
    await phones[0].post("Arrived with everyone")
    for screen in (facilitator, *phones):
        await screen.sees("Arrived with everyone")
    for screen in (facilitator, *phones):
        await screen.close()


def test_the_daphne_trims_apply_to_the_pinned_versions():
    # An upgrade of Daphne, Twisted or autobahn that changes what sessions/wire.py trims fails here.
    assert wire.trim_daphne() == [
        "autobahn settings dump",
        "Twisted form parsing",
        "Twisted access lines",
        "Daphne's sweeps paced",
    ]


def test_a_streamed_export_is_served_whole_from_the_pool(server, inquiry, alice, carol):
    author = Participant.objects.get(display_name="Carol")
    texts = [f"Contribution number {n}, " + "with some length to it " * 5 for n in range(300)]
    first = inquiry.rounds.first()
    Card.objects.bulk_create(
        Card(inquiry=inquiry, round=first, author=author, client_id=uuid.uuid4(), text=text, position=n)
        for n, text in enumerate(texts)
    )
    cookie = f"sessionid={alice.cookies['sessionid'].value}"
    request = urllib.request.Request(
        f"{server.url}/i/{inquiry.code}/export/contributions.csv", headers={"Cookie": cookie}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.read().decode("utf-8-sig"))))
    assert sorted(cell for row in rows[1:] for cell in row if cell in texts) == sorted(texts)


@servers.needs_redis
async def test_a_room_joins_at_once_across_two_processes(transactional_db, tmp_path, inquiry):
    with servers.running(tmp_path) as processes:
        urls = [process.url for process in processes]
        joined = await asyncio.gather(*(join_one(i, urls[i % 2], inquiry.code, TIMEOUT) for i in range(ROOM)))
        assert [j.error for j in joined if j.error] == []
        phones = []
        for j, process in ((joined[0], processes[0]), (joined[1], processes[1])):
            phone = Client()
            phone.cookies.load(j.session_cookie)
            phones.append(await RemoteScreen(process, inquiry.code, phone, all_servers=processes).connect())
        await phones[0].post("Joined on the first process")
        await phones[1].sees("Joined on the first process")
        for phone in phones:
            await phone.close()
