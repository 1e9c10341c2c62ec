"""The systems map as each kind of screen sees it (participants and the presenter: themes and public
cards only; facilitators: every node), rendered from templates/board/map.html's partials."""

import math
from dataclasses import dataclass, field

from django.db.models import Count
from django.template.loader import render_to_string

from board import render as board_render
from board.models import Card, Vote
from inquiry.models import Round

from . import loops as loop_finder
from . import svg
from .layout import scale_for
from .models import MapLink, MapNode, MapState

SHOWN_LOOPS = 20


@dataclass
class MapView:
    nodes: list
    links: list
    loops: loop_finder.Loops
    state: MapState
    map_rounds: str = ""
    vote: object = None
    focus: object = None
    picture: str = ""
    themes: list = field(default_factory=list)
    scale: float = 1.0

    @property
    def empty(self):
        return not self.nodes

    @property
    def shown_loops(self):
        """The loops listed on the live screens: the shortest few (a screen shows about ten; the frame
        every screen receives stays small). The report lists every loop found."""
        shown = self.loops.loops[:SHOWN_LOOPS]
        if self.focus is not None and self.focus not in shown:
            shown.append(self.focus)
        return shown

    @property
    def legible_class(self):
        """The class that sets how wide a phone draws the picture (phone.css), so that its theme labels
        (svg.FONT times the scale, on a 1200-wide canvas) come out at 12 px or more: the scale in steps of
        0.05, rounded down. Fitted to a 390 px screen, they were 5-6 px."""
        return f"map-legible-{math.floor(self.scale * 20) * 5}"

    @property
    def more_loops(self):
        return len(self.loops) > SHOWN_LOOPS


def state_of(inquiry):
    return MapState.objects.filter(inquiry=inquiry).first() or MapState(inquiry=inquiry)


def graph(inquiry, kind):
    """The nodes and links this kind of screen sees, with labels, fills and the loops among them."""
    nodes = list(MapNode.objects.filter(inquiry=inquiry).select_related("theme", "card"))
    if kind == board_render.PARTICIPANT_KIND:
        nodes = [node for node in nodes if node.theme_id or node.card.public]
    by_pk = {node.pk: node for node in nodes}
    for node in nodes:
        node.fill = node.theme.colour_hex if node.theme_id else svg.CARD_FILL
    links = [
        link
        for link in MapLink.objects.filter(inquiry=inquiry).order_by("pk")
        if link.source_id in by_pk and link.target_id in by_pk
    ]
    for link in links:
        link.source_label, link.target_label = by_pk[link.source_id].label, by_pk[link.target_id].label
        link.source_ref, link.target_ref = by_pk[link.source_id].ref, by_pk[link.target_id].ref
    found = loop_finder.find([(link.pk, link.source_id, link.target_id, link.polarity) for link in links])
    for loop in found:
        loop.labels = [by_pk[pk].label for pk in loop.nodes]
    return nodes, links, found


def view(inquiry, kind, vote=None, title="Systems map", picture=True):
    nodes, links, found = graph(inquiry, kind)
    state = state_of(inquiry)
    focus = found.by_key().get(state.focus) if state.focus else None
    vote = vote if vote is not None else board_render.current_vote(inquiry)
    if vote is not None and vote.target == Vote.LEVERAGE:
        counts = dict(
            board_render.counted_dots(vote=vote, link__in=[link.pk for link in links])
            .values_list("link_id")
            .annotate(n=Count("pk"))
        )
        for link in links:
            link.dot_count, link.in_vote = counts.get(link.pk, 0), True
    rounds = list(Round.objects.filter(inquiry=inquiry, kind=Round.MAPPING).values_list("pk", flat=True))
    scale = scale_for([node.label for node in nodes])
    picture = (
        svg.draw(nodes, links, scale=scale, focus=focus, title=title, element_id="map-svg") if picture else ""
    )
    return MapView(
        nodes,
        links,
        found,
        state,
        " ".join(str(pk) for pk in rounds),
        vote,
        focus,
        picture,
        scale=scale,
    )


def state(inquiry, kind):
    """The map's part of a page's or snapshot's context."""
    return {"map": view(inquiry, kind)}


def partial(name, kind, context):
    return render_to_string(
        f"board/map.html#{name}", {**context, "facilitator": kind == board_render.FACILITATOR_KIND}
    )


def map_changed(inquiry):
    """The map re-drawn for every kind of screen (one out-of-band swap each). Facilitators see the same
    map as everyone unless a card on it is hidden from participants: then it is worked out twice."""
    vote = board_render.current_vote(inquiry)
    shown = view(inquiry, board_render.PARTICIPANT_KIND, vote)
    unshared = MapNode.objects.filter(inquiry=inquiry, card__isnull=False).exclude(
        card__status=Card.VISIBLE, card__silent=False
    )
    views = {
        board_render.PARTICIPANT_KIND: shown,
        board_render.FACILITATOR_KIND: view(inquiry, board_render.FACILITATOR_KIND, vote)
        if unshared.exists()
        else shown,
    }
    return board_render.for_each_kind(
        lambda kind: partial("map-view", kind, {"map": views[kind], "oob": True})
    )


def link_added(inquiry, link):
    """A link between two themes already placed: the link itself appended to every screen's picture
    and list, the links' count and the loops; not the whole map again (a 50-theme map's frame is ~100 KB,
    this is a few). None when the whole map must be re-drawn: a node is new (the layout moved others),
    the reverse link exists (both curve), a loop is picked out, or an end is a card not everyone sees."""
    state = state_of(inquiry)
    if state.focus or MapLink.objects.filter(source=link.target_id, target=link.source_id).exists():
        return None
    if any(end.card_id and not end.card.public for end in (link.source, link.target)):
        return None
    vote = board_render.current_vote(inquiry)
    views = {}
    for kind in board_render.KINDS:
        views[kind] = view(inquiry, kind, vote, picture=False)
        if (
            kind == board_render.PARTICIPANT_KIND
            and not MapNode.objects.filter(inquiry=inquiry, card__isnull=False)
            .exclude(card__status=Card.VISIBLE, card__silent=False)
            .exists()
        ):
            views[board_render.FACILITATOR_KIND] = views[kind]
            break

    def build(kind):
        shown = views[kind]
        drawn = next(item for item in shown.links if item.pk == link.pk)
        html = svg.one_link(shown.nodes, drawn, scale=scale_for([n.label for n in shown.nodes]))
        context = {"map": shown, "link": drawn, "count": len(shown.links), "oob": True}
        html += board_render.oob("map-links-ul", partial("map-link", kind, {**context, "oob": False}))
        return html + partial("link-count", kind, context) + partial("map-loops", kind, context)

    return board_render.for_each_kind(build)


def with_map(fragments, inquiry):
    """Add the re-drawn map to a change of something it shows (a theme renamed, a card hidden...)."""
    if not MapNode.objects.filter(inquiry=inquiry).exists():
        return fragments
    drawn = map_changed(inquiry)
    return {kind: html + drawn[kind] for kind, html in fragments.items()}


def link_votes(link, kind, vote):
    """A link's dot count after a leverage vote's dots changed."""
    link.dot_count = board_render.counted_dots(vote=vote, link=link).count()
    link.in_vote = True
    return partial("link-votes", kind, {"link": link, "vote": vote, "oob": True})
