"""Sequential Phragmén for budgeting: shared loads, stop at the first misfit."""

from __future__ import annotations

import pytest

from portal.voting import tally


def _election(costs: dict[str, int], ballots: list[str], budget: int) -> tally.Election:
    """`ballots` are space-separated ids ("a b")."""
    return tally.Election(
        budget=budget,
        projects=tuple(tally.Project(i, c) for i, c in costs.items()),
        ballots=tuple(tuple(b.split()) for b in ballots),
    )


CASES = [
    # Loads a 60/3 = 20, b 50/2 = 25, c 30/1 = 30: a first; b would overspend, and
    # Phragmén stops there (greedy would have skipped b and taken c).
    ({"a": 60, "b": 50, "c": 30}, ["a", "a", "a", "b", "b", "c"], 100, ("a",)),
    # v1 shares a with v2 (load 15 each); b then costs v1 15 + 30 = 45, c only 30:
    # c goes before b even though b's supporter looked as cheap at the start.
    ({"a": 30, "b": 30, "c": 30}, ["a b", "a", "c"], 90, ("a", "c", "b")),
    # Equal loads: ids as strings, "10" before "9"; then "9" does not fit and it stops.
    ({"9": 50, "10": 50}, ["9 10"], 60, ("10",)),
    # A project nobody approved is never funded, whatever budget is left.
    ({"a": 10, "z": 1}, ["a"], 100, ("a",)),
    # Projects dearer than the whole budget are not candidates: they cannot stop the rule.
    ({"a": 10, "huge": 1000}, ["huge", "huge", "a"], 100, ("a",)),
]


@pytest.mark.parametrize(("costs", "ballots", "budget", "expected"), CASES)
def test_phragmen_outcomes(
    costs: dict[str, int], ballots: list[str], budget: int, expected: tuple[str, ...]
) -> None:
    result = tally.phragmen(_election(costs, ballots, budget))
    assert result.selected == expected
    assert result.total_cost <= budget


def test_phragmen_explains_where_it_stopped() -> None:
    ballots = ["a"] * 3 + ["b"] * 2 + ["c"]
    result = tally.phragmen(_election({"a": 60, "b": 50, "c": 30}, ballots, 100))
    assert result.report("a").round == 1
    assert result.report("b").note == "did not fit: Rp 40 left, costs Rp 50"
    assert result.report("c").note.startswith("not reached")


def test_phragmen_needs_approval_ballots() -> None:
    election = tally.Election(
        budget=10,
        projects=(tally.Project("a", 1),),
        ballots=(("a",),),
        vote_type=tally.VoteType.CUMULATIVE,
        points=((1,),),
    )
    with pytest.raises(ValueError, match="approval"):
        tally.phragmen(election)
