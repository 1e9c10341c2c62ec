"""Undo: each board-arranging change records, inside its own transaction, what undoing it needs (``record``
and the ``*_step`` helpers the actions call); ``undo`` reverses one, the facilitator's own only, and
leaves alone whatever someone changed since (a card moved, hidden or deleted meanwhile stays where it is,
and the status says so). Check, do, notify like every other change: one transaction under the inquiry's
lock, one event (what changed, drawn again) on commit. The steps live in the database, so any server process
can undo what another recorded (docs/undo.md)."""

from types import SimpleNamespace

from django.db.models import Max
from django.utils.html import format_html

from inquiry import audit
from inquiry.access import Refused, require_facilitator

from .. import render
from ..changes import changing, column, publish, tell_authors
from ..models import THEME_NAME_LIMIT, Card, Dot, Reaction, Theme
from ..systemmap import render as map_render
from ..systemmap.models import MapLink
from ..text import name_key
from .models import UndoStep

# How many of their own changes a facilitator can undo, newest first, per inquiry.
DEPTH = 20
UNSORTED = "Not yet in a theme"
# Keys of a step's data that hold theme ids (rewritten when an undo brings a theme back under a new id).
THEME_KEYS = ("from", "to", "into", "theme", "themes")


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _quoted(theme):
    return f"“{theme.name}”" if theme is not None else UNSORTED


# Recording ------------------------------------------------------------------------------------------------


def record(inquiry, actor, kind, label, data):
    """Keep one change of ``actor`` (a facilitator) to undo later; inside the change's transaction.
    Returns what the action hands back to the consumer as its reply: the status with an Undo button."""
    step = UndoStep.objects.create(inquiry=inquiry, user_id=actor.user_id, kind=kind, label=label, data=data)
    old = UndoStep.objects.filter(inquiry=inquiry, user_id=actor.user_id).values_list("pk", flat=True)[DEPTH:]
    UndoStep.objects.filter(pk__in=list(old)).delete()
    return status_frame(f"{label}.", step)


def card_entries(cards, before):
    """[card id, theme it was in, its place there, theme it is in now, whether it was hidden] for each
    moved card; ``before``: card id -> (theme id, position) as they were."""
    return [[card.pk, *before[card.pk], card.theme_id, card.status == Card.HIDDEN] for card in cards]


def places(cards):
    return {card.pk: (card.theme_id, card.position) for card in cards}


def moved_step(inquiry, actor, cards, before, target):
    """Cards moved (card.move, card.move_many) into ``target`` (None: unsorted). A move that left every
    card where it was (dropped back in its place) is nothing to undo: None."""
    if all(before[card.pk] == (card.theme_id, card.position) for card in cards):
        return None
    entries = card_entries(cards, before)
    what = "a card" if len(cards) == 1 else f"{len(cards)} cards"
    where = f"to {_quoted(target)}" if target is not None else f"back to {UNSORTED}"
    return record(inquiry, actor, "move", f"Moved {what} {where}", {"cards": entries})


def theme_fields(theme, position):
    return {"id": theme.pk, "name": theme.name, "colour": theme.colour, "position": position}


def theme_index(inquiry, theme):
    """Where a theme stands in the order of the inquiry's themes (0 first)."""
    ids = list(Theme.objects.filter(inquiry=inquiry).order_by("position", "pk").values_list("pk", flat=True))
    return ids.index(theme.pk)


def lost_with(theme):
    """What deleting a theme takes with it that undo does not bring back: its links on the systems map and
    the dots on it (docs/undo.md)."""
    nodes = list(theme.map_nodes.values_list("pk", flat=True))
    links = (
        MapLink.objects.filter(source_id__in=nodes).count()
        + MapLink.objects.filter(target_id__in=nodes).count()
    )
    return {"links": links, "dots": Dot.objects.filter(theme=theme).count()}


# Undoing ---------------------------------------------------------------------------------------------------


def undo(actor, change_id=None):
    """Undo the facilitator's last change on the board (or ``change_id``, one of theirs). Returns the reply
    for their screen: what was undone, what stayed and why, and an Undo button for the change before."""
    with changing(actor.inquiry_id) as inquiry:
        require_facilitator(actor, inquiry)
        mine = UndoStep.objects.filter(inquiry=inquiry, user_id=actor.user_id)
        if change_id is None:
            step = mine.first()
            if step is None:
                raise Refused("nothing_to_undo", "Nothing of yours to undo on this board.")
        else:
            step = UndoStep.objects.filter(pk=change_id, inquiry=inquiry).first()
            if step is None:
                raise Refused("not_found", "That change was undone already, or is too old to undo.")
            if step.user_id != actor.user_id:
                raise Refused("forbidden", "Only the facilitator who made that change can undo it.")
        drawn = Drawn()
        said = UNDO[step.kind](inquiry, step.data, drawn)
        step.delete()
        publish(inquiry, "board", "undo", {"kind": step.kind}, drawn.fragments(inquiry))
        columns = {card.theme_id for card in drawn.cards}
        tell_authors(inquiry, columns - {None}, unsorted=None in columns)
        audit.record(inquiry.pk, actor, "board.undo", f"{step.label}: {said}")
        return SimpleNamespace(ws_reply=status_frame(said, mine.first(), after=True))


class Drawn:
    """What an undo changed, for its frame: only that is drawn again (a move undone on a board of 1,000
    cards re-draws the cards that went back and the counts of their columns, not the board)."""

    def __init__(self):
        self.cards = []  # cards put back, in their new places
        self.columns = set()  # columns whose counts changed: theme ids, None for unsorted
        self.added = None  # a theme brought back
        self.removed = []  # ids of themes that went
        self.themes = []  # themes drawn again whole (renamed, recoloured)
        self.order = False  # the order of the themes changed
        self.support = False  # support moved between themes: the sector lens changes

    def fragments(self, inquiry):
        context = render.base_context(inquiry)
        render.count_votes(context.get("vote"), self.cards)
        siblings = {theme_id: column(inquiry, theme_id) for theme_id in {c.theme_id for c in self.cards}}
        # In each column the last card first, so each lands before a neighbour already in place.
        where = {card.pk: index for cards in siblings.values() for index, card in enumerate(cards)}
        ordered = sorted(self.cards, key=lambda card: -where[card.pk])
        counted = list(Theme.objects.filter(inquiry=inquiry, pk__in=self.columns - {None}))
        after = self._next_theme(inquiry)

        def build(kind):
            html = self._theme_added(kind, context, after)
            html += "".join(
                render.card_placed(card, kind, context, siblings[card.theme_id])
                for card in ordered
                if render.on_board(card, kind)
            )
            html += "".join(render.delete(f"theme-{pk}") for pk in self.removed)
            html += "".join(
                render.partial(
                    "theme", kind, {**context, "theme": render.with_cards(theme, kind), "oob": True}
                )
                for theme in self.themes
            )
            html += "".join(render.theme_count(theme, kind) for theme in counted)
            return html + (render.unsorted_count(inquiry, kind) if None in self.columns else "")

        fragments = render.for_each_kind(build)
        if self.order:
            fragments = _joined(fragments, render.themes_replaced(inquiry))
        if self.added or self.removed or self.themes:
            fragments = map_render.with_map(fragments, inquiry)  # the map shows themes' names and colours
        if self.added or self.removed or self.order or self.support:
            fragments = render.with_lens(fragments, inquiry)
        return fragments

    def _next_theme(self, inquiry):
        if self.added is None:
            return None
        later = Theme.objects.filter(inquiry=inquiry, position__gt=self.added.position)
        return later.order_by("position", "pk").first()

    def _theme_added(self, kind, context, after):
        """The theme brought back, empty, at its place among the others (its cards follow it in)."""
        if self.added is None:
            return ""
        theme = self.added
        theme.card_list, theme.counts = [], render.column_counts([])
        html = render.partial("theme", kind, {**context, "theme": theme})
        return render.oob(after.dom_id, html, swap="beforebegin") if after else render.oob("themes", html)


def _joined(fragments, more):
    return {kind: html + more[kind] for kind, html in fragments.items()}


def status_frame(text, step, after=False):
    """The facilitator's status line: ``text``, and a button that undoes ``step`` (none when None). The line
    is announced (the status region is role=status) and stays until they act again (static/linewalk/
    status.js); its button is reachable by Tab, and Ctrl+Z / Cmd+Z does the same (undo.js)."""
    button = ""
    if step is not None:
        label = f"Undo “{step.label}”" if after else "Undo"
        button = format_html(
            ' <button type="button" class="small" data-undo="{}">{}</button>', step.pk, label
        )
    return format_html(
        '<div id="lw-status" hx-swap-oob="innerHTML"><p class="undo">{}{}</p></div>',
        text,
        button,
    )


def _move_back(inquiry, entries, drawn):
    """Put each card of ``entries`` back where it was, unless it is no longer where this change put it
    (moved, hidden or deleted since, or the theme it came from is gone). Returns how many went back and
    how many stayed, by why; ``drawn`` notes the cards and columns for the frame."""
    cards = Card.objects.select_related("author", "round").filter(
        inquiry=inquiry, pk__in=[entry[0] for entry in entries]
    )
    found = {card.pk: card for card in cards}
    themes = set(Theme.objects.filter(inquiry=inquiry).values_list("pk", flat=True))
    back, counts = {}, {"back": 0, "since": 0, "gone": 0, "theme_gone": 0}
    for card_id, source, position, target, *hidden in entries:
        card = found.get(card_id)
        if card is None or (card.status == Card.HIDDEN and not any(hidden)):
            counts["gone"] += 1
        elif card.theme_id != target:
            counts["since"] += 1
        elif source is not None and source not in themes:
            counts["theme_gone"] += 1
        else:
            back.setdefault(source, []).append((position, card))
            counts["back"] += 1
            drawn.cards.append(card)
            drawn.columns |= {source, target}
    drawn.support = drawn.support or _supported(drawn.cards)
    for source, placed in back.items():
        placed.sort(key=lambda item: item[0])
        if source is None:
            # Unsorted keeps its positions as they were (nothing renumbers it): each card gets its own back.
            for position, card in placed:
                card.theme_id, card.position = None, position
            Card.objects.bulk_update([card for _, card in placed], ["theme", "position"])
            continue
        moving = {card.pk for _, card in placed}
        others = Card.objects.filter(theme_id=source).exclude(pk__in=moving)
        if not set(others.values_list("position", flat=True)) & {position for position, _ in placed}:
            # Their places are free (nobody put a card in that column since they left): each takes its
            # own back, and no other card is written.
            for position, card in placed:
                card.theme_id, card.position = source, position
            Card.objects.bulk_update([card for _, card in placed], ["theme", "position"])
            continue
        siblings = list(
            Card.objects.filter(theme_id=source).exclude(pk__in=moving).order_by("position", "pk")
        )
        for position, card in placed:
            card.theme_id = source
            siblings.insert(min(position, len(siblings)), card)
        # Only the cards whose place changes are written (a column of a few hundred is mostly in place).
        changed = []
        for index, card in enumerate(siblings):
            if card.pk in moving or card.position != index:
                card.position = index
                changed.append(card)
        Card.objects.bulk_update(changed, ["theme", "position"])
    return counts


def _supported(cards):
    ids = [card.pk for card in cards]
    return Dot.objects.filter(card_id__in=ids).exists() or Reaction.objects.filter(card_id__in=ids).exists()


def _told(counts, done="moved back"):
    """What became of the cards: "10 cards moved back; 2 were moved since and stay"."""
    back = counts["back"]
    said = f"{plural(back, 'card')} {done}" if back else "No card could go back"
    stayed = [
        (counts["since"], "moved since"),
        (counts["gone"], "hidden or deleted since"),
        (counts["theme_gone"], "from a theme deleted since"),
    ]
    reasons = [f"{n} {'was' if n == 1 else 'were'} {why}" for n, why in stayed if n]
    if reasons:
        stayed_n = sum(n for n, _ in stayed)
        said += "; " + ", ".join(reasons) + (" and stays" if stayed_n == 1 else " and stay")
    return said + "."


def _undo_move(inquiry, data, drawn):
    return _told(_move_back(inquiry, data["cards"], drawn))


def _free_name(inquiry, name):
    """``name`` if no other theme reads the same, else the first free "name (restored)", "… (restored 2)"."""
    names = Theme.objects.filter(inquiry=inquiry).values_list("name", flat=True)
    taken = {name_key(other) for other in names}
    candidate, n = name, 1
    while name_key(candidate) in taken:
        suffix = " (restored)" if n == 1 else f" (restored {n})"
        candidate = name[: THEME_NAME_LIMIT - len(suffix)].rstrip() + suffix
        n += 1
    return candidate


def _bring_back(inquiry, fields, drawn):
    """A deleted or merged theme again (a new id), with its name (or a free one), colour and place in the
    order; the ids of the old one in every step of this inquiry now name it. Returns (theme, note)."""
    name = _free_name(inquiry, fields["name"])
    top = Theme.objects.filter(inquiry=inquiry).aggregate(top=Max("position"))["top"]
    theme = Theme.objects.create(
        inquiry=inquiry, name=name, colour=fields["colour"], position=0 if top is None else top + 1
    )
    _place_theme(inquiry, theme, fields["position"])
    _renamed_id(inquiry, fields["id"], theme.pk)
    drawn.added = theme
    drawn.columns.add(theme.pk)
    note = ""
    if name != fields["name"]:
        note = f" The name “{fields['name']}” is taken now, so it is back as “{name}”: rename one of them."
    return theme, note


def _place_theme(inquiry, theme, index):
    """``theme`` at ``index`` in the order of the inquiry's themes, the others in theirs around it."""
    ordered = Theme.objects.filter(inquiry=inquiry).exclude(pk=theme.pk).order_by("position", "pk")
    ordered = list(ordered)
    ordered.insert(min(index, len(ordered)), theme)
    for place, item in enumerate(ordered):
        item.position = place
    Theme.objects.bulk_update(ordered, ["position"])


def _renamed_id(inquiry, old, new):
    for step in UndoStep.objects.filter(inquiry=inquiry):
        data = _swap(step.data, old, new)
        if data != step.data:
            step.data = data
            step.save(update_fields=["data"])


def _swap(value, old, new, key=None):
    if isinstance(value, dict):
        return {k: _swap(v, old, new, k) for k, v in value.items()}
    if key == "cards" and isinstance(value, list):  # [card, from, position, to, hidden]
        return [
            [e[0], new if e[1] == old else e[1], e[2], new if e[3] == old else e[3], *e[4:]] for e in value
        ]
    if key in THEME_KEYS and isinstance(value, list):
        return [new if v == old else v for v in value]
    if key in THEME_KEYS and value == old:
        return new
    return value


def _lost(data):
    counts = (("map link", data.get("links", 0)), ("dot", data.get("dots", 0)))
    lost = [plural(n, what) for what, n in counts if n]
    if not lost:
        return ""
    return f" Its {' and '.join(lost)} went with it and are not restored."


def _undo_delete(inquiry, data, drawn):
    theme, note = _bring_back(inquiry, data["theme"], drawn)
    counts = _move_back(inquiry, _swap(data, data["theme"]["id"], theme.pk)["cards"], drawn)
    return _after(f"Restored the theme “{theme.name}”", _told(counts)) + note + _lost(data)


def _undo_merge(inquiry, data, drawn):
    theme, note = _bring_back(inquiry, data["theme"], drawn)
    counts = _move_back(inquiry, _swap(data, data["theme"]["id"], theme.pk)["cards"], drawn)
    return _after(f"Split “{theme.name}” out again", _told(counts)) + note + _lost(data)


def _after(what, told):
    """ "Restored the theme “Transport”: 12 cards moved back." """
    return f"{what}: {told[0].lower()}{told[1:]}"


def _undo_accept(inquiry, data, drawn):
    counts = _move_back(inquiry, data["cards"], drawn)
    created = list(Theme.objects.filter(inquiry=inquiry, pk__in=data["themes"]))
    kept = [theme.name for theme in created if theme.cards.exists()]
    removed = [theme.pk for theme in created if theme.name not in kept]
    n = len(removed)
    Theme.objects.filter(pk__in=removed).delete()
    drawn.removed = removed
    drawn.columns -= set(removed)
    said = f"Removed {plural(n, 'suggested theme')}; {_told(counts, 'back in ' + UNSORTED)}"
    if kept:
        names = ", ".join(f"“{name}”" for name in kept)
        said += f" {names} {'stays: it holds' if len(kept) == 1 else 'stay: they hold'} cards placed since."
    return said


def _theme_now(inquiry, data):
    return Theme.objects.filter(inquiry=inquiry, pk=data["theme"]).first()


def _undo_rename(inquiry, data, drawn):
    theme = _theme_now(inquiry, data)
    if theme is None:
        return f"“{data['after']}” was deleted since: nothing to rename."
    if theme.name != data["after"]:
        return f"“{data['after']}” was renamed “{theme.name}” since, and keeps that name."
    others = Theme.objects.filter(inquiry=inquiry).exclude(pk=theme.pk).values_list("name", flat=True)
    if name_key(data["before"]) in {name_key(other) for other in others}:
        return f"The name “{data['before']}” is taken now by another theme: “{theme.name}” keeps its name."
    theme.name = data["before"]
    # A colour chosen with the name (one dialog, one change) goes back with it, unless recoloured since.
    colour_back = "colour_before" in data and theme.colour == data["colour_after"]
    if colour_back:
        theme.colour = data["colour_before"]
    theme.save(update_fields=["name", "colour"])
    drawn.themes.append(theme)
    return f"Renamed “{data['after']}” back to “{theme.name}”" + (", its colour too." if colour_back else ".")


def _undo_recolour(inquiry, data, drawn):
    theme = _theme_now(inquiry, data)
    if theme is None:
        return "That theme was deleted since: nothing to recolour."
    if theme.colour != data["after"]:
        return f"“{theme.name}” was recoloured since, and keeps its colour."
    theme.colour = data["before"]
    theme.save(update_fields=["colour"])
    drawn.themes.append(theme)
    return f"“{theme.name}” has its colour back."


def _undo_theme_move(inquiry, data, drawn):
    theme = _theme_now(inquiry, data)
    if theme is None:
        return "That theme was deleted since: nothing to move back."
    _place_theme(inquiry, theme, data["position"])
    drawn.order = True
    return f"Moved “{theme.name}” back to its place."


UNDO = {
    "move": _undo_move,
    "delete": _undo_delete,
    "merge": _undo_merge,
    "accept": _undo_accept,
    "rename": _undo_rename,
    "recolour": _undo_recolour,
    "theme_move": _undo_theme_move,
}

HANDLERS = {
    ("board", "undo"): lambda actor, m: undo(actor, m["change"]),
}
