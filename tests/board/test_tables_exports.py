"""The exports, the harvest and import carry tables, seats, picks and recipe steps (issue 15); the CSV
and the reports hold what every table wrote, the cards it did not pick for the room marked as such."""

import csv
import io
import json
import uuid

import pytest

from board import actions as board_actions
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

    again = json.loads(b"".join(alice.get(f"/i/{copy.code}/export/inquiry.json").streaming_content))
    (rebuilt_breakout,) = again["tables"]
    assert rebuilt_breakout["created"] == breakout["created"]  # when the tables were, not the import
    assert {c["text"]: c["created"] for c in rebuilt_breakout["tables"][0]["cards"]} == {
        c["text"]: c["created"] for c in table["cards"]
    }


def test_the_report_shows_what_each_table_brought_back_and_its_sector_lens(harvested, alice):
    text = alice.get(f"/i/{harvested.code}/export/report.md").content.decode()
    assert "## Tables" in text and "Money follows trust" in text and "Shared budgets" in text
    assert "sector lens:" in text
    page = alice.get(f"/i/{harvested.code}/export/report/").content.decode()
    assert "Money follows trust" in page


def test_a_participant_gets_no_export(harvested, carol):
    for path in ("export/inquiry.json", "export/report.md", "export/tables.csv", "export/report/",
                 "export/contributions.csv"):  # fmt: skip
        response = carol.get(f"/i/{harvested.code}/{path}")
        assert response.status_code in (302, 404)


def test_a_facilitator_of_another_inquiry_gets_none_of_what_the_tables_wrote(harvested, eve):
    for path in ("export/contributions.csv", "export/report.md", "export/report/"):
        assert eve.get(f"/i/{harvested.code}/{path}").status_code == 404, path


def facilitator(inquiry, users):
    return Actor(FACILITATOR, inquiry.pk, user_id=users["alice"].pk)


def text_of(response):
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def csv_rows(client, inquiry, query=""):
    """{text: [row, ...]} of the contributions CSV, as a facilitator downloads it."""
    body = text_of(client.get(f"/i/{inquiry.code}/export/contributions.csv{query}")).removeprefix("\ufeff")
    rows = {}
    for row in csv.DictReader(io.StringIO(body, newline="")):
        rows.setdefault(row["text"], []).append(row)
    return rows


def markdown_of(client, inquiry, query=""):
    return text_of(client.get(f"/i/{inquiry.code}/export/report.md{query}"))


def host_of(inquiry):
    return Participant.objects.get(pk=Table.objects.get(breakout__closed=False).host_id)


def test_the_csv_has_a_row_for_a_table_card_not_picked_marked_with_its_table(harvested, alice):
    host = host_of(harvested)
    rows = csv_rows(alice, harvested)
    (unpicked,) = rows["One front door"]
    assert (unpicked["status"], unpicked["table"], unpicked["table_round"]) == ("unpicked", "Table 1", "1")
    assert unpicked["contribution"] == "" and unpicked["theme"] == "" and unpicked["featured"] == ""
    assert (unpicked["sector"], unpicked["author"]) == (host.sector, host.display_name)
    assert unpicked["participant"].startswith("p")
    assert unpicked["created"][:4].isdigit()
    # The card the table picked came to the room: it is there once, as the room's, naming its table.
    (pick,) = rows["Shared budgets"]
    assert (pick["status"], pick["table"], pick["table_round"]) == ("visible", "Table 1", "1")
    assert pick["contribution"].isdigit()


def test_the_reports_list_what_each_table_did_not_pick_and_the_public_harvest_does_not(
    harvested, alice, anonymous
):
    markdown = markdown_of(alice, harvested)
    table = markdown.split("- **Table 1**", 1)[1].split("\n\n", 1)[0]
    assert "  - Shared budgets\n  - Not picked for the room:\n    - One front door\n" in table
    page = text_of(alice.get(f"/i/{harvested.code}/export/report/"))
    assert "Not picked for the room" in page and "One front door" in page
    assert alice.post(f"/i/{harvested.code}/harvest/publish/").status_code == 302
    harvested.refresh_from_db()
    public = text_of(anonymous.get(f"/h/{harvested.harvest_token}/"))
    assert "Shared budgets" in public  # the pick, shown to the room
    assert "One front door" not in public and "Not picked" not in public


def test_a_table_that_never_sent_its_picks_brought_back_none_of_its_cards(harvested, alice, users):
    """A second round of tables, for the first round's question; the host picks a card and the tables
    close before it is sent."""
    room = facilitator(harvested, users)
    actions.close_tables(room)
    actions.open_tables(room, harvested.rounds_in_order()[0].pk, "random", count=1, everyone=True)
    host = host_of(harvested)
    at = Actor(PARTICIPANT, harvested.pk, participant_id=host.pk)
    actions.post(at, uuid.uuid4(), "Picked, never sent")
    actions.pick(at, card_id=TableCard.objects.get(text="Picked, never sent").pk)
    actions.close_tables(room)
    (row,) = csv_rows(alice, harvested)["Picked, never sent"]
    assert (row["status"], row["table"], row["table_round"]) == ("unpicked", "Table 1", "2")
    assert (row["round"], row["round_question"]) == ("1", "What gets in the way today?")
    second = markdown_of(alice, harvested).split("### Round of tables 2", 1)[1]
    assert "  - Not picked for the room:\n    - Picked, never sent\n" in second


def test_names_on_what_tables_wrote_show_only_when_the_inquiry_shows_names(harvested, alice):
    host = host_of(harvested)
    harvested.show_names = False
    harvested.save()
    rows = csv_rows(alice, harvested, "?include=all")
    assert rows["One front door"][0]["author"] == ""
    assert {row["author"] for texts in rows.values() for row in texts} == {""}
    for body in (
        markdown_of(alice, harvested, "?include=all"),
        text_of(alice.get(f"/i/{harvested.code}/export/report/")),
    ):
        assert "One front door" in body and host.display_name not in body


def test_a_table_card_its_author_erased_is_in_no_export(harvested, alice, carol, dave, frank_in_inquiry):
    phones = {"Carol": carol, "Dave": dave, "Frankie": frank_in_inquiry}
    host = host_of(harvested)
    assert "One front door" in csv_rows(alice, harvested)
    assert phones[host.display_name].post(f"/i/{harvested.code}/erase/").status_code == 302
    assert "One front door" not in csv_rows(alice, harvested, "?include=all")
    assert "One front door" not in markdown_of(alice, harvested, "?include=all")
    assert "One front door" not in text_of(alice.get(f"/i/{harvested.code}/export/report/?include=all"))


def test_a_pick_the_facilitators_hid_or_rejected_does_not_come_back_as_not_picked(harvested, alice, users):
    room = facilitator(harvested, users)
    pick = Card.objects.get(inquiry=harvested, text="Shared budgets")
    board_actions.hide_card(room, pick.pk)
    assert "Shared budgets" not in csv_rows(alice, harvested)
    assert "Shared budgets" not in markdown_of(alice, harvested)
    assert [row["status"] for row in csv_rows(alice, harvested, "?include=all")["Shared budgets"]] == [
        "hidden"
    ]
    board_actions.reject_card(room, pick.pk)
    assert "Shared budgets" not in csv_rows(alice, harvested, "?include=all")
    assert "Shared budgets" not in markdown_of(alice, harvested, "?include=all")
    assert "One front door" in markdown_of(alice, harvested), "what the table did not pick stays"
