"""greedy-custom, Poznań's reserve rule: greedy-no-skip, then the project the list stopped at is
funded from the city reserve when at least `Election.reserve_pct` % of its cost is left."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.voting import tally
from portal.voting.pabulib import parse_pabulib
from tests.voting.tally_helpers import election

ID, MIN_COST = tally.TieBreak.ID, tally.TieBreak.MIN_COST
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "pb"
POZNAN = SHARED / "Poland_Poznan_2023_9_-_Stare_Miasto.pb"


ABC = {"a": 60, "b": 50, "c": 30}
ABC_VOTES = ["a b c", "a b", "a"]  # a: 3 votes, b: 2, c: 1
TIED = {"9": 40, "10": 60}  # one vote each: ids order "10" first, min-cost "9" first

# costs, ballots, budget, extra Election fields, tie-break, selected, reserve project, reserve paid
CASES = [
    # 40 left of b's 50 is exactly 80 %: b is funded, the reserve pays 10; c is never considered.
    (ABC, ABC_VOTES, 100, {}, ID, ("a", "b"), "b", 10),
    # 7,999 left of 10,000 is 79.99 %: no reserve, and the cheap c that would fit is not reached.
    ({"a": 2001, "b": 10000, "c": 1}, ABC_VOTES, 10000, {}, ID, ("a",), None, 0),
    # a and b fit exactly (0 left): no reserve needed; c then gets 0 % and the list stops.
    (ABC, ABC_VOTES, 110, {}, ID, ("a", "b"), None, 0),
    # The share is a parameter: with 81 % the same 40-of-50 is not enough.
    (ABC, ABC_VOTES, 100, {"reserve_pct": 81}, ID, ("a",), None, 0),
    # ... and with 100 % only an exact fit would do: greedy-no-skip.
    (ABC, ABC_VOTES, 100, {"reserve_pct": 100}, ID, ("a",), None, 0),
    # Threshold 2: b (1 vote) is not eligible, so it cannot take the reserve either.
    ({"a": 60, "b": 45}, ["a b", "a", "a"], 100, {"min_score": 2}, ID, ("a",), None, 0),
    # The same election without the threshold: 40 of b's 45 (88.8 %) is left, reserve pays 5.
    ({"a": 60, "b": 45}, ["a b", "a", "a"], 100, {}, ID, ("a", "b"), "b", 5),
    # Tie by id: "10" (60) first, then 30 of "9"'s 40 is 75 %: not enough.
    (TIED, ["9 10"], 90, {}, ID, ("10",), None, 0),
    # The same with 75 %: "9" is funded from the reserve (10).
    (TIED, ["9 10"], 90, {"reserve_pct": 75}, ID, ("10", "9"), "9", 10),
    # Tie, cheaper first: "9" (40), then 50 of "10"'s 60 is 83.3 %: reserve pays 10.
    (TIED, ["9 10"], 90, {}, MIN_COST, ("9", "10"), "10", 10),
    # Empty election: nothing to fund, nothing from the reserve.
    ({}, [], 100, {}, ID, (), None, 0),
    # Only empty ballots: a project nobody voted for never takes the reserve.
    ({"a": 120}, ["", ""], 100, {}, ID, (), None, 0),
    # The first project already misfits: 100 of 120 (83.3 %) is left, the reserve pays 20.
    ({"a": 120, "b": 10}, ["a b", "a"], 100, {}, ID, ("a",), "a", 20),
    # The reserve project is the last one on the list: nothing is left out after it.
    ({"a": 60, "b": 50}, ["a b", "a"], 100, {}, ID, ("a", "b"), "b", 10),
    # A fractional budget is compared exactly: 39.5 of 50 is 79 %.
    (ABC, ABC_VOTES, Fraction(199, 2), {}, ID, ("a",), None, 0),
]


@pytest.mark.parametrize(
    ("costs", "ballots", "budget", "extra", "tie", "selected", "reserve", "paid"), CASES
)
def test_greedy_custom_funds_the_stopping_project_from_the_reserve(
    costs: dict[str, int],
    ballots: list[str],
    budget: int | Fraction,
    extra: dict[str, object],
    tie: tally.TieBreak,
    selected: tuple[str, ...],
    reserve: str | None,
    paid: int,
) -> None:
    result = tally.RULES["greedy-custom"](election(costs, ballots, budget, **extra), tie_break=tie)
    assert result.rule == "greedy-custom"
    assert result.selected == selected
    assert (result.reserve_project, result.from_reserve) == (reserve, paid)
    assert result.total_cost == sum(costs[i] for i in selected)
    assert result.spent_from_budget == result.total_cost - paid <= budget


def test_reserve_project_explains_what_was_left_and_the_share() -> None:
    result = tally.greedy_custom(election({"a": 60, "b": 47}, ["a b", "a"], 100))
    b = result.report("b")
    assert (b.selected, b.reason, b.remaining_budget) == (True, "reserve", 40)
    # 40 / 47 = 85.1 %: rounded down, so a share just under the limit never reads as the limit.
    assert b.note == (
        "funded from the city reserve: Rp 40 was left, 85.1 % of its cost Rp 47 "
        "(the rule allows at least 80 %)"
    )


def test_projects_after_the_stop_name_the_project_the_list_stopped_at() -> None:
    used = tally.greedy_custom(election(ABC, ABC_VOTES, 100))
    assert used.report("c").reason == "stopped"
    assert used.report("c").note == "not considered: the list stopped at project b"
    unused = tally.greedy_custom(election(ABC, ABC_VOTES, 100, reserve_pct=90))
    assert unused.report("b").reason == "misfit"
    assert unused.report("c").note == "not considered: the list stopped at project b"


@pytest.mark.parametrize(("part", "whole", "text"), [
    (40, 50, "80"),  # whole percentages have no decimals
    (7999, 10000, "79.9"),  # rounded down: 79.99 % must not read as 80 %
    (Fraction(1, 3), 1, "33.3"),
    (0, 50, "0"),
])
def test_share_text_rounds_down_to_one_decimal(part: int | Fraction, whole: int, text: str) -> None:
    assert tally.share_text(part, whole) == text


@pytest.mark.parametrize("pct", [0, 101, -5])
def test_reserve_share_outside_1_to_100_is_refused(pct: int) -> None:
    with pytest.raises(ValueError, match="reserve_pct"):
        election(ABC, ABC_VOTES, 100, reserve_pct=pct)


# ---------------------------------------------------------------- Poznań's own file


@pytest.fixture(scope="module")
def poznan() -> tally.Election:
    if not POZNAN.exists():
        pytest.skip(f"{POZNAN.name} is not in shared/pb")
    parsed = parse_pabulib(POZNAN.read_text(encoding="utf-8-sig"))
    assert parsed.rule == "greedy-custom"
    assert parsed.official_selected == ("IX.1",) and parsed.official_reserve == ()
    return parsed.election


def test_poznan_reproduces_the_official_selection_and_equals_greedy(poznan: tally.Election) -> None:
    result = tally.RULES["greedy-custom"](poznan)
    # IX.1 costs the whole 800,000: nothing is left for IX.7 (800,000), so no reserve.
    assert result.selected == ("IX.1",) and result.reserve_project is None
    assert result.selected == tally.greedy(poznan).selected
    assert result.report("IX.7").reason == "misfit"
    assert result.report("IX.6").note == "not considered: the list stopped at project IX.7"


def test_poznan_ballots_with_a_larger_budget_use_the_reserve(poznan: tally.Election) -> None:
    # 1,450,000: after IX.1, 650,000 of IX.7's 800,000 (81.25 %) is left, so the reserve pays
    # 150,000 for IX.7, where plain greedy would skip IX.7 and fund the cheaper IX.6 instead.
    bigger = dataclasses.replace(poznan, budget=1_450_000)
    result = tally.greedy_custom(bigger)
    assert result.selected == ("IX.1", "IX.7")
    assert (result.reserve_project, result.from_reserve) == ("IX.7", 150_000)
    assert tally.greedy(bigger).selected == ("IX.1", "IX.6")  # 478,000 left: nothing else fits


# ---------------------------------------------------------------- invariants


@st.composite
def elections(draw: st.DrawFn) -> tally.Election:
    ids = draw(st.lists(st.sampled_from(["1", "2", "10", "a", "b", "c"]), max_size=6, unique=True))
    costs = {i: draw(st.integers(0, 40)) for i in ids}
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), unique=True), max_size=8)) if ids else []
    return election(
        costs,
        [" ".join(b) for b in ballots],
        draw(st.integers(0, 80) | st.fractions(0, 80, max_denominator=4)),
        min_score=draw(st.none() | st.integers(0, 3)),
        reserve_pct=draw(st.integers(1, 100)),
    )


def _score_order(election: tally.Election, tie: tally.TieBreak) -> list[str]:
    """Eligible projects in the order the greedy rules consider them, computed afresh."""
    votes = {p.id: sum(p.id in b for b in election.ballots) for p in election.projects}
    cost = {p.id: p.cost for p in election.projects}
    limit = election.min_score

    def tie_key(pid: str) -> tuple[int, str]:
        return (cost[pid], pid) if tie is MIN_COST else (0, pid)

    eligible = [p for p, v in votes.items() if v > 0 and (limit is None or v >= limit)]
    # A free project with votes comes first (pabutools: infinite votes per unit of cost).
    return sorted(eligible, key=lambda p: (cost[p] != 0, -votes[p], tie_key(p)))


@settings(max_examples=150, deadline=None)
@given(elections(), st.sampled_from(list(tally.TieBreak)))
def test_greedy_custom_invariants(election: tally.Election, tie: tally.TieBreak) -> None:
    result = tally.greedy_custom(election, tie_break=tie)
    cost = {p.id: p.cost for p in election.projects}
    order = _score_order(election, tie)
    # The funded projects are a prefix of the score order (no skipping).
    assert list(result.selected) == order[: len(result.selected)]
    # greedy-no-skip plus at most one project, the reserve one.
    no_skip = tally.greedy_no_skip(election, tie_break=tie).selected
    assert result.selected[: len(no_skip)] == no_skip
    assert len(result.selected) - len(no_skip) == (0 if result.reserve_project is None else 1)
    regular = [pid for pid in result.selected if pid != result.reserve_project]
    assert sum(cost[pid] for pid in regular) <= election.budget
    assert result.spent_from_budget <= election.budget
    reserved = [r for r in result.projects if r.reason == "reserve"]
    assert len(reserved) <= 1
    left = election.budget - sum(cost[pid] for pid in regular)
    if result.reserve_project is not None:
        assert reserved[0].project_id == result.reserve_project == result.selected[-1]
        pid = result.reserve_project
        assert reserved[0].remaining_budget == left
        assert cost[pid] > left and left * 100 >= election.reserve_pct * cost[pid]
        assert result.from_reserve == cost[pid] - left
    else:
        assert result.from_reserve == 0 and not reserved
        following = order[len(result.selected) : len(result.selected) + 1]
        # The reserve is used whenever the rule allows it: the next project gets too little.
        for pid in following:
            assert left * 100 < election.reserve_pct * cost[pid]
