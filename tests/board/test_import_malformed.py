"""Malformed import files are refused with a clear 400 and nothing is created: an outside test found
several that gave HTTP 500 (a date that does not exist, a list where a reference goes, JSON nested
thousands deep, a number of thousands of digits, a NUL or a lone surrogate in a text)."""

import copy
import json

import pytest

from inquiry.models import Inquiry

from .test_exports import make_board
from .test_import import exported, upload


def mutate(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return json.dumps(data).encode()

    return change


BROKEN = {
    "a date that does not exist": mutate(("cards", 0, "created"), "2026-02-30T10:00:00+00:00"),
    "a list as a reference": mutate(("cards", 0, "round"), ["r1"]),
    "an object as a reference": mutate(("dots", 0, "card"), {"ref": "c1"}),
    "a list as the current round": mutate(("inquiry", "current_round"), ["r1"]),
    "a NUL in a card's text": mutate(("cards", 0, "text"), "nul \x00 here"),
    "a lone surrogate in a card's text": mutate(("cards", 0, "text"), "half \ud83d a pair"),
    "a lone surrogate in a sector": mutate(("inquiry", "sectors"), ["NHS \udc00"]),
    "a NUL in a participant's name": mutate(("participants", 0, "display_name"), "\x00"),
    "JSON nested 5,000 deep": lambda data: b"[" * 5000 + b"]" * 5000,
    "a number of 5,000 digits": lambda data: (
        b'{"format": "linewalk.inquiry", "version": ' + b"9" * 5000 + b"}"
    ),
    "a text as a position": mutate(("themes", 0, "position"), "²"),
    "a huge position": mutate(("themes", 0, "position"), 2**80),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_malformed_file_is_refused_with_a_clear_message(case, alice, inquiry, carol, dave):
    make_board(inquiry)
    data = exported(alice, inquiry)
    before = Inquiry.objects.count()
    response = upload(alice, BROKEN[case](copy.deepcopy(data)))
    assert response.status_code == 400, response.content[:300]
    assert b'class="error"' in response.content or b"problem" in response.content
    assert Inquiry.objects.count() == before
