"""The facilitator's "Help" beside the phase buttons says what each phase does in the kind of round the
room is in. The buttons are the same in every kind, but Silent hides posts only: in a systems-map round
the links, in a next-steps round the actions, still show as they are made; Vote opens a vote on the map
or on the actions; Closed stops those too. Its sentences were written for contribution rounds alone."""

import pytest

from ..support import Screen, text

pytestmark = pytest.mark.django_db(transaction=True)

PHASES = ("gather", "silent", "reveal", "vote", "closed")


def help_says(screen):
    return {phase: text(screen, f"phase-{phase}-what") for phase in PHASES}


async def test_the_phase_help_follows_the_kind_of_round_on_a_facilitators_screen(inquiry, alice):
    screen = await Screen(inquiry.code, alice).connect()
    said = help_says(screen)
    assert "each post stays hidden from the room" in said["silent"]
    assert "no more posts" in said["closed"]

    await screen.send(type="round", op="kind", round=inquiry.current_round_id, kind="map")
    await screen.until(lambda s: s.find("round-banner").get("data-kind") == "map")
    said = help_says(screen)
    assert said["gather"].startswith("People link themes and contributions on the map")
    assert said["silent"].startswith("Links still appear on every screen as they are drawn; only new posts")
    assert "the map's themes and links" in said["vote"] and "No new links" in said["vote"]
    assert said["closed"].startswith("No more links or posts")

    await screen.send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await screen.until(lambda s: s.find("round-banner").get("data-kind") == "next_steps")
    said = help_says(screen)
    assert said["gather"].startswith("People propose actions and sign up")
    assert said["silent"].startswith("Actions still appear on every screen as they are proposed")
    assert "on the actions proposed" in said["vote"] and "signing up goes on" in said["vote"]
    assert said["closed"].startswith("No more actions, sign-ups or posts")
    assert all(said.values())
    await screen.close()
