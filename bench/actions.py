"""Cost of single actions on a big board, in one process (no sockets): ``python -m bench.actions``.

What the database thread of a server spends on one participant's dot, reaction or post, and on a
facilitator's move (and its undo), when the board already holds many cards, dots and reactions. A live
room runs every action through that one thread, so its time per action bounds how many a second the room
can take.

    .venv/bin/python -m bench.actions                          # 1,000 participants, 1,000 cards
    .venv/bin/python -m bench.actions --participants 5000 --cards 2000 --repeat 200

A throwaway SQLite file (WAL, as the server uses) in a temporary directory; nothing else is touched."""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path


def setup_django(directory):
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    os.environ["SQLITE_PATH"] = str(Path(directory) / "bench.sqlite3")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(participants, cards, themes, dots_each, reactions_each, seed):
    from django.contrib.auth import get_user_model

    from board.models import Card, Dot, Reaction, Theme
    from inquiry import actions as inquiry_actions
    from inquiry.access import FACILITATOR, Actor
    from inquiry.models import Participant

    rng = random.Random(seed)
    user = get_user_model().objects.create_user("bench", password=uuid.uuid4().hex)
    inquiry = inquiry_actions.create_inquiry(
        user,
        title="Bench",
        question="How might health and care wrap around each resident?",
        rounds=["What gets in the way?"],
        sectors=None,
        show_names=False,
    )
    sectors = inquiry.sectors
    people = Participant.objects.bulk_create(
        Participant(inquiry=inquiry, display_name="", sector=sectors[n % len(sectors)])
        for n in range(participants)
    )
    theme_rows = Theme.objects.bulk_create(
        Theme(inquiry=inquiry, name=f"Theme {n}", position=n) for n in range(themes)
    )
    round_ = inquiry.current_round
    card_rows = Card.objects.bulk_create(
        Card(
            inquiry=inquiry,
            round=round_,
            author=rng.choice(people),
            client_id=uuid.uuid4(),
            text=f"Contribution number {n} about care at home",
            position=n,
            theme=theme_rows[n % themes] if n % 3 else None,
        )
        for n in range(cards)
    )
    inquiry.seq = cards
    inquiry.save(update_fields=["seq"])
    facilitator = Actor(FACILITATOR, inquiry.pk, user_id=user.pk)
    from board import actions

    vote = actions.open_vote(facilitator, None, "cards", budget=dots_each + 5, per_item=3, live=True)
    Dot.objects.bulk_create(
        Dot(vote=vote, participant=person, card=rng.choice(card_rows))
        for person in people
        for _ in range(dots_each)
    )
    pairs = {(person.pk, rng.choice(card_rows).pk) for person in people for _ in range(reactions_each)}
    Reaction.objects.bulk_create(Reaction(participant_id=p, card_id=c) for p, c in pairs)
    return inquiry, facilitator, people, card_rows, theme_rows


def timed(fn, repeat, prepare=None):
    """``fn``'s time, ``repeat`` times (``prepare``, untimed, before each)."""
    times = []
    for _ in range(repeat):
        if prepare is not None:
            prepare()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.actions", description=__doc__.split("\n\n")[0])
    p.add_argument("--participants", type=int, default=1000)
    p.add_argument("--cards", type=int, default=1000)
    p.add_argument("--themes", type=int, default=12)
    p.add_argument("--dots-each", type=int, default=3, help="dots each participant has already spent")
    p.add_argument("--reactions-each", type=int, default=2)
    p.add_argument("--repeat", type=int, default=100)
    p.add_argument("--batch", type=int, default=50, help="size of the batch rows")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="linewalk-actions-") as directory:
        setup_django(directory)
        from board import actions, arrange
        from board.models import Theme
        from board.undo import actions as undo
        from inquiry.access import PARTICIPANT, Actor

        started = time.perf_counter()
        inquiry, facilitator, people, cards, themes = populate(
            a.participants, a.cards, a.themes, a.dots_each, a.reactions_each, a.seed
        )
        print(
            f"board: {a.participants:,} participants, {a.cards:,} cards in {a.themes} themes, "
            f"{a.participants * a.dots_each:,} dots, ~{a.participants * a.reactions_each:,} reactions "
            f"(set up in {time.perf_counter() - started:.1f} s)"
        )
        rng = random.Random(a.seed + 1)
        # Each vote by someone with dots left (every participant has spent --dots-each already).
        voters = iter(person for _ in range(4) for person in rng.sample(people, len(people)))

        def others_card(person):
            """A card someone else posted (nobody may dot or react to their own)."""
            while (card := rng.choice(cards)).author_id == person.pk:
                pass
            return card

        def dot():
            person = next(voters)
            actions.add_dot(
                Actor(PARTICIPANT, inquiry.pk, participant_id=person.pk), card_id=others_card(person).pk
            )

        def reaction():
            person = rng.choice(people)
            actions.toggle_reaction(
                Actor(PARTICIPANT, inquiry.pk, participant_id=person.pk), others_card(person).pk
            )

        def not_author(card):
            while (person := next(voters)).pk == card.author_id:
                pass
            return person

        def post():
            person = rng.choice(people)
            actor = Actor(PARTICIPANT, inquiry.pk, participant_id=person.pk)
            actions.post_cards(inquiry.pk, [(actor, uuid.uuid4(), "One more thought on care at home")])

        def dots_batch():
            batch = [
                (Actor(PARTICIPANT, inquiry.pk, participant_id=not_author(c).pk), ("dot", "add"), c.pk, None)
                for c in rng.sample(cards, a.batch)
            ]
            assert all(result is None for result in actions.cast_votes(inquiry.pk, batch))

        def posts_batch():
            batch = [
                (Actor(PARTICIPANT, inquiry.pk, participant_id=p.pk), uuid.uuid4(), "A thought on care")
                for p in rng.sample(people, a.batch)
            ]
            actions.post_cards(inquiry.pk, batch)

        def move():
            actions.move_card(facilitator, rng.choice(cards).pk, rng.choice(themes).pk, 0)

        def move_selected():
            arrange.move_cards(facilitator, [c.pk for c in rng.sample(cards, 20)], rng.choice(themes).pk)

        def delete_theme():
            actions.delete_theme(facilitator, rng.choice(list(Theme.objects.filter(inquiry=inquiry))).pk)

        def undo_last():
            undo.undo(facilitator)

        rows = [
            ("dot.add (participant)", dot),
            ("reaction.toggle (participant)", reaction),
            ("card.add, one post (participant)", post),
            ("card.move into a theme (facilitator)", move),
            ("card.move_many, 20 cards (facilitator)", move_selected),
            ("board.undo of a card.move_many of 20", undo_last, move_selected),
            ("board.undo of a theme.delete", undo_last, delete_theme),
            (f"{a.batch} dots arriving together (one batch)", dots_batch),
            (f"{a.batch} posts arriving together (one batch)", posts_batch),
        ]
        print(f"{'action':<44}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'actions/s':>11}")
        for name, fn, *prepare in rows:
            times = timed(fn, a.repeat if "batch" not in name else max(5, a.repeat // 10), *prepare)
            p50 = statistics.median(times)
            p95 = sorted(times)[int(0.95 * (len(times) - 1))]
            per = (a.batch if "batch" in name else 1) * 1000 / statistics.mean(times)
            print(f"{name:<44}{p50:>9.1f}{p95:>9.1f}{max(times):>9.1f}{per:>11,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
