"""Every change to the systems map: check, do (in the inquiry's transaction, with its sequence number),
notify (one event, the map re-drawn per kind of screen), like every other change (board/actions.py)."""

from django.db.models import Q

from board.changes import changing, publish
from board.models import Card, Theme
from inquiry import audit, limits
from inquiry.access import (
    FACILITATOR,
    Refused,
    open_round_of_kind,
    require_facilitator,
    require_participant,
)
from inquiry.models import Round
from sessions import events

from . import layout
from . import render as map_render
from .models import HEIGHT, WIDTH, MapLink, MapNode, MapState


def _may_link(actor, inquiry):
    """Facilitators may always link; participants in the current round when it is a mapping round and
    open. Returns the participant, or None for a facilitator."""
    if actor.role == FACILITATOR:
        require_facilitator(actor, inquiry)
        return None
    participant = require_participant(actor, inquiry)
    open_round_of_kind(
        inquiry, Round.MAPPING, "Participants link themes only in a round set up for the systems map."
    )
    return participant


def _node(inquiry, ref):
    """The map node for ("theme" | "card", id), made if the item is not on the map yet: (node, new)."""
    kind, pk = ref
    if kind == "theme":
        item = Theme.objects.filter(pk=pk, inquiry=inquiry).first()
    else:
        item = Card.objects.filter(pk=pk, inquiry=inquiry).first()
        if item is not None and not item.public:
            item = None
    if item is None:
        raise Refused("not_found", f"There is no such {kind} to put on the map.")
    node = MapNode.objects.filter(**{kind: item}).first()
    if node is not None:
        return node, False
    return MapNode.objects.create(inquiry=inquiry, **{kind: item}), True


def relayout(inquiry, new=(), tidy=False):
    """Place the nodes new to the map (or, tidying, every unpinned one) and store where they went."""
    nodes = list(MapNode.objects.filter(inquiry=inquiry).select_related("theme", "card"))
    scale = layout.scale_for([node.label for node in nodes])
    edges = MapLink.objects.filter(inquiry=inquiry).values_list("source_id", "target_id")
    placed = layout.place(
        [
            (
                node.pk,
                layout.box(node.label, scale),
                None if node.pk in new else (node.x, node.y),
                node.pinned,
            )
            for node in nodes
        ],
        list(edges),
        tidy=tidy,
    )
    for node in nodes:
        node.x, node.y = placed[node.pk]
    MapNode.objects.bulk_update(nodes, ["x", "y"])


def _changed(inquiry, op, data):
    publish(inquiry, "map" if op in ("move", "tidy", "show", "focus") else "link", op, data, _drawn(inquiry))


def _drawn(inquiry):
    return map_render.map_changed(inquiry)


def _link(inquiry, link_id, participant):
    link = MapLink.objects.select_related("source__theme", "source__card", "target__theme", "target__card")
    link = link.filter(pk=link_id, inquiry=inquiry).first()
    if link is None:
        raise Refused("not_found", "There is no such link on the map.")
    if participant is not None and link.participant_id != participant.pk:
        raise Refused("forbidden", "You can only change the links you drew.")
    return link


def _describe(link):
    note = f" ({link.note})" if link.note else ""
    return f"{link.source.label[:60]} {link.verb} {link.target.label[:60]}{note}"


def add_link(actor, source, target, kind, sign=1, note=""):
    """Link two themes or cards (``source``, ``target``: ("theme" | "card", id)) with a directed, typed
    link."""
    with changing(actor.inquiry_id) as inquiry:
        participant = _may_link(actor, inquiry)
        if source == target:
            raise Refused("invalid_field", "A link joins two different themes or contributions.")
        from_node, from_new = _node(inquiry, source)
        to_node, to_new = _node(inquiry, target)
        existing = MapLink.objects.filter(source=from_node, target=to_node).first()
        if existing is not None:
            raise Refused(
                "invalid_state",
                f"There is already a link from “{from_node.label[:60]}” to “{to_node.label[:60]}” "
                f"({existing.verb}): two themes have one link each way. Change that link (its Change button "
                "in the list of links) or remove it first.",
            )
        if participant is not None:
            # A participant's link is redrawn on every screen (and may lay the map out afresh): it counts
            # against the allowance their posts do, so a flood of links cannot swamp the room.
            limits.take_post(participant.pk)
        link = MapLink.objects.create(
            inquiry=inquiry,
            source=from_node,
            target=to_node,
            kind=kind,
            sign=sign if kind == MapLink.INFLUENCES else 1,
            note=note,
            participant=participant,
        )
        new = {node.pk for node, is_new in ((from_node, from_new), (to_node, to_new)) if is_new}
        if new:
            relayout(inquiry, new)
        audit.record(inquiry.pk, actor, "link.add", _describe(link))
        added = None if new else map_render.link_added(inquiry, link)
        publish(inquiry, "link", "add", {"link": link.pk}, added or _drawn(inquiry))
        return link


def edit_link(actor, link_id, kind, sign=1, note=""):
    with changing(actor.inquiry_id) as inquiry:
        link = _link(inquiry, link_id, _may_link(actor, inquiry))
        link.kind, link.sign, link.note = kind, sign if kind == MapLink.INFLUENCES else 1, note
        link.save(update_fields=["kind", "sign", "note"])
        audit.record(inquiry.pk, actor, "link.edit", _describe(link))
        _changed(inquiry, "edit", {"link": link.pk})
        return link


def delete_link(actor, link_id):
    """Remove a link; a theme left with no link leaves the map."""
    with changing(actor.inquiry_id) as inquiry:
        link = _link(inquiry, link_id, _may_link(actor, inquiry))
        ends = [link.source_id, link.target_id]
        audit.record(inquiry.pk, actor, "link.delete", _describe(link))
        link.delete()
        _drop_orphans(inquiry, ends)
        _changed(inquiry, "delete", {"link": link_id})


def _drop_orphans(inquiry, node_ids):
    linked = Q(links_out__isnull=False) | Q(links_in__isnull=False)
    MapNode.objects.filter(inquiry=inquiry, pk__in=node_ids).exclude(linked).delete()


def move_node(actor, node_id, x, y):
    """A facilitator dragged a node: it stays there (pinned) until the map is tidied."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        node = MapNode.objects.filter(pk=node_id, inquiry=inquiry).first()
        if node is None:
            raise Refused("not_found", "There is no such theme on the map.")
        node.x, node.y, node.pinned = min(max(x, 0.0), WIDTH), min(max(y, 0.0), HEIGHT), True
        node.save(update_fields=["x", "y", "pinned"])
        _changed(inquiry, "move", {"node": node.pk, "x": node.x, "y": node.y})
        return node


def tidy(actor):
    """Lay the whole map out afresh; dragged nodes are let go."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        MapNode.objects.filter(inquiry=inquiry).update(pinned=False)
        relayout(inquiry, tidy=True)
        audit.record(inquiry.pk, actor, "map.tidy")
        _changed(inquiry, "tidy", {})


def _state(inquiry):
    return MapState.objects.get_or_create(inquiry=inquiry)[0]


def show(actor, on):
    """Put the map on the shared screen (the presenter view), or take it off."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        state = _state(inquiry)
        state.on_screen = on
        state.save(update_fields=["on_screen"])
        audit.record(inquiry.pk, actor, "map.show", "on" if on else "off")
        _changed(inquiry, "show", {"on": on})


def focus(actor, key):
    """Pick out one feedback loop on every screen's map ("" lets it go)."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        if key:
            _nodes, _links, found = map_render.graph(inquiry, "participant")
            if key not in found.by_key():
                raise Refused("not_found", "There is no such loop on the map.")
        state = _state(inquiry)
        state.focus = key
        state.save(update_fields=["focus"])
        audit.record(inquiry.pk, actor, "map.focus", key or "cleared")
        _changed(inquiry, "focus", {"loop": key})


def erase_links(inquiry, participant):
    """A participant erases what they added: the links they drew go (and themes left with no link
    leave the map). Inside the caller's change; returns the fragments that re-draw the map, if any."""
    links = list(MapLink.objects.filter(inquiry=inquiry, participant=participant))
    if not links:
        return {}
    ends = {pk for link in links for pk in (link.source_id, link.target_id)}
    # What they wrote (the notes) is erased from the stored changes too, as for an erased card.
    events.redact(inquiry.pk, [f'data-link="{link.pk}"' for link in links])
    MapLink.objects.filter(pk__in=[link.pk for link in links]).delete()
    _drop_orphans(inquiry, ends)
    return _drawn(inquiry)


def theme_merging(inquiry, theme, into):
    """Before ``theme`` is merged into ``into``: its links move to ``into`` (a link that would join
    ``into`` to itself, or repeat one it has, goes)."""
    node = MapNode.objects.filter(theme=theme).first()
    if node is None:
        return
    target = MapNode.objects.filter(theme=into).first()
    if target is None:
        node.theme = into
        node.save(update_fields=["theme"])
        return
    for link in MapLink.objects.filter(Q(source=node) | Q(target=node)):
        source = target if link.source_id == node.pk else link.source
        dest = target if link.target_id == node.pk else link.target
        if source.pk == dest.pk or MapLink.objects.filter(source=source, target=dest).exists():
            link.delete()
        else:
            link.source, link.target = source, dest
            link.save(update_fields=["source", "target"])


def vote_item(inquiry, vote, theme_id, link_id):
    """What a dot in a leverage vote is on: a theme, or a link of the map."""
    if (theme_id is None) == (link_id is None):
        raise Refused("invalid_field", "A dot on the map goes on one theme or one link.")
    if theme_id is not None:
        theme = Theme.objects.filter(pk=theme_id, inquiry=inquiry).first()
        if theme is None:
            raise Refused("not_found", "That is not one of the themes in this vote.")
        return {"theme": theme}
    link = MapLink.objects.filter(pk=link_id, inquiry=inquiry).select_related("source__card", "target__card")
    link = link.first()
    if link is None or any(end.card_id and not end.card.public for end in (link.source, link.target)):
        raise Refused("not_found", "That is not one of the links in this vote.")
    return {"link": link}


# Messages from a client (sessions/protocol.py) and what each calls.
HANDLERS = {
    ("link", "add"): lambda actor, m: add_link(
        actor, m["source"], m["target"], m["kind"], m["sign"] or 1, m["note"] or ""
    ),
    ("link", "edit"): lambda actor, m: edit_link(
        actor, m["link"], m["kind"], m["sign"] or 1, m["note"] or ""
    ),
    ("link", "delete"): lambda actor, m: delete_link(actor, m["link"]),
    ("map", "move"): lambda actor, m: move_node(actor, m["node"], m["x"], m["y"]),
    ("map", "tidy"): lambda actor, m: tidy(actor),
    ("map", "show"): lambda actor, m: show(actor, m["on"]),
    ("map", "focus"): lambda actor, m: focus(actor, m["loop"] or ""),
}
