"""A single small sector, attacked by subtraction: wherever counts by sector are shown beside their total
(the sector lens, live and in the harvest and reports; "Who took part"; the next steps' sign-ups, live,
in the harvest, the reports and their CSV; the tables panel's "By sector" beside each table's people),
an attacker who reads the total, takes away the sectors shown and finds one sector left without a
figure has that sector's count. With exactly one sector under the minimum group size (K), its figures
must never be left alone that way (board/lens.py shown_sectors).

The room: NHS 5, Local authority 4, Voluntary and community sector 3, and Olive, the only person of
"Other" (K = 3)."""

import csv
import io
import re
import uuid

import lxml.html
import pytest
from asgiref.sync import sync_to_async

from board import actions as board_actions
from board.models import Card, NextStep, Theme
from board.nextsteps import actions as steps
from board.nextsteps.models import SignUp
from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, PARTICIPANT, Actor
from inquiry.models import Inquiry, Participant, Round

from ..inquiry.test_settings import form_of
from ..support import Screen, join_as, text
from .tables_support import open_room

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = {"NHS": 5, "Local authority": 4, "Voluntary and community sector": 3, "Other": 1}
SECTORS = list(PEOPLE)
NO_STEP = {"with_whom": "", "by_when": "", "theme": None, "loop": ""}


def deduced(total, shown, sectors=SECTORS):
    """What an attacker works out: with every sector's figure shown but one, that one is the total less
    the others ({sector: count}); with two or more left without a figure, nothing."""
    missing = [sector for sector in sectors if sector not in shown]
    if len(missing) != 1:
        return {}
    return {missing[0]: total - sum(shown.values())}


@pytest.fixture
def olive_alone(inquiry, users):
    """The room above, joined through the join page; Olive (Other), two of the NHS, one of the local
    authority and one of the voluntary sector find a card of the theme "Shared records" resonates; an
    action Olive, an NHS and a local-authority person signed up to; the harvest published. Returns the
    clients by name."""
    clients = {}
    for sector, n in PEOPLE.items():
        for i in range(n):
            name = "Olive" if sector == "Other" else f"{sector.split()[0]}-{i}"
            clients[name] = join_as(inquiry, name, sector)
    actor = {
        p.display_name: Actor(PARTICIPANT, inquiry.pk, participant_id=p.pk)
        for p in Participant.objects.filter(inquiry=inquiry)
    }
    facilitator = Actor(FACILITATOR, inquiry.pk, user_id=users["alice"].pk)
    card, _ = board_actions.post_card(actor["NHS-0"], uuid.uuid4(), "Records that follow the resident")
    theme = board_actions.add_theme(facilitator, "Shared records")
    board_actions.move_card(facilitator, card.pk, theme.pk)
    for name in ("Olive", "NHS-1", "NHS-2", "Local-0", "Voluntary-0"):
        board_actions.toggle_reaction(actor[name], card.pk)
    inquiry_actions.set_round_kind(facilitator, inquiry.current_round_id, Round.NEXT_STEPS)
    step, _ = steps.propose(actor["NHS-0"], uuid.uuid4(), {**NO_STEP, "what": "Joint rota"})
    for name in ("Olive", "Local-0"):
        steps.join(actor[name], step.pk)
    return clients


def page_of(response):
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def words(element):
    return " ".join(element.text_content().split())


def who_took_part(page):
    """({sector: participants}, {sector: contributions}) for the sectors whose figures show, and the
    totals the page's facts give: (participants, contributions)."""
    people, contributions = {}, {}
    for row in page.xpath("//table[@class='sectors']/tbody/tr"):
        sector = words(row.xpath("./th")[0])
        cells = [words(td) for td in row.xpath("./td")]
        if cells[0].isdigit():
            people[sector], contributions[sector] = int(cells[0]), int(cells[1])
    facts = [words(li).split(" ", 1) for li in page.xpath("//ul[@class='facts']/li")]
    facts = {name.removesuffix("s"): int(n) for n, name in facts}
    return people, contributions, facts["participant"], facts["contribution"]


def lens_of(element):
    """[(theme, total support, {sector: support shown})] of a sector lens."""
    themes = []
    for figure in element.xpath(".//figure[contains(@class, 'lens-theme')]"):
        shown = {}
        for row in figure.xpath(".//li[@class='lens-row']"):
            figure_text = words(row.find_class("lens-figure")[0])
            found = re.match(r"(\d+) from \d+", figure_text)
            if found:
                shown[words(row.find_class("lens-sector")[0])] = int(found.group(1))
        themes.append((figure.get("data-lens-theme"), int(words(figure.find_class("lens-total")[0])), shown))
    return themes


def named_sectors(line):
    """{sector: sign-ups} a next step's "by sector" names ("Local authority 1, NHS 1, 1 from smaller
    sectors (...)"), leaving out the smaller sectors counted together."""
    named = {}
    for part in filter(None, (p.strip() for p in line.split(","))):
        if not re.match(r"\d+ from ", part):
            sector, n = part.rsplit(" ", 1)
            named[sector] = int(n)
    return named


def leaks(total, shown, where):
    """What the attack finds in one place: [] when nothing can be worked out."""
    assert shown, f"{where}: no figure by sector shown at all, nothing attacked"
    found = deduced(total, shown)
    return [f"{where}: {found} worked out from {total} - {shown}"] if found else []


def attack_report(page, where):
    """Every attack above on a harvest page or the printable report: what they find."""
    people, contributions, total_people, total_contributions = who_took_part(page)
    found = leaks(total_people, people, f"{where}, who took part: participants")
    found += leaks(total_contributions, contributions, f"{where}, who took part: contributions")
    for theme, total, shown in lens_of(page):
        found += leaks(total, shown, f"{where}, lens of {theme}")
    (row,) = page.xpath("//table[@class='next-steps-table']/tbody/tr")
    cells = [words(td) for td in row.xpath("./td")]
    signed, named = int(cells[2]), named_sectors(cells[3])
    # Sectors shown in "Who took part" that the line does not name signed up nobody.
    return found + leaks(signed, {**{s: 0 for s in people}, **named}, f"{where}, next steps")


def test_the_public_harvest_gives_no_small_sectors_figures_away(olive_alone, alice, anonymous, inquiry):
    assert alice.post(f"/i/{inquiry.code}/harvest/publish/").status_code == 302
    inquiry.refresh_from_db()
    page = page_of(anonymous.get(f"/h/{inquiry.harvest_token}/"))
    assert attack_report(page, "public harvest") == []
    assert "Other" in words(page) and "fewer than 3" in words(page)


def test_the_printable_report_gives_no_single_small_sectors_figures_away(olive_alone, alice, inquiry):
    found = []
    for query in ("", "?include=all"):
        page = page_of(alice.get(f"/i/{inquiry.code}/export/report/{query}"))
        found += attack_report(page, f"report{query}")
    assert found == []


def markdown_tables(markdown, heading):
    """The rows of the first table after ``heading`` in a Markdown report: [[cell, ...]]."""
    rows = []
    for line in markdown.split(heading, 1)[1].strip().splitlines():
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] not in ("Sector", "---"):
            rows.append(cells)
    return rows


def test_the_markdown_report_gives_no_single_small_sectors_figures_away(olive_alone, alice, inquiry):
    response = alice.get(f"/i/{inquiry.code}/export/report.md")
    assert response.status_code == 200
    markdown = response.content.decode()
    found = re.search(r"(\d+) contributions? from (\d+) participants?", markdown)
    total_contributions, total_people = int(found.group(1)), int(found.group(2))
    rows = markdown_tables(markdown, "## Who took part")
    people = {r[0]: int(r[1]) for r in rows if r[1].isdigit()}
    contributions = {r[0]: int(r[2]) for r in rows if r[2].isdigit()}
    found = leaks(total_people, people, "markdown, who took part: participants")
    found += leaks(total_contributions, contributions, "markdown, who took part: contributions")
    lens = {r[0]: int(r[2]) for r in markdown_tables(markdown, "### Shared records") if r[2].isdigit()}
    # The total support shows beside a bridging score (two sectors shown or more).
    bridging = re.search(r"Shared records: [\d.]+ \(total support (\d+)\)", markdown)
    if bridging:
        found += leaks(int(bridging.group(1)), lens, "markdown, lens")
    line = re.search(r"\*\*Joint rota\*\*: (\d+) signed up(?:: (.*))?, \d+ dots?", markdown)
    signed, named = int(line.group(1)), named_sectors(line.group(2) or "")
    assert found + leaks(signed, {**{s: 0 for s in people}, **named}, "markdown, next steps") == []


def test_the_next_steps_csv_gives_no_single_small_sectors_sign_ups_away(olive_alone, alice, inquiry):
    people, *_ = who_took_part(page_of(alice.get(f"/i/{inquiry.code}/export/report/")))
    response = alice.get(f"/i/{inquiry.code}/export/next-steps.csv")
    (row,) = csv.DictReader(io.StringIO(response.content.decode().removeprefix("\ufeff"), newline=""))
    named = {}
    for part in row["by_sector"].split("; "):
        sector, n = part.rsplit(": ", 1)
        if not sector.startswith("smaller sectors"):
            named[sector] = int(n)
    assert leaks(int(row["signed_up"]), {**{s: 0 for s in people}, **named}, "next-steps.csv") == []


async def test_the_live_lens_and_next_steps_give_no_single_small_sectors_figures_away(olive_alone, inquiry):
    """A participant's own screen over the websocket: the lens (which sectors it withholds) and the
    action's sign-ups by sector."""
    screen = await Screen(inquiry.code, olive_alone["Voluntary-1"]).connect()
    try:
        await screen.until(lambda s: s.find("lens") is not None and s.page.xpath("//li[@id]/@data-step"))
        ((theme, total, shown),) = lens_of(screen.find("lens"))
        found = leaks(total, shown, f"live lens of {theme}")
        step = screen.page.xpath("//li[@id]/@data-step")[0]
        line = re.match(r"(\d+) signed up(?::|, all from)? ?(.*)", text(screen, f"step-{step}-signups"))
        signed, named = int(line.group(1)), named_sectors(line.group(2))
        # The sectors the lens shows that the line does not name signed up nobody.
        assert found + leaks(signed, {**{s: 0 for s in shown}, **named}, "live next steps") == []
    finally:
        await screen.close()


async def test_the_tables_panel_gives_no_single_small_sectors_people_away(inquiry, alice):
    """The facilitators' panel: each table's people beside its "By sector" column. With K = 2, a table
    of two from each of three sectors and one from Other."""
    settings = form_of(inquiry, k_threshold=2)
    response = await sync_to_async(alice.post)(f"/i/{inquiry.code}/settings/", settings)
    assert response.status_code == 302
    seated = [*SECTORS[:3] * 2, "Other"]
    fac, phones = await open_room(inquiry, alice, seated, mode="mixed", size=8)
    try:
        (table,) = {phone.table_id() for phone in phones}
        await fac.until(lambda s: s.find(f"table-row-{table}") is not None)
        row = fac.find(f"table-row-{table}")
        people = int(words(row.xpath("./td")[0]))
        lens = words(row.find_class("table-lens")[0])
        shown = {}
        for part in lens.split(" · "):
            sector, figures = part.split(": ")
            shown[sector] = int(figures.split()[0])
        assert people == 7
        assert leaks(people, shown, "tables panel") == []
    finally:
        for screen in [fac, *phones]:
            await screen.close()


@pytest.fixture
def unlisted_sector(inquiry):
    """An inquiry as an imported file can leave it: its sectors are NHS and Other, and three people hold a
    sector the list lacks ("Youth forum"). NHS 5, Other 1 (the one small sector, K = 3), Youth forum 3:
    withheld with Other, so only NHS shows. A theme, and an action Other and the youth forum signed up to."""
    Inquiry.objects.filter(pk=inquiry.pk).update(sectors=["NHS", "Other"])
    people = {"NHS": 5, "Other": 1, "Youth forum": 3}
    made = [
        Participant.objects.create(inquiry=inquiry, display_name=f"{sector}-{i}", sector=sector)
        for sector, n in people.items()
        for i in range(n)
    ]
    first = inquiry.rounds_in_order()[0]
    theme = Theme.objects.create(inquiry=inquiry, name="Shared records", position=0)
    Card.objects.create(
        inquiry=inquiry, round=first, author=made[0], client_id=uuid.uuid4(), text="One record", theme=theme
    )
    step = NextStep.objects.create(
        inquiry=inquiry, round=first, author=made[0], client_id=uuid.uuid4(), what="Joint rota"
    )
    for person in made[5:7]:  # Other-0, Youth forum-0
        SignUp.objects.create(step=step, participant=person)
    return inquiry


def test_every_report_says_a_sector_of_k_is_withheld_with_the_small_one_as_the_sign_ups_do(
    unlisted_sector, alice
):
    """The lens, its footnote and the next steps say why the youth forum's figures are withheld, as the
    sign-ups' "counted together" does: not that only one sector has K or more people."""
    code = unlisted_sector.code
    page = page_of(alice.get(f"/i/{code}/export/report/"))
    lens = words(page.find_class("lens-empty")[0])
    assert lens.startswith("One sector has fewer than 3 participants, so its figures are withheld, and the "
                           "next smallest sector's with them"), lens  # fmt: skip
    assert "that leaves one sector to show" in lens
    (row,) = page.xpath("//table[@class='next-steps-table']/tbody/tr")
    assert (
        words(row.xpath("./td")[3])
        == "2 from smaller sectors (counted together: one has fewer than 3 people)"
    )
    assert "with the next smallest when only one sector is that small" in words(page)
    assert "the next smallest's are withheld too" in words(page)
    markdown = alice.get(f"/i/{code}/export/report.md").content.decode()
    assert "so its figures are withheld, and the next smallest sector's with them" in markdown
    assert "Only one sector has" not in markdown
    assert "the next smallest's are withheld too" in markdown


async def test_the_live_lens_says_a_sector_of_k_is_withheld_with_the_small_one(unlisted_sector, alice):
    screen = await Screen(unlisted_sector.code, alice).connect()
    try:
        await screen.until(lambda s: s.page.find_class("lens-empty"))
        lens = words(screen.page.find_class("lens-empty")[0])
        assert lens.startswith("One sector has fewer than 3 participants, so its figures are withheld, and "
                               "the next smallest sector's with them"), lens  # fmt: skip
    finally:
        await screen.close()
