"""Rejecting a card erases what it said (issue 13, finding 10): a post held back because it carries an
NHS number is gone, after Reject, from the database, the stored event fragments a screen catching up is
replayed, the audit log and every export, "everything" ones included. Through the endpoints: the socket
for posting and rejecting, HTTP for exports and the audit page."""

import pytest
from channels.db import database_sync_to_async

from inquiry.models import AuditEntry

from ..support import Screen, everyone, fresh_board, rows_quoting, text

pytestmark = pytest.mark.django_db(transaction=True)

NHS_NUMBER = "943 476 5919"
POST = f"My NHS number is {NHS_NUMBER}, call me about my discharge"
EXPORTS = ["contributions.csv", "comments.csv", "inquiry.json", "report.md", "report/"]


def queue(screen):
    return [int(li.get("data-card")) for li in screen.page.xpath("//ol[@id='queue-cards']/li")]


@database_sync_to_async
def download(client, code, name, query="?include=all"):
    response = client.get(f"/i/{code}/export/{name}{query}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8")


async def test_rejecting_a_held_card_erases_its_personal_data_everywhere(inquiry, room, alice):
    await room["carol"].post(POST)
    await room["alice"].until(lambda s: len(queue(s)) == 1)
    card = queue(room["alice"])[0]
    # Before: the text is kept, and shown to facilitators only.
    assert NHS_NUMBER in await download(alice, inquiry.code, "inquiry.json")
    assert await database_sync_to_async(rows_quoting)(NHS_NUMBER)

    await room["alice"].send(type="card", op="reject", card=card)
    await everyone(room, lambda s: s.find(f"card-{card}") is None and s.find(f"queued-{card}") is None)
    notice = await room["carol"].until(lambda s: any(f.error == "rejected" for f in s.frames))
    told = next(f for f in notice.frames if f.error == "rejected").error_message
    assert "may contain an NHS number" in told and NHS_NUMBER not in told

    # Nothing stored anywhere holds it: not the card, not an event fragment, not the audit log.
    assert await database_sync_to_async(rows_quoting)(NHS_NUMBER, "9434765919") == []
    for name in EXPORTS:
        assert NHS_NUMBER not in await download(alice, inquiry.code, name), name
    audit = await database_sync_to_async(alice.get)(f"/i/{inquiry.code}/audit/")
    page = audit.content.decode()
    assert "card.reject" in page and NHS_NUMBER not in page
    entry = await AuditEntry.objects.filter(action="card.reject").afirst()
    assert "rejected, its text erased" in entry.detail and "May contain an NHS number" in entry.detail

    # A screen catching up from before the rejection (reconnect or sync.resume) is sent a snapshot
    # without it, not the replay of the post's event; one that saw the post is replayed the rest.
    for client, since, snapshot in ((alice, 0, True), (room["dave"].client, 0, True), (alice, 1, False)):
        late = Screen(inquiry.code, client, query=f"since={since}")
        await late.connect()
        assert late.frames[0].snapshot is snapshot
        assert NHS_NUMBER not in late.frames[0].text
        await late.send(type="sync", op="resume", last_seq=0)
        frame = await late.next_event()
        assert frame.snapshot and NHS_NUMBER not in frame.text
        await late.close()


async def test_a_visible_card_can_be_hidden_then_erased_and_leaves_the_spotlight_and_the_log(
    inquiry, room, alice
):
    await room["alice"].send(type="room", op="settings", premoderation=False, safeguarding=False)
    await room["carol"].post(POST)
    await everyone(room, lambda s: POST in s.texts())
    card = next(iter(room["alice"].cards()))
    await room["alice"].send(type="spotlight", op="set", card=card, theme=None)
    await everyone(room, lambda s: NHS_NUMBER in text(s, "spotlight"))
    await room["dave"].send(type="reaction", op="toggle", card=card)
    await room["alice"].until(lambda s: "1 person finds this resonates" in text(s, f"card-{card}-votes"))
    await room["bob"].send(type="card", op="hide", card=card)
    await everyone(room, lambda s: POST not in s.texts(), ["carol", "dave", "presenter"])
    await room["alice"].until(lambda s: s.find(f"card-{card}-erase") is not None)

    await room["bob"].send(type="card", op="reject", card=card)  # a co-facilitator may
    await everyone(room, lambda s: s.find(f"card-{card}") is None and NHS_NUMBER not in text(s, "spotlight"))
    assert await database_sync_to_async(rows_quoting)(NHS_NUMBER) == []
    details = [entry.detail async for entry in AuditEntry.objects.order_by("pk")]
    assert any(d.startswith(f"card {card}: [text erased]") for d in details), details
    assert any(d.startswith(f"card {card} (visible → hidden): [text erased]") for d in details), details
    assert NHS_NUMBER not in str(await fresh_board(inquiry.code, alice))


async def test_only_a_facilitator_can_reject_and_nothing_happens_otherwise(inquiry, room):
    await room["carol"].post(POST)
    assert (await room["carol"].reply()).ack
    await room["alice"].until(lambda s: len(queue(s)) == 1)
    card = queue(room["alice"])[0]
    for name in ("carol", "dave", "presenter"):
        await room[name].send(type="card", op="reject", card=card)
        assert (await room[name].reply()).error == "forbidden"
    await room["alice"].send(type="card", op="reject", card=card + 1000)
    assert (await room["alice"].reply()).error == "not_found"
    assert queue(room["alice"]) == [card]
    assert len(await database_sync_to_async(rows_quoting)(NHS_NUMBER)) >= 1


async def test_a_card_its_author_deletes_is_kept_nowhere(inquiry, room):
    # Spotlit first: the spotlight's change shows the words without the card's id, and the log quotes them.
    words = "My neighbour at number 12 never gets her meds on time"
    await room["carol"].post(words)
    await everyone(room, lambda s: words in s.texts())
    card = next(pk for pk, said in room["alice"].cards().items() if said == words)
    await room["alice"].send(type="spotlight", op="set", card=card, theme=None)
    await everyone(room, lambda s: words in text(s, "spotlight"))
    assert await database_sync_to_async(rows_quoting)(words)

    await room["carol"].send(type="card", op="delete", card=card)
    await everyone(room, lambda s: s.find(f"card-{card}") is None and words not in text(s, "spotlight"))
    assert await database_sync_to_async(rows_quoting)(words) == []
