"""Grouping of embedded texts: Ward linkage cut where the silhouette shows structure, else the consensus
communities of the neighbour graph; then a spherical k-means polish.

Pure numpy + scipy (``scipy.cluster.hierarchy`` for the linkages). All functions are pure: no shared state.

Measured choices (docs/suggestions.md, ``python -m bench.themes``):

* Ward linkage on the vectors behind the similarities; every cut k in [3, k_max] is scored by its mean
  silhouette. Above ``SIL_STRUCTURE`` (StackOverflow titles, tweets) the best cut's k is kept (below
  ``SMALL_N`` cards the largest k near it); below it (workshop notes: the silhouette grows with k and has no
  peak) the groups are the consensus of ``CONSENSUS_RUNS`` Louvain runs on the k-nearest-neighbour graph;
* ``smooth`` (called by ``suggest`` from 30 cards on) averages each point's similarities with those of its
  nearest neighbours before the linkage (+0.07 to +0.10 AMI at N = 200, +0.02 at N = 1,000);
* a few rounds of spherical k-means seeded with the groups move borderline texts to the closer centroid,
  then a few more on the unsmoothed similarities.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

# Mean silhouette above which a batch has substantial cluster structure (Kaufman and Rousseeuw, 1990:
# <= 0.25 "no substantial structure"), and the silhouette's best k is trusted.
SIL_STRUCTURE = 0.25
# Otherwise the groups are the modularity communities (Louvain at COMMUNITY_RESOLUTION) of the graph joining
# each card to its GRAPH_NEIGHBOURS most similar cards, made stable by consensus: CONSENSUS_RUNS runs with
# the cards visited in different orders, and cards kept together where most runs put them together
# (docs/suggestions.md: resolution 1.0-2.0, 10-20 runs and the majority bar 0.4-0.6 measured). 1.5 until the
# notes' own words were blended in (words.py); with them 1.5 gave education's 263 notes 25 groups for 11
# themes (over 2k), 1.25 gives 15 for the same AMI within the draws' noise ("Fifth round").
GRAPH_NEIGHBOURS = 5
COMMUNITY_RESOLUTION = 1.25
# Below SMALL_N cards a theme holds only a few cards, under modularity's resolution limit (a community needs
# about sqrt(2 x edges) inner edges), so one run merges them: a higher resolution there (N = 50, 20 seeds:
# 1.5 gave StackOverflow k within [k/2, 2k] in 75 % of draws, 2.0 in 85 %, 2.5 in 100 %).
COMMUNITY_RESOLUTION_SMALL = 2.5
CONSENSUS_RUNS = 20
CONSENSUS_BAR = 0.5
# Below this many cards (no neighbour smoothing), communities beyond the silhouette's best k are
# distrusted: a handful of cards on three topics in varied wording (7-15 cards) split into 4-5
# communities. From this many cards on the communities stand: education's 50-note draw of seed 0 has its
# best silhouette at k = 3 (a tight subgroup, 0.166) where its communities are 10 (0.125), and the cap
# made 3 themes of 10 topics.
FEW_CARDS = 30
MIN_K = 3  # never fewer themes than this from a batch that has the cards for them
# Below SMALL_N cards, where the best silhouette shows structure, the largest k whose silhouette is within
# SMALL_N_TOLERANCE (relative) of the best is kept: the curve is flat near its top there and its argmax
# wanders, while a small batch of a varied room holds many small groups (tweets at N = 50: 28 labels, 17
# of one note). 20 seeds at N = 50: tweets k within [k/2, 2k] 75 % -> 95 %, AMI 0.700 -> 0.726;
# StackOverflow 0.562 -> 0.565; the workshops unchanged (docs/suggestions.md).
SMALL_N = 100
SMALL_N_TOLERANCE = 0.08
REFINE_ITERATIONS = 10
GRANULARITY_STEP = 1.4  # each granularity step multiplies / divides k by this (at least +-1)


def normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 1e-12, norms, 1.0)


def centre(x: np.ndarray) -> np.ndarray:
    """Remove the batch's common direction, then back to unit length."""
    if len(x) < 3:
        return x
    return normalise(x - x.mean(axis=0, keepdims=True))


def smooth(s: np.ndarray, neighbours: int, self_weight: float) -> np.ndarray:
    """Gram matrix of each point averaged with its nearest neighbours: M s M^T, M = a I + (1 - a) W / k.

    ``W`` holds each point's ``neighbours`` most similar other points (by ``s``); ``a`` is ``self_weight``. A
    card that shares no word with its group (a "matlab" title without "matlab") is pulled towards the cards
    it resembles most, which do: one step of neighbourhood averaging, as in graph smoothing. O(n^2 k).
    """
    n = len(s)
    k = min(neighbours, n - 1)
    if k < 1 or self_weight >= 1.0:
        return s
    others = s.copy()
    np.fill_diagonal(others, -np.inf)
    idx = np.argpartition(-others, k - 1, axis=1)[:, :k]  # n x k
    a, b = self_weight, (1.0 - self_weight) / k
    ws = s[idx].sum(axis=1)  # (W s): row i = sum of its neighbours' rows
    wsw = ws[:, idx].sum(axis=2)  # (W s W^T)
    out = a * a * s + a * b * (ws + ws.T) + b * b * wsw
    return out.astype(s.dtype)


def k_max_for(n: int) -> int:
    return max(2, min(n - 1, int(math.ceil(2.5 * math.sqrt(n))) + 2, 80))


def _relabel(lab: np.ndarray) -> np.ndarray:
    _, inv = np.unique(lab, return_inverse=True)
    return inv.astype(np.int64)


def gram_to_distance(s: np.ndarray) -> np.ndarray:
    """Squared-Euclidean-halved distances from a Gram matrix of (possibly non-unit) vectors: 1 - cos for
    unit ones."""
    diag = np.diag(s)
    d = (diag[:, None] + diag[None, :]) / 2.0 - s
    d = np.clip(d, 0.0, None).astype(np.float32)
    np.fill_diagonal(d, 0.0)
    return d


def silhouette_by_k(d: np.ndarray, z: np.ndarray, ks: range) -> dict[int, tuple[float, np.ndarray]]:
    """Mean silhouette (distance matrix ``d``) of each cut of linkage ``z`` into k clusters, for k in ``ks``.

    Cuts of one dendrogram are nested, so most clusters recur from one k to the next: each cluster's column of
    summed distances is computed once and cached by its member set.
    """
    n = len(d)
    cache: dict[bytes, np.ndarray] = {}
    out = {}
    for k in ks:
        lab = _relabel(fcluster(z, k, criterion="maxclust"))
        kk = int(lab.max()) + 1
        if kk < 2:
            continue
        order = np.argsort(lab, kind="stable")
        counts = np.bincount(lab, minlength=kk)
        bounds = np.concatenate([[0], np.cumsum(counts)])
        sums = np.empty((n, kk), dtype=np.float32)
        for j in range(kk):
            members = order[bounds[j] : bounds[j + 1]]
            key = members.tobytes()
            col = cache.get(key)
            if col is None:
                col = d[:, members].sum(axis=1)
                cache[key] = col
            sums[:, j] = col
        own = sums[np.arange(n), lab]
        own_count = counts[lab]
        a = np.where(own_count > 1, own / np.maximum(own_count - 1, 1), 0.0)
        mean_to = sums / counts[None, :]
        mean_to[np.arange(n), lab] = np.inf
        b = mean_to.min(axis=1)
        sil = np.where(own_count > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
        out[kk] = (float(sil.mean()), lab)
    return out


def kernel_kmeans(s: np.ndarray, lab: np.ndarray, iterations: int = REFINE_ITERATIONS) -> np.ndarray:
    """Spherical k-means on the vectors behind Gram matrix ``s``, seeded with ``lab``. Never drops a cluster.

    A point's score for cluster c is its dot product with c's normalised mean: sum_{j in c} s_ij / |sum_c|,
    where
    |sum_c|^2 = sum_{j,l in c} s_jl.
    """
    n = len(s)
    k = int(lab.max()) + 1
    for _ in range(iterations):
        onehot = np.zeros((n, k), dtype=s.dtype)
        onehot[np.arange(n), lab] = 1.0
        to = s @ onehot  # n x k: summed similarity to each cluster
        norms = np.sqrt(np.maximum((onehot * to).sum(axis=0), 1e-12))
        new = np.argmax(to / norms[None, :], axis=1)
        if np.array_equal(new, lab):
            break
        if not (
            np.bincount(new, minlength=k) > 0
        ).all():  # a cluster lost all its members: keep the last labelling
            break
        lab = new
    return lab


def knn_graph(s: np.ndarray, neighbours: int) -> list[dict[int, float]]:
    """Symmetric graph joining each point to its ``neighbours`` most similar others (weight: similarity,
    at least a small positive floor), as adjacency dicts."""
    n = len(s)
    k = min(neighbours, n - 1)
    others = s.copy()
    np.fill_diagonal(others, -np.inf)
    idx = np.argpartition(-others, k - 1, axis=1)[:, :k]
    adj: list[dict[int, float]] = [{} for _ in range(n)]
    for i in range(n):
        for j in idx[i].tolist():
            w = max(float(s[i, j]), 1e-3)
            adj[i][j] = adj[j][i] = max(adj[i].get(j, 0.0), w)
    return adj


def louvain(adj: list[dict[int, float]], resolution: float = 1.0) -> np.ndarray:
    """Communities of a weighted graph by modularity (Louvain: local moves, then aggregation; Blondel et
    al. 2008). Deterministic: nodes are visited in order. Returns labels 0..c-1."""
    n = len(adj)
    labels = np.arange(n)
    graph = adj
    while True:
        comm, moved = _louvain_local_moves(graph, resolution)
        comm = _relabel(np.asarray(comm))
        labels = comm[labels]
        if not moved or comm.max() + 1 == len(graph):
            return _relabel(labels)
        agg: list[dict[int, float]] = [{} for _ in range(int(comm.max()) + 1)]
        for i, nbrs in enumerate(graph):
            ci = int(comm[i])
            for j, w in nbrs.items():
                cj = int(comm[j])
                agg[ci][cj] = agg[ci].get(cj, 0.0) + w
        graph = agg


def _louvain_local_moves(graph: list[dict[int, float]], resolution: float) -> tuple[list[int], bool]:
    n = len(graph)
    degree = [sum(nbrs.values()) for nbrs in graph]
    two_m = sum(degree)
    if two_m <= 0:
        return list(range(n)), False
    comm = list(range(n))
    total = list(degree)  # summed degree of each community
    moved_any = False
    improved = True
    while improved:
        improved = False
        for i in range(n):
            ci, ki = comm[i], degree[i]
            links: dict[int, float] = {}
            for j, w in graph[i].items():
                if j != i:
                    links[comm[j]] = links.get(comm[j], 0.0) + w
            total[ci] -= ki
            best, best_gain = ci, links.get(ci, 0.0) - resolution * total[ci] * ki / two_m
            for c, w in links.items():
                gain = w - resolution * total[c] * ki / two_m
                if gain > best_gain + 1e-12:
                    best, best_gain = c, gain
            total[best] += ki
            if best != ci:
                comm[i] = best
                improved = moved_any = True
    return comm, moved_any


def consensus_communities(s: np.ndarray) -> np.ndarray:
    """Labels from ``CONSENSUS_RUNS`` Louvain runs on the neighbour graph of ``s``, each visiting the cards
    in another (fixed, seeded) order: two cards share a group where over ``CONSENSUS_BAR`` of the runs put
    them together (average linkage on the share of runs that split them). One Louvain run depends on the
    order it visits the cards in; the consensus does much less, and groups better: workshop AMI +0.01 to
    +0.04 over the Ward cut at 1.5 x one run's count of communities (docs/suggestions.md)."""
    n = len(s)
    adj = knn_graph(s, GRAPH_NEIGHBOURS)
    resolution = COMMUNITY_RESOLUTION if n >= SMALL_N else COMMUNITY_RESOLUTION_SMALL
    # The visiting orders come from the cards' similarities, not from the order they arrived in, so the
    # same cards give the same groups whatever their order: most connected card first, then seeded
    # shuffles of that ranking.
    ranking = np.argsort(-s.sum(axis=1), kind="stable")
    rng = np.random.default_rng(0)
    together = np.zeros((n, n), dtype=np.float32)
    for run in range(CONSENSUS_RUNS):
        order = ranking if run == 0 else ranking[rng.permutation(n)]
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        graph = [{int(position[j]): w for j, w in adj[i].items()} for i in order.tolist()]
        lab = louvain(graph, resolution=resolution)[position]
        together += lab[:, None] == lab[None, :]
    apart = 1.0 - together / CONSENSUS_RUNS
    np.fill_diagonal(apart, 0.0)
    z = linkage(apart[np.triu_indices(n, k=1)].astype(np.float64), method="average")
    return _relabel(fcluster(z, 1.0 - CONSENSUS_BAR, criterion="distance"))


def choose_k(s: np.ndarray, scores: dict[int, tuple[float, np.ndarray]]) -> tuple[int, np.ndarray | None]:
    """The number of groups, from the data, and the groups themselves where they do not come from a cut.

    Where the best cut's mean silhouette shows substantial structure (> ``SIL_STRUCTURE``, Kaufman and
    Rousseeuw's bound), its k is kept (below ``SMALL_N`` cards: the largest k within ``SMALL_N_TOLERANCE``
    of it). Below it the silhouette only grows with k (workshop notes: 0.10 at k = 3 to 0.17 at the cap, no
    peak) and says nothing about k; the groups are then the consensus communities of the neighbour graph
    (``consensus_communities``), at least ``MIN_K`` of them (else the Ward cut at ``MIN_K``) and, below
    ``FEW_CARDS`` cards, no more than the silhouette's best k (else the Ward cut there).
    """
    best_k = max(scores, key=lambda k: (scores[k][0], -k))
    best = scores[best_k][0]
    if best > SIL_STRUCTURE:
        if len(s) < SMALL_N:
            return max(k for k in scores if scores[k][0] >= best * (1.0 - SMALL_N_TOLERANCE)), None
        return best_k, None
    lab = consensus_communities(s)
    k = int(lab.max()) + 1
    if k > best_k and len(s) < FEW_CARDS:
        # A handful of cards on two or three topics: more communities than the curve's top.
        return best_k, None
    return (k, lab) if k >= MIN_K else (MIN_K, None)


def _mean_silhouette(sums: np.ndarray, counts: np.ndarray, lab: np.ndarray) -> float:
    """Mean silhouette from each point's summed distances to each group (``sums``, n x k)."""
    n = len(lab)
    rows = np.arange(n)
    own_count = counts[lab]
    a = np.where(own_count > 1, sums[rows, lab] / np.maximum(own_count - 1, 1), 0.0)
    mean_to = sums / np.maximum(counts, 1)[None, :]
    mean_to[rows, lab] = np.inf
    b = mean_to.min(axis=1)
    return float(np.where(own_count > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0).mean())


def split_sharper(d: np.ndarray, lab: np.ndarray, min_size: int) -> np.ndarray:
    """Split a group in two wherever the batch's mean silhouette (distances ``d``) does not fall for it.

    One cut of the Ward tree splits the same way everywhere; a batch of many small, tight topics (tweets:
    53-65 labels in 200) reaches its best silhouette with some of them merged where the next cut would
    split others that should stay whole. So each group, largest first, is cut in two by its own Ward
    tree, halves of at least ``min_size`` cards, and the split is kept where the mean silhouette of the
    whole batch is at least what it was; kept halves are tried again. Measured (10 seeds, with the rare
    terms): tweets at N = 1,000 k within [k/2, 2k] 60 % -> 90 % of draws, AMI 0.861 -> 0.873;
    StackOverflow within 0.002 (docs/suggestions.md, "Fifth round").
    """
    lab = lab.copy()
    n = len(lab)
    k = int(lab.max()) + 1
    onehot = np.zeros((n, k), dtype=np.float32)
    onehot[np.arange(n), lab] = 1.0
    sums = d @ onehot
    counts = np.bincount(lab, minlength=k)
    best = _mean_silhouette(sums, counts, lab)
    queue = sorted(range(k), key=lambda c: -counts[c])
    while queue:
        c = queue.pop(0)
        members = np.flatnonzero(lab == c)
        if len(members) < 2 * min_size:
            continue
        dg = d[np.ix_(members, members)]
        cond = np.sqrt(2.0 * dg[np.triu_indices(len(members), k=1)]).astype(np.float64)
        half = fcluster(linkage(cond, method="ward"), 2, criterion="maxclust") == 2
        if min(int(half.sum()), len(members) - int(half.sum())) < min_size:
            continue
        moved = members[half]
        column = d[:, moved].sum(axis=1)
        trial_sums = np.concatenate([sums, column[:, None]], axis=1)
        trial_sums[:, c] -= column
        trial_counts = np.append(counts, len(moved))
        trial_counts[c] -= len(moved)
        trial = lab.copy()
        trial[moved] = k
        score = _mean_silhouette(trial_sums, trial_counts, trial)
        if score >= best:
            lab, sums, counts, best = trial, trial_sums, trial_counts, score
            queue += [c, k]
            k += 1
    return lab


def cluster(
    s: np.ndarray, granularity: int = 0, raw: np.ndarray | None = None, min_size: int = 2
) -> np.ndarray:
    """Labels 0..k-1 for the points behind Gram matrix ``s`` (n x n similarities). Needs n >= 3.

    ``raw``: the similarities before neighbour smoothing, if ``s`` was smoothed; the last polish runs on
    them, so a card's own words get the last say over its neighbours' (StackOverflow N = 1,000 +0.008 AMI
    at the true k, workshops within 0.003: docs/suggestions.md).

    Ward linkage on the Euclidean distances the Gram matrix implies (exact Ward in the vectors' space), cut at
    the k ``choose_k`` picks, or the communities it found. ``granularity`` 0 keeps them; each step up (down)
    multiplies (divides) their number by ``GRANULARITY_STEP``, at least +-1, and cuts the Ward tree there.
    Where the batch has structure and ``granularity`` is 0, groups are then split where the silhouette
    says so (``split_sharper``, halves of at least ``min_size`` cards).
    """
    n = len(s)
    d = gram_to_distance(s)
    cond = np.sqrt(2.0 * d[np.triu_indices(n, k=1)]).astype(np.float64)
    z = linkage(cond, method="ward")
    scores = silhouette_by_k(d, z, range(2 if n < 2 * MIN_K else MIN_K, k_max_for(n) + 1))
    if not scores:
        return np.zeros(n, dtype=np.int64)
    found = None
    if n >= 2 * MIN_K:
        k_auto, found = choose_k(s, scores)
    else:
        k_auto = max(scores, key=lambda k: scores[k][0])
    k = k_auto
    if granularity:
        found = None
        k = int(round(k_auto * GRANULARITY_STEP**granularity))
        k = max(k, k_auto + granularity) if granularity > 0 else min(k, k_auto + granularity)
        k = max(1, min(k, n - 1))
    if found is not None:
        lab = found
    else:
        lab = scores[k][1] if k in scores else _relabel(fcluster(z, k, criterion="maxclust"))
    lab = _polish(s, lab, raw)
    structured = max(score for score, _ in scores.values()) > SIL_STRUCTURE
    if structured and not granularity and n >= 2 * MIN_K:
        split = split_sharper(d, lab, min_size)
        if int(split.max()) > int(lab.max()):
            lab = _polish(s, split, raw)
    return lab


def _polish(s: np.ndarray, lab: np.ndarray, raw: np.ndarray | None) -> np.ndarray:
    """Spherical k-means rounds from ``lab`` on ``s``, then on ``raw`` (the unsmoothed similarities)."""
    if int(lab.max()) >= 1:
        lab = kernel_kmeans(s, lab)
        if raw is not None and raw is not s:
            lab = kernel_kmeans(raw, lab)
        lab = _relabel(lab)
    return lab


def fit_to_own_cluster(s: np.ndarray, lab: np.ndarray) -> np.ndarray:
    """Each point's cosine with the mean of the *other* members of its cluster (1.0 for singletons' sake:
    n/a)."""
    n = len(s)
    k = int(lab.max()) + 1
    onehot = np.zeros((n, k), dtype=np.float64)
    onehot[np.arange(n), lab] = 1.0
    to = s @ onehot
    own = to[np.arange(n), lab] - np.diag(s)  # sum of similarities to the other members
    block = (onehot * to).sum(axis=0)  # |sum of members|^2 per cluster
    # |sum of others|^2 = |sum|^2 - 2 <x, sum> + |x|^2
    others_sq = block[lab] - 2.0 * to[np.arange(n), lab] + np.diag(s)
    counts = np.bincount(lab, minlength=k)[lab]
    fit = np.ones(n)
    # In a group holding over half the batch, the mean of centred vectors tends to zero and says nothing.
    multi = (counts > 1) & (counts <= n / 2) & (others_sq > 1e-12)
    norms = np.sqrt(np.maximum(np.diag(s), 1e-12))
    fit[multi] = own[multi] / (np.sqrt(others_sq[multi]) * norms[multi])
    return fit
