"""Ballot validity (pure): one table per ballot kind, plus hypothesis invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.voting.ballot_rules import BallotKind, BallotSpec, blocked, check, min_spend, spec_issues

COSTS = {"1": 400, "2": 300, "3": 200, "4": 100}
KNAPSACK = BallotSpec(BallotKind.KNAPSACK, budget=600)
KNAP_MIN = BallotSpec(BallotKind.KNAPSACK, budget=600, min_spend_pct=50, min_projects=2, max_projects=3)
K2 = BallotSpec(BallotKind.K_APPROVAL, budget=600, k=2)
CUM = BallotSpec(BallotKind.CUMULATIVE, budget=600, points=10, max_points_per_project=5)


def approve(*ids: str) -> list[tuple[str, str]]:
    return [(i, "on") for i in ids]


@pytest.mark.parametrize(
    ("spec", "raw", "codes", "choices"),
    [
        # knapsack: exactly the budget is fine
        (KNAPSACK, approve("1", "3"), [], (("1", 1), ("3", 1))),
        # knapsack: one rupiah... one project over the budget
        (KNAPSACK, approve("1", "2"), ["over_budget"], (("1", 1), ("2", 1))),
        # tampered id (not a project of this cycle, e.g. another cycle's)
        (KNAPSACK, approve("1", "99"), ["unknown_project"], (("1", 1),)),
        # the same project twice
        (KNAPSACK, approve("3", "3"), ["duplicate"], (("3", 1),)),
        # empty ballot
        (KNAPSACK, [], ["empty"], ()),
        # minimum spend 50 % = 300: 200 is too little
        (KNAP_MIN, approve("3"), ["under_min_spend", "too_few"], (("3", 1),)),
        # min 2 projects, spends 300
        (KNAP_MIN, approve("3", "4"), [], (("3", 1), ("4", 1))),
        # max 3 projects (budget allows 4 cheap ones in a bigger budget)
        (BallotSpec(BallotKind.KNAPSACK, budget=10_000, max_projects=3), approve("1", "2", "3", "4"),
         ["too_many"], (("1", 1), ("2", 1), ("3", 1), ("4", 1))),
        # k-approval: two is fine, cost does not matter
        (K2, approve("1", "2"), [], (("1", 1), ("2", 1))),
        # k-approval: three is one too many
        (K2, approve("1", "2", "3"), ["too_many"], (("1", 1), ("2", 1), ("3", 1))),
        # cumulative: 5 + 5 points
        (CUM, [("1", "5"), ("2", "5"), ("3", "0")], [], (("1", 5), ("2", 5))),
        # cumulative: more than m on one project
        (CUM, [("1", "6")], ["over_project_points"], (("1", 6),)),
        # cumulative: more than N in total
        (CUM, [("1", "5"), ("2", "5"), ("3", "1")], ["over_points"], (("1", 5), ("2", 5), ("3", 1))),
        # cumulative: negative or non-numeric points
        (CUM, [("1", "-1"), ("2", "x")], ["bad_points", "bad_points"], ()),
        # cumulative: all zero is an empty ballot
        (CUM, [("1", "0"), ("2", "")], ["empty"], ()),
    ],
)
def test_check(spec: BallotSpec, raw: list[tuple[str, str]], codes: list[str], choices: tuple) -> None:  # type: ignore[type-arg]
    result = check(spec, COSTS, raw)
    assert [i.code for i in result.issues] == codes
    assert result.choices == choices
    assert result.ok is (not codes)


@pytest.mark.parametrize(
    ("spec", "codes"),
    [
        # fine
        (KNAP_MIN, []),
        # zero budget
        (BallotSpec(BallotKind.KNAPSACK, budget=0), ["budget_not_positive"]),
        # percentage out of range
        (BallotSpec(BallotKind.KNAPSACK, budget=5, min_spend_pct=101), ["min_spend_range"]),
        # max below min
        (BallotSpec(BallotKind.KNAPSACK, budget=5, min_projects=3, max_projects=2), ["max_below_min"]),
        # k-approval without k
        (BallotSpec(BallotKind.K_APPROVAL, budget=5), ["k_required"]),
        # cumulative without points
        (BallotSpec(BallotKind.CUMULATIVE, budget=5), ["points_required", "max_points_required"]),
    ],
)
def test_spec_issues(spec: BallotSpec, codes: list[str]) -> None:
    assert [i.code for i in spec_issues(spec)] == codes


def test_min_spend_rounds_up() -> None:
    assert min_spend(BallotSpec(BallotKind.KNAPSACK, budget=1001, min_spend_pct=50)) == 501


@pytest.mark.parametrize(
    ("spec", "chosen", "expected"),
    [
        # 400 chosen, 200 left: 300 does not fit
        (KNAPSACK, ["1"], {"2"}),
        # full budget: everything else blocked
        (KNAPSACK, ["1", "3"], {"2", "4"}),
        # k reached
        (K2, ["1", "2"], {"3", "4"}),
        # cumulative never blocks a checkbox
        (CUM, ["1"], set()),
    ],
)
def test_blocked(spec: BallotSpec, chosen: list[str], expected: set[str]) -> None:
    assert blocked(spec, COSTS, chosen) == expected


costs_st = st.dictionaries(st.text("0123456789", min_size=1, max_size=3), st.integers(0, 1000), max_size=8)


@given(costs_st, st.lists(st.text("0123456789", min_size=1, max_size=3), max_size=10), st.integers(1, 3000))
def test_valid_knapsack_ballots_fit_the_budget(costs: dict[str, int], picks: list[str], budget: int) -> None:
    spec = BallotSpec(BallotKind.KNAPSACK, budget=budget)
    result = check(spec, costs, approve(*picks))
    if result.ok:
        assert result.spent <= budget
        assert len({p for p, _ in result.choices}) == len(result.choices)
        assert all(p in costs for p, _ in result.choices)
    # adding any non-blocked project keeps the ballot within budget
    chosen = [p for p, _ in result.choices]
    if result.spent <= budget:
        for pid in set(costs) - set(chosen) - blocked(spec, costs, chosen):
            assert result.spent + costs[pid] <= budget


@given(st.lists(st.tuples(st.sampled_from(["1", "2", "3", "4", "5"]), st.text("0123456789-", max_size=3)),
                max_size=8))
def test_valid_cumulative_ballots_respect_points(raw: list[tuple[str, str]]) -> None:
    result = check(CUM, COSTS, raw)
    if result.ok:
        assert 0 < result.points_used <= 10
        assert all(0 < p <= 5 for _, p in result.choices)
        assert all(pid in COSTS for pid, _ in result.choices)


def test_ballot_order_is_reproducible_per_voter_and_differs_between_voters() -> None:
    from portal.voting.ballot_rules import ballot_order

    ids = [str(i) for i in range(1, 21)]
    first = ballot_order(ids, "user:7:1")
    assert first == ballot_order(list(reversed(ids)), "user:7:1")  # input order is irrelevant
    assert sorted(first) == sorted(ids)
    assert first != ballot_order(ids, "user:8:1")
