"""A closed vote's results on the shared screen: the presenter view receives them ranked (the first ten by
dots, each with its dots written out and how many sectors it had dots from, small sectors never
revealed), cards not yet in a theme among them; the facilitator shows the sector lens there instead;
and a closed vote can be reopened with its dots."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board.models import Card, Dot, Theme, Vote
from inquiry.models import Participant, Round
from sessions.consumers import snapshots

from ..support import Screen, attr, everyone, text

pytestmark = pytest.mark.django_db(transaction=True)

# Who votes, by sector: with K = 2, "Other" (1 voter) is too small to count on its own, so the smallest of
# the others (Local authority, 2) is withheld with it, and two sectors are counted.
VOTERS = {"NHS": 3, "Local authority": 2, "Voluntary and community sector": 2, "Other": 1}


def lines(screen):
    """The results as the presenter shows them: [(text, dots, sectors)]."""
    section = screen.find("vote-results")
    if section is None:
        return []
    return [
        (
            " ".join(li.find_class("result-text")[0].text_content().split()),
            " ".join(li.find_class("result-dots")[0].text_content().split()),
            " ".join(li.find_class("result-sectors")[0].text_content().split())
            if li.find_class("result-sectors")
            else "",
        )
        for li in section.find_class("result")
    ]


def a_vote_with_dots(inquiry, *, live=True, target=Vote.CARDS):
    """Twelve cards of the room's round, three of them in a theme and the rest not yet in one, in a vote
    with dots: card N has N dots (card 0 none), from voters of every sector; card 12's dots come from the
    small "Other" sector and Local authority only. Returns the vote."""
    inquiry.k_threshold = 2
    inquiry.save(update_fields=["k_threshold"])
    voters = [
        Participant.objects.create(inquiry=inquiry, display_name=f"{sector} {n}", sector=sector)
        for sector, count in VOTERS.items()
        for n in range(count)
    ]
    author = Participant.objects.create(inquiry=inquiry, display_name="Author", sector="NHS")
    theme = Theme.objects.create(inquiry=inquiry, name="Prevention", position=0)
    cards = [
        Card.objects.create(
            inquiry=inquiry,
            round_id=inquiry.current_round_id,
            author=author,
            client_id=uuid.uuid4(),
            text=f"Idea {n}",
            theme=theme if n in (1, 2, 3) else None,
            position=n,
        )
        for n in range(13)
    ]
    Round.objects.filter(pk=inquiry.current_round_id).update(phase=Round.VOTE)
    vote = Vote.objects.create(
        inquiry=inquiry,
        round_id=inquiry.current_round_id,
        opened_in_id=inquiry.current_round_id,
        target=target,
        budget=20,
        per_item=5,
        live_results=live,
    )
    small = [v for v in voters if v.sector in ("Other", "Local authority")]
    for n, card in enumerate(cards):
        who = small if n == 12 else voters
        for i in range(n):
            Dot.objects.create(vote=vote, participant=who[i % len(who)], card=card)
    return vote


async def closed(room):
    await room["alice"].send(type="vote", op="close")
    await everyone(room, lambda s: attr(s, "round-banner", "data-phase") == "closed")


async def test_a_closed_votes_results_reach_the_presenter_ranked_with_their_dots_and_sectors(inquiry, room):
    await database_sync_to_async(a_vote_with_dots)(inquiry)
    await closed(room)
    presenter = await room["presenter"].until(lambda s: len(lines(s)) == 10)
    # The first ten by dots, most first; cards not yet in a theme rank like the others (Idea 12 and 4-11).
    assert [line[0] for line in lines(presenter)] == [f"Idea {n}" for n in range(12, 2, -1)]
    assert lines(presenter)[0] == ("Idea 12", "12 dots", "from 0 of 2 sectors")
    assert lines(presenter)[1] == ("Idea 11", "11 dots", "from 2 of 2 sectors")
    assert text(presenter, "vote-results-heading") == "The top 10 of 12 contributions with dots"
    assert "Sectors counted: those with 2 or more people who voted, less the next smallest" in text(
        presenter, "vote-results"
    )
    # Never a sector under K, nor the one withheld with it: neither is named in the results.
    assert "Other" not in text(presenter, "vote-results")
    assert "Local authority" not in text(presenter, "vote-results")
    # The facilitators' screens get no results part: theirs is the board with its counts.
    assert room["alice"].find("vote-results") is None


async def test_results_hidden_until_revealed_are_not_sent_to_any_screen(inquiry, room):
    await database_sync_to_async(a_vote_with_dots)(inquiry, live=False)
    await closed(room)
    assert lines(room["presenter"]) == [] and lines(room["carol"]) == []
    assert not any('class="result"' in frame.text for screen in room.values() for frame in screen.frames)
    await room["alice"].send(type="vote", op="reveal")
    await room["presenter"].until(lambda s: len(lines(s)) == 10)


async def test_a_theme_vote_ranks_the_themes(inquiry, room):
    def themes_with_dots():
        vote = a_vote_with_dots(inquiry, target=Vote.THEMES)
        vote.dots.all().delete()
        first = Theme.objects.get(inquiry=inquiry, name="Prevention")
        second = Theme.objects.create(inquiry=inquiry, name="Housing", position=1)
        names = [f"{sector} {n}" for sector, count in VOTERS.items() for n in range(count)]
        voters = Participant.objects.filter(inquiry=inquiry, display_name__in=names)
        for voter in voters:
            if voter.display_name.startswith(("NHS", "Other")):
                Dot.objects.create(vote=vote, participant=voter, theme=second)
            else:
                Dot.objects.create(vote=vote, participant=voter, theme=first)

    await database_sync_to_async(themes_with_dots)()
    await closed(room)
    presenter = await room["presenter"].until(lambda s: len(lines(s)) == 2)
    # Housing: NHS (3) and Other (1), Other not counted; Prevention: Local authority (withheld with it) and
    # the voluntary sector.
    assert lines(presenter) == [
        ("Prevention", "4 dots", "from 1 of 2 sectors"),
        ("Housing", "4 dots", "from 1 of 2 sectors"),
    ]
    assert text(presenter, "vote-results-heading") == "The themes with dots"


async def test_a_card_hidden_after_the_close_leaves_the_results(inquiry, room):
    await database_sync_to_async(a_vote_with_dots)(inquiry)
    await closed(room)
    await room["presenter"].until(lambda s: len(lines(s)) == 10)
    top = await database_sync_to_async(lambda: Card.objects.get(text="Idea 12").pk)()
    await room["alice"].send(type="card", op="hide", card=top)
    presenter = await room["presenter"].until(lambda s: lines(s) and lines(s)[0][0] == "Idea 11")
    assert "Idea 12" not in text(presenter, "vote-results")
    assert text(presenter, "vote-results-heading") == "The top 10 of 11 contributions with dots"


async def test_the_facilitator_shows_the_sector_lens_on_the_shared_screen_instead(inquiry, room):
    await database_sync_to_async(a_vote_with_dots)(inquiry)
    await closed(room)
    await room["alice"].until(lambda s: attr(s, "vote-screen-results", "aria-pressed") == "true")
    await room["alice"].send(type="vote", op="present", show="lens")
    await everyone(room, lambda s: attr(s, "vote-results", "data-show") == "lens", ["presenter", "carol"])
    await everyone(room, lambda s: attr(s, "vote-screen-lens", "aria-pressed") == "true", ["alice", "bob"])
    await room["bob"].send(type="vote", op="present", show="results")
    await room["presenter"].until(lambda s: attr(s, "vote-results", "data-show") == "results")
    assert len(lines(room["presenter"])) == 10


async def test_only_a_facilitator_changes_what_the_shared_screen_shows(inquiry, room):
    await database_sync_to_async(a_vote_with_dots)(inquiry)
    await closed(room)
    await room["carol"].send(type="vote", op="present", show="lens")
    assert (await room["carol"].reply()).error == "forbidden"
    await room["carol"].send(type="vote", op="reopen")
    assert (await room["carol"].reply()).error == "forbidden"
    await room["alice"].send(type="vote", op="present", show="everything")
    assert (await room["alice"].reply()).error == "invalid_field"
    assert not await database_sync_to_async(lambda: Vote.objects.get().presenter_lens)()


async def test_reopening_the_vote_puts_the_round_back_in_the_vote_phase_with_its_dots(inquiry, room, alice):
    await database_sync_to_async(a_vote_with_dots)(inquiry)
    # The cards and dots were stored, not posted, behind the snapshots' back: Alice's screen loads afresh
    # to show them (closing the vote does not re-draw the whole board).
    snapshots.kept.clear()
    snapshots.size = 0
    await room["alice"].close()
    room["alice"] = await Screen(inquiry.code, alice).connect()
    assert "Idea 0" in room["alice"].texts()
    await closed(room)
    await room["presenter"].until(lambda s: len(lines(s)) == 10)
    assert "Reopen the vote" in text(room["alice"], "vote-steer")
    await room["alice"].send(type="vote", op="reopen")
    await everyone(
        room,
        lambda s: (
            attr(s, "round-banner", "data-phase") == "vote" and attr(s, "vote-bar", "data-vote-open") == "1"
        ),
    )
    assert "Close the vote" in text(room["alice"], "vote-steer")
    assert lines(room["presenter"]) == []  # results show once it closes again
    idea = await database_sync_to_async(lambda: Card.objects.get(text="Idea 0").pk)()
    await room["carol"].send(type="dot", op="add", card=idea, theme=None)
    await room["alice"].until(lambda s: "1 dot" in text(s, f"card-{idea}-votes"))
    assert await database_sync_to_async(Dot.objects.count)() == sum(range(13)) + 1
    # Nothing to reopen while it is open.
    await room["bob"].send(type="vote", op="reopen")
    assert (await room["bob"].reply()).error == "invalid_state"
