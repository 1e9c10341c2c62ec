"""The systems map and the next steps in the inquiry's JSON export, and back in an import
(docs/exports.md): nodes, links and the map's state; actions and sign-ups. Contacts never leave."""

from board.models import Contact, MapLink, MapNode, MapState, NextStep, SignUp  # noqa: F401
from board.nextsteps.models import WHAT_LIMIT, WHEN_LIMIT, WITH_LIMIT

from .models import HEIGHT, NOTE_LIMIT, WIDTH


def export_parts(inquiry, iso, themes, cards, people, rounds):
    """(the "map" object, the "next_steps" list, the "signups" list, link refs, step refs). ``themes``,
    ``cards``, ``people``, ``rounds``: {pk: ref} of what the file holds; a card left out takes its node
    and that node's links with it."""
    nodes, node_refs = [], {}
    for node in MapNode.objects.filter(inquiry=inquiry).order_by("pk"):
        if node.card_id and node.card_id not in cards:
            continue
        node_refs[node.pk] = ref = f"n{len(node_refs) + 1}"
        nodes.append(
            {"ref": ref, "theme": themes.get(node.theme_id), "card": cards.get(node.card_id),
             "x": node.x, "y": node.y, "pinned": node.pinned}
        )  # fmt: skip
    links, link_refs = [], {}
    for link in MapLink.objects.filter(inquiry=inquiry).order_by("pk"):
        if link.source_id not in node_refs or link.target_id not in node_refs:
            continue
        link_refs[link.pk] = ref = f"l{len(link_refs) + 1}"
        links.append(
            {"ref": ref, "source": node_refs[link.source_id], "target": node_refs[link.target_id],
             "kind": link.kind, "sign": link.sign, "note": link.note,
             "participant": people.get(link.participant_id), "created": iso(link.created)}
        )  # fmt: skip
    state = MapState.objects.filter(inquiry=inquiry).first()
    focus = [node_refs.get(int(pk)) for pk in state.focus.split("-")] if state and state.focus else []
    document = {
        "nodes": nodes,
        "links": links,
        "on_screen": bool(state and state.on_screen),
        "focus": focus if all(focus) else [],
    }
    steps, step_refs = [], {}
    for step in NextStep.objects.filter(inquiry=inquiry).order_by("pk"):
        step_refs[step.pk] = ref = f"s{len(step_refs) + 1}"
        loop = [node_refs.get(int(pk)) for pk in step.loop.split("-")] if step.loop else []
        steps.append(
            {"ref": ref, "round": rounds.get(step.round_id), "author": people[step.author_id],
             "what": step.what, "with_whom": step.with_whom, "by_when": step.by_when,
             "theme": themes.get(step.theme_id), "loop": loop if all(loop) else [],
             "loop_label": step.loop_label,
             "hidden": step.hidden, "created": iso(step.created), "edited": iso(step.edited)}
        )  # fmt: skip
    signups = [
        {"step": step_refs[s.step_id], "participant": people[s.participant_id], "created": iso(s.created)}
        for s in SignUp.objects.filter(step__inquiry=inquiry).order_by("pk")
    ]
    return document, steps, signups, link_refs, step_refs


def import_parts(data, inquiry, reader, problem, refs, with_times):
    """Rebuild the map and the next steps from a file (each part optional: older files have none).
    ``refs``: {"themes", "cards", "people", "rounds"} of what was imported. Returns (link refs, step refs)."""
    document = data.get("map") or {}
    if not isinstance(document, dict):
        raise problem("“map” must be an object.")
    nodes = {}
    for index, item in enumerate(document.get("nodes") or []):
        r = reader(item, f"map.nodes[{index}]")
        ref = r.item.get("ref")
        if not isinstance(ref, str) or ref in nodes:
            raise problem(f"map.nodes[{index}].ref must be text, different for every node.")
        theme = r.ref("theme", refs["themes"], optional=True)
        card = r.ref("card", refs["cards"], optional=True)
        if (theme is None) == (card is None):
            raise problem(f"map.nodes[{index}] must be one theme or one card.")
        nodes[ref] = MapNode(
            inquiry=inquiry, theme=theme, card=card, x=_number(r, "x", WIDTH, problem),
            y=_number(r, "y", HEIGHT, problem), pinned=r.flag("pinned"),
        )  # fmt: skip
    MapNode.objects.bulk_create(nodes.values())
    links, times, pairs = {}, [], set()
    for index, item in enumerate(document.get("links") or []):
        r = reader(item, f"map.links[{index}]")
        ref = r.item.get("ref")
        if not isinstance(ref, str) or ref in links:
            raise problem(f"map.links[{index}].ref must be text, different for every link.")
        source, target = r.ref("source", nodes), r.ref("target", nodes)
        if source is target or (id(source), id(target)) in pairs:
            raise problem(f"map.links[{index}] repeats a link or joins a node to itself.")
        pairs.add((id(source), id(target)))
        sign = r.number("sign", 1, low=-1, high=1)
        links[ref] = MapLink(
            inquiry=inquiry, source=source, target=target,
            kind=r.choice("kind", [k for k, _ in MapLink.KINDS], MapLink.INFLUENCES),
            sign=-1 if sign < 0 else 1, note=r.text("note", NOTE_LIMIT, default="", empty=True),
            participant=r.ref("participant", refs["people"], optional=True),
        )  # fmt: skip
        times.append(("created", r.when("created")))
    with_times(MapLink, list(links.values()), times)
    focus = document.get("focus") or []
    if not isinstance(focus, list) or any(ref not in nodes for ref in focus):
        raise problem("map.focus must list nodes of the map.")
    MapState.objects.create(
        inquiry=inquiry,
        on_screen=bool(document.get("on_screen")),
        focus="-".join(str(nodes[ref].pk) for ref in focus),
    )
    steps, times = {}, []
    for index, item in enumerate(data.get("next_steps") or []):
        r = reader(item, f"next_steps[{index}]")
        ref = r.item.get("ref")
        if not isinstance(ref, str) or ref in steps:
            raise problem(f"next_steps[{index}].ref must be text, different for every action.")
        loop = r.item.get("loop") or []
        if not isinstance(loop, list) or any(node not in nodes for node in loop):
            raise problem(f"next_steps[{index}].loop must list nodes of the map.")
        steps[ref] = NextStep(
            inquiry=inquiry, round=r.ref("round", refs["rounds"], optional=True),
            author=r.ref("author", refs["people"]), client_id=_uuid(),
            what=r.text("what", WHAT_LIMIT),
            with_whom=r.text("with_whom", WITH_LIMIT, default="", empty=True),
            by_when=r.text("by_when", WHEN_LIMIT, default="", empty=True),
            theme=r.ref("theme", refs["themes"], optional=True),
            loop="-".join(str(nodes[node].pk) for node in loop),
            loop_label=r.text("loop_label", 600, default="", empty=True), hidden=r.flag("hidden"),
            edited=r.when("edited"),
        )  # fmt: skip
        times.append(("created", r.when("created")))
    with_times(NextStep, list(steps.values()), times)
    signups, times, seen = [], [], set()
    for index, item in enumerate(data.get("signups") or []):
        r = reader(item, f"signups[{index}]")
        step, person = r.ref("step", steps), r.ref("participant", refs["people"])
        if (id(step), id(person)) in seen:
            raise problem(f"signups[{index}] repeats a sign-up.")
        seen.add((id(step), id(person)))
        signups.append(SignUp(step=step, participant=person))
        times.append(("created", r.when("created")))
    with_times(SignUp, signups, times)
    return links, steps


def _number(reader, key, high, problem):
    value = reader.item.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
        raise problem(f"{reader.where}.{key} must be a number from 0 to {high}.")
    return float(value)


def _uuid():
    import uuid

    return uuid.uuid4()


FOLLOW_UP_QUESTION = "What we said we would do: where are we now, and what next?"


def follow_up_document(data):
    """An exported inquiry made into the start of its follow-up session: the same people, themes, map
    (its themes only) and next steps with their sign-ups ("what we said we would do"), one round to
    carry on the next steps; the contributions, votes and dots stay with the first session."""
    if not isinstance(data, dict) or not isinstance(data.get("inquiry"), dict):
        return data
    document = dict(data)
    meta = dict(data["inquiry"])
    title = str(meta.get("title") or "")
    meta["title"] = (title[:187] + " (follow-up)") if title else "Follow-up"
    meta["current_round"] = "r1"
    document["inquiry"] = meta
    document["rounds"] = [{"ref": "r1", "position": 0, "question": FOLLOW_UP_QUESTION, "guidance": "",
                           "phase": "gather", "kind": "next_steps"}]  # fmt: skip
    document["cards"], document["votes"], document["dots"], document["reactions"] = [], [], [], []
    old_map = data.get("map") if isinstance(data.get("map"), dict) else {}
    nodes = [n for n in old_map.get("nodes") or [] if isinstance(n, dict) and not n.get("card")]
    kept = {n.get("ref") for n in nodes}
    links = [
        link for link in old_map.get("links") or []
        if isinstance(link, dict) and link.get("source") in kept and link.get("target") in kept
    ]  # fmt: skip
    focus = [ref for ref in old_map.get("focus") or [] if ref in kept]
    document["map"] = {
        **old_map,
        "nodes": nodes,
        "links": links,
        "focus": focus if focus == old_map.get("focus") else [],
    }
    document["next_steps"] = [
        {**step, "round": None,
         "loop": step.get("loop") if all(ref in kept for ref in step.get("loop") or []) else []}
        for step in data.get("next_steps") or [] if isinstance(step, dict)
    ]  # fmt: skip
    return document
