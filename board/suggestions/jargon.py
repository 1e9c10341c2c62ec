"""Rare terms two notes share: the names of tools, products, people and services ("wordpress", "matlab",
"EHCP", "CAMHS", "retrofit") that a general vocabulary does not hold.

A sentence encoder reads such a term as a run of word pieces ("word ##press") and gives it little weight,
so two notes about the same tool in different words ("Custom post types in wordpress" and "Hide the
admin bar for subscribers, wordpress") can land apart. A room names its own subject with exactly these
words. So two notes that share one add to their similarity (``suggest``) the cosine of their terms, each
weighted by how rare it is in the batch (log(N / notes using it)).

A *term* is a word (stop words, digits and one-letter words out; plurals folded as the names fold them:
``labels.stem``) that is not a whole token of the encoder's WordPiece vocabulary, in any of its written
forms. Everyday words ("bus", "funding", "send", even an acronym that is a word: "SEND", "LA") are whole
tokens and do not count: a workshop's whole subject ("SEND" in an education inquiry) would otherwise tie
every note to every other. Only terms at least two notes of the batch use count.

Measured (docs/suggestions.md, "Fifth round"): StackOverflow AMI +0.05 to +0.08, tweets and the workshops
within the draws' noise.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from .labels import stem, words

MIN_LETTERS = 3  # a term's stem has at least this many characters ("pv", "ta" are too ambiguous)


@functools.lru_cache(maxsize=65_536)
def _term(word: str, known: Callable[[str], bool]) -> str | None:
    root = stem(word)
    if len(root) < MIN_LETTERS or known(word.lower()) or known(root):
        return None
    return root


def terms(text: str, known: Callable[[str], bool]) -> set[str]:
    """The rare terms of ``text``: words ``known`` (a whole word of the general vocabulary?) does not
    know, folded to their stems."""
    out = set()
    for w in words(text):
        t = _term(w, known)
        if t is not None:
            out.add(t)
    return out


def overlap(texts: list[str], known: Callable[[str], bool]) -> np.ndarray:
    """n x n cosine of the texts' rare terms, each weighted by log(n / texts using it); terms only one
    text uses are left out. A text with no shared term has 0 with every other."""
    n = len(texts)
    sets = [terms(t, known) for t in texts]
    users: dict[str, int] = {}
    for s in sets:
        for t in s:
            users[t] = users.get(t, 0) + 1
    column = {t: j for j, t in enumerate(t for t, c in users.items() if c >= 2)}
    if not column:
        return np.zeros((n, n), dtype=np.float32)
    m = np.zeros((n, len(column)), dtype=np.float32)
    for i, s in enumerate(sets):
        for t in s:
            j = column.get(t)
            if j is not None:
                m[i, j] = math.log(n / users[t])
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    m /= np.where(norms > 0, norms, 1.0)
    return m @ m.T
