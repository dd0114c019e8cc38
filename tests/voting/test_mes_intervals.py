"""The compiled MES run in float intervals answers exactly as the exact run, or abstains.

`portal.voting.mes_intervals` decides only what its float intervals settle; everything else
(exact ties broken by rank, near-ties, a project its supporters can only just afford) is left
to the exact run. Whenever it answers, the funded order must be the exact run's.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.voting import mes_intervals, tally
from portal.voting.mes_intervals import IntervalMes
from portal.voting.tally import Election, Project, TieBreak, VoteType


def _compiled(  # type: ignore[no-untyped-def]
    election: Election, tie_break: TieBreak = TieBreak.ID
):
    prep, ut = tally._mes_setup(election, tie_break)
    return prep, ut, tally._interval_mes(prep, ut)


def _exact(prep, ut, share: Fraction) -> list[int]:  # type: ignore[no-untyped-def]
    return [i for i, _, _ in tally._mes(prep, ut, share).funded]


@st.composite
def approval_elections(draw: st.DrawFn) -> Election:
    n = draw(st.integers(1, 6))
    ids = [str(i) for i in range(n)]
    # Small costs and few voters make exact ties common: the cases the floats must not decide.
    costs = draw(st.lists(st.integers(0, 12).map(lambda c: c * 5), min_size=n, max_size=n))
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True),
                            min_size=1, max_size=12))
    return Election(budget=draw(st.integers(5, 200)), projects=tuple(map(Project, ids, costs)),
                    ballots=tuple(map(tuple, ballots)))


@settings(max_examples=300, deadline=None)
@given(approval_elections(), st.sampled_from(list(TieBreak)), st.fractions(0, 1))
def test_answers_only_what_the_exact_run_says(
    election: Election, tie_break: TieBreak, part: Fraction
) -> None:
    prep, ut, compiled = _compiled(election, tie_break)
    first = Fraction(election.budget, prep.n_voters)
    # The shares Add1 tries, and shares off that grid.
    for share in [first + k for k in range(30)] + [part + k for k in range(1, 30, 3)]:
        answer = compiled.funded(share)
        assert answer is None or answer == _exact(prep, ut, share)


def test_an_exact_tie_is_left_to_the_exact_run() -> None:
    # Two voters with 3 each; both projects cost 6, so each needs all they have: the same
    # price, which the floats cannot tell apart. The exact run takes the lower id first.
    election = Election(budget=6, projects=(Project("a", 6), Project("b", 6)),
                        ballots=(("a", "b"), ("a", "b")))
    prep, ut, compiled = _compiled(election)
    assert compiled.funded(Fraction(3)) is None
    assert _exact(prep, ut, Fraction(3)) == [0]


def test_a_tie_after_the_first_round_is_left_to_the_exact_run() -> None:
    # Found by a random search against a version that took the lowest float price without
    # checking that no other project's interval reaches it: at round 3, projects "4" and "2"
    # cost exactly the same rho; the floats put "2" first, the tie-break (cheaper first) "4".
    costs = {"0": 20, "1": 35, "2": 40, "3": 55, "4": 30}
    ballots = (("3",), ("0", "2", "1"), ("0",), ("4", "3", "2"), ("0", "3"), ("4", "3", "0"),
               ("3", "0"), ("2",), ("0", "4", "1"), ("2", "4", "3"))
    election = Election(budget=110, projects=tuple(Project(i, c) for i, c in costs.items()),
                        ballots=ballots)
    prep, ut, compiled = _compiled(election, TieBreak.MIN_COST)
    exact = _exact(prep, ut, Fraction(20))
    assert [prep.ids[i] for i in exact] == ["0", "3", "4", "2"]
    assert compiled.funded(Fraction(20)) in (None, exact)


def test_a_tie_everyone_can_pay_follows_the_tie_break() -> None:
    # Three voters with 10 each back "x" (6) and "y" (3): everyone can pay an equal share of
    # either, so both cost rho = 1/3 per unit of utility exactly: the tie-break decides.
    election = Election(budget=30, projects=(Project("x", 6), Project("y", 3)),
                        ballots=(("x", "y"),) * 3)
    for tie_break, first in ((TieBreak.ID, "x"), (TieBreak.MIN_COST, "y")):
        prep, ut, compiled = _compiled(election, tie_break)
        answer = compiled.funded(Fraction(10))
        assert answer is not None
        assert [prep.ids[i] for i in answer] == [first, "y" if first == "x" else "x"]
        assert answer == _exact(prep, ut, Fraction(10))


def test_answers_a_city_sized_election() -> None:
    # 600 voters, 20 projects, zloty-like costs: the floats settle every decision at every
    # share Add1 would try, and agree with the exact run (otherwise it would not save time).
    rng = random.Random(3)
    projects = tuple(Project(str(i), rng.randrange(5, 200) * 1000) for i in range(20))
    ballots = tuple(tuple(rng.sample([p.id for p in projects], rng.randint(1, 6)))
                    for _ in range(600))
    election = Election(budget=400_000, projects=projects, ballots=ballots)
    prep, ut, compiled = _compiled(election)
    start = Fraction(election.budget, prep.n_voters)
    answered = [compiled.funded(start + k) for k in range(0, 400, 20)]
    assert all(a is not None for a in answered)
    assert answered == [_exact(prep, ut, start + k) for k in range(0, 400, 20)]
    assert len(answered[-1]) > len(answered[0])  # more money, more projects: a real range


def test_costs_beyond_exact_floats_go_to_the_exact_run() -> None:
    compiled = IntervalMes([2**53], [np.array([0])], [1], [1], [0], [0])
    assert compiled.funded(Fraction(2**53)) is None


def _city(kind: VoteType = VoteType.APPROVAL) -> Election:
    rng = random.Random(5)
    projects = tuple(Project(str(i), rng.randrange(5, 200) * 1000) for i in range(12))
    ballots = tuple(tuple(rng.sample([p.id for p in projects], rng.randint(1, 4)))
                    for _ in range(300))
    points = tuple((1,) * len(b) for b in ballots) if kind is VoteType.CUMULATIVE else None
    return Election(budget=300_000, projects=projects, ballots=ballots, vote_type=kind,
                    points=points)


def test_add1_loads_the_compiled_run_once_exact_runs_cost_as_much(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tally, "_compiled_loaded", lambda: False)
    election = _city()
    prep, ut = tally._mes_setup(election, TieBreak.ID)
    groups = len(prep.groups)
    monkeypatch.setattr(tally, "EXACT_GROUPS_BEFORE_COMPILED", 3 * groups)
    runs = tally._Add1Runs.of(election, prep, ut)
    start = Fraction(election.budget, prep.n_voters)
    for k in range(3):  # three exact runs, then the compiled ones
        assert runs.funded(start + k) == _exact(prep, ut, start + k)
        assert runs.compiled is None
    assert runs.exact_groups == 3 * groups
    assert runs.funded(start + 3) == _exact(prep, ut, start + 3)
    assert runs.compiled is not None and runs.exact_groups == 3 * groups  # it answered


def test_add1_uses_loaded_compiled_code_at_once_and_never_for_points() -> None:
    approval, cumulative = _city(), _city(VoteType.CUMULATIVE)
    mes_intervals.load()
    assert mes_intervals.loaded()
    prep, ut = tally._mes_setup(approval, TieBreak.ID)
    runs = tally._Add1Runs.of(approval, prep, ut)
    runs.funded(Fraction(1000))
    assert runs.compiled is not None and runs.exact_groups == 0
    prep, ut = tally._mes_setup(cumulative, TieBreak.ID)
    runs = tally._Add1Runs.of(cumulative, prep, ut)
    runs.funded(Fraction(1000))
    assert runs.compiled is None and runs.exact_groups == len(prep.groups)


@settings(max_examples=200, deadline=None)
@given(approval_elections(), st.sampled_from(list(TieBreak)), st.integers(1, 12), st.booleans())
def test_shares_run_together_answer_only_what_the_exact_run_says(
    election: Election, tie_break: TieBreak, size: int, descending: bool
) -> None:
    # A batch runs its shares in lockstep, forks where their purchases differ and bounds the
    # smaller shares' prices by the larger shares' ones: every answer it gives, and every one
    # the same share gives alone, must be the exact run's.
    prep, ut, compiled = _compiled(election, tie_break)
    first = Fraction(election.budget, prep.n_voters)
    shares = [first + k for k in range(size)][:: -1 if descending else 1]  # any order
    together = compiled.funded_many(shares)
    for share, answer in zip(shares, together, strict=True):
        exact = _exact(prep, ut, share)
        assert answer is None or answer == exact
        alone = compiled.funded(share)
        assert alone is None or alone == exact


def test_a_batch_forks_where_the_shares_buy_differently() -> None:
    # The city-sized election buys more projects as the share grows, so a batch over a wide
    # range of shares must split into groups and still answer each share exactly.
    election = _city()
    prep, ut, compiled = _compiled(election)
    start = Fraction(election.budget, prep.n_voters)
    shares = [start + 40 * k for k in range(10)]
    together = compiled.funded_many(shares)
    assert together == [_exact(prep, ut, share) for share in shares]
    # Some two runs bought different projects in the same round: the batch forked.
    assert together[0] == [10] and together[-1] == [1, 2, 10]


def test_a_large_batch_is_split_between_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    election = _city()
    prep, ut, compiled = _compiled(election)
    start = Fraction(election.budget, prep.n_voters)
    shares = [start + k for k in range(9)]
    alone = compiled.funded_many(shares)
    parts: list[int] = []
    run = compiled._run_chunk
    monkeypatch.setattr(mes_intervals, "THREAD_WORTH", 1)
    monkeypatch.setattr(mes_intervals, "_threads", lambda: 3)
    monkeypatch.setattr(compiled, "_run_chunk",
                        lambda chunk: parts.append(len(chunk)) or run(chunk))
    assert compiled.funded_many(shares) == alone
    assert parts == [3, 3, 3]


def test_add1_runs_the_shares_ahead_in_growing_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    election = _city()
    mes_intervals.load()
    prep, ut = tally._mes_setup(election, TieBreak.ID)
    runs = tally._Add1Runs.of(election, prep, ut)
    assert runs.compiled is not None
    batches: list[int] = []
    many = runs.compiled.funded_many
    monkeypatch.setattr(runs.compiled, "funded_many",
                        lambda shares: batches.append(len(shares)) or many(shares))
    start = Fraction(election.budget, prep.n_voters)
    for k in range(40):  # the caller says 100 more one-unit steps will follow
        assert runs.funded(start + k, ahead=100) == _exact(prep, ut, start + k)
    expected, size = [], 1  # doubling while each batch was used up, up to BATCH_MOST
    while sum(expected) < 40:
        expected.append(size)
        size = min(2 * size, tally.BATCH_MOST)
    assert batches == expected
    # A jump past shares run ahead starts small again; nothing runs past what will follow.
    assert runs.funded(start + 100, ahead=5) == _exact(prep, ut, start + 100)
    assert batches[-1] == 1
    assert runs.funded(start + 101, ahead=0) == _exact(prep, ut, start + 101)
    assert batches[-1] == 1
