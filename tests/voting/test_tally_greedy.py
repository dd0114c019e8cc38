"""Greedy rules: by votes, skipping misfits; and the city variants (no-skip, threshold,
exclusive)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.voting import tally
from tests.voting.tally_helpers import election

ID, MIN_COST = tally.TieBreak.ID, tally.TieBreak.MIN_COST


ABC = {"a": 60, "b": 50, "c": 30}
ABC_VOTES = ["a b c", "a b", "a"]  # a: 3 votes, b: 2, c: 1

GREEDY_CASES = [
    # Most votes first; b does not fit after a, so it is skipped and c still gets in.
    (ABC, ABC_VOTES, 100, ID, ("a", "c")),
    # An exact fit is funded: the budget is a ceiling, not a strict bound.
    (ABC, ABC_VOTES, 110, ID, ("a", "b")),
    # Nothing fits: nothing is funded.
    (ABC, ABC_VOTES, 20, ID, ()),
    # Tie on votes: ids compare as strings, so "10" comes before "9".
    ({"9": 60, "10": 60}, ["9 10", "9 10"], 100, ID, ("10",)),
    # Tie on votes, lower cost first: the cheaper "9" wins and "10" no longer fits.
    ({"9": 40, "10": 60}, ["9 10"], 70, MIN_COST, ("9",)),
    # The same tie by id order instead: "10" first, then "9" does not fit.
    ({"9": 40, "10": 60}, ["9 10"], 70, ID, ("10",)),
    # Equal cost under min-cost falls back to id order.
    ({"9": 50, "10": 50}, ["9 10"], 70, MIN_COST, ("10",)),
    # A project nobody voted for is never funded, even with budget left over.
    ({"a": 10, "z": 5}, ["a", ""], 100, ID, ("a",)),
    # A free project with votes is funded first (infinite votes per unit of cost).
    ({"f": 0, "a": 100}, ["a f", "a", "a"], 100, ID, ("f", "a")),
    # A fractional budget is honoured exactly: 99.5 cannot pay for 100.
    ({"a": 100, "b": 99}, ["a", "a", "b"], Fraction(199, 2), ID, ("b",)),
]


@pytest.mark.parametrize(("costs", "ballots", "budget", "tie", "expected"), GREEDY_CASES)
def test_greedy_funds_by_votes_and_skips_misfits(
    costs: dict[str, int],
    ballots: list[str],
    budget: int,
    tie: tally.TieBreak,
    expected: tuple[str, ...],
) -> None:
    result = tally.greedy(election(costs, ballots, budget), tie_break=tie)
    assert result.selected == expected
    assert result.total_cost == sum(costs[i] for i in expected)


def test_greedy_explains_a_misfit_with_the_money_left() -> None:
    result = tally.greedy(election(ABC, ABC_VOTES, 100))
    b = result.report("b")
    assert not b.selected and b.remaining_budget == 40 and b.score == 2
    assert b.note == "did not fit: Rp 40 left, costs Rp 50"
    assert result.report("a").note == "funded: 3 votes"
    assert result.report("a").remaining_budget == 100


def test_greedy_uses_points_for_cumulative_ballots() -> None:
    # One voter puts 5 points on a; two voters put 1 point each on b: a leads on points.
    election = tally.Election(
        budget=10,
        projects=(tally.Project("a", 10), tally.Project("b", 10)),
        ballots=(("a",), ("b",), ("b",)),
        vote_type=tally.VoteType.CUMULATIVE,
        points=((5,), (1,), (1,)),
    )
    assert tally.greedy(election).selected == ("a",)


def test_greedy_uses_positional_points_for_ordinal_ballots() -> None:
    # max_length 3: first place 3 points, second 2. a: 3 + 2 = 5; b: 2 + 3 = 5; c: 3.
    # a and b tie on 5 and "a" < "b"; only one of them fits.
    election = tally.Election(
        budget=10,
        projects=(tally.Project("a", 10), tally.Project("b", 10), tally.Project("c", 1)),
        ballots=(("a", "b"), ("b", "a"), ("c",)),
        vote_type=tally.VoteType.ORDINAL,
        max_length=3,
    )
    result = tally.greedy(election)
    assert result.selected == ("a",)
    assert [result.report(i).score for i in "abc"] == [5, 5, 3]


CITY_CASES = [
    # No-skip: b does not fit after a, so the tally stops there and c is never reached.
    (tally.greedy_no_skip, {}, ("a",)),
    # Threshold 2: c (1 vote) is not eligible, so it cannot use the leftover budget.
    (tally.greedy_threshold, {"min_score": 2}, ("a",)),
    # No threshold in the file: greedy-threshold behaves like greedy.
    (tally.greedy_threshold, {}, ("a", "c")),
    # Exclusive: a and c are alternatives; a wins on votes, so c is excluded.
    (tally.greedy_exclusive, {"exclusive": (frozenset({"a", "c"}),)}, ("a",)),
    # Unknown exclusions (empty): plain greedy.
    (tally.greedy_exclusive, {}, ("a", "c")),
]


@pytest.mark.parametrize(("rule", "extra", "expected"), CITY_CASES)
def test_city_greedy_variants(
    rule: tally.Rule, extra: dict[str, object], expected: tuple[str, ...]
) -> None:
    assert rule(election(ABC, ABC_VOTES, 100, **extra)).selected == expected


def test_no_skip_says_why_later_projects_were_not_considered() -> None:
    result = tally.greedy_no_skip(election(ABC, ABC_VOTES, 100))
    assert result.report("c").note == "not considered: the tally stops at the first misfit"


def test_threshold_explains_an_ineligible_project() -> None:
    result = tally.greedy_threshold(election(ABC, ABC_VOTES, 100, min_score=2))
    assert result.report("c").note == "below the threshold: 1 < 2"


def test_greedy_threshold_breaks_ties_by_lower_cost_by_default() -> None:
    # Łódź 2022: the city funded the cheaper of two projects tied on votes.
    tied = election({"P194": 264, "P200": 28}, ["P194 P200"], 270)
    assert tally.greedy_threshold(tied).selected == ("P200",)
    assert tally.greedy(tied).selected == ("P194",)


def test_ballot_naming_an_unknown_project_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown project"):
        tally.greedy(election({"a": 1}, ["a x"], 10))


GREEDY_RULES = ["greedy", "greedy-no-skip", "greedy-threshold", "greedy-exclusive"]


@st.composite
def small_elections(draw: st.DrawFn) -> tally.Election:
    ids = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=6, unique=True))
    costs = {i: draw(st.integers(0, 30)) for i in ids}
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), unique=True), max_size=8))
    return election(costs, [" ".join(b) for b in ballots], draw(st.integers(0, 60)))


@settings(max_examples=60, deadline=None)
@given(small_elections(), st.sampled_from(GREEDY_RULES), st.sampled_from(list(tally.TieBreak)))
def test_greedy_invariants(
    election: tally.Election, name: str, tie: tally.TieBreak
) -> None:
    result = tally.RULES[name](election, tie_break=tie)
    voted = {pid for b in election.ballots for pid in b}
    assert result.total_cost <= election.budget
    assert set(result.selected) <= voted  # nobody voted for it: never funded
    shuffled = tally.Election(
        budget=election.budget,
        projects=election.projects[::-1],
        ballots=election.ballots[::-1],
    )
    assert tally.RULES[name](shuffled, tie_break=tie).selected == result.selected
