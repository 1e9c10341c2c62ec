"""The map as one SVG picture, drawn on the server: the same markup on the facilitator's board, the
presenter view, the phones, the printable report, the public harvest and the image export.

Every piece of user text (theme names, card texts, notes) goes through ``escape``; the rest is our own
markup, so the result may be marked safe."""

import base64
import hashlib
import math

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .layout import HEIGHT, LINE, PAD_Y, WIDTH, box, lines_of

# Stroke colours: each has at least 4.5:1 contrast on white (WCAG 1.4.11 asks 3:1 for graphics).
POSITIVE = "#1c4e80"
NEGATIVE = "#a61b1b"
ENABLES = "#1b6e3a"
CARD_FILL = "#ffffff"
FONT = 17
# The links' look, by class (the same in a page and in a standalone picture): colour, dashes, arrow heads.
STYLE = (
    ".map-link path{fill:none;stroke-width:2}.map-link.in-focus path{stroke-width:4}"
    ".map-link rect{fill:#fff}.map-link text{font-size:15px;font-weight:700;text-anchor:middle}"
    f".l-pos path,.l-pos rect{{stroke:{POSITIVE}}}.l-pos text{{fill:{POSITIVE}}}"
    ".l-pos path{marker-end:url(#arrow-pos)}"
    f".l-neg path,.l-neg rect{{stroke:{NEGATIVE}}}.l-neg text{{fill:{NEGATIVE}}}"
    ".l-neg path{stroke-dasharray:7 4;marker-end:url(#arrow-neg)}"
    f".l-ena path,.l-ena rect{{stroke:{ENABLES}}}.l-ena text{{fill:{ENABLES}}}"
    ".l-ena path{marker-end:url(#arrow-ena)}"
    f".l-blk path,.l-blk rect{{stroke:{NEGATIVE}}}.l-blk text{{fill:{NEGATIVE}}}"
    ".l-blk path{stroke-dasharray:7 4;marker-end:url(#arrow-blk)}"
    ".map-node text{text-anchor:middle;fill:#1a1a1a}"
)


def style_source():
    """The map's own stylesheet (inline in every map picture, so an exported one reads the same) as a
    Content-Security-Policy source: its SHA-256 hash. No user text is in it."""
    digest = hashlib.sha256(STYLE.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _edge_point(cx, cy, w, h, tx, ty):
    """Where the line from a box's centre towards (tx, ty) leaves the box."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min((w / 2) / abs(dx) if dx else math.inf, (h / 2) / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def _label(link):
    if link.kind == "influences":
        return "+" if link.polarity > 0 else "−"
    return link.kind


def link_markup(link, where, size, pairs, focus=None):
    """One link: a curve from box edge to box edge (bent when the reverse link exists too), its arrow
    head and its label (+, −, enables, blocks). ``where``, ``size``: {node id: centre, box}."""
    (sx, sy), (tx, ty) = where[link.source_id], where[link.target_id]
    bend = 28.0 if (link.target_id, link.source_id) in pairs else 0.0  # a pair's two links curve apart
    mx, my = (sx + tx) / 2, (sy + ty) / 2
    length = math.hypot(tx - sx, ty - sy) or 1.0
    cx, cy = mx - (ty - sy) / length * bend, my + (tx - sx) / length * bend
    x1, y1 = _edge_point(sx, sy, *size[link.source_id], cx, cy)
    x2, y2 = _edge_point(tx, ty, *size[link.target_id], cx, cy)
    kind = {"enables": "ena", "blocks": "blk"}.get(link.kind, "pos" if link.polarity > 0 else "neg")
    in_focus = focus is not None and link.pk in focus.links
    classes = f"map-link l-{kind}" + (" in-focus" if in_focus else " faded" if focus else "")
    lx, ly = (x1 + 2 * cx + x2) / 4, (y1 + 2 * cy + y2) / 4  # the curve's midpoint
    label = _label(link)
    label_w = 18 if len(label) == 1 else len(label) * 8.4 + 10
    # No <title> per link: the picture is one image to assistive technology, described by its title,
    # the loops and the list of links beside it; per-link text would only weigh the frame.
    return (
        f'<g class="{classes}" id="map-link-{link.pk}" data-link="{link.pk}" '
        # Its ends and bend: the shared screen draws it again when it fits the map to its height (map.js).
        f'data-ends="{link.source_id} {link.target_id} {bend:.0f}">'
        f'<path d="M{x1:.0f},{y1:.0f}Q{cx:.0f},{cy:.0f} {x2:.0f},{y2:.0f}"/>'
        f'<rect x="{lx - label_w / 2:.0f}" y="{ly - 11:.0f}" width="{label_w:.0f}" height="22" rx="11"/>'
        f'<text x="{lx:.0f}" y="{ly + 5:.0f}">{escape(label)}</text></g>'
    )


def one_link(nodes, link, *, scale=1.0, element_id="map-svg"):
    """A link added to a map already drawn, for appending into its links group: wrapped in an <svg> so
    that a page parses it as SVG, not HTML."""
    size = {node.pk: box(node.label, scale) for node in nodes}
    where = {node.pk: (node.x, node.y) for node in nodes}
    markup = link_markup(link, where, size, set())
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" hx-swap-oob="beforeend:#{escape(element_id)}-links">'
        f"{markup}</svg>"
    )


def draw(nodes, links, *, scale=1.0, focus=None, title="Systems map", element_id=None):
    """``nodes``: MapNodes with ``label`` and ``fill``; ``links``: MapLinks between them; ``focus``: a Loop
    to pick out (its links drawn thick, the rest faded)."""
    size = {node.pk: box(node.label, scale) for node in nodes}
    where = {node.pk: (node.x, node.y) for node in nodes}
    pairs = {(link.source_id, link.target_id) for link in links}
    focus_nodes = set(focus.nodes) if focus else set()
    font = round(FONT * scale, 1)
    ident = f' id="{escape(element_id)}"' if element_id else ""
    out = [
        f'<svg{ident} class="map-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{escape(element_id or "map")}-title" '
        'font-family="system-ui, sans-serif" '
        f'font-size="{font}" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(element_id or "map")}-title">{escape(title)}: the themes and how they act on '
        f"one another{' (a loop picked out)' if focus else ''}</title>",
        "<defs>",
    ]
    for name, colour in (("pos", POSITIVE), ("neg", NEGATIVE), ("ena", ENABLES)):
        out.append(
            f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    out.append(
        f'<marker id="arrow-blk" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto"><path d="M9,0 L9,10" stroke="{NEGATIVE}" stroke-width="3"/></marker>'
    )
    out.append(f"</defs><style>{STYLE}</style>")
    out.append(f'<g class="map-links" id="{escape(element_id or "map")}-links">')
    for link in links:
        if link.source_id in where and link.target_id in where:
            out.append(link_markup(link, where, size, pairs, focus))
    out.append("</g>")
    out.append('<g class="map-nodes">')
    for node in nodes:
        w, h = size[node.pk]
        x, y = node.x - w / 2, node.y - h / 2
        classes = "map-node" + (" pinned" if node.pinned else "")
        if focus:
            classes += " in-focus" if node.pk in focus_nodes else " faded"
        lines = lines_of(node.label)
        dashed = "" if node.theme_id else ' stroke-dasharray="4 3"'
        stroke = "#1a1a1a" if node.pk in focus_nodes else "#5c5c5c"
        out.append(
            f'<g class="{classes}" id="map-node-{node.pk}" data-node="{node.pk}" data-ref="{node.ref}" '
            f'transform="translate({x:.1f},{y:.1f})">'
            f"<title>{escape(node.label)}</title>"
            f'<rect width="{w:.1f}" height="{h:.1f}" rx="{8 * scale:.1f}" fill="{escape(node.fill)}" '
            f'stroke="{stroke}" stroke-width="{2.5 if node.pk in focus_nodes else 1.2}"'
            f"{dashed}/>"
        )
        for row, line in enumerate(lines):
            ty = (PAD_Y + LINE * row + LINE * 0.78) * scale
            out.append(f'<text x="{w / 2:.0f}" y="{ty:.0f}">{escape(line)}</text>')
        out.append("</g>")
    out.append("</g></svg>")
    return mark_safe("".join(out))
