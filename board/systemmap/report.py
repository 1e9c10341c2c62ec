"""The systems map in the printable report, the Markdown report and the public harvest: the picture
(the same SVG as every screen), the loops by name (R1, B1...), the links, and where the room said to act."""

from dataclasses import dataclass

from django.db.models import Count

from board.models import Dot

from .exports import loop_names
from .layout import scale_for
from .render import graph
from .svg import draw


@dataclass
class MapReport:
    picture: str
    nodes: list
    links: list
    loops: list  # [(name, loop)]
    complete: bool
    leverage: list  # [(label, dots)], most dots first

    @property
    def empty(self):
        return not self.nodes


def build(inquiry):
    nodes, links, found = graph(inquiry, "participant")
    picture = draw(
        nodes, links, scale=scale_for([n.label for n in nodes]), title="Systems map", element_id="report-map"
    )
    dots = dict(
        Dot.objects.filter(link__in=links, participant__removed=False)
        .values_list("link_id")
        .annotate(n=Count("pk"))
    )
    theme_dots = dict(
        Dot.objects.filter(vote__target="leverage", theme__isnull=False, participant__removed=False)
        .filter(vote__inquiry=inquiry)
        .values_list("theme__name")
        .annotate(n=Count("pk"))
    )
    leverage = [
        (f"{link.source_label} → {link.target_label}", dots[link.pk]) for link in links if dots.get(link.pk)
    ]
    leverage += [(name, n) for name, n in theme_dots.items()]
    leverage.sort(key=lambda item: (-item[1], item[0]))
    return MapReport(picture, nodes, links, loop_names(found), found.complete, leverage[:10])


def markdown(report, md):
    """The map's part of the Markdown report (``md`` escapes user text)."""
    if report.empty:
        return []
    lines = ["## Systems map", ""]
    lines += [
        f"- {md(link.source_label)} **{link.verb}** {md(link.target_label)}"
        + (f": {md(link.note)}" if link.note else "")
        for link in report.links
    ]
    lines += ["", "### Feedback loops", ""]
    lines += [
        f"- {name} ({loop.kind}): {' → '.join(md(label) for label in loop.labels + loop.labels[:1])}"
        for name, loop in report.loops
    ] or ["None."]
    if report.leverage:
        lines += ["", "### Where to act (dots)", ""]
        lines += [f"- {md(label)}: {n}" for label, n in report.leverage]
    return lines + [""]
