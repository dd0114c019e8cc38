"""Method of Equal Shares and its completions (greedy, Add1, Add1 with comparison)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.voting import tally

ID, MIN_COST = tally.TieBreak.ID, tally.TieBreak.MIN_COST


def _election(costs: dict[str, int], ballots: list[str], budget: int) -> tally.Election:
    """`ballots` are space-separated ids ("a b")."""
    return tally.Election(
        budget=budget,
        projects=tuple(tally.Project(i, c) for i, c in costs.items()),
        ballots=tuple(tuple(b.split()) for b in ballots),
    )


# Four voters with 25 each: a's three supporters hold 75 (enough for 60); b's one holds 25.
SMALL_GROUP = ({"a": 60, "b": 40}, ["a", "a", "a", "b"], 100)
# Three voters want "big"; two others want s1 or s2. Greedy spends everything on "big".
MAJORITY = ({"big": 100, "s1": 50, "s2": 50}, ["big", "big", "big", "s1 s2", "s1 s2"], 100)

CASES = [
    # b's lone supporter cannot pay 40 from a 25 share: MES leaves 40 unspent.
    (tally.equal_shares, SMALL_GROUP, ID, ("a",)),
    # Greedy completion spends the leftover on b.
    (tally.equal_shares_greedy, SMALL_GROUP, ID, ("a", "b")),
    # Add1 raises every share until b's supporter holds 40: then everything is bought.
    (tally.equal_shares_add1, SMALL_GROUP, ID, ("a", "b")),
    (tally.equal_shares_add1_comparison, SMALL_GROUP, ID, ("a", "b")),
    # Proportionality: three voters hold 15 of the 20. x costs them 10/3 each and the 5 left
    # cannot buy y, while the fourth voter's share of 5 buys z. Greedy would take x and y.
    (tally.equal_shares, ({"x": 10, "y": 10, "z": 5}, ["x y"] * 3 + ["z"], 20), ID, ("x", "z")),
    (tally.greedy, ({"x": 10, "y": 10, "z": 5}, ["x y"] * 3 + ["z"], 20), ID, ("x", "y")),
    # Tied price (same supporters, price 1/2 each): ids as strings, "10" before "9".
    (tally.equal_shares, ({"9": 15, "10": 20}, ["9 10"] * 2, 20), ID, ("10",)),
    # The same tie with lower cost first: "9" is bought and "10" no longer affordable.
    (tally.equal_shares, ({"9": 15, "10": 20}, ["9 10"] * 2, 20), MIN_COST, ("9",)),
    # A project nobody voted for is never bought, whatever is left.
    (tally.equal_shares_greedy, ({"a": 10, "z": 1}, ["a"], 100), ID, ("a",)),
    # Comparison step: Add1 buys s1 for the two; three voters prefer greedy's "big".
    (tally.equal_shares_add1_comparison, MAJORITY, ID, ("big",)),
    # Without the comparison step, Add1 keeps the proportional outcome.
    (tally.equal_shares_add1, MAJORITY, ID, ("s1",)),
]


@pytest.mark.parametrize(("rule", "case", "tie", "expected"), CASES)
def test_equal_shares_outcomes(
    rule: tally.Rule,
    case: tuple[dict[str, int], list[str], int],
    tie: tally.TieBreak,
    expected: tuple[str, ...],
) -> None:
    assert rule(_election(*case), tie_break=tie).selected == expected


def test_rejected_project_reports_what_its_supporters_could_pay() -> None:
    result = tally.equal_shares(_election(*SMALL_GROUP))
    b = result.report("b")
    # Round 1 buys a; b is looked at (and found unaffordable) when round 2 is decided.
    assert not b.selected and b.round == 2 and b.supporters_could_pay == 25
    assert b.note == "dropped in round 2: its supporters could pay at most Rp 25 of Rp 40"
    assert result.report("a").round == 1 and result.report("a").note == "funded in round 1"


def test_greedy_completion_marks_what_it_added() -> None:
    result = tally.equal_shares_greedy(_election(*SMALL_GROUP))
    assert result.report("b").note == "funded by greedy completion: 1 vote"


def test_cumulative_utilities_are_points() -> None:
    # v1: a 3 points, b 1; v2: b 2. Shares of 10. a and b both start at a price of 10/3
    # per point; "a" wins the tie, uses up v1, and v2 then pays for b alone (5 per point).
    election = tally.Election(
        budget=20,
        projects=(tally.Project("a", 10), tally.Project("b", 10)),
        ballots=(("a", "b"), ("b",)),
        vote_type=tally.VoteType.CUMULATIVE,
        points=((3, 1), (2,)),
    )
    result = tally.equal_shares(election)
    assert result.selected == ("a", "b")
    assert (result.report("a").round, result.report("b").round) == (1, 2)


def test_fractional_shares_stay_exact() -> None:
    # 100 / 3 per voter; the three together hold exactly 100 and can buy a project of 100.
    election = _election({"a": 100}, ["a", "a", "a"], 100)
    assert tally.equal_shares(election).selected == ("a",)
    assert tally.equal_shares(_election({"a": 101}, ["a"] * 3, 100)).selected == ()


def test_no_voters_funds_nothing() -> None:
    assert tally.equal_shares(_election({"a": 1}, [], 10)).selected == ()
    assert tally.equal_shares_add1(_election({"a": 1}, [], 10)).selected == ()


MES_RULES = [
    "equalshares",
    "equalshares/greedy",
    "equalshares/add1",
    "equalshares/add1/greedy",
    "equalshares/add1-comparison",
]


@st.composite
def small_elections(draw: st.DrawFn) -> tally.Election:
    ids = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=5, unique=True))
    costs = {i: draw(st.integers(0, 30)) for i in ids}
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), unique=True), max_size=7))
    budget = draw(st.integers(0, 60))
    return _election(costs, [" ".join(b) for b in ballots], budget)


@settings(max_examples=60, deadline=None)
@given(small_elections(), st.sampled_from(MES_RULES))
def test_equal_shares_invariants(election: tally.Election, name: str) -> None:
    result = tally.RULES[name](election)
    voted = {pid for b in election.ballots for pid in b}
    assert result.total_cost <= election.budget
    assert set(result.selected) <= voted
    reordered = tally.Election(
        budget=election.budget,
        projects=election.projects[::-1],
        ballots=tuple(b[::-1] for b in election.ballots[::-1]),
    )
    assert tally.RULES[name](reordered).selected == result.selected


def test_prices_are_fractions_not_floats() -> None:
    result = tally.equal_shares(_election({"a": 1}, ["a"] * 3, 1))
    assert result.selected == ("a",)
    assert isinstance(result.report("a").round, int)
    assert tally.equal_shares(_election({"a": 1}, ["a"] * 3, Fraction(2, 3))).selected == ()


@settings(max_examples=400, deadline=None)
@given(st.fractions(min_value=-10**9, max_value=10**12, max_denominator=10**6)
       | st.integers(-10**6, 10**6).map(lambda n: Fraction(2 * n + 1, 200)))  # half cents
def test_money_rounds_to_cents_half_to_even(amount: Fraction) -> None:
    # "could pay at most Rp X": amounts are exact Fractions, shown to the cent, half to even
    # (Python's round), with thousands separators.
    election = tally.Election(budget=1, projects=(), ballots=(), currency="Rp")
    whole = round(amount, 2)
    text = f"{int(whole):,}" if whole == int(whole) else f"{float(whole):,.2f}"
    assert tally._money(election, amount) == f"Rp {text}"


def test_money_examples() -> None:
    election = tally.Election(budget=1, projects=(), ballots=(), currency="Rp")
    assert tally._money(election, Fraction(2500, 100)) == "Rp 25"
    assert tally._money(election, Fraction(1234567, 100)) == "Rp 12,345.67"
    assert tally._money(election, Fraction(1, 200)) == "Rp 0"  # half a cent: to even, 0.00
    assert tally._money(election, Fraction(3, 200)) == "Rp 0.02"
    assert tally._money(election, 7_000_000) == "Rp 7,000,000"
