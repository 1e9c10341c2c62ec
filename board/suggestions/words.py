"""The meaning of a note's own words, beside the meaning of the note as a sentence.

A sentence encoder weighs how a note is put as much as what it is about: "We can't get the buses to run
past six" and "Traffic on the ring road is terrible" share no word and, as sentences, little vector, while
"bus" and "traffic" are close as words. So each note's vector is blended with the mean of its words'
vectors (``blend``): each word weighted by how rare it is in the batch (log((N + 1) / notes using it)),
the mean scaled to unit length and added with weight ``WEIGHT`` to the note's unit vector.

A word's vector is what the model gives the word alone. For the 21,499 words its vocabulary holds whole
they come from a table made once with the same model (``model/words.npz``, ``bench/export_words.py``); a
word the table lacks is looked up by its stem ("grants" -> "grant"), else, if two notes or more use it,
run through the model (and kept in its cache) as a note is; else left out.

Measured (10 seeds, docs/suggestions.md, "Fifth round"), AMI at N = 50/200: education 0.201/0.226 ->
0.213/0.250, climate 0.267/0.302 -> 0.295/0.323; StackOverflow within the draws' noise; tweets' number of
groups at N = 200 within [k/2, 2k] in 90 % of draws (was 70 %).
"""

from __future__ import annotations

import math
import threading

import numpy as np
from scipy.sparse import csr_matrix

from .embed import MODEL_DIR
from .labels import stem
from .labels import words as _words

WEIGHT = 0.6
# A word the table lacks (by itself and by its stem) is run through the model only where at least this many
# notes of the batch use it: a model run per word used once doubled the time of 1,000 StackOverflow titles
# (1.08 -> 1.83 s warm on the quiet box) for no gain beyond the draws' noise (docs/suggestions.md).
MODEL_WORD_USERS = 2
TABLE = MODEL_DIR / "words.npz"

_table: _Table | None = None
_lock = threading.Lock()


class _Table:
    def __init__(self, path=TABLE):
        with np.load(path) as z:
            self.row = {str(w): i for i, w in enumerate(z["words"])}
            self.q = z["q"]
            self.scale = z["scale"]
            self.comps = z["comps"]
            self.mean = z["mean"]

    def find(self, word: str) -> int | None:
        row = self.row.get(word)
        return self.row.get(stem(word)) if row is None else row


def table() -> _Table:
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = _Table()
    return _table


def blend(texts: list[str], x: np.ndarray, encoder) -> np.ndarray:
    """Unit vectors of ``texts`` (their sentence vectors ``x``, unit rows) blended with their words'
    (``WEIGHT``). A row of ``x`` that is zero (nothing the model knows) stays zero; a text with no word
    keeps its sentence vector."""
    if not WEIGHT or len(texts) < 3:
        return x
    per_text = [sorted({w.lower() for w in _words(t)}) for t in texts]
    users: dict[str, int] = {}
    for ws in per_text:
        for w in ws:
            users[w] = users.get(w, 0) + 1
    if not users:
        return x
    t = table()
    vocab = sorted(users)
    rows = [t.find(w) for w in vocab]
    in_table = [j for j, r in enumerate(rows) if r is not None]
    others = [j for j, r in enumerate(rows) if r is None and users[vocab[j]] >= MODEL_WORD_USERS]
    column = {w: j for j, w in enumerate(vocab)}
    n = len(texts)
    # notes x words, sparse: a round of 5,000 cards uses ~8,000 words.
    entries = [(i, column[w], math.log((n + 1) / users[w])) for i, ws in enumerate(per_text) for w in ws]
    r, c, v = zip(*entries, strict=True)
    weights = csr_matrix((np.array(v, dtype=np.float32), (r, c)), shape=(n, len(vocab)))
    bag = np.zeros((n, x.shape[1]), dtype=np.float32)
    if in_table:
        idx = np.array([rows[j] for j in in_table])
        projected = t.q[idx].astype(np.float32) * t.scale[idx, None]
        w_t = weights[:, in_table]
        bag += (w_t @ projected) @ t.comps + np.asarray(w_t.sum(axis=1)) * t.mean[None, :]
    if others:
        bag += weights[:, others] @ encoder.encode([vocab[j] for j in others])
    norms = np.linalg.norm(bag, axis=1, keepdims=True)
    ok = (norms[:, 0] > 1e-9) & (np.linalg.norm(x, axis=1) > 0)
    out = x.copy()
    out[ok] = x[ok] + WEIGHT * bag[ok] / norms[ok]
    out[ok] /= np.linalg.norm(out[ok], axis=1, keepdims=True)
    return out
