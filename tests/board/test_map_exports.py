"""The systems map and next steps in the exports: Kumu JSON, GraphML and the CSV edge list read back
into the same graph, the picture is well-formed SVG, the whole-inquiry JSON carries the map, the
actions and their dots through an import (and into a follow-up session), the reports and the public
harvest show both, and no contact ever leaves in any of them."""

import csv
import io
import json
import uuid
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from board import actions as board_actions
from board.exports import import_inquiry, json_chunks
from board.models import Card, Contact, MapLink, MapNode, NextStep, SignUp
from board.nextsteps import actions as steps
from board.systemmap import actions as map_actions
from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, PARTICIPANT, Actor
from inquiry.models import Participant, Round

pytestmark = pytest.mark.django_db

CONTACT = "private-contact@example.org"


@pytest.fixture
def mapped(inquiry, users):
    """Four themes and one card on the map, two loops, a vote on where to act, two actions with sign-ups
    and a shared contact."""
    alice = Actor(FACILITATOR, inquiry.pk, user_id=users["alice"].pk)
    people = [inquiry_actions.join(inquiry, display_name=n, sector=s) for n, s in
              (("Carol", "NHS"), ("Dave", "Local authority"), ("Erin", "NHS"))]  # fmt: skip
    actors = [Actor(PARTICIPANT, inquiry.pk, participant_id=p.pk) for p in people]
    card, _ = board_actions.post_card(actors[0], uuid.uuid4(), '=Night shifts, "unsafe"')
    themes = {
        name: board_actions.add_theme(alice, name).pk
        for name in ("Workforce", "Waiting, lists", "Trust", "Data")
    }
    t = {name: ("theme", pk) for name, pk in themes.items()}
    map_actions.add_link(
        alice, t["Workforce"], t["Waiting, lists"], "influences", -1, "fewer staff, longer waits"
    )
    map_actions.add_link(alice, t["Waiting, lists"], t["Trust"], "influences", -1)
    map_actions.add_link(alice, t["Trust"], t["Workforce"], "enables")
    map_actions.add_link(alice, t["Data"], t["Trust"], "blocks", 1, "=cmd")
    map_actions.add_link(alice, t["Trust"], t["Data"], "influences", 1)
    map_actions.add_link(alice, ("card", card.pk), t["Workforce"], "influences", 1)
    inquiry_actions.set_round_kind(alice, inquiry.current_round_id, Round.NEXT_STEPS)
    first, _ = steps.propose(
        actors[0],
        uuid.uuid4(),
        {
            "what": "Joint rota",
            "with_whom": "HR",
            "by_when": "June",
            "theme": themes["Workforce"],
            "loop": "",
        },
    )
    second, _ = steps.propose(
        actors[1],
        uuid.uuid4(),
        {"what": "Shared dashboard", "with_whom": "", "by_when": "", "theme": None, "loop": ""},
    )
    steps.join(actors[1], first.pk)
    steps.join(actors[2], first.pk)
    steps.share_contact(actors[0], CONTACT, True, True)
    board_actions.open_vote(alice, None, "leverage", 3, 2, True)
    link = MapLink.objects.get(note="fewer staff, longer waits")
    board_actions.add_dot(actors[1], link_id=link.pk)
    board_actions.add_dot(actors[1], theme_id=themes["Trust"])
    board_actions.open_vote(alice, None, "actions", 2, 1, True)
    board_actions.add_dot(actors[2], step_id=second.pk)
    return {"themes": themes, "card": card, "people": people}


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_kumu_json_reads_back_as_the_map(mapped, inquiry, alice):
    document = json.loads(get(alice, f"/i/{inquiry.code}/export/map.kumu.json"))
    labels = {e["label"]: e["type"] for e in document["elements"]}
    assert labels == {"Workforce": "Theme", "Waiting, lists": "Theme", "Trust": "Theme", "Data": "Theme",
                      '=Night shifts, "unsafe"': "Contribution"}  # fmt: skip
    connections = {
        (c["from"], c["to"]): (c["type"], c["sign"], c["description"]) for c in document["connections"]
    }
    assert connections[("Workforce", "Waiting, lists")] == (
        "leads to / influences",
        "-",
        "fewer staff, longer waits",
    )
    assert connections[("Data", "Trust")] == ("blocks", "-", "=cmd")
    assert connections[("Trust", "Workforce")][0:2] == ("enables", "+")
    assert len(connections) == 6 and all(c["direction"] == "directed" for c in document["connections"])
    loops = {loop["label"]: loop["elements"] for loop in document["loops"]}
    assert loops == {"B1": ["Trust", "Data"], "R1": ["Workforce", "Waiting, lists", "Trust"]}


def test_graphml_and_the_edge_list_read_back_as_the_same_graph(mapped, inquiry, alice):
    graph = nx.read_graphml(io.BytesIO(get(alice, f"/i/{inquiry.code}/export/map.graphml")))
    names = nx.get_node_attributes(graph, "label")
    edges = {(names[a], names[b]): data for a, b, data in graph.edges(data=True)}
    rows = list(
        csv.DictReader(io.StringIO(get(alice, f"/i/{inquiry.code}/export/map-links.csv").decode("utf-8-sig")))
    )
    assert len(rows) == len(edges) == MapLink.objects.count() == 6
    for row in rows:
        source = row["from"].removeprefix("'") if row["from"].startswith("'=") else row["from"]
        edge = edges[(source, row["to"])]
        assert (edge["type"], int(edge["sign"]), edge["note"].removeprefix("")) == (
            row["type"],
            int(row["polarity"]),
            row["note"].removeprefix("'"),
        )
        assert edge["loops"] == row["loops"]
    assert {row["from"] for row in rows} >= {'\'=Night shifts, "unsafe"'}  # formula-safe in the CSV
    assert next(r for r in rows if r["type"] == "blocks")["note"] == "'=cmd"
    cycles = {tuple(sorted(names[n] for n in cycle)) for cycle in nx.simple_cycles(graph)}
    assert cycles == {("Data", "Trust"), ("Trust", "Waiting, lists", "Workforce")}


def test_the_map_picture_is_well_formed_svg(mapped, inquiry, alice, eve, anonymous):
    response = alice.get(f"/i/{inquiry.code}/export/map.svg")
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    titles = [el.text for el in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "Waiting, lists" in titles and titles[0].startswith(inquiry.title)
    links = [
        g for g in root.iter("{http://www.w3.org/2000/svg}g") if (g.get("id") or "").startswith("map-link-")
    ]
    assert len(links) == 6 and sum("l-blk" in g.get("class") for g in links) == 1
    assert eve.get(f"/i/{inquiry.code}/export/map.svg").status_code == 404
    assert anonymous.get(f"/i/{inquiry.code}/export/map.kumu.json").status_code == 302


def test_the_inquiry_json_carries_the_map_and_the_actions_through_an_import(mapped, inquiry, users):
    document = json.loads("".join(json_chunks(inquiry)))
    assert len(document["map"]["nodes"]) == 5 and len(document["map"]["links"]) == 6
    assert [s["what"] for s in document["next_steps"]] == ["Joint rota", "Shared dashboard"]
    assert len(document["signups"]) == 4
    assert sum(1 for d in document["dots"] if d.get("link")) == 1
    assert sum(1 for d in document["dots"] if d.get("step")) == 1
    copy = import_inquiry(users["alice"], document)
    again = json.loads("".join(json_chunks(copy)))
    document.pop("exported_at"), again.pop("exported_at")
    assert again == document
    assert MapNode.objects.filter(inquiry=copy).count() == 5
    # A follow-up session starts from the actions and the map (its themes), without the contributions.
    follow = import_inquiry(users["alice"], json.loads("".join(json_chunks(inquiry))), follow_up=True)
    assert follow.title.endswith("(follow-up)") and Card.objects.filter(inquiry=follow).count() == 0
    assert (
        MapLink.objects.filter(inquiry=follow).count() == 5
        and MapNode.objects.filter(inquiry=follow).count() == 4
    )
    assert sorted(NextStep.objects.filter(inquiry=follow).values_list("what", flat=True)) == [
        "Joint rota",
        "Shared dashboard",
    ]
    assert SignUp.objects.filter(step__inquiry=follow).count() == 4
    assert follow.current_round.kind == Round.NEXT_STEPS
    # Imported people cannot be reached: nobody's contact came along.
    assert Contact.objects.filter(participant__inquiry__in=[copy, follow]).count() == 0


def test_reports_and_the_harvest_show_the_map_and_the_actions_and_no_contact(
    mapped, inquiry, alice, anonymous
):
    report = get(alice, f"/i/{inquiry.code}/export/report/").decode()
    assert 'id="report-map"' in report and "Joint rota" in report and "Systems map" in report
    assert "R1" in report and "B1" in report
    markdown = get(alice, f"/i/{inquiry.code}/export/report.md").decode()
    assert "## Systems map" in markdown and "## What happens next" in markdown
    assert "**Joint rota** (with HR; by June; theme: Workforce): 3 signed up" in markdown
    steps_csv = get(alice, f"/i/{inquiry.code}/export/next-steps.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(steps_csv)))
    assert [(r["what"], r["signed_up"], r["dots"]) for r in rows] == [
        ("Joint rota", "3", "0"),
        ("Shared dashboard", "1", "1"),
    ]
    # K=3 and no sector here has three people: the sectors are counted together.
    assert rows[0]["by_sector"] == "smaller sectors (fewer than 3 people each): 3"
    alice.post(f"/i/{inquiry.code}/harvest/publish/")
    inquiry.refresh_from_db()
    public = anonymous.get(f"/h/{inquiry.harvest_token}/").content.decode()
    assert 'id="report-map"' in public and "Joint rota" in public and "Shared dashboard" in public
    everything = [report, markdown, steps_csv, public]
    for path in ("contributions.csv", "comments.csv", "inquiry.json", "map.kumu.json", "map.graphml",
                 "map-links.csv", "map.svg"):  # fmt: skip
        everything.append(
            get(alice, f"/i/{inquiry.code}/export/{path}?include=all").decode("utf-8", "replace")
        )
    assert all(CONTACT not in text for text in everything)
    assert Participant.objects.filter(contact__text=CONTACT).count() == 1
