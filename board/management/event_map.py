"""The demo's systems map and next steps: how the room's themes act on one another (with one reinforcing
and one balancing loop), and the actions participants proposed and signed up to at the close. Used by
``demo_inquiry`` for the inquiry after the event and for ``--event-size --phase map`` (the closing
next-steps round, the map on the shared screen)."""

from datetime import timedelta

from board.systemmap import layout
from board.systemmap.models import MapLink

# (source theme, target theme, kind, sign, note). Loops: workforce -> teams -> discharge -> workforce
# (all "more leads to more": reinforcing); voice -> prevention -> money -> voice and money -> prevention
# -> money (each with one "more leads to less": balancing).
LINKS = [
    ("workforce", "teams", MapLink.INFLUENCES, 1, "Stable staff make a team people trust"),
    ("teams", "discharge", MapLink.INFLUENCES, 1, "A team that knows the person can bring them home sooner"),
    ("discharge", "workforce", MapLink.INFLUENCES, 1, "Less firefighting frees time for the work itself"),
    ("voice", "prevention", MapLink.INFLUENCES, 1, "Residents say what keeps them well"),
    ("prevention", "money", MapLink.INFLUENCES, -1, "Savings are taken back instead of reinvested"),
    ("money", "voice", MapLink.INFLUENCES, 1, "Engagement is the first thing cut"),
    ("info", "teams", MapLink.ENABLES, 1, ""),
    ("digital", "voice", MapLink.ENABLES, 1, ""),
    ("housing", "discharge", MapLink.BLOCKS, 1, "No adapted home, no way out of hospital"),
    ("carers", "discharge", MapLink.ENABLES, 1, ""),
    ("workforce", "mental", MapLink.INFLUENCES, 1, ""),
    ("transport", "prevention", MapLink.BLOCKS, 1, "People cannot reach what is on offer"),
    ("money", "prevention", MapLink.ENABLES, 1, "Three-year grants, not one"),
]
# (what, with whom, by when, theme, how many sign up)
STEPS = [
    ("Pilot one shared care record view across two neighbourhoods",
     "ICB digital team, two PCNs, social care", "June", "info", 9),
    ("Meet monthly as one neighbourhood team in Eastfield",
     "GP practice, council, Age UK", "Next month", "teams", 12),
    ("Map every discharge delay for one week, together",
     "Ward managers, social care, housing", "March", "discharge", 7),
    ("Move three community grants to three-year terms",
     "Council commissioning, VCS forum", "April", "money", 5),
    ("Hold a residents' panel before each big decision",
     "Healthwatch, residents' groups", "Ongoing", "voice", 8),
    ("Run a carers' drop-in at the library",
     "Carers centre, library service", "May", "carers", 6),
    ("Share one induction for care and health staff",
     "HR leads of all partners", "September", "workforce", 4),
]  # fmt: skip


def map_parts(rng, themes, people, start, round_ref=None, on_screen=False):
    """The document's "map", "next_steps" and "signups" for ``themes`` (their keys, in document order),
    ``people`` (the document's participants) and ``round_ref`` (the next-steps round, if any)."""
    keys = list(themes)
    ref = {key: f"t{i + 1}" for i, key in enumerate(keys)}
    chosen = [link for link in LINKS if link[0] in ref and link[1] in ref]
    used = [key for key in keys if any(key in link[:2] for link in chosen)]
    labels = [themes[key][0] for key in used]
    scale = layout.scale_for(labels)
    placed = layout.place(
        [(key, layout.box(label, scale), None, False) for key, label in zip(used, labels, strict=True)],
        [(source, target) for source, target, *_ in chosen],
        tidy=True,
    )
    nodes = [
        {"ref": f"n{i + 1}", "theme": ref[key], "x": placed[key][0], "y": placed[key][1], "pinned": False}
        for i, key in enumerate(used)
    ]
    node = {key: f"n{i + 1}" for i, key in enumerate(used)}
    links = [
        {"ref": f"l{i + 1}", "source": node[source], "target": node[target], "kind": kind, "sign": sign,
         "note": note, "created": (start + timedelta(minutes=i)).isoformat()}
        for i, (source, target, kind, sign, note) in enumerate(chosen)
    ]  # fmt: skip
    refs = [p["ref"] for p in people]
    steps, signups = [], []
    for i, (what, with_whom, by_when, theme, count) in enumerate(STEPS):
        created = start + timedelta(minutes=20 + 2 * i)
        author = rng.choice(refs)
        steps.append(
            {"ref": f"s{i + 1}", "round": round_ref, "author": author, "what": what, "with_whom": with_whom,
             "by_when": by_when, "theme": ref.get(theme), "created": created.isoformat()}
        )  # fmt: skip
        for j, person in enumerate(rng.sample([r for r in refs if r != author], count)):
            moment = created + timedelta(seconds=30 + 20 * j)
            signups.append({"step": f"s{i + 1}", "participant": person, "created": moment.isoformat()})
    signups.sort(key=lambda s: s["created"])
    document = {"nodes": nodes, "links": links, "on_screen": on_screen, "focus": []}
    return document, steps, signups
