"""What a frame the server pushes tells a client's board: sequence number, benchmark posts, theme columns,
acks, errors and card moves, parsed once per distinct frame in a client process."""

from __future__ import annotations

import re
from typing import NamedTuple

# A post's token: its client id's 32 hex digits spelt in the letters a-p. Letters only, so that the
# safeguarding check (NHS numbers, phone numbers, dates...) never holds a benchmark post back.
TOKEN_RE = re.compile(r"bench ([a-p]{32})")
HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def token_of(client_id):
    return str(client_id).replace("-", "").lower().translate(HEX_TO_LETTERS)


ACK_RE = re.compile(r'data-ack="([0-9a-fA-F-]{36})"')
ERROR_RE = re.compile(r'class="error" data-code="([^"]*)"')
SEQ_RE = re.compile(r'<div id="lw-seq"[^>]*data-seq="(\d+)"')
THEME_RE = re.compile(r'<section class="theme" id="theme-(\d+)"(.*?)</section>', re.S)
CARD_IN_THEME_RE = re.compile(r'<li class="card[^"]*" id="card-(\d+)"')
CARD_ID_RE = re.compile(r'<li class="card[^"]*" id="card-(\d+)"')
# A card moved without re-rendering columns (board.render.card_moved): it is deleted where it was, then
# inserted at the end of a theme's list or before another card.
CARD_OP_RE = re.compile(
    r'<div id="card-(\d+)" hx-swap-oob="(?:lw-)?delete">'
    r'|<div hx-swap-oob="(?:lw-)?(beforeend|beforebegin):#(?:cards-theme-(\d+)|card-(\d+)|[\w-]+)">\s*'
    r'<li class="card[^"]*" id="card-(\d+)"'
)


def parse_themes(message):
    """{theme id: (card ids in order)} for every theme column this frame (re)renders whole."""
    if '<section class="theme"' not in message:
        return {}
    return {
        int(t): tuple(int(c) for c in CARD_IN_THEME_RE.findall(body)) for t, body in THEME_RE.findall(message)
    }


class Frame(NamedTuple):
    """What one text frame tells a client's board."""

    seq: int | None  # its data-seq, if it starts with the lw-seq element
    snapshot: bool  # that element says data-snapshot="1": the theme columns start afresh
    tokens: tuple  # benchmark posts it shows, each once, in order
    themes: dict | None  # theme columns it (re)renders whole: {theme id: (card ids)}
    acks: tuple  # tokens of the posts it acknowledges
    error: str | None  # the data-code of an error it carries ("?" if unreadable)
    card_ops: tuple  # in order: ("delete", card, None), ("end", theme, card), ("before", card, new card)


def read_frame(message):
    seq, snapshot = None, False
    if message.startswith('<div id="lw-seq"'):
        found = SEQ_RE.match(message)
        if found:
            seq, snapshot = int(found.group(1)), 'data-snapshot="1"' in message[:200]
    error = None
    if 'class="error"' in message:
        found = ERROR_RE.search(message)
        error = found.group(1) if found else "?"
    return Frame(
        seq,
        snapshot,
        tuple(dict.fromkeys(TOKEN_RE.findall(message))) if "bench " in message else (),
        parse_themes(message) or None,
        tuple(token_of(ack) for ack in ACK_RE.findall(message)) if 'data-ack="' in message else (),
        error,
        tuple(card_ops(message)) if 'delete">' in message or ":#card" in message else (),
    )


def card_ops(message):
    for deleted, swap, theme, before, card in CARD_OP_RE.findall(message):
        if deleted:
            yield "delete", int(deleted), None
        elif swap == "beforeend" and theme:
            yield "end", int(theme), int(card)
        elif swap == "beforebegin" and before:
            yield "before", int(before), int(card)


def apply_card_ops(themes, ops):
    """Follow a card's move in a board's theme columns ({theme id: (card ids)})."""
    for op, target, card in ops:
        if op == "delete":
            for theme, cards in themes.items():
                if target in cards:
                    themes[theme] = tuple(c for c in cards if c != target)
        elif op == "end":
            themes[target] = themes.get(target, ()) + (card,)
        else:
            for theme, cards in themes.items():
                if target in cards:
                    at = cards.index(target)
                    themes[theme] = cards[:at] + (card,) + cards[at:]
                    break


class FrameCache:
    """Frames parsed once per distinct content in a client process: a broadcast reaches hundreds of its
    sockets with the same bytes. Looked up by length, head and tail, then confirmed by comparing the whole
    payload (a memcmp, cheaper than hashing it), so two frames that differ anywhere never share a parse.
    Bounded: the oldest keys go first."""

    def __init__(self, size=256, per_key=4):
        self.size, self.per_key = size, per_key
        self.entries = {}  # (length, first 64 bytes, last 64 bytes) -> [(payload, Frame)]
        self.hits = self.misses = 0
        self.last = (None, None)  # (payload, Frame) of the latest lookup

    def get(self, payload):
        """The Frame of a text payload (bytes); UnicodeDecodeError if it is not UTF-8."""
        if payload == self.last[0]:  # a broadcast: the same bytes arrive on socket after socket
            self.hits += 1
            return self.last[1]
        key = (len(payload), payload[:64], payload[-64:])
        bucket = self.entries.get(key)
        if bucket is not None:
            for known, frame in bucket:
                if known == payload:
                    self.hits += 1
                    self.last = known, frame
                    return frame
        frame = read_frame(payload.decode("utf-8"))
        self.misses += 1
        if bucket is None:
            if len(self.entries) >= self.size:
                del self.entries[next(iter(self.entries))]
            bucket = self.entries[key] = []
        elif len(bucket) >= self.per_key:
            del bucket[0]
        bucket.append((payload, frame))
        self.last = payload, frame
        return frame
