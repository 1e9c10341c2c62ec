"""Where the map's nodes go: a small force-directed layout (numpy) that knows each node's box.

Stable by design: a node placed once keeps its place; when links are added only the nodes new to the map
are placed (near the nodes they link to, in free space), and the others move at most NUDGE units to make
room. A node a facilitator dragged (pinned) never moves. ``tidy`` lays every unpinned node out afresh.
Deterministic: the same map gives the same picture on every server. Why our own: docs/dependencies.md."""

import math
import textwrap

import numpy as np

# The map's own coordinates: every screen, the report and the harvest draw the same picture, scaled.
WIDTH = 1200
HEIGHT = 640

MARGIN = 8
CHAR = 9.4  # average width of a character at the map's font size, in map units
LINE = 21
PAD_X, PAD_Y = 12, 8
WRAP = 20
MAX_LINES = 3
GAP = 14  # the least space between two boxes
NUDGE = 36.0  # how far a placed node may move when others join (a small map may move more: see _nudge)


def lines_of(label):
    lines = textwrap.wrap(" ".join(label.split()), WRAP, break_long_words=True) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: WRAP - 1].rstrip() + "…"
    return lines


def box(label, scale=1.0):
    """(width, height) of a node's box for its label, at a scale (see ``scale_for``)."""
    lines = lines_of(label)
    return (
        round((max(len(line) for line in lines) * CHAR + 2 * PAD_X) * scale, 1),
        round((len(lines) * LINE + 2 * PAD_Y) * scale, 1),
    )


def scale_for(labels):
    """How much the boxes shrink so that many nodes still fit the canvas (1: not at all, at least 0.6)."""
    area = sum(w * h for w, h in (box(label) for label in labels))
    if not area:
        return 1.0
    return max(0.6, min(1.0, math.sqrt(0.3 * WIDTH * HEIGHT / area)))


def _free_spot(pos, sizes, size, want, reach=0.0):
    """The point of a grid over the canvas about ``reach`` from ``want`` (the nodes it links to), and
    nearer the middle rather than the edges, where a box of ``size`` overlaps no box placed (``pos``,
    ``sizes``: the placed ones), or None."""
    w, h = size
    xs = np.arange(w / 2 + MARGIN, WIDTH - w / 2 - MARGIN + 1, 20.0)
    ys = np.arange(h / 2 + MARGIN, HEIGHT - h / 2 - MARGIN + 1, 20.0)
    if not len(xs) or not len(ys):
        return None
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    if len(pos):
        pos, sizes = np.asarray(pos), np.asarray(sizes)
        apart_x = np.abs(grid[:, None, 0] - pos[None, :, 0]) >= (w + sizes[None, :, 0]) / 2 + GAP
        apart_y = np.abs(grid[:, None, 1] - pos[None, :, 1]) >= (h + sizes[None, :, 1]) / 2 + GAP
        grid = grid[(apart_x | apart_y).all(axis=1)]
    if not len(grid):
        return None
    away = np.sqrt(((grid - want) ** 2).sum(axis=1))
    middle = ((grid - (WIDTH / 2, HEIGHT / 2)) ** 2).sum(axis=1)
    return grid[((away - reach) ** 2 + 0.15 * middle).argmin()]


def place(nodes, edges, *, tidy=False, iterations=None):
    """``nodes``: [(id, (w, h), (x, y) or None, pinned)]; ``edges``: [(source id, target id)].
    Returns {id: (x, y)} for every node: where the node's centre goes."""
    if not nodes:
        return {}
    ids = [n[0] for n in nodes]
    index = {pk: i for i, pk in enumerate(ids)}
    size = np.array([n[1] for n in nodes], dtype=float)
    pinned = np.array([bool(n[3]) for n in nodes])
    known = np.array([n[2] is not None and (not tidy or n[3]) for n in nodes])
    pos = np.zeros((len(nodes), 2))
    for i, n in enumerate(nodes):
        if known[i]:
            pos[i] = n[2]
    pairs = [(index[a], index[b]) for a, b in edges if a in index and b in index and a != b]
    neighbours = {i: set() for i in range(len(nodes))}
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    ideal = max(150.0, min(260.0, math.sqrt(WIDTH * HEIGHT / max(len(nodes), 1)) * 0.9))

    if tidy:
        # A circle in the map's own order to start from; the forces do the rest.
        free = [i for i in range(len(nodes)) if not known[i]]
        for k, i in enumerate(free):
            angle = 2 * math.pi * k / max(len(free), 1)
            pos[i] = (
                WIDTH / 2 + WIDTH * 0.36 * math.cos(angle),
                HEIGHT / 2 + HEIGHT * 0.36 * math.sin(angle),
            )
        known[:] = True
        moving = ~pinned
        anchor = None
    else:
        # New nodes go to the free spot nearest the nodes they link to (the centre if none is placed yet).
        for i in range(len(nodes)):
            if known[i]:
                continue
            linked = [j for j in neighbours[i] if known[j]]
            want = pos[linked].mean(axis=0) if linked else np.array([WIDTH / 2, HEIGHT / 2])
            placed = known.copy()
            spot = _free_spot(pos[placed], size[placed], size[i], want, ideal * 0.8 if linked else 0.0)
            pos[i] = spot if spot is not None else want
            known[i] = True
        moving = ~pinned
        anchor = pos.copy()
    _relax(pos, size, pairs, moving, anchor, ideal, iterations or (300 if tidy else 60), _nudge(len(nodes)))
    _separate(pos, size, moving)
    return {pk: (round(float(pos[i][0]), 1), round(float(pos[i][1]), 1)) for i, pk in enumerate(ids)}


def _clamp(pos, size):
    half = size / 2 + MARGIN
    pos[:, 0] = np.clip(pos[:, 0], half[:, 0], WIDTH - half[:, 0])
    pos[:, 1] = np.clip(pos[:, 1], half[:, 1], HEIGHT - half[:, 1])


def _nudge(count):
    """A map of a few themes may still rearrange itself as it grows; a big one barely moves."""
    return NUDGE * max(1.0, 4.0 - count / 4)


def _relax(pos, size, pairs, moving, anchor, ideal, iterations, nudge=NUDGE):
    """Fruchterman-Reingold on box centres, the repulsion measured between box edges (so long labels keep
    their distance), cooling as it goes; with ``anchor``, nothing strays more than ``nudge`` from it."""
    n = len(pos)
    if n < 2 or not moving.any():
        _clamp(pos, size)
        return
    radius = size.max(axis=1) / 2
    temperature = ideal / 2 if anchor is None else nudge / 3
    a_idx = np.array([a for a, _ in pairs], dtype=int)
    b_idx = np.array([b for _, b in pairs], dtype=int)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.sqrt((delta**2).sum(axis=2)) + 1e-9
        clearance = np.maximum(distance - radius[:, None] - radius[None, :], 4.0)
        np.fill_diagonal(clearance, np.inf)
        force = (delta / distance[:, :, None] * (ideal**2 / clearance)[:, :, None] * 0.25).sum(axis=1)
        if len(pairs):
            d = pos[a_idx] - pos[b_idx]
            length = np.sqrt((d**2).sum(axis=1)) + 1e-9
            pull = d / length[:, None] * (length**2 / ideal)[:, None]
            np.add.at(force, a_idx, -pull)
            np.add.at(force, b_idx, pull)
        # A gentle pull to the middle keeps unlinked groups on the canvas.
        force += (np.array([WIDTH / 2, HEIGHT / 2]) - pos) * 0.02
        magnitude = np.sqrt((force**2).sum(axis=1)) + 1e-9
        shift = force / magnitude[:, None] * np.minimum(magnitude, temperature)[:, None]
        pos[moving] += shift[moving]
        if anchor is not None:
            off = pos - anchor
            far = np.sqrt((off**2).sum(axis=1))
            over = far > nudge
            pos[over] = anchor[over] + off[over] / far[over, None] * nudge
        _clamp(pos, size)
        temperature *= 0.96


def _separate(pos, size, moving, rounds=200):
    """Push overlapping boxes apart along the axis where they overlap least (only boxes free to move)."""
    n = len(pos)
    if n < 2:
        return
    free = moving.astype(float)
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    for _ in range(rounds):
        dx = pos[:, None, 0] - pos[None, :, 0]
        dy = pos[:, None, 1] - pos[None, :, 1]
        ox = (size[:, None, 0] + size[None, :, 0]) / 2 + GAP - np.abs(dx)
        oy = (size[:, None, 1] + size[None, :, 1]) / 2 + GAP - np.abs(dy)
        both = free[:, None] + free[None, :]
        clash = (ox > 0) & (oy > 0) & upper & (both > 0)
        if not clash.any():
            return
        i, j = np.nonzero(clash)
        along_x = ox[i, j] < oy[i, j]
        amount = np.where(along_x, ox[i, j], oy[i, j]) / both[i, j]
        sign_x = np.where(dx[i, j] > 0, 1.0, np.where(dx[i, j] < 0, -1.0, 1.0))
        sign_y = np.where(dy[i, j] > 0, 1.0, np.where(dy[i, j] < 0, -1.0, 1.0))
        push = np.zeros((len(i), 2))
        push[along_x, 0] = (amount * sign_x)[along_x]
        push[~along_x, 1] = (amount * sign_y)[~along_x]
        shift = np.zeros_like(pos)
        np.add.at(shift, i, push * free[i, None])
        np.add.at(shift, j, -push * free[j, None])
        pos += shift * 0.6
        _clamp(pos, size)
