"""Every websocket message of Linewalk, in one place (docs/protocol.md describes the same).

Inbound messages are JSON objects ``{"type": ..., "op": ..., <fields>}``; each (type, op) below lists its
fields, and a field not listed is refused. Outbound frames are HTML for htmx's ws extension: out-of-band
swaps led by a header element that carries the sequence number (see ``frame``).
"""

import json
import re
import time
import uuid
from dataclasses import dataclass

from django.utils.html import format_html

from board.models import TEXT_LIMIT, THEME_COLOURS, THEME_NAME_LIMIT
from board.nextsteps.models import CONTACT_LIMIT, WHAT_LIMIT, WHEN_LIMIT, WITH_LIMIT
from board.systemmap.models import HEIGHT, NOTE_LIMIT, WIDTH
from board.tables import seating
from board.text import is_blank, strip_invisible
from inquiry.access import FACILITATOR, PARTICIPANT, PRESENTER, Refused

from . import wire


class ProtocolError(Refused):
    """Bad input from one client: it gets ``message`` back, nothing else happens."""

    def __init__(self, code, message, key=None, client_id=None):
        super().__init__(code, message)
        self.key = key  # (type, op) when known
        self.client_id = client_id  # the refused post's, when it carried one the page can match


# Field kinds -------------------------------------------------------------------------------------------

# Whole numbers sent as strings: ASCII digits only (str.isdigit() also takes "²" or "¹", which int()
# refuses) and at most 19 of them (no int() of thousands of digits).
WHOLE = re.compile(r"-?[0-9]{1,19}")
LIMIT = 2**62


def whole_number(value):
    """``value`` as an int if it is one (or a string of ASCII digits), else None."""
    if isinstance(value, str) and WHOLE.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def shown(name, limit=40):
    """A name the client sent, fit to echo back in an error: printable, valid UTF-8 (a lone surrogate
    could not be sent at all) and short."""
    name = str(name).encode("utf-8", "backslashreplace").decode("utf-8")
    name = "".join(c if c.isprintable() else "?" for c in name)
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _encodable(value):
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Id:
    nullable: bool = False
    required: bool = True

    def parse(self, name, value):
        if value is None or value == "":
            if self.nullable:
                return None
            raise ProtocolError("invalid_field", f"{name} is required.")
        number = whole_number(value)
        if number is None or number <= 0 or number > LIMIT:
            raise ProtocolError("invalid_field", f"{name} must be a whole number.")
        return number


@dataclass(frozen=True)
class Count:
    required: bool = True

    def parse(self, name, value):
        number = whole_number(value)
        if number is None or number < 0 or number > LIMIT:
            raise ProtocolError("invalid_field", f"{name} must be a whole number, zero or more.")
        return number


@dataclass(frozen=True)
class Text:
    limit: int
    label: str = "Text"
    required: bool = True

    def parse(self, name, value):
        if not isinstance(value, str) or not _encodable(value):
            raise ProtocolError("invalid_field", f"{self.label} must be text.")
        value = strip_invisible(value)
        if is_blank(value):
            raise ProtocolError("empty_text", f"{self.label} is empty: write something first.")
        if len(value) > self.limit:
            raise ProtocolError(
                "text_too_long", f"{self.label} is {len(value)} characters; the limit is {self.limit}."
            )
        return value


@dataclass(frozen=True)
class ClientId:
    required: bool = True

    def parse(self, name, value):
        try:
            return uuid.UUID(str(value))
        except (ValueError, TypeError, AttributeError):
            raise ProtocolError("invalid_field", f"{name} must be a UUID made by the page.") from None


@dataclass(frozen=True)
class Choice:
    choices: tuple
    required: bool = True

    def parse(self, name, value):
        if value not in self.choices:
            raise ProtocolError("invalid_field", f"{name} must be one of: {', '.join(self.choices)}.")
        return value


@dataclass(frozen=True)
class Flag:
    required: bool = True

    def parse(self, name, value):
        if value in (True, "true", "on", "1", 1):
            return True
        if value in (False, "false", "off", "0", 0, ""):
            return False
        raise ProtocolError("invalid_field", f"{name} must be true or false.")


@dataclass(frozen=True)
class Seconds:
    low: int = 1
    high: int = 4 * 60 * 60
    required: bool = True

    def parse(self, name, value):
        number = whole_number(value)
        if number is None:
            raise ProtocolError("invalid_field", f"{name} must be a whole number of seconds.")
        if not self.low <= number <= self.high:
            raise ProtocolError(
                "invalid_field", f"{name} must be between {self.low} and {self.high} seconds."
            )
        return number


@dataclass(frozen=True)
class Number:
    """A whole number from ``low`` to ``high``; ``what`` names it in the refusal (not every number is
    seconds: a table's size is people)."""

    low: int
    high: int
    what: str
    required: bool = True

    def parse(self, name, value):
        number = whole_number(value)
        if number is None or not self.low <= number <= self.high:
            raise ProtocolError(
                "invalid_field", f"{self.what} must be a whole number from {self.low} to {self.high}."
            )
        return number


@dataclass(frozen=True)
class OptionalText:
    limit: int
    label: str
    required: bool = False

    def parse(self, name, value):
        if not isinstance(value, str) or not _encodable(value):
            raise ProtocolError("invalid_field", f"{self.label} must be text.")
        value = "" if is_blank(value) else strip_invisible(value)
        if len(value) > self.limit:
            raise ProtocolError(
                "text_too_long", f"{self.label} is {len(value)} characters; the limit is {self.limit}."
            )
        return value


@dataclass(frozen=True)
class Listing:
    """A list of objects, each with the given fields (unknown fields refused)."""

    fields: tuple
    limit: int
    required: bool = True

    def parse(self, name, value):
        if not isinstance(value, list) or len(value) > self.limit:
            raise ProtocolError("invalid_field", f"{name} must be a list of at most {self.limit} items.")
        schema = dict(self.fields)
        parsed = []
        for item in value:
            if not isinstance(item, dict) or set(item) - set(schema) or set(schema) - set(item):
                raise ProtocolError(
                    "invalid_field", f"Each item of {name} needs exactly: {', '.join(schema)}."
                )
            parsed.append({key: kind.parse(f"{name}.{key}", item[key]) for key, kind in schema.items()})
        return parsed


@dataclass(frozen=True)
class Ids:
    limit: int
    required: bool = True

    def parse(self, name, value):
        if not isinstance(value, list) or not value or len(value) > self.limit:
            raise ProtocolError("invalid_field", f"{name} must be a list of 1 to {self.limit} ids.")
        return [Id().parse(name, item) for item in value]


@dataclass(frozen=True)
class ItemRef:
    """A theme or a card named as the page names it: "theme-12", "card-7" -> ("theme", 12)."""

    kinds: tuple = ("theme", "card")
    required: bool = True

    def parse(self, name, value):
        kind, _, number = str(value).partition("-") if isinstance(value, str) else ("", "", "")
        if kind not in self.kinds or not number.isdigit() or not 0 < int(number) <= 2**62:
            raise ProtocolError(
                "invalid_field", f"{name} must name a {' or a '.join(self.kinds)}, like theme-12."
            )
        return kind, int(number)


@dataclass(frozen=True)
class Coordinate:
    high: float
    required: bool = True

    def parse(self, name, value):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= self.high:
            raise ProtocolError("invalid_field", f"{name} must be a number from 0 to {self.high:g}.")
        return float(value)


@dataclass(frozen=True)
class Sign:
    required: bool = False

    def parse(self, name, value):
        if value in ("+", 1, "1", "+1"):
            return 1
        if value in ("-", "−", -1, "-1"):
            return -1
        raise ProtocolError("invalid_field", f"{name} must be + or -.")


CARD_TEXT = Text(TEXT_LIMIT, "Your contribution")
THEME_NAME = Text(THEME_NAME_LIMIT, "The theme name")
COLOUR = Choice(tuple(THEME_COLOURS))
ROUND_QUESTION = Text(500, "The round's question")
GUIDANCE = OptionalText(1000, "The guidance")
PHASES = ("gather", "silent", "reveal", "vote", "closed")
VOTE_TARGETS = ("cards", "themes", "leverage", "actions")
# A dot goes on one card or theme, or, in the votes of the map and of next steps, on a link or an action.
DOT_FIELDS = {
    "card": Id(nullable=True),
    "theme": Id(nullable=True),
    "link": Id(nullable=True, required=False),
    "step": Id(nullable=True, required=False),
}
LINK_KIND = Choice(("influences", "enables", "blocks"))
LINK_NOTE = OptionalText(NOTE_LIMIT, "The note")
ROUND_KINDS = ("contributions", "map", "next_steps")
STEP_FIELDS = {
    "what": Text(WHAT_LIMIT, "What you propose"),
    "with_whom": OptionalText(WITH_LIMIT, "With whom"),
    "by_when": OptionalText(WHEN_LIMIT, "By when"),
    "theme": Id(nullable=True, required=False),
    "loop": OptionalText(400, "The loop"),
}

TABLE_MODES = ("random", "mixed", "same", "topic")
RECIPES = ("", "124all", "wsn", "openspace")

# Inbound messages: (type, op) -> (roles allowed, {field: kind}) ------------------------------------------

INBOUND = {
    ("sync", "resume"): ((FACILITATOR, PARTICIPANT, PRESENTER), {"last_seq": Count()}),
    ("card", "add"): ((PARTICIPANT,), {"client_id": ClientId(), "text": CARD_TEXT}),
    ("card", "edit"): ((PARTICIPANT,), {"card": Id(), "text": CARD_TEXT}),
    ("card", "delete"): ((PARTICIPANT,), {"card": Id()}),
    ("card", "move"): (
        (FACILITATOR,),
        {"card": Id(), "theme": Id(nullable=True), "position": Count(required=False)},
    ),
    # Several selected cards moved together (board/arrange.py): one transaction, one event.
    ("card", "move_many"): (
        (FACILITATOR,),
        {"cards": Ids(1000), "theme": Id(nullable=True), "position": Count(required=False)},
    ),
    ("theme", "add"): ((FACILITATOR,), {"name": THEME_NAME, "colour": Choice(COLOUR.choices, False)}),
    # A rename may carry the colour chosen in the same dialog: both change, or (the name refused) neither.
    ("theme", "rename"): (
        (FACILITATOR,),
        {"theme": Id(), "name": THEME_NAME, "colour": Choice(COLOUR.choices, False)},
    ),
    ("theme", "recolour"): ((FACILITATOR,), {"theme": Id(), "colour": COLOUR}),
    ("theme", "merge"): ((FACILITATOR,), {"theme": Id(), "into": Id()}),
    ("theme", "delete"): ((FACILITATOR,), {"theme": Id()}),
    ("theme", "move"): ((FACILITATOR,), {"theme": Id(), "position": Count()}),
    # Undo one of the sender's own board-arranging changes: ``change`` (its id, from the status line's
    # Undo button), or without it their last one (board/undo).
    ("board", "undo"): ((FACILITATOR,), {"change": Id(nullable=True, required=False)}),
    ("round", "activate"): ((FACILITATOR,), {"round": Id()}),
    # The Vote phase opens the round's dot vote with the defaults for its kind of round: a vote with
    # settings is vote.open's (the workspace's Vote asks for them in a dialog and sends that).
    ("round", "phase"): ((FACILITATOR,), {"round": Id(), "phase": Choice(PHASES)}),
    ("round", "add"): ((FACILITATOR,), {"question": ROUND_QUESTION, "guidance": GUIDANCE}),
    ("round", "edit"): ((FACILITATOR,), {"round": Id(), "question": ROUND_QUESTION, "guidance": GUIDANCE}),
    ("round", "move"): ((FACILITATOR,), {"round": Id(), "position": Count()}),
    ("round", "delete"): ((FACILITATOR,), {"round": Id()}),
    ("room", "pause"): ((FACILITATOR,), {"paused": Flag()}),
    ("room", "view"): ((FACILITATOR,), {"round": Id(nullable=True), "follow": Flag()}),
    ("room", "settings"): ((FACILITATOR,), {"premoderation": Flag(), "safeguarding": Flag()}),
    ("room", "join"): ((FACILITATOR,), {"corner": Flag()}),
    ("timer", "start"): ((FACILITATOR,), {"seconds": Seconds(), "closes_round": Flag(required=False)}),
    ("timer", "add"): ((FACILITATOR,), {"seconds": Seconds(-3600, 3600)}),
    ("timer", "stop"): ((FACILITATOR,), {}),
    ("spotlight", "set"): ((FACILITATOR,), {"card": Id(nullable=True), "theme": Id(nullable=True)}),
    ("spotlight", "clear"): ((FACILITATOR,), {}),
    ("announce", "set"): ((FACILITATOR,), {"text": Text(280, "The announcement")}),
    ("announce", "clear"): ((FACILITATOR,), {}),
    # Closing from the workspace's agenda (after its dialog says what closing does; the data page's Close
    # does the same over HTTP), reopening from its closed notice.
    ("inquiry", "close"): ((FACILITATOR,), {}),
    ("inquiry", "reopen"): ((FACILITATOR,), {}),
    ("card", "hide"): ((FACILITATOR,), {"card": Id()}),
    ("card", "restore"): ((FACILITATOR,), {"card": Id()}),
    ("card", "approve"): ((FACILITATOR,), {"card": Id()}),
    ("card", "reject"): ((FACILITATOR,), {"card": Id()}),
    ("participant", "remove"): ((FACILITATOR,), {"participant": Id()}),
    ("vote", "open"): (
        (FACILITATOR,),
        {
            "round": Id(nullable=True),
            "target": Choice(VOTE_TARGETS),
            "budget": Seconds(1, 20),
            "per_item": Seconds(1, 20),
            "live": Flag(required=False),
        },
    ),
    ("vote", "close"): ((FACILITATOR,), {}),
    ("vote", "reopen"): ((FACILITATOR,), {}),
    ("vote", "reveal"): ((FACILITATOR,), {}),
    # What the presenter view shows of a closed vote: its ranked results or the sector lens.
    ("vote", "present"): ((FACILITATOR,), {"show": Choice(("results", "lens"))}),
    ("dot", "add"): ((PARTICIPANT,), DOT_FIELDS),
    ("dot", "remove"): ((PARTICIPANT,), DOT_FIELDS),
    ("reaction", "toggle"): ((PARTICIPANT,), {"card": Id()}),
    ("suggest", "preview"): (
        (FACILITATOR,),
        {"round": Id(nullable=True), "granularity": Seconds(-5, 5, required=False)},
    ),
    ("suggest", "cancel"): ((FACILITATOR,), {}),
    ("suggest", "accept"): (
        (FACILITATOR,),
        {
            "themes": Listing((("name", THEME_NAME), ("cards", Ids(2000))), 100),
            "placements": Listing((("card", Id()), ("theme", Id())), 2000),
        },
    ),
    # The systems map (board/systemmap): participants may link in a round set up for it.
    ("link", "add"): (
        (FACILITATOR, PARTICIPANT),
        {"source": ItemRef(), "target": ItemRef(), "kind": LINK_KIND, "sign": Sign(), "note": LINK_NOTE},
    ),
    ("link", "edit"): (
        (FACILITATOR, PARTICIPANT),
        {"link": Id(), "kind": LINK_KIND, "sign": Sign(), "note": LINK_NOTE},
    ),
    ("link", "delete"): ((FACILITATOR, PARTICIPANT), {"link": Id()}),
    ("map", "move"): ((FACILITATOR,), {"node": Id(), "x": Coordinate(WIDTH), "y": Coordinate(HEIGHT)}),
    ("map", "tidy"): ((FACILITATOR,), {}),
    ("map", "show"): ((FACILITATOR,), {"on": Flag()}),
    ("map", "focus"): ((FACILITATOR,), {"loop": OptionalText(400, "The loop", required=True)}),
    ("round", "kind"): ((FACILITATOR,), {"round": Id(), "kind": Choice(ROUND_KINDS)}),
    # What happens next (board/nextsteps).
    ("step", "add"): ((PARTICIPANT,), {"client_id": ClientId(), **STEP_FIELDS}),
    ("step", "edit"): ((PARTICIPANT,), {"step": Id(), **STEP_FIELDS}),
    ("step", "delete"): ((PARTICIPANT,), {"step": Id()}),
    ("step", "join"): ((PARTICIPANT,), {"step": Id()}),
    ("step", "leave"): ((PARTICIPANT,), {"step": Id()}),
    ("step", "hide"): ((FACILITATOR,), {"step": Id()}),
    ("step", "restore"): ((FACILITATOR,), {"step": Id()}),
    ("contact", "share"): (
        (PARTICIPANT,),
        {
            "text": Text(CONTACT_LIMIT, "Your contact"),
            "with_signups": Flag(),
            "with_theme_sectors": Flag(),
        },
    ),
    ("contact", "withdraw"): ((PARTICIPANT,), {}),
    # Tables (board/tables): a facilitator splits the room; a table's own board; Open Space's topics.
    ("tables", "open"): (
        (FACILITATOR,),
        {
            "round": Id(nullable=True, required=False),
            "mode": Choice(TABLE_MODES),
            "size": Number(seating.MIN_SIZE, seating.MAX_SIZE, "Table size", required=False),
            "count": Number(1, 500, "The number of tables", required=False),
            "recipe": Choice(RECIPES, required=False),
            "prompt": OptionalText(500, "The tables' prompt"),
        },
    ),
    ("tables", "close"): ((FACILITATOR,), {}),
    ("tables", "seat"): ((FACILITATOR,), {"participant": Id(), "table": Id()}),
    ("tables", "host"): ((FACILITATOR,), {"participant": Id(), "table": Id()}),
    ("tables", "wall"): ((FACILITATOR,), {"table": Count()}),
    ("recipe", "pause"): ((FACILITATOR,), {}),
    ("recipe", "resume"): ((FACILITATOR,), {}),
    ("recipe", "extend"): ((FACILITATOR,), {"seconds": Seconds(10, 3600, required=False)}),
    ("recipe", "skip"): ((FACILITATOR,), {}),
    ("table", "post"): ((PARTICIPANT,), {"client_id": ClientId(), "text": CARD_TEXT}),
    ("table", "move"): ((FACILITATOR, PARTICIPANT), {"card": Id(), "theme": Id(nullable=True)}),
    ("table", "theme"): ((FACILITATOR, PARTICIPANT), {"table": Id(nullable=True), "name": THEME_NAME}),
    ("table", "merge"): ((FACILITATOR, PARTICIPANT), {"theme": Id(), "into": Id()}),
    ("table", "vote"): ((PARTICIPANT,), {"card": Id()}),
    ("table", "pick"): ((FACILITATOR, PARTICIPANT), {"card": Id(nullable=True), "theme": Id(nullable=True)}),
    ("table", "send"): (
        (FACILITATOR, PARTICIPANT),
        {
            "table": Id(nullable=True),
            "noticed": OptionalText(200, "What you noticed"),
            "by_vote": Flag(required=False),
        },
    ),
    ("table", "email"): ((PARTICIPANT,), {"email": OptionalText(254, "Your email")}),
    ("topic", "add"): ((PARTICIPANT,), {"title": Text(120, "The topic")}),
    ("topic", "choose"): ((PARTICIPANT,), {"topic": Id()}),
}

# Every message that steers or moderates the room: each is recorded in the audit log, refusals too.
STEERING_TYPES = {
    *("round", "room", "timer", "spotlight", "announce", "participant", "vote"),
    *("tables", "recipe"),  # board/tables
}
STEERING = {key for key in INBOUND if key[0] in STEERING_TYPES} | {
    ("card", "hide"),
    ("card", "restore"),
    ("card", "approve"),
    ("card", "reject"),
    ("step", "hide"),
    ("step", "restore"),
}

# Events broadcast to every screen of an inquiry, each with its sequence number.
EVENTS = {
    ("card", "add"),
    ("card", "edit"),
    ("card", "delete"),
    ("card", "move"),
    ("card", "move_many"),
    ("theme", "add"),
    ("theme", "rename"),
    ("theme", "recolour"),
    ("theme", "merge"),
    ("theme", "delete"),
    ("theme", "move"),
    ("board", "undo"),  # a facilitator undid one of their changes: the board drawn again
    ("card", "hide"),
    ("card", "restore"),
    ("card", "approve"),
    ("card", "reject"),
    ("round", "activate"),
    ("round", "phase"),
    ("round", "add"),
    ("round", "edit"),
    ("round", "move"),
    ("round", "delete"),
    ("room", "pause"),
    ("room", "view"),
    ("room", "settings"),
    ("room", "join"),
    ("timer", "start"),
    ("timer", "add"),
    ("timer", "stop"),
    ("timer", "expire"),
    ("spotlight", "set"),
    ("spotlight", "clear"),
    ("announce", "set"),
    ("announce", "clear"),
    ("participant", "remove"),
    ("suggest", "accept"),
    ("vote", "open"),
    ("vote", "close"),
    ("vote", "reopen"),
    ("vote", "reveal"),
    ("vote", "present"),
    ("vote", "counts"),  # dots and reactions, gathered (board.actions.cast_votes)
    ("inquiry", "close"),
    ("inquiry", "reopen"),
    ("inquiry", "delete"),
    ("inquiry", "settings"),  # title, framing question, names shown, sectors, the lens's smallest group
    ("harvest", "publish"),  # the round banner: a closed inquiry's phones link to the published harvest
    ("harvest", "unpublish"),
    ("participant", "erase"),
    ("link", "add"),
    ("link", "edit"),
    ("link", "delete"),
    ("map", "move"),
    ("map", "tidy"),
    ("map", "show"),
    ("map", "focus"),
    ("round", "kind"),
    ("step", "add"),
    ("step", "edit"),
    ("step", "delete"),
    ("step", "hide"),
    ("step", "restore"),
    ("step", "signup"),  # someone pressed "I'm in" or withdrew
    ("contact", "change"),  # who consented to share a contact (the facilitators' screens only)
    # Tables (board/tables): room-wide changes only. A table's own changes travel on its own stream
    # ("table.event" to table_group, with the table's sequence number), never in the room's.
    ("tables", "open"),
    ("tables", "close"),
    ("tables", "step"),
    ("tables", "picks"),
    ("tables", "wall"),
    ("tables", "topics"),
}

# Changes that take something participants saw off their screens (or change it): the fragments of
# earlier events may still show it, so a participant's screen is never replayed across one of these
# (it gets a fresh snapshot instead; facilitators, who see everything, still get the exact replay).
REDACTING = {
    ("card", "hide"),
    ("card", "delete"),
    ("card", "edit"),
    ("card", "reject"),
    ("participant", "erase"),
    # Names turned off: earlier fragments name the authors of their cards.
    ("inquiry", "settings"),
    # An action hidden by a facilitator, or changed or withdrawn by its author; a link's note changed or
    # the link removed: earlier fragments still carry their words.
    ("step", "hide"),
    ("step", "edit"),
    ("step", "delete"),
    ("link", "edit"),
    ("link", "delete"),
}

ROLE_NAMES = {FACILITATOR: "facilitators", PARTICIPANT: "participants", PRESENTER: "the presenter view"}


@dataclass(frozen=True)
class Message:
    type: str
    op: str
    fields: dict

    def __getitem__(self, name):
        return self.fields.get(name)


def parse(text, role, max_bytes):
    """Turn one inbound text frame into a Message, or raise ProtocolError saying what is wrong."""
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise ProtocolError("too_large", f"Message too large: the limit is {max_bytes} bytes.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        # RecursionError: arrays or objects nested thousands deep.
        raise ProtocolError("invalid_json", "That message was not valid JSON.") from None
    if not isinstance(data, dict):
        raise ProtocolError("invalid_message", "A message must be a JSON object with a type and an op.")
    kind, op = data.pop("type", None), data.pop("op", None)
    if not isinstance(kind, str) or not isinstance(op, str):
        raise ProtocolError("missing_field", "A message needs a type and an op.")
    spec = INBOUND.get((kind, op))
    if spec is None:
        raise ProtocolError("unknown_type", f"Unknown message type: {shown(kind)}.{shown(op)}.")
    roles, schema = spec
    if role not in roles:
        raise ProtocolError("forbidden", f"{kind}.{op} is not allowed for {ROLE_NAMES[role]}.", (kind, op))
    unknown = sorted(set(data) - set(schema), key=str)
    if unknown:
        names = ", ".join(shown(name) for name in unknown[:5]) + (", …" if len(unknown) > 5 else "")
        raise ProtocolError("unknown_field", f"Unknown field(s) for {kind}.{op}: {names}.")
    fields = {}
    try:
        for name, field in schema.items():
            if name not in data:
                if field.required and not getattr(field, "nullable", False):
                    raise ProtocolError("missing_field", f"{kind}.{op} needs the field {name}.")
                continue
            fields[name] = field.parse(name, data[name])
    except ProtocolError as error:
        # A post the page keeps until it is answered (an empty one, say) must be answered by its id, or
        # the page would send it again on every reconnect.
        error.client_id = _client_id_of(schema, data)
        raise
    return Message(kind, op, fields)


def _client_id_of(schema, data):
    if "client_id" not in schema or "client_id" not in data:
        return None
    try:
        return schema["client_id"].parse("client_id", data["client_id"])
    except ProtocolError:
        return None


# Groups and frames ----------------------------------------------------------------------------------------


def inquiry_group(inquiry_id):
    """Every socket of one inquiry listens here; events for it are sent nowhere else."""
    return f"inquiry.{inquiry_id}"


def participant_group(participant_id):
    """Every socket of one participant (several tabs or devices): their private frames, and removal."""
    return f"participant.{participant_id}"


def user_group(user_id):
    """Every socket a facilitator account holds (any inquiry, board or presenter view): for closing them
    all when the account is suspended or removed."""
    return f"user.{user_id}"


def now_ms():
    return int(time.time() * 1000)


def seq_header(seq, now, snapshot=False):
    """Leads every sequenced frame: its sequence number, and the server's clock for countdowns."""
    mark = ' data-snapshot="1"' if snapshot else ""
    return (
        f'<div id="lw-seq" hx-swap-oob="true" data-seq="{int(seq)}" data-now="{int(now)}"{mark} hidden></div>'
    )


def event_frame(seq, html, now):
    return seq_header(seq, now) + html


def replay_frame(seq, fragments):
    return seq_header(seq, now_ms()) + "".join(fragments)


def snapshot_frame(seq, html):
    return seq_header(seq, now_ms(), snapshot=True) + html


class Snapshot:
    """A snapshot frame as its parts: the live region and a participant's own parts, strings that every
    screen of a kind shares until the next change (sessions/consumers.Snapshots). ``text()`` is the frame
    for the ASGI ``send``; ``wire()`` the same as a websocket frame of bytes, the parts encoded once for
    all (a 48 KB board with typographic quotes: ~165 us a socket to join and encode, ~6 to copy). The
    header, with the server's clock for countdowns, is made as each is sent."""

    __slots__ = ("seq", "parts")

    def __init__(self, seq, parts):
        self.seq, self.parts = seq, parts

    def text(self):
        return snapshot_frame(self.seq, "".join(self.parts))

    def wire(self):
        head = seq_header(self.seq, now_ms(), snapshot=True).encode()
        return wire.text_frame_of([head, *map(wire.encoded, self.parts)])


def ack_frame(client_id, card_id, status="visible", silent=False):
    """Told to the sender only: its post with this client id is stored, and whether the room sees it now
    (``status``: visible, or held or pending for a facilitator's review; ``silent``: only at the reveal),
    so the phone can say so beside the box it was written in."""
    shown = "silent" if status == "visible" and silent else status
    return format_html(
        '<div id="lw-ack" hx-swap-oob="true" data-ack="{}" data-card="{}" data-status="{}" hidden></div>',
        client_id,
        card_id,
        shown,
    )


def step_ack_frame(client_id, step_id):
    """Told to the proposer only: their action with this client id is stored (or was already: a resend),
    so the page stops sending it again (static/linewalk/sender.js)."""
    return format_html(
        '<div id="lw-step-ack" hx-swap-oob="true" data-ack="{}" data-step="{}" hidden></div>',
        client_id,
        step_id,
    )


def tack_frame(client_id, card_id):
    """Told to the author only: their post at a table with this client id is stored (or was already: a
    resend), so the page stops sending it again (static/linewalk/sender.js)."""
    return format_html(
        '<div id="lw-tack" hx-swap-oob="true" data-ack="{}" data-tcard="{}" hidden></div>', client_id, card_id
    )


# The phone's heartbeat (static/linewalk/heartbeat.js): sent when the socket has been quiet for a moment,
# in exactly this form, and answered at once with PONG, before the message is counted or parsed (so a
# phone's heartbeat never spends the participant's message allowance). A socket is answered at most once
# per PING_EVERY seconds; more often, it is not answered.
PING = '{"type":"sync","op":"ping"}'
PONG = '<div id="lw-pong" hidden></div>'
PING_EVERY = 0.5


def delayed_frame(delayed):
    """To every screen of a process whose channel layer fails (and again once it answers): a discreet
    sign that live updates are delayed; the board meanwhile catches up from the database."""
    if not delayed:
        return '<p id="lw-delayed" hx-swap-oob="true" class="connection-delayed" hidden></p>'
    return (
        '<p id="lw-delayed" hx-swap-oob="true" class="connection-delayed" role="status"'
        ' title="The board catches up every few seconds meanwhile.">Live updates delayed</p>'
    )


# What a person did, as the page names it when it could not be saved (``not_saved``).
ACTION_NAMES = {
    ("card", "add"): "your post",
    ("card", "edit"): "editing your post",
    ("card", "delete"): "deleting your post",
    ("card", "move"): "moving a card",
    ("card", "move_many"): "moving cards",
    ("card", "hide"): "hiding a card",
    ("card", "restore"): "restoring a card",
    ("card", "approve"): "approving a card",
    ("card", "reject"): "rejecting a card",
    ("theme", "add"): "adding a theme",
    ("theme", "rename"): "renaming a theme",
    ("theme", "recolour"): "recolouring a theme",
    ("theme", "merge"): "merging themes",
    ("theme", "delete"): "deleting a theme",
    ("theme", "move"): "moving a theme",
    ("board", "undo"): "undoing your change",
    ("round", "activate"): "moving the room to a round",
    ("round", "phase"): "changing the round's phase",
    ("round", "add"): "adding a round",
    ("round", "edit"): "editing a round",
    ("round", "move"): "moving a round",
    ("round", "delete"): "deleting a round",
    ("round", "kind"): "changing the round's kind",
    ("room", "pause"): "pausing or resuming the room",
    ("room", "view"): "changing what every screen shows",
    ("room", "settings"): "changing the room's settings",
    ("room", "join"): "moving the join panel",
    ("timer", "start"): "starting the timer",
    ("timer", "add"): "changing the timer",
    ("timer", "stop"): "stopping the timer",
    ("spotlight", "set"): "the spotlight",
    ("spotlight", "clear"): "clearing the spotlight",
    ("announce", "set"): "the announcement",
    ("announce", "clear"): "clearing the announcement",
    ("inquiry", "close"): "closing the inquiry",
    ("inquiry", "reopen"): "reopening the inquiry",
    ("participant", "remove"): "removing a participant",
    ("vote", "open"): "opening the vote",
    ("vote", "close"): "closing the vote",
    ("vote", "reopen"): "reopening the vote",
    ("vote", "reveal"): "revealing the vote",
    ("vote", "present"): "changing what the shared screen shows",
    ("dot", "add"): "your dot",
    ("dot", "remove"): "taking back your dot",
    ("reaction", "toggle"): "your reaction",
    ("suggest", "preview"): "suggesting themes",
    ("suggest", "accept"): "accepting the suggested themes",
    ("suggest", "cancel"): "closing the suggestions",
    ("sync", "resume"): "catching up",
    ("link", "add"): "linking themes",
    ("link", "edit"): "editing a link",
    ("link", "delete"): "deleting a link",
    ("map", "move"): "moving a theme on the map",
    ("map", "tidy"): "tidying the map",
    ("map", "show"): "showing the map",
    ("map", "focus"): "picking out a loop",
    ("step", "add"): "your action",
    ("step", "edit"): "editing an action",
    ("step", "delete"): "deleting an action",
    ("step", "join"): "joining an action",
    ("step", "leave"): "leaving an action",
    ("step", "hide"): "hiding an action",
    ("step", "restore"): "restoring an action",
    ("contact", "share"): "sharing your contact",
    ("contact", "withdraw"): "withdrawing your contact",
    ("tables", "open"): "opening tables",
    ("tables", "close"): "closing tables",
    ("tables", "seat"): "moving someone to a table",
    ("tables", "host"): "naming a table's host",
    ("tables", "wall"): "the picks wall",
    ("recipe", "pause"): "pausing the step",
    ("recipe", "resume"): "resuming the step",
    ("recipe", "extend"): "extending the step",
    ("recipe", "skip"): "skipping the step",
    ("table", "post"): "your table post",
    ("table", "vote"): "your table vote",
    ("table", "move"): "moving a table card",
    ("table", "theme"): "adding a table theme",
    ("table", "merge"): "merging table themes",
    ("table", "pick"): "a table pick",
    ("table", "send"): "sending the table's picks",
    ("table", "email"): "your breakout email",
    ("topic", "add"): "adding a topic",
    ("topic", "choose"): "choosing a topic",
}

# The database did not answer: nothing was stored. What someone adds with a client id of the page's own
# (a post, a table post, a proposed action) stays queued on the page and is sent again by itself (a unique
# client id per author makes a resend harmless, and it means the same whenever it lands); anything else
# is named, not resent: the room may have moved on meanwhile, and a move, a phase or a toggle applied
# late could undo someone's later change.
RESENT = {("card", "add"), ("table", "post"), ("step", "add")}
UNAVAILABLE_POST = (
    "We could not save that yet: the server cannot reach its database just now. Trying again by itself."
)


def not_saved(key=None):
    """The refusal of a message (``key``: its type and op, if known) the database did not answer for: one
    the page keeps and sends again (``RESENT``) says so; anything else's names what was not saved, to be
    done again (``data-action``, which the page repeats once the database is back:
    static/linewalk/unsaved.js)."""
    if key in RESENT:
        return error_frame("unavailable", UNAVAILABLE_POST)
    action = ACTION_NAMES.get(key, "that change")
    message = f"Not saved: {action}. The server cannot reach its database just now; do it again in a moment."
    return error_frame("unavailable", message, action=action)


def info_frame(message):
    """Told to the sender only, in the page's status region: what their change did, when nothing else on
    their screen shows it (an email given to their table's host, or withdrawn)."""
    return format_html('<div id="lw-status" hx-swap-oob="innerHTML"><p class="info">{}</p></div>', message)


def table_seq_frame(table_id, seq):
    """Heads each table's frame: which table and its sequence number, so a phone drops a frame older than
    one it already shows (static/linewalk/tables.js; sessions/tablefeed.py sends them in order)."""
    return format_html(
        '<div id="lw-tseq" hx-swap-oob="true" data-table="{}" data-seq="{}" hidden></div>', table_id, seq
    )


def error_frame(code, message, client_id=None, action=None):
    """Told to the sender only, in the page's status region (role=status, so it is announced). A refusal
    of a message that carried a ``client_id`` (a post) names it, so the page can stop resending it; one
    that was not saved and will not be resent names the ``action`` (``not_saved``)."""
    return format_html(
        '<div id="lw-status" hx-swap-oob="innerHTML"><p class="error" data-code="{}"{}{}>{}</p></div>',
        code,
        format_html(' data-client="{}"', client_id) if client_id else "",
        format_html(' data-action="{}"', action) if action else "",
        # Whatever the message quotes must still be sendable (a lone surrogate is not UTF-8).
        message.encode("utf-8", "backslashreplace").decode("utf-8"),
    )


def table_group(table_id):
    """A table's own stream (board/tables): its seated participants' sockets and the facilitators'."""
    return f"table.{table_id}"
