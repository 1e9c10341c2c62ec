"""The bridging formula on hand-made cases (docs in board/lens.py)."""

from board.lens import bridging_score, lens

SECTORS = ["NHS", "Local authority", "Voluntary and community sector"]
PEOPLE = {"NHS": 10, "Local authority": 5, "Voluntary and community sector": 4}


def events(theme, **by_sector):
    names = {"nhs": "NHS", "la": "Local authority", "vcs": "Voluntary and community sector", "other": "Other"}
    return [(theme, names[key]) for key, n in by_sector.items() for _ in range(n)]


def test_a_theme_supported_across_sectors_ranks_above_a_one_sector_favourite():
    support = events(1, nhs=9) + events(2, nhs=2, la=1, vcs=1)
    ranked = lens([(1, "Popular with the NHS"), (2, "Across the system")], SECTORS, PEOPLE, support, k=3)
    assert [t.name for t in ranked] == ["Across the system", "Popular with the NHS"]
    assert ranked[0].bridging == min(2 / 10, 1 / 5, 1 / 4) == 0.2
    assert ranked[1].bridging == 0
    assert ranked[1].total == 9


def test_support_is_normalised_by_sector_size():
    # Five votes from 10 NHS people weigh the same as 2.5 from 5: a large sector cannot swamp a small one.
    support = events(1, nhs=5, la=2, vcs=2) + events(2, nhs=2, la=3, vcs=2)
    ranked = lens([(1, "A"), (2, "B")], SECTORS, PEOPLE, support, k=3)
    a, b = sorted(ranked, key=lambda t: t.name)
    assert a.bridging == min(5 / 10, 2 / 5, 2 / 4) == 0.4
    assert b.bridging == min(2 / 10, 3 / 5, 2 / 4) == 0.2
    assert [t.name for t in ranked] == ["A", "B"]


def test_small_sectors_are_withheld_and_left_out_of_the_score():
    sectors = [*SECTORS, "Other"]
    people = {**PEOPLE, "Voluntary and community sector": 2, "Other": 1}
    ranked = lens([(1, "T")], sectors, people, events(1, nhs=3, la=1, vcs=2, other=1), k=3)
    rows = {row.sector: row for row in ranked[0].sectors}
    for small in ("Voluntary and community sector", "Other"):
        assert rows[small].support is None and rows[small].share is None and rows[small].small
    assert ranked[0].bridging == min(3 / 10, 1 / 5)


def test_a_single_small_sector_withholds_the_next_smallest_with_it():
    # Otherwise the theme's total support less the sectors shown would be the small sector's support.
    people = {**PEOPLE, "Voluntary and community sector": 2}
    ranked = lens([(1, "T")], SECTORS, people, events(1, nhs=3, la=1, vcs=2), k=3)
    rows = {row.sector: row for row in ranked[0].sectors}
    assert rows["Voluntary and community sector"].support is None
    assert rows["Local authority"].support is None and not rows["Local authority"].small
    assert rows["NHS"].support == 3 and ranked[0].total == 6
    assert ranked[0].bridging is None  # one sector left to show: nothing to bridge


def test_with_one_sector_shown_there_is_nothing_to_bridge():
    assert bridging_score([0.5, None, None]) is None
    ranked = lens([(1, "T"), (2, "U")], SECTORS, {"NHS": 10}, events(1, nhs=1) + events(2, nhs=4), k=3)
    assert all(t.bridging is None for t in ranked)
    assert [t.name for t in ranked] == ["U", "T"]  # then by total support


def test_ties_are_broken_by_total_support():
    support = events(1, nhs=2, la=1, vcs=1) + events(2, nhs=4, la=1, vcs=1)
    ranked = lens([(1, "Fewer"), (2, "More")], SECTORS, {s: 5 for s in SECTORS}, support, k=3)
    assert ranked[0].bridging == ranked[1].bridging == 0.2
    assert [t.name for t in ranked] == ["More", "Fewer"]


def test_no_support_at_all():
    ranked = lens([(1, "Quiet")], SECTORS, PEOPLE, [], k=3)
    assert ranked[0].total == 0 and ranked[0].bridging == 0
