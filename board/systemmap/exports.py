"""The systems map as files (docs/exports.md): Kumu JSON (elements and connections), GraphML, a CSV edge
list and the picture (SVG). Every export shows what every participant could see: themes and visible,
revealed cards; links between them; the loops among them."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import networkx as nx

from board.exports import spreadsheet_safe

from . import render as map_render
from .layout import scale_for
from .svg import draw

CSV_COLUMNS = ["link", "from", "from_type", "to", "to_type", "type", "sign", "polarity", "note", "loops"]


def _graph(inquiry):
    return map_render.graph(inquiry, "participant")


def _unique_labels(nodes):
    """Kumu names elements by label: two with the same label get " (2)", " (3)"..."""
    seen, labels = {}, {}
    for node in nodes:
        label = " ".join(node.label.split())
        seen[label] = seen.get(label, 0) + 1
        labels[node.pk] = label if seen[label] == 1 else f"{label} ({seen[label]})"
    return labels


def _loops_through(found):
    """{link id: ["R1", "B2", ...]}: the loops each link is part of, named as the report lists them."""
    through = {}
    for name, loop in loop_names(found):
        for link_id in loop.links:
            through.setdefault(link_id, []).append(name)
    return through


def loop_names(found):
    """[(name, loop)]: R1, R2... for reinforcing loops and B1, B2... for balancing ones, in list order."""
    counts, named = {"R": 0, "B": 0}, []
    for loop in found:
        counts[loop.letter] += 1
        named.append((f"{loop.letter}{counts[loop.letter]}", loop))
    return named


def kumu(inquiry):
    nodes, links, found = _graph(inquiry)
    labels = _unique_labels(nodes)
    through = _loops_through(found)
    elements = [
        {
            "label": labels[node.pk],
            "type": "Theme" if node.theme_id else "Contribution",
            "description": node.card.text if node.card_id else "",
            "tags": ["linewalk"],
            "x": node.x,
            "y": node.y,
        }
        for node in nodes
    ]
    connections = [
        {
            "from": labels[link.source_id],
            "to": labels[link.target_id],
            "type": link.get_kind_display(),
            "direction": "directed",
            "sign": "+" if link.polarity > 0 else "-",
            "label": "+" if link.polarity > 0 else "-",
            "description": link.note,
            "tags": through.get(link.pk, []),
        }
        for link in links
    ]
    loops = [
        {"label": name, "type": loop.kind, "elements": [labels[pk] for pk in loop.nodes]}
        for name, loop in loop_names(found)
    ]
    document = {"elements": elements, "connections": connections, "loops": loops}
    return json.dumps(document, ensure_ascii=False, indent=1)


def graphml(inquiry):
    nodes, links, found = _graph(inquiry)
    through = _loops_through(found)
    graph = nx.DiGraph(name=inquiry.title)
    for node in nodes:
        graph.add_node(
            node.ref,
            label=node.label,
            type="theme" if node.theme_id else "contribution",
            x=float(node.x),
            y=float(node.y),
        )
    for link in links:
        graph.add_edge(
            next(n.ref for n in nodes if n.pk == link.source_id),
            next(n.ref for n in nodes if n.pk == link.target_id),
            id=f"link-{link.pk}",
            type=link.kind,
            sign=link.polarity,
            note=link.note,
            loops=" ".join(through.get(link.pk, [])),
        )
    out = io.BytesIO()
    nx.write_graphml(graph, out, encoding="utf-8", prettyprint=True)
    return out.getvalue()


def links_csv(inquiry):
    nodes, links, found = _graph(inquiry)
    by_pk = {node.pk: node for node in nodes}
    through = _loops_through(found)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for link in links:
        source, target = by_pk[link.source_id], by_pk[link.target_id]
        writer.writerow(
            [
                link.pk,
                spreadsheet_safe(source.label),
                "theme" if source.theme_id else "contribution",
                spreadsheet_safe(target.label),
                "theme" if target.theme_id else "contribution",
                link.kind,
                "+" if link.polarity > 0 else "-",
                link.polarity,
                spreadsheet_safe(link.note),
                " ".join(through.get(link.pk, [])),
            ]
        )
    return out.getvalue()


def picture(inquiry, title=None):
    """The map as a standalone SVG document (the same drawing as every screen, the focus left out)."""
    nodes, links, _found = _graph(inquiry)
    svg = draw(nodes, links, scale=scale_for([n.label for n in nodes]), title=title or inquiry.title)
    ET.fromstring(str(svg))  # never hand out a picture that is not well-formed XML
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + str(svg)
