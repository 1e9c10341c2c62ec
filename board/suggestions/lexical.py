"""Word-overlap similarity between texts of one batch (TF-IDF over the batch, numpy only).

Blended with the embedding similarity in ``suggest``: a shared rare word ("sharepoint", "evictions") is strong
evidence that two cards belong together, which a static embedding of short texts blurs. ``subword_gram`` does
the same over WordPiece tokens, so that parts of words match too ("nsstring" / "nsarray" share "ns").
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .labels import stem, words


def tfidf_gram(texts: list[str], shared_norm: bool = True) -> np.ndarray:
    """n x n cosine similarities of the texts' TF-IDF vectors over the words that at least two texts share
    (sublinear tf, smooth idf, stop words dropped).

    Texts without any shared word get a zero row. Words are lower-cased and crudely stemmed ("buses" ->
    "bus"). ``shared_norm=False`` normalises over all of a text's words instead, as a plain TF-IDF cosine.
    """
    n = len(texts)
    bags = [Counter(stem(w) for w in words(t)) for t in texts]
    df: Counter = Counter()
    for bag in bags:
        df.update(bag.keys())
    idf = {w: math.log((1.0 + n) / (1.0 + c)) + 1.0 for w, c in df.items()}
    # Words used once in the batch cannot link two texts: only shared words get a column, and a text's vector
    # is normalised over those words alone, so "matlab" in a title full of one-off words still counts fully
    # (+0.01 to +0.02 AMI at every N on StackOverflow; docs/suggestions.md).
    cols = {w: j for j, w in enumerate(w for w, c in df.items() if c >= 2)}
    m = np.zeros((n, max(1, len(cols))), dtype=np.float32)
    norms = np.zeros((n, 1), dtype=np.float32)
    for i, bag in enumerate(bags):
        for w, c in bag.items():
            v = (1.0 + math.log(c)) * idf[w]
            norms[i] += v * v
            j = cols.get(w)
            if j is not None:
                m[i, j] = v
    if shared_norm:
        norms = np.linalg.norm(m, axis=1, keepdims=True)
    else:
        norms = np.sqrt(norms)
    m /= np.where(norms > 0, norms, 1.0)
    return m @ m.T


def subword_gram(token_ids: list[list[int]]) -> np.ndarray:
    """n x n cosine similarities of TF-IDF vectors over WordPiece tokens shared by 2 to n/2 of the texts.

    Tokens in more than half the texts ("how", "?") carry no grouping signal and are left out; each vector is
    normalised over the tokens kept. Texts without any get a zero row.
    """
    n = len(token_ids)
    bags = [Counter(ids) for ids in token_ids]
    df: Counter = Counter()
    for bag in bags:
        df.update(bag.keys())
    cols = {t: j for j, t in enumerate(t for t, c in df.items() if 2 <= c <= n / 2)}
    m = np.zeros((n, max(1, len(cols))), dtype=np.float32)
    for i, bag in enumerate(bags):
        for t, c in bag.items():
            j = cols.get(t)
            if j is not None:
                m[i, j] = (1.0 + math.log(c)) * (math.log((1.0 + n) / (1.0 + df[t])) + 1.0)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    m /= np.where(norms > 0, norms, 1.0)
    return m @ m.T
