"""Word-overlap similarity between texts of one batch (TF-IDF over the batch, numpy only).

Blended with the embedding similarity in ``suggest``: a shared rare word ("sharepoint", "evictions") is strong
evidence that two cards belong together, which a static embedding of short texts blurs.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .labels import stem, words


def tfidf_gram(texts: list[str]) -> np.ndarray:
    """n x n cosine similarities of the texts' TF-IDF vectors (sublinear tf, smooth idf, stop words dropped).

    Texts without any word get a zero row. Words are lower-cased and crudely stemmed ("buses" -> "bus").
    """
    n = len(texts)
    bags = [Counter(stem(w) for w in words(t)) for t in texts]
    df: Counter = Counter()
    for bag in bags:
        df.update(bag.keys())
    idf = {w: math.log((1.0 + n) / (1.0 + c)) + 1.0 for w, c in df.items()}
    # Words used once in the batch cannot link two texts: only shared words get a column, but every word
    # counts in a text's norm, as in a plain TF-IDF cosine.
    cols = {w: j for j, w in enumerate(w for w, c in df.items() if c >= 2)}
    m = np.zeros((n, max(1, len(cols))), dtype=np.float32)
    for i, bag in enumerate(bags):
        if not bag:
            continue
        weights = {w: (1.0 + math.log(c)) * idf[w] for w, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in weights.values()))
        for w, v in weights.items():
            j = cols.get(w)
            if j is not None:
                m[i, j] = v / norm
    return m @ m.T
