"""Timed structures a round of tables can follow; each step shows its instruction and timer on every
screen and hands over to the next when its time is up (board/tables/actions.advance)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    instruction: str
    seconds: int  # 0: the last step, which waits for the facilitator
    marketplace: bool = False  # Open Space: participants propose and choose topics
    picks: bool = False  # tables choose what they bring back
    group: int = 0  # 1-2-4-All: people work in pairs (2) or in fours (4) at their table


RECIPES = {
    "124all": (
        "1-2-4-All",
        (
            Step("1", "1 · On your own", "In silence, write your own ideas: one per card.", 60),
            Step(
                "2",
                "2 · In pairs",
                "With your pair (or three, at a table with an odd number), share your ideas and build on "
                "them.",
                120,
                group=2,
            ),
            Step(
                "4",
                "4 · In fours",
                "In fours (pairs join up; a table under eight is one group): what is alike, what differs? "
                "Choose what stands out.",
                240,
                group=4,
            ),
            Step(
                "all",
                "All · Back to the room",
                "Each table brings back its picks and what it noticed.",
                0,
                picks=True,
            ),
        ),
    ),
    "wsn": (
        "What? So what? Now what?",
        (
            Step("what", "What?", "What happened? What did you notice — facts, not yet meanings.", 300),
            Step("sowhat", "So what?", "So what? Why does it matter; what patterns do you see?", 300),
            Step(
                "nowwhat",
                "Now what?",
                "Now what? What will you do, and what do you bring back?",
                300,
                picks=True,
            ),
            Step(
                "all",
                "All · Back to the room",
                "Each table brings back its picks and what it noticed.",
                0,
                picks=True,
            ),
        ),
    ),
    "openspace": (
        "Open Space",
        (
            Step(
                "market",
                "Topic marketplace",
                "Propose a topic you care about, then choose one to join.",
                300,
                marketplace=True,
            ),
            Step(
                "talk",
                "Conversations",
                "At your topic's table: talk, write what matters, choose picks.",
                1200,
            ),
            Step(
                "all",
                "All · Back to the room",
                "Each table brings back its picks and what it noticed.",
                0,
                picks=True,
            ),
        ),
    ),
}

CHOICES = [("", "No recipe: the facilitator steers")] + [(key, name) for key, (name, _s) in RECIPES.items()]


def steps(key):
    return RECIPES[key][1] if key in RECIPES else ()


def name(key):
    return RECIPES[key][0] if key in RECIPES else ""


def current(breakout):
    all_steps = steps(breakout.recipe)
    return all_steps[breakout.step] if breakout.step < len(all_steps) else None


def picking(breakout):
    """Whether tables choose what they bring back now: at any time without a recipe; with one, at its
    steps for that (``Step.picks``) only."""
    if not breakout.recipe:
        return True
    step = current(breakout)
    return step is not None and step.picks


def picks_step(breakout):
    """The recipe's next step at which tables choose what they bring back (None: none is left)."""
    return next((s for s in steps(breakout.recipe)[breakout.step :] if s.picks), None)


def group_sizes(people, step):
    """How a table of ``people`` splits at ``step``, in order: its whole table at a step without groups.
    Pairs: an odd one out joins a pair as a three (never a pair of one). Fours: pairs join up two by two
    (so a four is two pairs), an odd pair joining a four; a table of fewer than eight is one group.
    Bigger groups come first, so the fours are made of the pairs before them."""
    size = step.group if step is not None else 0
    if not size or people < 2:
        return [people] if people else []
    count = max(1, people // size)
    base, extra = divmod(people, count)
    return [base + 1] * extra + [base] * (count - extra)


def group_note(people, step):
    """What a table of ``people`` does differently at ``step`` from what the step's title says (its phones
    and the facilitators' screens show it), or ""."""
    if step is None or not step.group or not people:
        return ""
    sizes = group_sizes(people, step)
    if people == 1:
        return "Only you at this table: a facilitator can move you to another table."
    if step.group == 2:
        if people == 3:
            return "3 at this table: you work as a three, not in pairs."
        if 3 in sizes:
            return f"{people} at this table: pairs, and one three."
        return ""
    if people < 4:
        return f"{people} at this table, fewer than four: the fours step is your whole table, as you are."
    if len(sizes) == 1 and people != 4:
        return f"{people} at this table: the whole table works together as one group in this step."
    if any(n != 4 for n in sizes):
        return f"{people} at this table: groups of " + " and ".join(str(n) for n in sizes) + "."
    return ""
