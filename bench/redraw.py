"""A full redraw's cost, in one process (no sockets): ``python -m bench.redraw``.

A change that draws the whole live region afresh (a round added, a reveal, the close) draws it as the room
sees it, blank of each participant's own part of next steps; every participant who has one gets it back
in a private frame (``board.changes.publish``). This measures that change through its action entry point
(``inquiry.actions.add_round``) in a room where every participant has a part of their own: an action they
proposed and signed up to, a sign-up to their neighbour's, a card in a theme; one in three shares a contact
with the people signed up to the same actions, one in five with the other sectors in their themes.

For each room size it prints, as the median of ``--repeat`` redraws: the queries the action ran, the time
the inquiry's lock was held (the action's call to its commit), the whole call (commit hooks too: the
broadcast and the private frames handed to the channel layer, in-memory here, nobody listening) and how
many private frames went out.

    .venv/bin/python -m bench.redraw                      # 100 and 1,000 participants
    .venv/bin/python -m bench.redraw --participants 100 1000 5000 --repeat 5

It measures the code it runs on: for a before/after, run the same file on both checkouts (docs/benchmarks.md
says which). A throwaway SQLite file (WAL, as the server uses) in a temporary directory; nothing else is
touched."""

import argparse
import statistics
import tempfile
import time
import uuid

from .actions import setup_django


def populate(participants, themes, label):
    """An inquiry of ``participants`` people, each with a part of their own, in a next-steps round."""
    from django.contrib.auth import get_user_model

    from board.models import Card, Contact, NextStep, SignUp, Theme
    from inquiry import actions as inquiry_actions
    from inquiry.access import FACILITATOR, Actor
    from inquiry.models import Participant, Round

    user = get_user_model().objects.create_user(f"bench-{label}", password=uuid.uuid4().hex)
    inquiry = inquiry_actions.create_inquiry(
        user,
        title=f"Bench {label}",
        question="How might health and care wrap around each resident?",
        rounds=["What would you try first?"],
        sectors=None,
        show_names=True,
    )
    Round.objects.filter(pk=inquiry.current_round_id).update(kind=Round.NEXT_STEPS)
    sectors = inquiry.sectors
    people = Participant.objects.bulk_create(
        Participant(inquiry=inquiry, display_name=f"Person {n}", sector=sectors[n % len(sectors)])
        for n in range(participants)
    )
    theme_rows = Theme.objects.bulk_create(
        Theme(inquiry=inquiry, name=f"Theme {n}", position=n) for n in range(themes)
    )
    Card.objects.bulk_create(
        Card(
            inquiry=inquiry,
            round_id=inquiry.current_round_id,
            author=person,
            client_id=uuid.uuid4(),
            text=f"Contribution of person {n}",
            position=n,
            theme=theme_rows[n % themes],
        )
        for n, person in enumerate(people)
    )
    steps = NextStep.objects.bulk_create(
        NextStep(
            inquiry=inquiry,
            round_id=inquiry.current_round_id,
            author=person,
            client_id=uuid.uuid4(),
            what=f"Action proposed by person {n}",
        )
        for n, person in enumerate(people)
    )
    SignUp.objects.bulk_create(
        SignUp(step=steps[(n + shift) % len(steps)], participant=person)
        for n, person in enumerate(people)
        for shift in ((0, 1) if len(steps) > 1 else (0,))
    )
    Contact.objects.bulk_create(
        Contact(
            participant=person,
            text=f"person-{n}@example.org",
            with_signups=n % 3 == 0,
            with_theme_sectors=n % 5 == 0,
        )
        for n, person in enumerate(people)
        if n % 3 == 0 or n % 5 == 0
    )
    return inquiry, Actor(FACILITATOR, inquiry.pk, user_id=user.pk)


def redraw(inquiry, facilitator):
    """One redraw through its action: (queries, ms holding the lock, ms in all, private frames sent)."""
    from django.db import connection

    from inquiry import actions as inquiry_actions
    from sessions import events

    committed, private, queries = [], [], []
    commit, send = connection.commit, events._send

    def timed_commit():
        committed.append(time.perf_counter())
        commit()

    def counted_send(group, message):
        if message["type"] == "board.private":
            private.append(message["participant"])
        send(group, message)

    def counted_query(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    connection.commit, events._send = timed_commit, counted_send
    try:
        with connection.execute_wrapper(counted_query):
            started = time.perf_counter()
            inquiry_actions.add_round(facilitator, "And then?")
            ended = time.perf_counter()
    finally:
        del connection.commit
        events._send = send
    return len(queries), (committed[0] - started) * 1000, (ended - started) * 1000, len(private)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.redraw", description=__doc__.split("\n\n")[0])
    p.add_argument("--participants", type=int, nargs="+", default=[100, 1000])
    p.add_argument("--themes", type=int, default=8)
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="linewalk-redraw-") as directory:
        setup_django(directory)
        print(f"{'participants':>12} {'queries':>8} {'lock ms':>9} {'total ms':>9} {'private frames':>15}")
        for size in a.participants:
            inquiry, facilitator = populate(size, a.themes, str(size))
            redraw(inquiry, facilitator)  # warm: templates compiled, queries built once
            runs = [redraw(inquiry, facilitator) for _ in range(a.repeat)]
            queries, lock, total, frames = (statistics.median(column) for column in zip(*runs, strict=True))
            print(f"{size:>12,} {queries:>8.0f} {lock:>9.1f} {total:>9.1f} {frames:>15.0f}")


if __name__ == "__main__":
    main()
