"""Theme suggestions: group short contributions ("cards") into named themes, on this server, offline.

Public API::

    suggest(texts, granularity=0, existing=None) -> Suggestion
    place(texts, existing, threshold=None) -> {index: theme name}
    warm() -> None

How it works (details and measurements in docs/suggestions.md):

1. each distinct text (whitespace- and case-insensitive) is embedded once, on its own, with a local model
   (``embed.py``: all-MiniLM-L6-v2 as int8 ONNX, run by onnxruntime), and blended with its own words'
   vectors (``words.py``); texts with no known token (blank, emoji-only) cannot be embedded;
2. the embeddings are centred on the batch mean, and notes that share a rare term ("wordpress", "EHCP")
   drawn closer (``jargon.py``); from 30 cards on, each card's similarities are averaged with its nearest
   neighbours' (``cluster.smooth``); where the Ward cuts' silhouette shows structure the tree is cut at its
   best k and groups are split where the silhouette does not fall, else the groups are the consensus
   communities of the neighbour graph; then a spherical k-means polish (``cluster.py``);
3. groups with fewer than ``min_group_size(N)`` cards go to ``unsorted``; the rest become themes, named by
   a short phrase of their own notes (``labels.py``), with the most central card as representative.

Everything here is pure and thread-safe: the only shared state is the model, loaded once under a lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from board.text import distinct_name, name_key

from . import cluster as _cluster
from . import jargon as _jargon
from . import words as _words
from .embed import get_encoder, model_name
from .labels import FALLBACK_CHARS, fallback_label, label_groups

os.environ.setdefault("HF_HUB_OFFLINE", "1")

__all__ = ["SuggestedTheme", "Suggestion", "suggest", "place", "warm", "min_group_size", "PLACE_THRESHOLDS"]

# Cosine similarity a new text needs with an existing theme's centroid, per model, and by how much it must
# beat
# the second-best theme. Chosen for precision ~0.8-0.9 at recall ~0.7 on labelled data (docs/suggestions.md).
PLACE_THRESHOLDS = {"minilm-onnx": 0.40}
# The longest suggested name: the start of a note, numbered where it is taken ("Start of a note… (2)").
NAME_LIMIT = FALLBACK_CHARS + 5
PLACE_MARGIN = 0.05
# A card whose cosine with its group's mean (leaving itself out) is below this goes to unsorted: a loner the
# clustering had to put somewhere. Measured: costs < 0.01 AMI on the benchmark, catches off-topic cards.
OUTLIER_FIT = float(os.environ.get("LINEWALK_SUGGESTER_OUTLIER", "0.05"))
# Each card's similarities are averaged with those of its nearest neighbours before grouping (``smooth``):
# +0.07 to +0.10 AMI at N = 200, +0.02 at N = 1,000 (StackOverflow), +0.05 at N = 200 on tweets. At most
# ``SMOOTH_NEIGHBOURS`` neighbours, n // 10 in smaller batches; below ``SMOOTH_SMALL_N`` cards a card keeps
# more of its own similarities (0.7, not 0.5): with 10 neighbours at N = 50 some batches fell to 2 groups.
SMOOTH_NEIGHBOURS = 10
SMOOTH_SMALL_N = 100
SMOOTH_SELF_WEIGHT = 0.5
SMOOTH_SELF_WEIGHT_SMALL = 0.7
# Below this many cards there is no smoothing: it turns a handful of cards into tight pairs and
# over-splits them (14 cards on 2 topics -> 4-5 themes).
SMALL_BATCH = 30
# Two notes that share a rare term (a word the encoder's vocabulary does not hold whole: "wordpress",
# "EHCP") add this much x the cosine of their rare terms to their similarity (``jargon.py``). 10 seeds
# (docs/suggestions.md, "Fifth round"), StackOverflow N = 50/200/1,000 AMI: 0 -> 0.583/0.645/0.698, 0.10
# 0.605/0.685/0.725, 0.15 0.636/0.721/0.755, 0.20 0.647/0.751/0.778; the workshops and tweets within
# +-0.01 of 0 up to 0.15 (education at N = 200 0.227/0.228/0.226), education -0.01 at 0.20.
JARGON_WEIGHT = 0.15


@dataclass
class SuggestedTheme:
    label: str  # a short phrase of the group's own notes, e.g. "Hospital discharge", "Energy & bills"
    members: list[int]  # indexes into the input texts
    representative: int  # index of the most representative text (closest to the centroid)


@dataclass
class Suggestion:
    themes: list[SuggestedTheme]  # ordered largest first
    unsorted: list[int]  # indexes of texts in tiny groups / noise (blank, emoji-only, loners)
    # With ``existing``: indexes of texts that belong to a facilitator-made theme -> that theme's name.
    # Those texts
    # are in neither ``themes`` nor ``unsorted``.
    placed: dict[int, str] = field(default_factory=dict)


def warm() -> None:
    """Load the model and the word table now (otherwise loaded on first use). Once per process; safe from
    any thread."""
    get_encoder()
    _words.table()


def note_vectors(texts: list[str]) -> np.ndarray:
    """Each text's vector as the suggester compares notes: the model's, blended with its words'
    (``words.blend``); a zero row for a text with nothing the model knows."""
    encoder = get_encoder()
    return _words.blend(texts, encoder.encode(texts), encoder)


def min_group_size(n: int) -> int:
    """Smallest group offered as a theme, for n cards: 2 up to 99 cards, 3 up to 399, then 4."""
    if n < 100:
        return 2
    if n < 400:
        return 3
    return 4


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def suggest(
    texts: list[str],
    *,
    granularity: int = 0,
    existing: dict[str, list[str]] | None = None,
    taken: Iterable[str] = (),
) -> Suggestion:
    """Suggest themes for ``texts``.

    ``granularity``: 0 lets the silhouette choose the number of themes; each step below (above) 0 asks for
    about
    1.4x fewer (more) groups. ``existing``: facilitator-made themes ``{name: [their texts]}``; texts that
    fit one
    of them are reported in ``Suggestion.placed`` (see ``place``) and the *other* texts are grouped into
    new themes,
    suggested in addition to the existing ones. ``taken``: names the inquiry's themes already have; no
    suggested theme gets one of them, in any case or spacing (``board.text.name_key``), nor two themes one
    name.
    """
    n = len(texts)
    if n == 0:
        return Suggestion(themes=[], unsorted=[])
    placed = place(texts, existing) if existing else {}

    # Distinct texts, each embedded once; blank texts go straight to unsorted.
    groups_of_key: dict[str, list[int]] = {}
    unsorted: list[int] = []
    for i, t in enumerate(texts):
        if i in placed:
            continue
        k = _key(t)
        if k:
            groups_of_key.setdefault(k, []).append(i)
        else:
            unsorted.append(i)
    dupes = list(groups_of_key.values())  # dupes[u] = indexes of texts equal to distinct text u
    min_size = min_group_size(n - len(placed))
    themes_idx: list[list[int]] = []  # each: distinct-text numbers (u)
    if dupes:
        distinct = [texts[d[0]] for d in dupes]
        x = note_vectors(distinct)
        ok = np.linalg.norm(x, axis=1) > 0
        # Texts with no known token (emoji-only, unknown script) can only group with their exact duplicates.
        for u in np.flatnonzero(~ok):
            themes_idx.append([int(u)])
        good = np.flatnonzero(ok)
        if len(good) >= 3:
            raw = similarity(x[good], smoothed=False, texts=[distinct[u] for u in good])
            sim = smooth(raw)
            lab = _cluster.cluster(sim, granularity=granularity, raw=raw, min_size=min_size)
            fit = _cluster.fit_to_own_cluster(sim, lab)
            for u in np.flatnonzero(fit < OUTLIER_FIT):  # loners that were merely parked in a group
                themes_idx.append([int(good[u])])
                lab[u] = -1
            for c in range(int(lab.max()) + 1):
                members_c = np.flatnonzero(lab == c)
                if not len(members_c):
                    continue
                centre_c = members_c[int(np.argmax(sim[np.ix_(members_c, members_c)].sum(axis=1)))]
                us = [int(good[centre_c])] + [int(good[m]) for m in members_c if m != centre_c]
                themes_idx.append(us)  # most central first
        else:
            themes_idx.extend([int(u)] for u in good)

    themes_members: list[tuple[list[int], list[int]]] = []  # (distinct u's, all text indexes)
    for us in themes_idx:
        members = sorted(i for u in us for i in dupes[u])
        if len(members) >= min_size:
            themes_members.append((us, members))
        else:
            unsorted.extend(members)

    taken_keys = {name_key(name) for name in taken}
    labels = (
        label_groups(texts, [m for _, m in themes_members], get_encoder(), taken=taken_keys)
        if themes_members
        else []
    )
    themes = []
    for (us, members), label in zip(themes_members, labels, strict=True):
        rep = dupes[us[0]][0]
        # A group with no candidate of its own, or whose only candidates are taken, is named by the start
        # of its most central note, numbered if that too is taken.
        label = distinct_name(label or fallback_label(texts[rep]), taken_keys, NAME_LIMIT)
        taken_keys.add(name_key(label))
        themes.append(SuggestedTheme(label=label, members=members, representative=rep))
    themes.sort(key=lambda t: (-len(t.members), t.members[0]))
    return Suggestion(themes=themes, unsorted=sorted(unsorted), placed=placed)


def similarity(x: np.ndarray, smoothed: bool = True, texts: list[str] | None = None) -> np.ndarray:
    """Embedding cosine after centring on the batch, n x n, plus ``JARGON_WEIGHT`` x the cosine of the rare
    terms ``texts`` share (``jargon.overlap``; the texts behind ``x``, if given); from ``SMALL_BATCH`` cards
    on, each card's row averaged with its nearest neighbours' (``cluster.smooth``)."""
    xc = _cluster.centre(x)
    sim = (xc @ xc.T).astype(np.float32)
    if texts is not None and JARGON_WEIGHT:
        sim += np.float32(JARGON_WEIGHT) * _jargon.overlap(texts, get_encoder().knows)
    return smooth(sim) if smoothed else sim


def smooth(sim: np.ndarray) -> np.ndarray:
    """From ``SMALL_BATCH`` cards on, each card's row of ``sim`` averaged with its nearest neighbours'
    (``cluster.smooth``); a smaller batch's as it is."""
    n = len(sim)
    if n < SMALL_BATCH:
        return sim
    self_weight = SMOOTH_SELF_WEIGHT_SMALL if n < SMOOTH_SMALL_N else SMOOTH_SELF_WEIGHT
    return _cluster.smooth(sim, min(SMOOTH_NEIGHBOURS, n // 10), self_weight)


def place(texts: list[str], existing: dict[str, list[str]], threshold: float | None = None) -> dict[int, str]:
    """Which of ``texts`` probably belong to which existing theme: ``{index: theme name}``.

    Each theme is represented by the centroid of its texts' embeddings; a text goes to the most similar
    centroid if
    the cosine similarity is at least ``threshold`` (default: measured per model, ``PLACE_THRESHOLDS``) and
    beats
    the runner-up by ``PLACE_MARGIN``. Texts close to no theme (and blank or emoji-only texts) are absent.
    Raw cosine is used, not centred as in ``suggest``: centring on a handful of texts made the best threshold
    drift with the number of themes (0.0 to 0.3), while the raw threshold held steady (docs/suggestions.md).
    """
    names = [name for name, members in (existing or {}).items() if any(_key(m) for m in members)]
    if not texts or not names:
        return {}
    if threshold is None:
        threshold = PLACE_THRESHOLDS.get(model_name(), 0.5)
    enc = get_encoder()
    theme_texts = [[m for m in existing[name] if _key(m)] for name in names]
    flat = [m for ms in theme_texts for m in ms]
    emb = enc.encode(list(texts) + flat)
    ok = np.linalg.norm(emb, axis=1) > 0
    new, old = emb[: len(texts)], emb[len(texts) :]
    owner = np.repeat(np.arange(len(names)), [len(ms) for ms in theme_texts])
    sums = np.zeros((len(names), emb.shape[1]), dtype=np.float64)
    np.add.at(sums, owner, old)
    cent = _cluster.normalise(sums)
    sims = new @ cent.T
    out = {}
    for i in range(len(texts)):
        if not ok[i]:
            continue
        order = np.argsort(-sims[i])
        best = sims[i, order[0]]
        second = sims[i, order[1]] if len(order) > 1 else -1.0
        if best >= threshold and best - second >= PLACE_MARGIN:
            out[i] = names[int(order[0])]
    return out
