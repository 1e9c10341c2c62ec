"""Who sits where: pure functions over (participant id, sector) pairs, so each mode can be read and
tested on its own. Tables are numbered from 1 in the order returned."""

import math
import random
from collections import Counter, defaultdict

MIN_SIZE, MAX_SIZE = 2, 8


def table_count(people, size=None, count=None):
    """How many tables: ``count`` if given, else enough tables of at most ``size``."""
    if count:
        return max(1, min(count, people or 1))
    return max(1, math.ceil(people / max(1, size or 6)))


def random_tables(people, size=None, count=None, rng=None):
    """Shuffled and dealt round the tables, so sizes differ by at most one."""
    order = list(people)
    (rng or random.Random()).shuffle(order)
    tables = [[] for _ in range(table_count(len(order), size, count))]
    for index, person in enumerate(order):
        tables[index % len(tables)].append(person)
    return tables


def mixed_tables(people, size=None, count=None, rng=None):
    """Each table as diverse as the room allows: people are dealt sector by sector (the largest sector
    first) round the tables, the deal carrying on where the last sector stopped. Every table then holds
    min(its size, sectors in the room) sectors when the room allows it, and no sector has two more seats
    at one table than at another."""
    rng = rng or random.Random()
    by_sector = defaultdict(list)
    for person in people:
        by_sector[person[1]].append(person)
    for members in by_sector.values():
        rng.shuffle(members)
    order = [
        p for _s, members in sorted(by_sector.items(), key=lambda i: (-len(i[1]), i[0])) for p in members
    ]
    tables = [[] for _ in range(table_count(len(order), size, count))]
    for index, person in enumerate(order):
        tables[index % len(tables)].append(person)
    return tables


def same_tables(people, size=None, count=None, rng=None):
    """Each sector at tables of its own (a sector too big for one table splits evenly)."""
    rng = rng or random.Random()
    by_sector = defaultdict(list)
    for person in people:
        by_sector[person[1]].append(person)
    size = size or (math.ceil(len(people) / count) if count else 6)
    tables = []
    for _sector, members in sorted(by_sector.items()):
        rng.shuffle(members)
        n = math.ceil(len(members) / size)
        tables += [members[i::n] for i in range(n)]
    return tables


def topic_tables(choices, size=None, minimum=2):
    """Open Space: ``choices`` = {topic: [people]}. A topic nobody else chose (fewer than ``minimum``)
    merges into the smallest topic still standing; a topic bigger than ``size`` splits. Returns
    [(topic, people)]."""
    standing = {topic: list(people) for topic, people in choices.items() if people}
    alone = sorted((t for t, p in standing.items() if len(p) < minimum), key=lambda t: len(standing[t]))
    for topic in alone:
        if len(standing) <= 1:
            break
        people = standing.pop(topic)
        target = min(standing, key=lambda t: (len(standing[t]), str(t)))
        standing[target] += people
    tables = []
    for topic, people in standing.items():
        n = max(1, math.ceil(len(people) / (size or MAX_SIZE)))
        tables += [(topic, people[i::n]) for i in range(n)]
    return tables


MODES = {"random": random_tables, "mixed": mixed_tables, "same": same_tables}


def late_seat(sector, tables, mode, size):
    """Where a late joiner sits: ``tables`` = [(table id, [sectors of who sits there])]. Mixed: the
    smallest table lacking their sector (else the smallest); same: the smallest of their sector with
    room (None: open a table of their own); otherwise the smallest. Returns a table id or None."""
    if not tables:
        return None
    smallest = min(tables, key=lambda t: (len(t[1]), t[0]))
    if mode == "mixed":
        lacking = [t for t in tables if sector not in t[1]]
        return min(lacking, key=lambda t: (len(t[1]), t[0]))[0] if lacking else smallest[0]
    if mode == "same":
        own = [
            t for t in tables if t[1] and Counter(t[1]).most_common(1)[0][0] == sector and len(t[1]) < size
        ]
        return min(own, key=lambda t: (len(t[1]), t[0]))[0] if own else None
    return smallest[0]
