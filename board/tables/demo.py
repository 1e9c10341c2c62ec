"""A round of tables in the middle of an event, built through the real actions (``demo_inquiry
--event-size --tables round|picks``): the facilitator seats the room at mixed tables of eight for a
1-2-4-All round, people post at their tables and, for ``picks``, each table's host picks what it brings
back and sends it to the room. For the screenshots (bench/screens.py) and for trying the screens out."""

from inquiry.access import FACILITATOR, PARTICIPANT, Actor
from inquiry.models import Participant

from . import actions
from .models import Table, TableCard

NOTICED = [
    "Everyone had a story about telling theirs again",
    "The voluntary sector sees it first and is asked last",
    "Discharge is where it all goes wrong",
    "Small, local and trusted beats big and new",
    "We need one plan the resident can hold",
]


def seat_the_room(inquiry, user, stage, texts):
    """Tables for the inquiry's current round; ``stage``: 'round' (the fours step, cards posted) or
    'picks' (the last step, every table's picks sent to the room). ``texts``: what people write."""
    boss = Actor(FACILITATOR, inquiry.pk, user_id=user.pk)
    # Its people have no phones: everyone is seated, connected or not.
    breakout = actions.open_tables(boss, None, "mixed", size=8, recipe="124all", everyone=True)
    steps = 2 if stage == "round" else 3  # 1 · 2 · 4 · All
    for _ in range(steps):
        actions.step_control(boss, "skip")
    tables = list(Table.objects.filter(breakout=breakout).order_by("number"))
    words = iter(texts * 4)
    for table in tables:
        people = list(Participant.objects.filter(seats__table=table).order_by("pk")[:4])
        for n, person in enumerate(people):
            who = Actor(PARTICIPANT, inquiry.pk, participant_id=person.pk)
            actions.post(who, f"00000000-0000-4000-8000-{table.number:06d}{n:06d}", next(words))
    if stage != "picks":
        return breakout
    for table in tables:
        table.refresh_from_db()
        host = Actor(PARTICIPANT, inquiry.pk, participant_id=table.host_id)
        for card in TableCard.objects.filter(table=table).order_by("pk")[: 1 + table.number % 3]:
            actions.pick(host, card_id=card.pk)
        actions.send_picks(host, table.pk, NOTICED[table.number % len(NOTICED)])
    return breakout
