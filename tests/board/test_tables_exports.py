"""The exports, the harvest and import carry tables, seats, picks and recipe steps (issue 15)."""

import io
import json
import uuid

import pytest

from board.models import Card
from board.tables import actions
from board.tables.models import Breakout, Seat, Table, TableCard
from inquiry.access import FACILITATOR, PARTICIPANT, Actor
from inquiry.models import Inquiry, Participant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def harvested(inquiry, users, carol, dave, frank_in_inquiry):
    """A round of tables (1-2-4-All) where one table sent its picks to the room."""
    alice = Actor(FACILITATOR, inquiry.pk, user_id=users["alice"].pk)
    actions.open_tables(alice, None, "random", count=1, recipe="124all", everyone=True)  # no phones
    for _ in range(3):  # to "All · Back to the room", where tables choose what they bring back
        actions.step_control(alice, "skip")
    table = Table.objects.get()
    host = Actor(PARTICIPANT, inquiry.pk, participant_id=table.host_id)
    guest = Participant.objects.filter(inquiry=inquiry).exclude(pk=table.host_id).first()
    actions.post(Actor(PARTICIPANT, inquiry.pk, participant_id=guest.pk), uuid.uuid4(), "Shared budgets")
    actions.post(host, uuid.uuid4(), "One front door")
    actions.pick(host, card_id=TableCard.objects.get(text="Shared budgets").pk)
    actions.send_picks(host, None, "Money follows trust")
    return inquiry


def test_the_json_export_carries_tables_seats_and_picks_and_import_rebuilds_them(harvested, alice):
    response = alice.get(f"/i/{harvested.code}/export/inquiry.json")
    data = json.loads(b"".join(response.streaming_content))
    (breakout,) = data["tables"]
    assert breakout["recipe"] == "124all" and breakout["step"] == "all"
    (table,) = breakout["tables"]
    assert len(table["seats"]) == 3 and table["noticed"] == "Money follows trust" and table["sent"]
    assert {c["text"]: c["picked"] for c in table["cards"]} == {
        "Shared budgets": True,
        "One front door": False,
    }
    pick = next(c for c in data["cards"] if c["text"] == "Shared budgets")
    assert pick["table"] == table["ref"]

    upload = io.BytesIO(json.dumps(data).encode())
    upload.name = "inquiry.json"
    assert alice.post("/inquiries/import/", {"file": upload}).status_code == 302
    copy = Inquiry.objects.exclude(pk=harvested.pk).get(title=harvested.title)
    rebuilt = Table.objects.get(breakout__inquiry=copy)
    assert rebuilt.noticed == "Money follows trust" and Seat.objects.filter(table=rebuilt).count() == 3
    assert Breakout.objects.get(inquiry=copy).closed
    assert Card.objects.get(inquiry=copy, text="Shared budgets").table == rebuilt
    assert TableCard.objects.filter(table=rebuilt).count() == 2


def test_the_report_shows_what_each_table_brought_back_and_its_sector_lens(harvested, alice):
    text = alice.get(f"/i/{harvested.code}/export/report.md").content.decode()
    assert "## Tables" in text and "Money follows trust" in text and "Shared budgets" in text
    assert "sector lens:" in text
    page = alice.get(f"/i/{harvested.code}/export/report/").content.decode()
    assert "Money follows trust" in page


def test_a_participant_gets_no_export(harvested, carol):
    for path in ("export/inquiry.json", "export/report.md", "export/tables.csv", "export/report/"):
        response = carol.get(f"/i/{harvested.code}/{path}")
        assert response.status_code in (302, 404)
