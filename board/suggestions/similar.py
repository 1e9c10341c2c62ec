"""Cards like this one: the suggester's own similarity (board.suggestions.similarity: embeddings from the
local ONNX model, centred on the batch, smoothed over near neighbours on a big board), asked for one card.
The facilitator's workspace uses it to gather a theme quickly: the cards it names are selected, then
moved together (board/arrange.py)."""

import numpy as np

from . import _key, note_vectors, similarity

# A card is "like" the one asked about when its similarity is this many standard deviations above the
# mean of the batch's similarities to that card (centred cosines shift with the batch, a fixed cut
# would not hold), and among the MOST closest.
SPREAD = 2.0
MOST = 30


def similar(text: str, texts: list[str], most: int = MOST) -> list[int]:
    """Indexes of ``texts`` like ``text``, most alike first. Exact duplicates (same words, case and
    spacing aside) always count; a text with no word the model knows is like its duplicates only."""
    key = _key(text)
    same = [i for i, t in enumerate(texts) if key and _key(t) == key]
    others = [i for i, t in enumerate(texts) if _key(t) and i not in set(same)]
    if not key or len(others) < 2:
        return same[:most]
    batch = [text] + [texts[i] for i in others]
    x = note_vectors(batch)
    if not np.linalg.norm(x[0]) > 0:
        return same[:most]
    row = similarity(x, texts=batch)[0, 1:]
    cut = float(row.mean() + SPREAD * row.std())
    order = np.argsort(-row, kind="stable")
    near = [others[j] for j in order[: max(0, most - len(same))] if row[j] >= cut]
    return same + near
