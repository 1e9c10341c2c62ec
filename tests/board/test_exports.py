"""Exports of an inquiry: CSV, pol.is comments CSV, JSON, Markdown and the printable report
(docs/exports.md), through their URLs, as facilitators download them."""

import csv
import io
import json
import re
import time
import uuid
from datetime import UTC, datetime

import lxml.html
import pytest
from django.http import StreamingHttpResponse

from board.models import Card, Dot, NextStep, Reaction, Theme, Vote
from inquiry.models import Participant

UNICODE_POST = 'Café — naïve 🙂\nsecond line, with a comma and "quotes"'


def make_board(inquiry, *, small_sector=True):
    """A small inquiry with something in every state, stored directly (no room is live).

    Three NHS and three local-authority people (Carol and Dave among them when they joined first), one
    voluntary-sector person (a sector below K=3 when ``small_sector``), two themes, a vote with dots on
    cards and on a theme, reactions, and a hidden, a held, a pending and an unrevealed silent card."""
    people = {}
    sectors = {"NHS": ["Carol", "Nadia", "Omar"], "Local authority": ["Dave", "Lena", "Raj"]}
    if small_sector:
        sectors["Voluntary and community sector"] = ["Vic"]
    for sector, names in sectors.items():
        for name in names:
            people[name] = Participant.objects.filter(
                inquiry=inquiry, display_name=name
            ).first() or Participant.objects.create(inquiry=inquiry, display_name=name, sector=sector)
    first, second = inquiry.rounds_in_order()
    records = Theme.objects.create(inquiry=inquiry, name="Shared records", colour="sky", position=0)
    teams = Theme.objects.create(inquiry=inquiry, name="Neighbourhood teams", colour="mint", position=1)

    def card(text, author, theme=None, round=first, **fields):
        author = people[author]
        return Card.objects.create(
            inquiry=inquiry,
            round=round,
            author=author,
            client_id=uuid.uuid4(),
            text=text,
            theme=theme,
            **fields,
        )

    cards = {
        "unicode": card(UNICODE_POST, "Carol", records),
        "records": card("One record that follows the resident", "Dave", records),
        "teams": card("Teams built around GP neighbourhoods", "Nadia", teams, round=second),
        "unsorted": card("=SUM(A1:A2) looks like a formula", "Lena"),
        "hidden": card("An insult the facilitator hid", "Omar", records, status=Card.HIDDEN),
        "held": card("Call me on 07700 900123", "Raj", status=Card.HELD, held_reason="a phone number"),
        "pending": card("Waiting for approval", "Raj", status=Card.PENDING),
        "silent": card(
            "Written in silence", "Vic" if small_sector else "Raj", teams, round=second, silent=True
        ),
    }
    vote = Vote.objects.create(inquiry=inquiry, round=first, opened_in=first, target=Vote.CARDS, budget=3)
    for name in ("Carol", "Dave", "Lena"):
        Dot.objects.create(vote=vote, participant=people[name], card=cards["records"])
    Dot.objects.create(vote=vote, participant=people["Nadia"], card=cards["unicode"])
    Dot.objects.create(vote=vote, participant=people["Omar"], card=cards["hidden"])
    theme_vote = Vote.objects.create(
        inquiry=inquiry, round=None, opened_in=second, target=Vote.THEMES, budget=2
    )
    for name in ("Nadia", "Raj"):
        Dot.objects.create(vote=theme_vote, participant=people[name], theme=teams)
    for name in ("Omar", "Raj"):
        Reaction.objects.create(card=cards["records"], participant=people[name])
    Reaction.objects.create(card=cards["teams"], participant=people["Dave"])
    return {"people": people, "cards": cards, "themes": {"records": records, "teams": teams}}


def content(response):
    assert response.status_code == 200, response
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(content(response).removeprefix("\ufeff"), newline="")))


def export(client, inquiry, name, query=""):
    return client.get(f"/i/{inquiry.code}/export/{name}{query}")


def test_the_csv_parses_back_with_unicode_and_newlines_in_posts(alice, inquiry, carol, dave):
    make_board(inquiry)
    response = export(alice, inquiry, "contributions.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="linewalk-{inquiry.code}-contributions.csv"'
    )
    body = content(export(alice, inquiry, "contributions.csv"))
    assert body.startswith("\ufeff"), "a byte order mark, so Excel reads UTF-8"
    rows = csv.DictReader(io.StringIO(body.removeprefix("\ufeff"), newline=""))
    by_text = {row["text"]: row for row in rows}
    row = by_text[UNICODE_POST]
    assert row["round"] == "1"
    assert row["round_question"] == "What gets in the way today?"
    assert row["theme"] == "Shared records"
    assert row["sector"] == "NHS"
    assert row["author"] == "Carol"
    assert row["participant"].startswith("p")
    assert row["created"][:4].isdigit() and "T" in row["created"]


def test_the_csv_counts_dots_on_the_card_its_theme_and_its_reactions(alice, inquiry, carol, dave):
    make_board(inquiry)
    rows = {row["text"]: row for row in csv_rows(export(alice, inquiry, "contributions.csv"))}
    records = rows["One record that follows the resident"]
    assert (records["dots"], records["theme_dots"], records["reactions"]) == ("3", "0", "2")
    teams = rows["Teams built around GP neighbourhoods"]
    assert (teams["dots"], teams["theme_dots"], teams["reactions"]) == ("0", "2", "1")


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised(alice, inquiry, carol, dave):
    make_board(inquiry)
    texts = [row["text"] for row in csv_rows(export(alice, inquiry, "contributions.csv"))]
    assert "'=SUM(A1:A2) looks like a formula" in texts


def test_the_byte_order_mark_can_be_left_out(alice, inquiry, carol, dave):
    make_board(inquiry)
    assert content(export(alice, inquiry, "contributions.csv", "?bom=0")).startswith("contribution,round,")


def test_hidden_held_and_pending_contributions_are_left_out_unless_asked(alice, inquiry, carol, dave):
    board = make_board(inquiry)
    left_out = {board["cards"][key].text for key in ("hidden", "held", "pending")}
    for name in ("contributions.csv", "comments.csv", "inquiry.json", "report.md", "report/"):
        default = content(export(alice, inquiry, name))
        everything = content(export(alice, inquiry, name, "?include=all"))
        for text in left_out:
            assert text not in default, (name, text)
            assert text in everything, (name, text)


def test_an_unrevealed_silent_contribution_is_included_and_marked(alice, inquiry, carol, dave):
    make_board(inquiry)
    rows = {row["text"]: row for row in csv_rows(export(alice, inquiry, "contributions.csv"))}
    assert rows["Written in silence"]["status"] == "unrevealed"
    assert rows["One record that follows the resident"]["status"] == "visible"
    cards = {c["text"]: c for c in json.loads(content(export(alice, inquiry, "inquiry.json")))["cards"]}
    assert cards["Written in silence"]["silent"] is True
    assert 'data-card-status="unrevealed"' in content(export(alice, inquiry, "report/"))


def test_names_appear_only_when_the_inquiry_shows_names(alice, inquiry, carol, dave):
    make_board(inquiry)
    assert "Carol" in content(export(alice, inquiry, "contributions.csv"))
    inquiry.show_names = False
    inquiry.save()
    for name in ("contributions.csv", "comments.csv", "inquiry.json", "report.md", "report/"):
        body = content(export(alice, inquiry, name, "?include=all"))
        for person in ("Carol", "Dave", "Nadia", "Omar", "Lena", "Raj"):
            assert person not in body, (name, person)
    rows = csv_rows(export(alice, inquiry, "contributions.csv"))
    assert {row["author"] for row in rows} == {""}
    assert all(row["participant"] for row in rows)


EXPORTS = ["contributions.csv", "comments.csv", "inquiry.json", "report.md", "report/"]


def test_a_co_facilitator_can_export(bob, inquiry, carol):
    for name in EXPORTS:
        assert export(bob, inquiry, name).status_code == 200, name


def test_a_facilitator_of_another_inquiry_gets_not_found(eve, inquiry):
    for name in EXPORTS:
        assert export(eve, inquiry, name).status_code == 404, name


def test_a_participant_is_sent_to_the_login_page(carol, inquiry):
    for name in EXPORTS:
        response = export(carol, inquiry, name)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/"), name


def test_exports_refuse_a_post(alice, inquiry):
    assert alice.post(f"/i/{inquiry.code}/export/contributions.csv").status_code == 405


def test_the_json_export_says_its_format_and_version(alice, inquiry, carol, dave):
    make_board(inquiry)
    response = export(alice, inquiry, "inquiry.json")
    assert isinstance(response, StreamingHttpResponse)
    data = json.loads(content(response))
    assert (data["format"], data["version"], data["contributions"]) == ("linewalk.inquiry", 1, "visible")
    assert data["inquiry"]["question"] == "How might health and care wrap around each resident?"
    assert [r["question"] for r in data["rounds"]] == [
        "What gets in the way today?",
        "What would you try first?",
    ]
    assert [t["name"] for t in data["themes"]] == ["Shared records", "Neighbourhood teams"]
    assert len(data["participants"]) == 7
    assert {p["sector"] for p in data["participants"]} >= {"NHS", "Local authority"}
    assert len(data["votes"]) == 2
    # The dot on the hidden card goes with it.
    assert len(data["dots"]) == 6 and len(data["reactions"]) == 3


def test_the_polis_comments_csv_has_the_polis_columns(alice, inquiry, carol, dave):
    make_board(inquiry)
    rows = csv_rows(export(alice, inquiry, "comments.csv", "?include=all"))
    assert (
        ",".join(rows[0]) == "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body"
    )
    by_text = {row["comment-body"]: row for row in rows}
    records = by_text["One record that follows the resident"]
    assert (records["agrees"], records["disagrees"], records["moderated"]) == ("5", "0", "1")
    assert by_text["An insult the facilitator hid"]["moderated"] == "-1"
    assert by_text["Waiting for approval"]["moderated"] == "0"
    assert by_text["'=SUM(A1:A2) looks like a formula"], "neutralised like the contributions CSV"
    assert records["author-id"].isdigit()


def test_the_report_withholds_figures_of_a_sector_below_k(alice, inquiry, carol, dave):
    make_board(inquiry)
    report = content(export(alice, inquiry, "report/"))
    assert "fewer than 3: withheld" in report
    assert "3 from 3" not in report.split("Voluntary and community sector")[1][:200]
    markdown = content(export(alice, inquiry, "report.md"))
    assert "| Voluntary and community sector | fewer than 3 |" in markdown
    assert "| NHS | 3 |" in markdown


def test_the_report_shows_themes_votes_and_bridging(alice, inquiry, carol, dave):
    make_board(inquiry)
    report = content(export(alice, inquiry, "report/"))
    for text in ("How might health and care wrap around each resident?", "What would you try first?",
                 "Shared records", "Neighbourhood teams", "Bridging themes", "The sector lens", "Top voted",
                 "Print or save as PDF"):  # fmt: skip
        assert text in report, text
    assert '<link rel="stylesheet"' not in report and "@media print" in report, "self-contained"


def test_the_report_escapes_what_people_wrote(alice, inquiry, carol, dave):
    board = make_board(inquiry)
    card = board["cards"]["records"]
    card.text = '<script>alert("x")</script> & more'
    card.save()
    report = content(export(alice, inquiry, "report/"))
    assert "<script>" not in report
    assert "&lt;script&gt;" in report
    markdown = content(export(alice, inquiry, "report.md"))
    assert "<script>" not in markdown


def test_an_export_of_five_thousand_contributions_streams_and_completes(alice, inquiry, carol):
    author = Participant.objects.get(inquiry=inquiry, display_name="Carol")
    first = inquiry.rounds_in_order()[0]
    Card.objects.bulk_create(
        [
            Card(
                inquiry=inquiry,
                round=first,
                author=author,
                client_id=uuid.uuid4(),
                text=f"Contribution {n}\n✓",
            )
            for n in range(5000)
        ],
        batch_size=1000,
    )
    started = time.monotonic()
    response = export(alice, inquiry, "contributions.csv")
    assert isinstance(response, StreamingHttpResponse)
    chunks = [chunk for chunk in response.streaming_content]
    assert len(chunks) > 2, "written in chunks, not in one piece"
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8").removeprefix("\ufeff"), newline="")))
    assert len(rows) == 5001
    data = json.loads(content(export(alice, inquiry, "inquiry.json")))
    assert len(data["cards"]) == 5000
    assert len(csv_rows(export(alice, inquiry, "comments.csv"))) == 5000
    assert time.monotonic() - started < 30


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_export_streams_chunk_by_chunk(async_client, users, inquiry):
    """Daphne serves an async iterator; Django would read a sync generator into a list first."""
    carol = await Participant.objects.acreate(inquiry=inquiry, display_name="Carol", sector="NHS")
    first = await inquiry.rounds.afirst()
    await Card.objects.abulk_create(
        [
            Card(inquiry=inquiry, round=first, author=carol, client_id=uuid.uuid4(), text=f"Post {n}")
            for n in range(3000)
        ]
    )
    await async_client.aforce_login(users["alice"])
    response = await async_client.get(f"/i/{inquiry.code}/export/contributions.csv")
    assert response.is_async
    chunks = [chunk async for chunk in response.streaming_content]
    assert len(chunks) > 1
    assert len(b"".join(chunks).decode("utf-8").splitlines()) == 3001


def test_the_reports_count_one_of_a_thing_in_the_singular(alice, inquiry, carol, dave):
    make_board(inquiry)
    markdown = content(export(alice, inquiry, "report.md"))
    assert re.findall(r"\b1 (?:dots|reactions|contributions|themes|participants)\b", markdown) == []
    assert "(1 dot, 0 reactions)" in markdown  # Nadia's dot on the first card
    assert "(0 dots, 1 reaction)" in markdown  # Dave's reaction to the teams card
    assert "(round 1; 1 dot)" in markdown
    report = content(export(alice, inquiry, "report/"))
    assert re.findall(r"\b1 (?:dots|reactions|contributions)\b", report) == []


def test_the_reports_give_the_date_of_the_event(alice, inquiry, carol, dave):
    make_board(inquiry)
    Card.objects.filter(inquiry=inquiry).update(created=datetime(2026, 11, 3, 10, tzinfo=UTC))
    assert "**Date:** 3 November 2026" in content(export(alice, inquiry, "report.md"))
    assert '<p class="event-date" id="event-date">3 November 2026</p>' in content(
        export(alice, inquiry, "report/")
    )
    # An event over two days gives both.
    Card.objects.filter(text="Waiting for approval").update(created=datetime(2026, 11, 4, 10, tzinfo=UTC))
    assert "**Date:** 3 November to 4 November 2026" in content(export(alice, inquiry, "report.md"))


def test_a_when_that_is_not_a_date_does_not_read_by(alice, inquiry, carol, dave):
    make_board(inquiry)
    author = Participant.objects.get(inquiry=inquiry, display_name="Carol")
    for what, when in [
        ("Shared induction", "June"),
        ("Monthly huddle", "Ongoing"),
        ("Pilot", "Next month"),
        ("Outreach", "Autumn"),
    ]:
        NextStep.objects.create(
            inquiry=inquiry, round=inquiry.current_round, author=author, client_id=uuid.uuid4(), what=what,
            by_when=when,
        )  # fmt: skip
    markdown = content(export(alice, inquiry, "report.md"))
    assert "**Shared induction** (by June)" in markdown
    assert "**Monthly huddle** (when: Ongoing)" in markdown
    assert "**Pilot** (when: Next month)" in markdown
    assert "**Outreach** (by Autumn)" in markdown
    assert "by Ongoing" not in markdown and "by Next month" not in markdown
    assert ", 0 dots" in markdown and "0 signed up" in markdown


def steps_by_when(html):
    """{action: its "with whom, by when" cell} of a report's or harvest's next steps, as a reader sees it."""
    rows = lxml.html.fromstring(html).xpath("//table[@class='next-steps-table']/tbody/tr")
    return {" ".join(row[0].text_content().split()): " ".join(row[1].text_content().split()) for row in rows}


def board_with_two_steps(inquiry):
    """The board, and two actions of Carol's: one with whom and by a month, one ongoing."""
    make_board(inquiry)
    author = Participant.objects.get(inquiry=inquiry, display_name="Carol")
    for what, whom, when in [("Shared induction", "HR leads", "June"), ("Monthly huddle", "", "Ongoing")]:
        NextStep.objects.create(
            inquiry=inquiry, round=inquiry.current_round, author=author, client_id=uuid.uuid4(), what=what,
            with_whom=whom, by_when=when,
        )  # fmt: skip


def test_the_printable_report_says_by_when_as_the_live_screens_do(alice, inquiry, carol, dave):
    board_with_two_steps(inquiry)
    shown = steps_by_when(content(export(alice, inquiry, "report/")))
    assert shown == {"Shared induction": "HR leads · By June", "Monthly huddle": "When: Ongoing"}


def test_each_round_of_the_reports_says_the_actions_it_proposed(alice, inquiry, carol, dave):
    """A next-steps round read "0 contributions" in the report, though the room proposed its actions there:
    each round now says how many it proposed (hidden ones left out), in the printable report and Markdown."""
    board_with_two_steps(inquiry)
    hidden = NextStep.objects.create(
        inquiry=inquiry, round=inquiry.current_round, author=Participant.objects.get(display_name="Dave"),
        client_id=uuid.uuid4(), what="Something the facilitator hid", hidden=True,
    )  # fmt: skip
    html = lxml.html.fromstring(content(export(alice, inquiry, "report/")))
    rounds = [" ".join(li.text_content().split()) for li in html.xpath("//ol[@class='rounds']/li")]
    assert rounds[0].endswith("· 2 actions proposed"), rounds
    assert "action" not in rounds[1], rounds
    markdown = content(export(alice, inquiry, "report.md")).splitlines()
    first = next(line for line in markdown if line.startswith("1. "))
    assert first.endswith(", 2 actions proposed)"), first
    assert hidden.what not in "\n".join(markdown)
