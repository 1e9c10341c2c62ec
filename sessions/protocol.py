"""Every websocket message of Linewalk, in one place (docs/protocol.md describes the same).

Inbound messages are JSON objects ``{"type": ..., "op": ..., <fields>}``; each (type, op) below lists its
fields, and a field not listed is refused. Outbound frames are HTML for htmx's ws extension: out-of-band
swaps led by a header element that carries the sequence number (see ``frame``).
"""

import json
import uuid
from dataclasses import dataclass

from django.utils.html import format_html

from board.models import TEXT_LIMIT, THEME_COLOURS, THEME_NAME_LIMIT
from inquiry.access import FACILITATOR, PARTICIPANT, PRESENTER, Refused



class ProtocolError(Refused):
    """Bad input from one client: it gets ``message`` back, nothing else happens."""


# Field kinds -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Id:
    nullable: bool = False
    required: bool = True

    def parse(self, name, value):
        if value is None or value == "":
            if self.nullable:
                return None
            raise ProtocolError("invalid_field", f"{name} is required.")
        if isinstance(value, bool):
            raise ProtocolError("invalid_field", f"{name} must be a whole number.")
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or value <= 0 or value > 2**62:
            raise ProtocolError("invalid_field", f"{name} must be a whole number.")
        return value


@dataclass(frozen=True)
class Count:
    required: bool = True

    def parse(self, name, value):
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 2**62:
            raise ProtocolError("invalid_field", f"{name} must be a whole number, zero or more.")
        return value


@dataclass(frozen=True)
class Text:
    limit: int
    label: str = "Text"
    required: bool = True

    def parse(self, name, value):
        if not isinstance(value, str):
            raise ProtocolError("invalid_field", f"{self.label} must be text.")
        value = value.strip()
        if not value:
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


CARD_TEXT = Text(TEXT_LIMIT, "Your contribution")
THEME_NAME = Text(THEME_NAME_LIMIT, "The theme name")
COLOUR = Choice(tuple(THEME_COLOURS))

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
    ("theme", "add"): ((FACILITATOR,), {"name": THEME_NAME, "colour": Choice(COLOUR.choices, False)}),
    ("theme", "rename"): ((FACILITATOR,), {"theme": Id(), "name": THEME_NAME}),
    ("theme", "recolour"): ((FACILITATOR,), {"theme": Id(), "colour": COLOUR}),
    ("theme", "merge"): ((FACILITATOR,), {"theme": Id(), "into": Id()}),
    ("theme", "delete"): ((FACILITATOR,), {"theme": Id()}),
    ("theme", "move"): ((FACILITATOR,), {"theme": Id(), "position": Count()}),
    ("round", "activate"): ((FACILITATOR,), {"round": Id()}),
    ("round", "close"): ((FACILITATOR,), {"round": Id()}),
    ("round", "reopen"): ((FACILITATOR,), {"round": Id()}),
}

# Events broadcast to every screen of an inquiry, each with its sequence number.
EVENTS = {
    ("card", "add"),
    ("card", "edit"),
    ("card", "delete"),
    ("card", "move"),
    ("theme", "add"),
    ("theme", "rename"),
    ("theme", "recolour"),
    ("theme", "merge"),
    ("theme", "delete"),
    ("theme", "move"),
    ("round", "activate"),
    ("round", "close"),
    ("round", "reopen"),
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
    if len(text.encode("utf-8")) > max_bytes:
        raise ProtocolError("too_large", f"Message too large: the limit is {max_bytes} bytes.")
    try:
        data = json.loads(text)
    except ValueError:
        raise ProtocolError("invalid_json", "That message was not valid JSON.") from None
    if not isinstance(data, dict):
        raise ProtocolError("invalid_message", "A message must be a JSON object with a type and an op.")
    kind, op = data.pop("type", None), data.pop("op", None)
    if not isinstance(kind, str) or not isinstance(op, str):
        raise ProtocolError("missing_field", "A message needs a type and an op.")
    spec = INBOUND.get((kind, op))
    if spec is None:
        raise ProtocolError("unknown_type", f"Unknown message type: {kind}.{op}.")
    roles, schema = spec
    if role not in roles:
        raise ProtocolError("forbidden", f"{kind}.{op} is not allowed for {ROLE_NAMES[role]}.")
    unknown = sorted(set(data) - set(schema))
    if unknown:
        raise ProtocolError("unknown_field", f"Unknown field(s) for {kind}.{op}: {', '.join(unknown)}.")
    fields = {}
    for name, field in schema.items():
        if name not in data:
            if field.required and not getattr(field, "nullable", False):
                raise ProtocolError("missing_field", f"{kind}.{op} needs the field {name}.")
            continue
        fields[name] = field.parse(name, data[name])
    return Message(kind, op, fields)


# Groups and frames ----------------------------------------------------------------------------------------


def inquiry_group(inquiry_id):
    """Every socket of one inquiry listens here; events for it are sent nowhere else."""
    return f"inquiry.{inquiry_id}"


def seq_header(seq, snapshot=False):
    mark = ' data-snapshot="1"' if snapshot else ""
    return f'<div id="lw-seq" hx-swap-oob="true" data-seq="{int(seq)}"{mark} hidden></div>'


def event_frame(seq, html):
    return seq_header(seq) + html


def replay_frame(seq, fragments):
    return seq_header(seq) + "".join(fragments)


def snapshot_frame(seq, html):
    return seq_header(seq, snapshot=True) + html


def ack_frame(client_id, card_id):
    """Told to the sender only: its post with this client id is stored."""
    return format_html(
        '<div id="lw-ack" hx-swap-oob="true" data-ack="{}" data-card="{}" hidden></div>', client_id, card_id
    )


def error_frame(code, message):
    """Told to the sender only, in the page's status region (role=status, so it is announced)."""
    return format_html(
        '<div id="lw-status" hx-swap-oob="innerHTML"><p class="error" data-code="{}">{}</p></div>',
        code,
        message,
    )
