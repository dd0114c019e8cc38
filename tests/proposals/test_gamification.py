"""Points, badges and ranking rules (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.proposals import gamification
from portal.proposals.gamification import Activity


@pytest.mark.parametrize(("activity", "expected"), [
    (Activity(), 0),  # nothing done, nothing earned
    (Activity(proposals=1), 10),  # one proposal that reached the city
    (Activity(proposals=1, verified=1), 30),  # ... verified by a moderator
    (Activity(proposals=1, verified=1, feasible=1), 60),  # ... and found feasible
    (Activity(supports_received=7), 7),  # one point per support from another resident
    (Activity(commented_on=3, supported=4), 10),  # 2 per proposal commented on, 1 per support given
])
def test_points_table(activity: Activity, expected: int) -> None:
    assert gamification.points(activity) == expected


@pytest.mark.parametrize(("activity", "badges"), [
    (Activity(), []),
    (Activity(proposals=1), ["first_proposal"]),
    (Activity(proposals=2, verified=1, feasible=1), ["first_proposal", "proposal_verified", "proposal_feasible"]),
    (Activity(supports_received=9), []),  # one short of the threshold
    (Activity(supports_received=10), ["supports_10"]),
    (Activity(supports_received=100), ["supports_10", "supports_100"]),
    (Activity(commented_on=10, supported=10), ["first_comment", "conversation_10", "supporter_10"]),
])
def test_badges_earned_at_their_threshold(activity: Activity, badges: list[str]) -> None:
    assert [b.key for b in gamification.earned(activity)] == badges


def test_progress_is_capped_at_the_threshold() -> None:
    progress = {p.badge.key: p for p in gamification.progress(Activity(supports_received=250))}
    assert progress["supports_100"].value == 100 and progress["supports_100"].earned
    assert progress["first_comment"].value == 0 and not progress["first_comment"].earned


def test_every_badge_measures_an_activity_field() -> None:
    names = {f for f in Activity.__dataclass_fields__}
    assert {b.metric for b in gamification.BADGES} <= names and set(gamification.POINTS) == names


@pytest.mark.parametrize(("entries", "expected"), [
    # Competition ranking: equal points share a rank, the next rank skips.
    ([(1, "Ani", 30), (2, "Budi", 20), (3, "Cici", 20), (4, "Dedi", 10)],
     [(1, 1), (2, 2), (3, 2), (4, 4)]),
    # Within a tie by name, case-insensitively, whatever the input order.
    ([(2, "budi", 5), (1, "Ani", 5)], [(1, 1), (2, 1)]),
    # Nobody with 0 points is listed.
    ([(1, "Ani", 0), (2, "Budi", 1)], [(2, 1)]),
    ([], []),
])
def test_rank(entries: list[tuple[int, str, int]], expected: list[tuple[int, int]]) -> None:
    assert [(r.key, r.rank) for r in gamification.rank(entries)] == expected


activities = st.builds(Activity, *(st.integers(0, 500) for _ in range(6)))


@given(activities, activities)
def test_points_are_additive_and_monotone(a: Activity, b: Activity) -> None:
    assert gamification.points(a + b) == gamification.points(a) + gamification.points(b)
    assert gamification.points(a + b) >= gamification.points(a)
    assert set(gamification.earned(a)) <= set(gamification.earned(a + b))  # badges are never lost by doing more


@given(st.lists(st.tuples(st.integers(0, 50), st.text(max_size=5), st.integers(0, 100)), unique_by=lambda e: e[0]))
def test_ranking_is_ordered_and_independent_of_input_order(entries: list[tuple[int, str, int]]) -> None:
    ranked = gamification.rank(entries)
    assert [r.points for r in ranked] == sorted((r.points for r in ranked), reverse=True)
    assert all(r.points > 0 for r in ranked)
    assert ranked == gamification.rank(list(reversed(entries)))
    for previous, current in zip(ranked, ranked[1:]):
        assert current.rank == (previous.rank if current.points == previous.points else ranked.index(current) + 1)
