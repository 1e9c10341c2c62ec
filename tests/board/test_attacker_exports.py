"""The exports attacked: every download of an inquiry by URL from someone who does not facilitate it, and
formulas written into every newer text field (next steps, the systems map, tables) by the pages and
sockets a participant uses, read back from every CSV a facilitator downloads."""

import csv
import io
import uuid

import pytest
from channels.db import database_sync_to_async

from board.tables.models import Table
from inquiry.models import Inquiry

from ..support import join_as, text
from .tables_support import TableScreen
from .test_csv_injection import runs_as_formula

pytestmark = pytest.mark.django_db(transaction=True)

sync = database_sync_to_async

EXPORTS = [
    "export/contributions.csv",
    "export/comments.csv",
    "export/inquiry.json",
    "export/report.md",
    "export/report/",
    "export/map.kumu.json",
    "export/map.graphml",
    "export/map-links.csv",
    "export/map.svg",
    "export/next-steps.csv",
    "export/tables.csv",
    "harvest/",
]


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_no_export_of_an_inquiry_reaches_anyone_who_does_not_facilitate_it(
    inquiry, bob, eve, carol, anonymous
):
    with_title = inquiry.title.encode()
    for name in EXPORTS:
        url = f"/i/{inquiry.code}/{name}"
        assert bob.get(url).status_code == 200, url  # a co-facilitator may: by design
        assert eve.get(url).status_code == 404, url  # as for a code that does not exist
        for client in (carol, anonymous):
            response = client.get(url)
            assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
        assert not [c for c in (eve, carol, anonymous) if with_title in body(c.get(url))], url


SECTOR = "=cmd|' /C calc'!A0"


def rows(client, code, name):
    response = client.get(f"/i/{code}/export/{name}")
    assert response.status_code == 200, name
    data = body(response).decode().removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(data, newline="")))


@pytest.fixture
def poisoned(alice):
    """An inquiry with a sector that is a formula, made through the new-inquiry form, and three people who
    chose it (enough for its figures to show) with names that are formulas, and Nora from the NHS (with
    two more, so that the NHS is not a single small sector, whose figures would withhold the formula
    sector's too: board/lens.py shown_sectors)."""
    response = alice.post(
        "/inquiries/new/",
        {
            "title": "Poisoned",
            "question": "What gets in the way?",
            "rounds": "",
            "sectors": f"{SECTOR}\nNHS",
            "show_names": "on",
        },
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get(title="Poisoned")
    people = [join_as(inquiry, name, SECTOR) for name in ("@SUM(1+1)", "+Mal", "-Mal")]
    nora = join_as(inquiry, "Nora", "NHS")
    for name in ("Nell", "Ned"):
        join_as(inquiry, name, "NHS")
    return inquiry, [*people, nora]


async def test_no_cell_of_the_newer_csv_exports_runs_as_a_formula(alice, poisoned):
    inquiry, people = poisoned
    fac = await TableScreen(inquiry.code, alice).connect()
    phones = [await TableScreen(inquiry.code, client).connect() for client in people]
    mallory = phones[0]
    await mallory.post('=HYPERLINK("http://evil.example","card")')
    await fac.send(type="theme", op="add", name="+1+cmd|' /C calc'!A0")
    await fac.until(lambda s: len(s.cards()) == 1 and len(s.themes()) == 1)
    card, theme = next(iter(fac.cards())), fac.themes()[0][0]
    round_id = inquiry.current_round_id

    # The systems map: a participant's link between a formula theme and a formula card, with a formula note.
    await fac.send(type="round", op="kind", round=round_id, kind="map")
    await mallory.until(lambda s: s.find("map-view").get("data-map-rounds") == str(round_id))
    await mallory.send(
        type="link", op="add", source=f"theme-{theme}", target=f"card-{card}", kind="influences",
        sign="-", note="@SUM(1+1)*cmd|' /C calc'!A0",
    )  # fmt: skip
    await fac.until(lambda s: text(s, "map-link-count") == "1")

    # Next steps: an action whose every field is a formula, about the formula theme, signed up to by the
    # three people of the formula sector (so "by sector" names it first).
    await fac.send(type="round", op="kind", round=round_id, kind="next_steps")
    await mallory.until(lambda s: s.find("steps-view").get("data-steps-rounds") == str(round_id))
    await mallory.send(
        type="step", op="add", client_id=str(uuid.uuid4()), what="=1+1", with_whom="-2+3",
        by_when="@NOW()", theme=theme, loop="",
    )  # fmt: skip
    await fac.until(lambda s: s.find("steps-list") is not None and len(s.find("steps-list")) == 1)
    step = int(fac.find("steps-list")[0].get("id").removeprefix("step-"))
    for phone in phones[1:3]:
        await phone.send(type="step", op="join", step=step)
    await fac.until(lambda s: text(s, f"step-{step}-signups").startswith("3 signed up"))

    # Tables: a post at a table that is a formula, brought back to the room as the table's pick.
    await fac.send(type="tables", op="open", mode="random", size=8)
    await mallory.until(lambda s: s.table() is not None)
    await mallory.table_post("\t=1+1 from the table")
    await fac.until(lambda s: "=1+1 from the table" in s.raw())
    table = await sync(lambda: Table.objects.get())()
    table_card = int(fac.page.xpath("//li[@data-tcard]")[0].get("data-tcard"))
    await fac.send(type="table", op="pick", card=table_card, theme=None)
    await fac.send(type="table", op="send", table=table.pk, noticed="+noticed", by_vote=False)
    await fac.until(lambda s: any("=1+1 from the table" in t for t in s.texts()))
    for screen in (fac, *phones):
        await screen.close()

    written = {  # the columns of each file that carry text someone typed
        "next-steps.csv": ("what", "with_whom", "by_when", "theme", "loop", "by_sector"),
        "map-links.csv": ("from", "to", "note"),
        "tables.csv": ("Pre-assign Room Name", "Email Address", "Name", "Sector"),
        "contributions.csv": ("round_question", "theme", "text", "sector", "author"),
        "comments.csv": ("comment-body",),
    }
    files = {name: await sync(rows)(alice, inquiry.code, name) for name in written}
    for name, columns in written.items():
        assert files[name], name
        for row in files[name]:
            for column in columns:
                assert not runs_as_formula(row[column]), (name, column, row[column])
    step = files["next-steps.csv"][0]
    assert step["what"] == "'=1+1" and step["by_sector"] == f"'{SECTOR}: 3"
    assert files["map-links.csv"][0]["note"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert [row["Sector"] for row in files["tables.csv"]].count(f"'{SECTOR}") == 3
    picked = [row for row in files["contributions.csv"] if "from the table" in row["text"]]
    assert [row["text"] for row in picked] == ["'=1+1 from the table"]
