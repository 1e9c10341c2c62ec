"""Who is here now stays right without anyone connecting or leaving: the heartbeat of each process
outlives a beat the database did not answer, sweeps the rows of a process that died (any live process
does), puts back the rows of its own open sockets that another process swept while this one could not
reach the database, and sends a presence frame when the count changed."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError
from django.utils import timezone

from inquiry.models import Participant
from sessions import presence
from sessions.models import Presence

from ..support import Screen, join_as, text

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quick_heartbeat(monkeypatch):
    """A heartbeat every 0.2 s whose first beat fails as with the database away."""
    monkeypatch.setattr(presence, "HEARTBEAT", 0.2)
    monkeypatch.setattr(presence, "STALE_AFTER", timedelta(seconds=30))
    beat, failed = presence._beat, []

    def failing_once(here):
        if not failed:
            failed.append(True)
            raise OperationalError("the database did not answer")
        return beat(here)

    monkeypatch.setattr(presence, "_beat", failing_once)
    return failed


def showing(count):
    word = "participant" if count == 1 else "participants"
    return lambda screen: text(screen, "presence").startswith(f"{count} {word} connected")


@database_sync_to_async
def left_by_a_dead_process(inquiry, count):
    """Rows of ``count`` participants whose process died: no heartbeat has marked them for a while."""
    for n in range(count):
        join_as(inquiry, f"Gone {n}", "NHS")
    gone = Participant.objects.filter(inquiry=inquiry, display_name__startswith="Gone")
    Presence.objects.bulk_create(
        Presence(
            inquiry=inquiry, participant=p, sector=p.sector, channel_name=f"dead!{p.pk}", server="dead:1"
        )
        for p in gone
    )
    return lambda: Presence.objects.filter(server="dead:1").update(seen=timezone.now() - timedelta(hours=1))


async def test_a_dead_processs_participants_stop_counting_without_anyone_connecting(
    inquiry, alice, carol, dave, quick_heartbeat
):
    age = await left_by_a_dead_process(inquiry, 3)
    facilitator = await Screen(inquiry.code, alice).connect()
    phones = [await Screen(inquiry.code, client).connect() for client in (carol, dave)]
    await facilitator.until(showing(5))

    await database_sync_to_async(age)()  # its heartbeat stopped long ago
    await facilitator.until(showing(2))
    for phone in phones:
        await phone.until(showing(2))
    assert quick_heartbeat, "the first beat failed, and the heartbeat went on"
    assert not await Presence.objects.filter(server="dead:1").aexists()
    for screen in (facilitator, *phones):
        await screen.close()


async def test_rows_swept_while_this_process_could_not_beat_are_put_back(
    inquiry, alice, carol, dave, frank_in_inquiry, quick_heartbeat
):
    facilitator = await Screen(inquiry.code, alice).connect()
    phones = [await Screen(inquiry.code, client).connect() for client in (carol, dave)]
    await facilitator.until(showing(2))
    # Another process swept this one's rows as stale while its database connection was cut.
    await Presence.objects.filter(server=presence.SERVER).adelete()
    phones.append(await Screen(inquiry.code, frank_in_inquiry).connect())
    await facilitator.until(lambda s: showing(1)(s) or showing(3)(s))
    # Carol and Dave are still connected: the heartbeat counts them again.
    await facilitator.until(showing(3))
    for screen in (facilitator, *phones):
        await screen.close()
