"""Feedback loops of the systems map: the directed cycles through its links, each reinforcing or
balancing from the signs along it (an even number of negative links reinforces, an odd number balances).

A dense map has more cycles than anyone could read (50 themes and 200 links can hold millions), so the
enumeration is bounded: loops of at most MAX_LENGTH links, shortest first, at most LIMIT of them, and a
cap on how many cycles of one length are looked at (``complete`` says whether every loop was found)."""

from dataclasses import dataclass, field
from itertools import islice

import networkx as nx

MAX_LENGTH = 8
LIMIT = 60
SCAN = 4000

REINFORCING = "reinforcing"
BALANCING = "balancing"


@dataclass
class Loop:
    nodes: list  # node ids, in the loop's order, starting at the smallest id
    links: list  # link ids, links[i] goes from nodes[i] to nodes[i + 1] (the last one back to nodes[0])
    polarity: int
    labels: list = field(default_factory=list)

    @property
    def key(self):
        return "-".join(str(n) for n in self.nodes)

    @property
    def kind(self):
        return REINFORCING if self.polarity > 0 else BALANCING

    @property
    def letter(self):
        return "R" if self.polarity > 0 else "B"

    @property
    def length(self):
        return len(self.nodes)


@dataclass
class Loops:
    loops: list
    complete: bool

    def __iter__(self):
        return iter(self.loops)

    def __len__(self):
        return len(self.loops)

    def by_key(self):
        return {loop.key: loop for loop in self.loops}

    @property
    def reinforcing(self):
        return sum(1 for loop in self.loops if loop.polarity > 0)

    @property
    def balancing(self):
        return sum(1 for loop in self.loops if loop.polarity < 0)


def _rotated(cycle):
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


def find(edges, *, max_length=MAX_LENGTH, limit=LIMIT, scan=SCAN):
    """``edges``: [(link id, source node id, target node id, polarity ±1)], at most one per ordered pair.
    Returns Loops, shortest first (then by node ids), so the same map always lists the same loops."""
    graph = nx.DiGraph()
    for link_id, source, target, polarity in edges:
        if source != target:
            graph.add_edge(source, target, link=link_id, polarity=polarity)
    found, complete = [], True
    # Only the strongly connected parts hold cycles; search each one on its own.
    parts = [part for part in nx.strongly_connected_components(graph) if len(part) > 1]
    for length in range(2, max_length + 1):
        this_length = []
        for part in parts:
            if len(part) < length:
                continue
            sub = graph.subgraph(part)
            cycles = nx.simple_cycles(sub, length_bound=length)
            for cycle in islice((c for c in cycles if len(c) == length), scan):
                this_length.append(_rotated(list(cycle)))
            if len(this_length) >= scan:
                complete = False
                break
        this_length.sort()
        for nodes in this_length:
            pairs = list(zip(nodes, nodes[1:] + nodes[:1], strict=True))
            polarity = 1
            for a, b in pairs:
                polarity *= graph.edges[a, b]["polarity"]
            found.append(Loop(nodes, [graph.edges[a, b]["link"] for a, b in pairs], polarity))
        if len(found) >= limit:
            return Loops(found[:limit], False)  # longer (or more) loops may exist
    if any(len(part) > max_length for part in parts):
        complete = False  # loops longer than MAX_LENGTH may exist
    return Loops(found, complete)
