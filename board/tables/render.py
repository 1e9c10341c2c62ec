"""Tables as each screen sees them (templates/board/tables.html): a table's board (the same for its
seated participants and for the facilitators), the facilitators' overview of every table, and the
room-wide parts (the recipe's step, the Open Space marketplace, the picks wall)."""

from collections import Counter, defaultdict

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from board import render as board_render
from board.lens import sectors_shown_of
from board.models import Card
from sessions.protocol import table_seq_frame

from . import recipes, seating
from .models import Breakout, Seat, Table, TableCard, TableTheme, Topic


def open_breakout(inquiry_id):
    return (
        Breakout.objects.filter(inquiry_id=inquiry_id, closed=False)
        .select_related("round", "inquiry")
        .order_by("-pk")
        .first()
    )


def latest_breakout(inquiry_id):
    return Breakout.objects.filter(inquiry_id=inquiry_id).select_related("round").order_by("-pk").first()


def _partial(name, ctx):
    return render_to_string(f"board/tables.html#{name}", ctx)


def step_context(breakout):
    step = recipes.current(breakout) if breakout is not None else None
    ends = breakout.step_ends_at if breakout is not None and not breakout.closed else None
    return {
        "breakout": breakout,
        "step": step,
        "recipe_name": recipes.name(breakout.recipe) if breakout is not None else "",
        "steps": recipes.steps(breakout.recipe) if breakout is not None else (),
        "step_ends_ms": int(ends.timestamp() * 1000) if ends else None,
    }


def members(table):
    """The table's people in seating order, each with ``seat``: their seat's letter (``lettered``)."""
    seats = lettered(Seat.objects.filter(table=table).select_related("participant").order_by("pk"))
    return [seat.participant for seat in seats if not seat.participant.removed]


def lettered(seats):
    """``seats`` (in order of seating within each table), each participant given ``seat``: their seat's
    letter at their table (A, B, C…; after Z, A2, B2…). Letters count every seat the table has had, so
    someone removed leaves a gap rather than renaming the others mid-conversation."""
    seats, at_table = list(seats), Counter()
    for seat in seats:
        seat.participant.seat = seat_letter(at_table[seat.table_id])
        at_table[seat.table_id] += 1
    return seats


def seat_letter(index):
    letter = chr(ord("A") + index % 26)
    return letter if index < 26 else f"{letter}{index // 26 + 1}"


GROUP_NAMES = {1: "Only you", 2: "Your pair", 3: "Your three", 4: "Your four"}


def person(participant, inquiry):
    """How a table names someone: their name where the inquiry shows names (and they gave one), else
    their seat ("Seat C"); then their sector where the inquiry shows sectors (more than one: a room of
    one sector learns nothing from it). Never a name in an anonymous inquiry: every screen of the
    table, the phones included, receives this."""
    name = participant.display_name if inquiry.show_names and participant.display_name else None
    label = name or f"Seat {participant.seat}"
    return f"{label} ({participant.sector})" if shows_sectors(inquiry) else label


def shows_sectors(inquiry):
    return len(inquiry.sectors) > 1


def grouped(people, step):
    """The table's people (each named as ``person`` names them: ``shown_as``) as the step groups them
    (1-2-4-All: pairs, then fours; recipes.group_sizes):
    [{"people", "yours": {participant id: ("Your pair", ": Seat B (NHS)")}}]. ``yours`` is set at a
    step with groups: each phone shows its own line (static/linewalk/tables.js), so everyone knows who
    they work with, names shown or not. A phone shows the line's first part over its group's list, which
    names the others (phone.css)."""
    groups, start = [], 0
    for size in recipes.group_sizes(len(people), step):
        members = people[start : start + size]
        start += size
        yours = {}
        if step is not None and step.group:
            # Fours at a table of other than four: the table works as one group.
            whole = step.group > 2 and size == len(people) and size != step.group and size > 1
            name = "Your table" if whole else GROUP_NAMES.get(size, f"Your group of {size}")
            for p in members:
                others = [o.shown_as for o in members if o.pk != p.pk]
                yours[p.pk] = (name, f": {_and(others)}" if others else "")
        groups.append({"people": members, "yours": yours})
    return groups


def _and(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def table_context(table):
    breakout = table.breakout
    cards = list(
        TableCard.objects.filter(table=table)
        .select_related("author")
        .annotate(vote_count=Count("votes"))
        .order_by("position", "pk")
    )
    themes = list(TableTheme.objects.filter(table=table).order_by("position", "pk"))
    by_theme = {theme.pk: [] for theme in themes}
    unsorted = []
    for card in cards:
        (by_theme[card.theme_id] if card.theme_id in by_theme else unsorted).append(card)
    for theme in themes:
        theme.card_list = by_theme[theme.pk]
    people = members(table)
    for participant in people:
        participant.shown_as = person(participant, breakout.inquiry)
    ctx = step_context(breakout)
    return {
        "lens": sector_lens(breakout.inquiry, people, cards),
        **ctx,
        "table": table,
        "people": people,
        "groups": grouped(people, ctx["step"]),
        "group_note": recipes.group_note(len(people), ctx["step"]),
        "themes": themes,
        "unsorted": unsorted,
        "cards_count": len(cards),
        "picks": [c for c in cards if c.picked] + [t for t in themes if t.picked],
        "prompt": breakout.prompt or (breakout.round.question if breakout.round_id else ""),
        "show_names": breakout.inquiry.show_names,
        "picking": recipes.picking(breakout),
    }


def sector_lens(inquiry, people, cards):
    """The table read through the sector lens: people and cards by sector, for the sectors the room's lens
    would show of the people at the table (board/lens.py shown_sectors: those with at least the inquiry's
    minimum group size, k, less the next smallest when a single one is smaller)."""
    return by_sector(inquiry, Counter(p.sector for p in people), Counter(c.author.sector for c in cards))


def by_sector(inquiry, seated, wrote):
    """[(sector, people, cards)] of a table, from Counters of its people and its cards by sector."""
    shown = sectors_shown_of(inquiry.sectors, seated, inquiry.k_threshold)
    return [(sector, seated[sector], wrote[sector]) for sector in inquiry.sectors if sector in shown]


def table_html(table, oob=False):
    return _partial("table", {**table_context(table), "oob": oob})


def overview_rows(tables, oob=False):
    """The facilitators' at-a-glance rows for ``tables`` (each read with its breakout and inquiry): three
    reads whatever their number (the panel holds every table; a tick's frame, the tables changed since the
    last one)."""
    if not tables:
        return ""
    ids = [table.pk for table in tables]
    seated, wrote, picks = defaultdict(Counter), defaultdict(Counter), Counter()
    for table_id, sector in Seat.objects.filter(table_id__in=ids, participant__removed=False).values_list(
        "table_id", "participant__sector"
    ):
        seated[table_id][sector] += 1
    # Counted by the database (a row per table, sector and picked-or-not), not a row per card.
    counts = (
        TableCard.objects.filter(table_id__in=ids)
        .values_list("table_id", "author__sector", "picked")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for table_id, sector, picked, n in counts:
        wrote[table_id][sector] += n
        picks[table_id] += n if picked else 0
    picked_themes = TableTheme.objects.filter(table_id__in=ids, picked=True)
    for table_id in picked_themes.values_list("table_id", flat=True):
        picks[table_id] += 1
    rows = []
    for table in tables:
        inquiry, people, cards = table.breakout.inquiry, seated[table.pk], wrote[table.pk]
        rows.append(
            {
                "table": table,
                "people_count": sum(people.values()),
                "cards_count": sum(cards.values()),
                "picks_count": picks[table.pk],
                # The host chooses the picks: at a step for them, the facilitator sees who has yet to send.
                "waiting": not table.sent and recipes.picking(table.breakout),
                # The sector lens as on the table's own (sector_lens), beside the table's totals.
                "lens": by_sector(inquiry, people, cards),
                "k": inquiry.k_threshold,
            }
        )
    return mark_safe(_partial("overview-rows", {"rows": rows, "oob": oob}))  # escaped in the template


def overview_frame(table_ids):
    """The rows of the tables ``table_ids`` that still exist, as out-of-band swaps (the facilitators'
    overview, sent once a tick for the tables changed in it)."""
    tables = list(
        Table.objects.filter(pk__in=table_ids, breakout__closed=False).select_related("breakout__inquiry")
    )
    return overview_rows(tables, oob=True)


def table_frame(table):
    """The table's whole board, as an out-of-band swap."""
    return _partial("table", {**table_context(table), "oob": True})


def card_frame(table, card, themes):
    """A card just posted to ``table``, appended to its board's unsorted cards (every screen of the table
    shows the same; its host's tools show by the page's class). ``themes``: the table's, for the card's
    "Move to" list. A new card has no votes."""
    card.vote_count = 0
    breakout = table.breakout
    ctx = {
        "card": card,
        "themes": themes,
        "show_names": breakout.inquiry.show_names,
        "picking": recipes.picking(breakout),
    }
    return board_render.oob(f"table-{table.pk}-unsorted", _partial("tcard", ctx))


# Frames many screens ask for at once (a room seated together: every phone fetches its table's board),
# rendered once per table and sequence number, and the room's parts once per inquiry sequence number.
_kept = {}


def _once(key, build):
    html = _kept.get(key)
    if html is None:
        if len(_kept) > 1024:
            _kept.clear()
        html = _kept[key] = build()
    return html


def phone_view(participant_id, inquiry_id):
    """A participant's table view (None: not seated), as (table id, seq, frame)."""
    breakout = open_breakout(inquiry_id)
    seat = None
    if breakout is not None:
        seat = (
            Seat.objects.filter(breakout=breakout, participant_id=participant_id)
            .select_related("table__breakout__inquiry", "table__breakout__round")
            .first()
        )
    if breakout is None:
        room = room_parts(None, inquiry_id=inquiry_id)
    else:
        room = _once(("room", inquiry_id, breakout.inquiry.seq), lambda: room_parts(breakout))
    if seat is None:
        return None, 0, _partial("phone-empty", {**step_context(breakout), "oob": True}) + room
    table = seat.table
    inner = _once(("table", table.pk, table.seq), lambda: table_html(table))
    html = _partial("phone-table", {"inner": inner, "oob": True}) + room
    return table.pk, table.seq, table_seq_frame(table.pk, table.seq) + html


def facilitator_panel(inquiry):
    """The facilitators' tables panel: the controls, every table at a glance, and each table's board;
    with who sits at which table as its form to move someone shows it (``seats_of``)."""
    breakout = open_breakout(inquiry.pk)
    seated = _seated(breakout)
    tables = []
    if breakout is not None:
        tables = list(
            Table.objects.filter(breakout=breakout).select_related("breakout__inquiry", "breakout__round")
        )
    ctx = {
        **step_context(breakout),
        "inquiry": inquiry,
        "rows": overview_rows(tables),
        "boards": [(t, table_html(t)) for t in tables],
        "tables": tables,
        "modes": Breakout.MODES,
        "recipes": recipes.CHOICES,
        "rounds": list(inquiry.rounds.order_by("position", "pk")),
        "seated": seated,
        "size_min": seating.MIN_SIZE,
        "size_max": seating.MAX_SIZE,
        "oob": True,
    }
    return seats_of(seated), _partial("panel", ctx) + room_parts(breakout, inquiry_id=inquiry.pk)


def seat_form(inquiry_id):
    """The facilitators' form to move someone, alone, as an out-of-band swap, with what it shows: (the
    seats of the open tables as {(participant, table)}, html)."""
    breakout = open_breakout(inquiry_id)
    seated = _seated(breakout)
    tables = [] if breakout is None else list(Table.objects.filter(breakout=breakout))
    ctx = {"seated": seated, "tables": tables, "oob": True}
    return seats_of(seated), _partial("seat-form", ctx)


def seats_of(seated):
    """What the form to move someone shows of ``seated`` (``_seated``): who sits at which table."""
    return frozenset((seat.participant_id, seat.table_id) for seat in seated)


def _seated(breakout):
    """The facilitators' list of who sits where (to move someone), each seat named as its table names
    them (``shown_as``): by seat, never by name, in an anonymous inquiry."""
    if breakout is None:
        return []
    seats = lettered(
        Seat.objects.filter(breakout=breakout)
        .select_related("participant", "table")
        .order_by("table__number", "pk")
    )
    for seat in seats:
        seat.shown_as = person(seat.participant, breakout.inquiry)
    return seats


def marketplace(breakout):
    topics = []
    if breakout is not None and breakout.mode == Breakout.TOPIC:
        topics = list(Topic.objects.filter(breakout=breakout).annotate(n=Count("choices")).order_by("pk"))
    return topics


def wall_context(inquiry_id, breakout=None):
    breakout = breakout or latest_breakout(inquiry_id)
    tables = []
    if breakout is not None:
        tables = list(Table.objects.filter(breakout=breakout, sent=True).order_by("number"))
        picks = {}
        # What the room may see of them: a pick hidden or waiting is on no screen's wall.
        shown = board_render.cards_of(breakout.inquiry).filter(status=Card.VISIBLE, silent=False)
        for card in shown.filter(table__in=tables):
            picks.setdefault(card.table_id, []).append(card)
        # A table none of whose picks the room may see (all hidden, rejected or waiting) is not on it: its
        # line of what it noticed shows only beside a pick.
        tables = [t for t in tables if t.pk in picks]
        for table in tables:
            table.pick_cards = picks[table.pk]
        if breakout.wall:
            tables = [t for t in tables if t.number == breakout.wall]
    return {"wall_breakout": breakout, "wall_tables": tables}


def wall_changed(inquiry_id):
    """For a room event that changed or took away a pick (hidden, restored, rejected, erased, quoting
    fewer words): the picks wall as it is now, for every kind of screen."""
    html = _partial("wall", {**wall_context(inquiry_id), "oob": True})
    return {kind: html for kind in board_render.KINDS}


def room_parts(breakout, oob=True, inquiry_id=None):
    """The room-wide parts every screen shows (participants, the presenter and facilitators alike);
    ``inquiry_id``: whose picks wall to show when no tables are open."""
    inquiry_id = breakout.inquiry_id if breakout is not None else inquiry_id
    ctx = {**step_context(breakout), "topics": marketplace(breakout), "oob": oob}
    html = _partial("step-bar", ctx) + _partial("marketplace", ctx)
    if inquiry_id is not None:
        html += _partial("wall", {**wall_context(inquiry_id), "oob": oob})
    return html


def room_changed(breakout, extra=None):
    """For a room event: the same parts for every kind of screen (``extra``: per kind, added)."""
    html = room_parts(breakout)
    return {kind: html + ((extra or {}).get(kind, "")) for kind in board_render.KINDS}


def now():
    return timezone.now()
