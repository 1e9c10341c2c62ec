"""Importing an exported JSON file as a new inquiry (docs/exports.md), through /inquiries/import/."""

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from board.models import Card, Dot, Reaction, Theme, Vote
from inquiry.models import Inquiry, Participant

from .test_exports import content, export, make_board

# What differs between an inquiry's export and the export of its imported copy: the moment of the export.
# Everything else (refs, texts, settings, statuses, positions, creation times) comes back the same.
DIFFERS = ("exported_at",)


def upload(client, payload, name="inquiry.json"):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post("/inquiries/import/", {"file": SimpleUploadedFile(name, data, "application/json")})


def exported(client, inquiry, query="?include=all"):
    return json.loads(content(export(client, inquiry, "inquiry.json", query)))


def comparable(data):
    return {key: value for key, value in data.items() if key not in DIFFERS}


def test_an_export_imports_as_a_new_inquiry_that_exports_the_same(alice, inquiry, carol, dave):
    make_board(inquiry)
    inquiry.harvest_note = "Thank you — see you next month."
    inquiry.save()
    first = exported(alice, inquiry)
    response = upload(alice, first)
    copy = Inquiry.objects.exclude(pk=inquiry.pk).get(title=inquiry.title)
    assert response.status_code == 302 and response["Location"] == f"/i/{copy.code}/facilitate/"
    assert copy.code != inquiry.code
    assert comparable(exported(alice, copy)) == comparable(first)
    # Each vote keeps the round it was opened in, whose screens show its outcome.
    assert [v["opened_in"] for v in first["votes"]] == ["r1", "r2"]


def test_an_export_of_visible_contributions_round_trips_too(alice, inquiry, carol, dave):
    make_board(inquiry)
    first = exported(alice, inquiry, "")
    upload(alice, first)
    copy = Inquiry.objects.exclude(pk=inquiry.pk).get()
    assert comparable(exported(alice, copy, "")) == comparable(first)
    assert Card.objects.filter(inquiry=copy).count() == len(first["cards"])


def test_the_importer_alone_facilitates_the_copy_and_nobody_can_post_as_its_people(
    alice, eve, inquiry, carol
):
    make_board(inquiry)
    upload(eve, exported(alice, inquiry))
    copy = Inquiry.objects.get(created_by__username="eve", title=inquiry.title)
    assert list(copy.facilitators.values_list("username", flat=True)) == ["eve"]
    assert export(alice, copy, "inquiry.json").status_code == 404
    assert Participant.objects.filter(inquiry=copy).count() == 7
    own_tokens = set(Participant.objects.filter(inquiry=inquiry).values_list("token", flat=True))
    assert not own_tokens & set(Participant.objects.filter(inquiry=copy).values_list("token", flat=True))
    assert Dot.objects.filter(vote__inquiry=copy).count() == 7
    assert Reaction.objects.filter(card__inquiry=copy).count() == 3
    assert Vote.objects.filter(inquiry=copy).count() == 2
    assert Theme.objects.filter(inquiry=copy).count() == 2


def test_a_file_spelling_one_sector_two_ways_imports_it_as_one(alice, inquiry, carol, dave):
    # A file from before sectors were merged: "NHS" and "nhs" were two choices, and people chose both.
    make_board(inquiry)
    data = exported(alice, inquiry)
    data["inquiry"]["sectors"] = [*data["inquiry"]["sectors"], "nhs", " Local  Authority"]
    data["participants"][1]["sector"] = "nhs"
    data["participants"][-1]["sector"] = " Local  Authority"
    upload(alice, data)
    copy = Inquiry.objects.exclude(pk=inquiry.pk).get()
    assert copy.sectors == inquiry.sectors
    assert set(copy.participants.values_list("sector", flat=True)) <= set(inquiry.sectors)
    assert exported(alice, copy)["participants"][1]["sector"] == "NHS"


def test_a_file_with_themes_named_alike_imports_each_under_a_name_of_its_own(alice, inquiry, carol, dave):
    # A file from before theme names had to differ in more than case: "shared  RECORDS" beside
    # "Shared records". Both come in, with their cards; the second is told apart by a number.
    make_board(inquiry)
    data = exported(alice, inquiry)
    data["themes"][1]["name"] = "shared  RECORDS"
    upload(alice, data)
    copy = Inquiry.objects.exclude(pk=inquiry.pk).get()
    names = [t["name"] for t in exported(alice, copy)["themes"]]
    assert names == ["Shared records", "shared  RECORDS (2)"]
    themed = Card.objects.filter(theme__isnull=False)
    assert themed.filter(inquiry=copy).count() == themed.filter(inquiry=inquiry).count()


def test_the_import_page_needs_a_login(anonymous):
    response = anonymous.get("/inquiries/import/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_import_page_shows_a_form_with_csrf_protection(alice):
    response = alice.get("/inquiries/import/")
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_an_import_without_the_csrf_token_is_refused(users, alice, inquiry):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["alice"])
    assert upload(client, exported(alice, inquiry)).status_code == 403


def refused(client, payload, message):
    before = Inquiry.objects.count(), Card.objects.count(), Participant.objects.count()
    response = upload(client, payload)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Nothing was imported" in response.content.decode()
    assert (Inquiry.objects.count(), Card.objects.count(), Participant.objects.count()) == before


def test_a_file_that_is_not_json_is_refused(alice):
    refused(alice, b"contribution,round\n1,2\n", "This file is not valid JSON")
    refused(alice, b"\xff\xfe\x00garbage", "This file is not")


def test_json_that_is_not_a_linewalk_export_is_refused(alice):
    refused(alice, {"hello": "world"}, "This is not a Linewalk inquiry export")
    refused(alice, [1, 2, 3], "This is not a Linewalk inquiry export")


def test_a_file_of_another_version_is_refused(alice, inquiry):
    data = exported(alice, inquiry)
    data["version"] = 2
    refused(alice, data, "This export is version 2; this Linewalk imports version 1.")


def test_a_file_missing_parts_is_refused(alice, inquiry):
    data = exported(alice, inquiry)
    del data["cards"], data["reactions"]
    refused(alice, data, "This export is missing: cards, reactions.")


def test_a_broken_item_is_refused_and_nothing_is_created_even_after_valid_ones(alice, inquiry, carol, dave):
    make_board(inquiry)
    data = exported(alice, inquiry)
    data["cards"][-1]["author"] = "p999"
    refused(alice, data, "cards[7].author refers to &#x27;p999&#x27;, which is not in the file.")
    data = exported(alice, inquiry)
    data["cards"][2]["text"] = "x" * 281
    refused(alice, data, "cards[2].text must be text of 1–280 characters.")
    data = exported(alice, inquiry)
    data["cards"][0]["status"] = "deleted"
    refused(alice, data, "cards[0].status must be one of: visible, hidden, pending, held.")
    data = exported(alice, inquiry)
    del data["inquiry"]["title"]
    refused(alice, data, "inquiry has no “title”.")


def test_no_file_is_refused(alice):
    response = alice.post("/inquiries/import/", {})
    assert response.status_code == 400
    assert "Choose the JSON file to import." in response.content.decode()


def test_the_demo_command_makes_a_realistic_inquiry_and_writes_its_report(users, tmp_path):
    report = tmp_path / "report.html"
    call_command("demo_inquiry", owner="alice", report=str(report), stdout=io.StringIO())
    demo = Inquiry.objects.get(created_by__username="alice")
    assert demo.question == "How might health and care wrap around each resident?"
    assert demo.rounds.count() == 3 and demo.themes.count() == 8
    assert Participant.objects.filter(inquiry=demo).count() == 60
    assert Card.objects.filter(inquiry=demo).count() == 150
    assert Card.objects.filter(inquiry=demo, status=Card.HIDDEN).count() == 3
    assert Dot.objects.filter(vote__inquiry=demo).count() > 100
    assert Reaction.objects.filter(card__inquiry=demo).count() > 100
    html = report.read_text(encoding="utf-8")
    assert "Bridging themes" in html and "fewer than 3: withheld" in html and "<style>" in html
