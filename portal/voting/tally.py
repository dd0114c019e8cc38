"""Participatory-budgeting tally rules: which projects a round funds, and why.

Pure: stdlib plus numpy for the bookkeeping of which budget class each voter is in
(`budget_classes`); every amount is exact (ints and `Fraction`); no I/O. Add1 may first ask a
compiled MES run in float intervals (`mes_intervals`, numba) what each share funds; it answers
only what its intervals settle, and the exact run decides the rest and explains the outcome.
Rule names follow the Pabulib ``rule`` vocabulary so an imported ``.pb`` file and a Warga round
use the same words.
Each rule is one public function ``(election, *, tie_break) -> TallyResult``; `RULES` maps
names to them. Outcomes are identical to pabutools 1.2.3 (checked by property tests and by
``shared/checks/pb_expected.py``) except for one deliberate difference: a project nobody voted
for is never funded (pabutools' greedy and Phragmén would add it to fill leftover budget).

Score of a project ("votes"): approval / choose-1 -> number of ballots naming it; cumulative ->
total points; ordinal -> positional points, ``max_length - rank`` (rank 0-based, the Kraków
and Zürich convention; ``max_length`` from META, else the longest ballot).

Rules
- ``greedy``: projects by score, highest first; fund each one that still fits, skip misfits.
  The standard city rule; equals pabutools ``greedy_utilitarian_welfare`` with ``Cost_Sat``.
- ``greedy-no-skip``: the same, but stop at the first project that does not fit (Gdynia,
  Wrocław). Like the other city variants below it honours the score threshold
  (`Election.min_score`, META ``min_project_score_threshold``) when there is one; plain
  ``greedy`` ignores it, to stay identical to pabutools.
- ``greedy-threshold``: greedy over projects whose score reaches the threshold (Łódź,
  Warszawa 2026, Katowice). Defaults to lower-cost-first tie-breaking, which is what Łódź did.
- ``greedy-exclusive``: greedy that also skips a project once another project of its
  mutually exclusive group is funded (Warszawa; the groups are `Election.exclusive`).
- ``greedy-custom``: Poznań's reserve rule (the META comment of its Pabulib files): greedy-no-skip
  (threshold included), then the project the list stopped at is funded too, from the city's
  external reserve, when the budget left covers at least `Election.reserve_pct` % of its cost
  (80 in Poznań; compared exactly, in integers or Fractions). At most one project is funded so,
  and the list stops there. `TallyResult.from_reserve` is what the reserve paid: the funded
  total exceeds the budget by at most that amount.
- ``equalshares``: Method of Equal Shares (Peters & Skowron, "Proportional participatory
  budgeting with additive utilities", NeurIPS 2021; equalshares.net). Every voter starts with
  budget/n; a project is bought by its supporters paying in proportion to their utility,
  ``min(budget_i, rho * u_i)``, and the project with the lowest price per unit of utility
  ``rho`` is bought next. Utilities: approval -> cost (pabutools ``Cost_Sat``), cumulative ->
  points (``Additive_Cardinal_Sat``), ordinal -> positional points.
- ``equalshares/greedy``: MES, then fill the leftover budget with ``greedy``.
- ``equalshares/add1``: pabutools' iterated MES: raise every voter's budget by 1 currency
  unit until the outcome is exhaustive; if an outcome overspends, keep the previous one.
- ``equalshares/add1/greedy``: the above, then greedy completion.
- ``equalshares/add1-comparison``: equalshares.net's Add1 (start at floor(budget/n) per voter,
  keep adding 1 while the outcome stays within budget), then its comparison step: the Add1
  outcome is replaced by the greedy one only if more voters prefer greedy, where a voter
  prefers the outcome that funds more of the projects they voted for (Wieliczka 2023).
- ``phragmen``: sequential Phragmén for budgeting (Los, Christoff & Grossi, "Proportional
  budget allocations: towards a systematization", IJCAI 2022): voters share loads; the
  project that minimises its supporters' new maximal load is added; stop at the first
  project that does not fit (as pabutools does). Approval ballots only.

Tie-breaking is explicit and deterministic: `TieBreak.ID` (ascending project-id *string*
order, so "10" < "9"; pabutools' default) or `TieBreak.MIN_COST` (cheaper first, then id).
"""

from __future__ import annotations

import math
import sys
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from itertools import accumulate, chain, pairwise, repeat
from operator import mul
from typing import TYPE_CHECKING, Protocol

import numpy as np

import portal.voting.budget_classes as classes
from portal.voting.mes_stability import stable_span

if TYPE_CHECKING:
    from portal.voting.mes_intervals import IntervalMes

Number = int | Fraction
RESERVE_PCT = 80  # greedy-custom's default reserve share: Poznań's 80 %


class VoteType(StrEnum):
    APPROVAL = "approval"
    CHOOSE_1 = "choose-1"
    CUMULATIVE = "cumulative"
    ORDINAL = "ordinal"


class TieBreak(StrEnum):
    ID = "id"
    MIN_COST = "min-cost"


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    cost: int


@dataclass(frozen=True, slots=True)
class Election:
    """What a tally needs. ``ballots[i]`` lists project ids (ranked order for ordinal);
    ``points[i]`` is aligned with it for cumulative ballots and ``None`` otherwise."""

    budget: Number
    projects: tuple[Project, ...]
    ballots: tuple[tuple[str, ...], ...]
    vote_type: VoteType = VoteType.APPROVAL
    points: tuple[tuple[int, ...], ...] | None = None
    min_score: Number | None = None
    max_length: int | None = None
    exclusive: tuple[frozenset[str], ...] = ()
    currency: str = "Rp"
    # greedy-custom: the whole percentage of the stopping project's cost that the budget left
    # must cover for the city reserve to pay the rest.
    reserve_pct: int = RESERVE_PCT

    def __post_init__(self) -> None:
        if self.budget < 0:
            raise ValueError("budget must not be negative")
        if not 1 <= self.reserve_pct <= 100:
            raise ValueError("reserve_pct must be a whole percentage from 1 to 100")
        if len({p.id for p in self.projects}) != len(self.projects):
            raise ValueError("project ids must be unique")
        if any(p.cost < 0 for p in self.projects):
            raise ValueError("project costs must not be negative")
        if (self.points is None) != (self.vote_type is not VoteType.CUMULATIVE):
            raise ValueError("points are given exactly for cumulative ballots")
        if self.points is not None and len(self.points) != len(self.ballots):
            raise ValueError("points must be aligned with ballots")


@dataclass(frozen=True, slots=True)
class ProjectReport:
    """Why a project was or was not funded, in numbers a results page can show."""

    project_id: str
    cost: int
    score: Number
    selected: bool
    note: str  # plain English, for the CLI and logs; pages translate `reason` instead
    remaining_budget: Number | None = None  # greedy: budget left when it was considered
    round: int | None = None  # MES / Phragmén: round it was funded or dropped in (1-based)
    supporters_could_pay: Fraction | None = None  # MES: what its supporters still held
    reason: str = ""  # one of REASONS: the explanation's kind, for translated wording


@dataclass(frozen=True, slots=True)
class TallyResult:
    rule: str
    budget: Number
    selected: tuple[str, ...]  # in the order the rule funded them
    total_cost: int  # every funded project's full cost, the reserve-funded one included
    projects: tuple[ProjectReport, ...]  # every project, ascending id
    reserve_project: str | None = None  # greedy-custom: the project the city reserve topped up
    from_reserve: Number = 0  # what the reserve paid of it (its cost minus the budget left)

    @property
    def spent_from_budget(self) -> Number:
        """The part of `total_cost` paid from the round's own budget (never above it)."""
        return self.total_cost - self.from_reserve

    def report(self, project_id: str) -> ProjectReport:
        return next(r for r in self.projects if r.project_id == project_id)


# Why a project was or was not funded (ProjectReport.reason). The numbers that go with each
# reason are in the report's other fields.
REASONS = frozenset({
    "funded",  # greedy: funded; remaining_budget = what was left before it
    "completion",  # funded by the greedy completion after MES
    "misfit",  # did not fit: remaining_budget left, costs cost
    "threshold",  # score below Election.min_score
    "excluded",  # a mutually exclusive project was funded
    "stopped",  # greedy-no-skip / greedy-custom: not considered after the list stopped
    "reserve",  # greedy-custom: funded from the city reserve; remaining_budget = what was left
    "no-votes",  # nobody voted for it: never funded
    "free",  # costs nothing and has votes: funded up front
    "round",  # MES / Phragmén: funded in `round`
    "dropped",  # MES: supporters could pay only supporters_could_pay in `round`
    "not-reached",  # Phragmén stopped before reaching it
    "funded-other",  # funded (no specific reason recorded)
    "not-funded",  # not funded (no specific reason recorded)
})


class Rule(Protocol):
    def __call__(self, election: Election, *, tie_break: TieBreak = ...) -> TallyResult: ...


# ---------------------------------------------------------------- shared preparation


@dataclass(slots=True)
class _Prep:
    """Projects indexed in ascending id order; identical ballots grouped with a weight."""

    ids: list[str]
    costs: list[int]
    n_voters: int
    groups: list[tuple[int, tuple[int, ...], tuple[int, ...]]]  # weight, projects, points
    scores: list[Number]  # official-style score per project
    supporters: list[int]  # ballots naming the project
    tie_rank: list[int]


def _groups(
    election: Election, get: Callable[[str], int]
) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    """Identical ballots merged into (weight, project indexes, points)."""
    kind = election.vote_type
    try:
        if kind in (VoteType.APPROVAL, VoteType.CHOOSE_1):
            # An approval ballot is a set: order and repeats carry no meaning. Grouping by
            # tuple is C speed; the same set in another order only makes one more group.
            raw = Counter(election.ballots)
            if sum(map(len, map(set, raw))) != sum(map(len, raw)):  # a repeated id: rare
                raw = Counter(tuple(set(b)) for b in map(frozenset, election.ballots))
            return [(w, tuple(map(get, ballot)), ()) for ballot, w in raw.items()]
        if kind is VoteType.ORDINAL:
            ranked = Counter(election.ballots)
            for ballot in ranked:
                if len(set(ballot)) != len(ballot):
                    raise ValueError(f"a ranking names a project twice: {ballot}")
            return [(w, tuple(map(get, ballot)), ()) for ballot, w in ranked.items()]
        assert election.points is not None  # noqa: S101 - Election checks this
        merged: Counter[tuple[tuple[int, ...], tuple[int, ...]]] = Counter()
        for (ballot, pts), w in Counter(zip(election.ballots, election.points)).items():
            pairs = sorted(zip(map(get, ballot), pts))
            if len(pairs) != len(ballot) or len({i for i, _ in pairs}) != len(pairs):
                raise ValueError(f"a ballot and its points do not match: {ballot}")
            merged[tuple(i for i, _ in pairs), tuple(v for _, v in pairs)] += w
        return [(w, idx, pts) for (idx, pts), w in merged.items()]
    except KeyError as exc:
        raise ValueError(f"a ballot names an unknown project: {exc.args[0]}") from None


def _prepare(election: Election, tie_break: TieBreak) -> _Prep:
    ids = sorted(p.id for p in election.projects)
    index = {pid: i for i, pid in enumerate(ids)}
    cost_of = {p.id: p.cost for p in election.projects}
    costs = [cost_of[pid] for pid in ids]
    # Weight-1 groups first: a project's supporters then split into the many singles and
    # the few repeated ballots by slicing (see `_split`).
    groups = sorted(_groups(election, index.__getitem__), key=lambda t: t[0] != 1)
    n = len(ids)
    # Supporters counted at C speed: weight-1 groups through Counter, the rest one by one.
    count = Counter(chain.from_iterable(idx for w, idx, _ in groups if w == 1))
    for w, idx, _ in groups:
        if w != 1:
            for i in idx:
                count[i] += w
    supporters = [count[i] for i in range(n)]
    scores: list[Number] = list(supporters)
    if election.vote_type in (VoteType.CUMULATIVE, VoteType.ORDINAL):
        scores = [0] * n
        length = election.max_length or max((len(b) for _, b, _ in groups), default=0)
        for w, idx, pts in groups:
            if election.vote_type is VoteType.CUMULATIVE:
                for i, v in zip(idx, pts):
                    scores[i] += w * v
            else:
                for pos, i in enumerate(idx):
                    scores[i] += w * (length - pos)
    if tie_break is TieBreak.MIN_COST:
        order = sorted(range(n), key=lambda i: (costs[i], ids[i]))
    else:
        order = list(range(n))
    tie_rank = [0] * n
    for rank, i in enumerate(order):
        tie_rank[i] = rank
    return _Prep(ids, costs, len(election.ballots), groups, scores, supporters, tie_rank)


def _members(prep: _Prep) -> list[np.ndarray]:
    """Per project, the ballot groups naming it, ascending (only MES and Phragmén need these).

    Built with numpy: a city ballot has hundreds of thousands of (group, project) pairs."""
    named = [idx for _, idx, _ in prep.groups]
    lengths = np.fromiter(map(len, named), dtype=np.intp, count=len(named))
    projects = np.fromiter(chain.from_iterable(named), dtype=np.intp, count=int(lengths.sum()))
    if len(prep.ids) < 2**15:  # numpy sorts 16-bit keys stably by radix: five times faster
        projects = projects.astype(np.int16)
    order = np.argsort(projects, kind="stable")  # stable: groups stay ascending per project
    group_of = np.repeat(np.arange(len(named), dtype=np.intp), lengths)[order]
    bounds = np.concatenate(([0], np.cumsum(np.bincount(projects, minlength=len(prep.ids)))))
    return [group_of[a:b] for a, b in pairwise(bounds.tolist())]


def _count(election: Election, score: Number) -> str:
    unit = "vote" if election.vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1) else "point"
    return f"{score} {unit}" + ("" if score == 1 else "s")


def _money(election: Election, amount: Number) -> str:
    if isinstance(amount, int):  # costs: the common case, without Fraction rounding
        return f"{election.currency} {amount:,}"
    # Whole cents, half to even as round(amount, 2) does, in integers (Fraction's round is slow).
    cents, rest = divmod(amount.numerator * 100, amount.denominator)
    if 2 * rest > amount.denominator or (2 * rest == amount.denominator and cents % 2):
        cents += 1
    text = f"{cents // 100:,}" if cents % 100 == 0 else f"{cents / 100:,.2f}"
    return f"{election.currency} {text}"


def share_text(part: Number, whole: int) -> str:
    """``part`` as a percentage of ``whole``, rounded *down* to one decimal, so a share just
    under a limit never reads as the limit ("79.9", not "80")."""
    tenths = math.floor(Fraction(part) * 1000 / whole) if whole else 0
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"


def reserve_covers(remaining: Number, cost: int, reserve_pct: int) -> bool:
    """greedy-custom: whether what is left is at least ``reserve_pct`` % of ``cost`` (exact)."""
    return remaining * 100 >= reserve_pct * cost


def _result(
    rule: str,
    election: Election,
    prep: _Prep,
    selected: list[int],
    notes: Mapping[int, ProjectReport],
) -> TallyResult:
    funded = set(selected)
    reports = []
    for i, pid in enumerate(prep.ids):
        rep = notes.get(i)
        if rep is None:
            text, why = ("funded", "funded-other") if i in funded else ("not funded", "not-funded")
            if prep.supporters[i] == 0:
                text, why = "no votes: never funded", "no-votes"
            rep = ProjectReport(pid, prep.costs[i], prep.scores[i], i in funded, text, reason=why)
        reports.append(rep)
    total = sum(prep.costs[i] for i in selected)
    reserve = next((r for r in notes.values() if r.reason == "reserve"), None)
    from_reserve: Number = 0
    if reserve is not None:
        assert reserve.remaining_budget is not None  # noqa: S101 - set by _greedy_walk
        from_reserve = reserve.cost - reserve.remaining_budget
    assert total - from_reserve <= election.budget, "a rule overspent"  # noqa: S101 - invariant
    return TallyResult(
        rule, election.budget, tuple(prep.ids[i] for i in selected), total, tuple(reports),
        reserve.project_id if reserve is not None else None, from_reserve,
    )


# ---------------------------------------------------------------- greedy family


def _greedy_order(prep: _Prep, eligible: Iterable[int]) -> list[int]:
    # Score first; a free project with votes has infinite density in pabutools, so it leads.
    return sorted(
        (i for i in eligible if prep.supporters[i] > 0),
        key=lambda i: (prep.costs[i] != 0, -prep.scores[i], prep.tie_rank[i]),
    )


def _greedy_walk(
    election: Election,
    prep: _Prep,
    eligible: Iterable[int],
    *,
    remaining: Number,
    stop_at_misfit: bool = False,
    reserve_pct: int | None = None,
    exclusive: tuple[frozenset[str], ...] = (),
    label: str = "",
    notes: dict[int, ProjectReport] | None = None,
) -> tuple[list[int], dict[int, ProjectReport]]:
    """Walk the projects by score, funding what fits.

    ``stop_at_misfit`` ends the walk at the first project that does not fit; with
    ``reserve_pct`` (greedy-custom, which also stops there) that project is first funded from
    the city reserve when the money left covers at least that share of its cost.
    """
    notes = {} if notes is None else notes
    chosen: list[int] = []
    blocked: set[str] = set()
    stopped: str | None = None  # the project the list stopped at
    for i in _greedy_order(prep, eligible):
        pid, cost, score = prep.ids[i], prep.costs[i], prep.scores[i]

        def rep(ok: bool, text: str, why: str, left: Number = remaining) -> ProjectReport:
            return ProjectReport(pid, cost, score, ok, text, remaining_budget=left, reason=why)

        if stopped is not None:
            text = ("not considered: the tally stops at the first misfit" if reserve_pct is None
                    else f"not considered: the list stopped at project {stopped}")
            notes[i] = rep(False, text, "stopped")
        elif pid in blocked:
            notes[i] = rep(False, "excluded: a mutually exclusive project was funded", "excluded")
        elif cost <= remaining:
            chosen.append(i)
            remaining -= cost
            why = "completion" if label else "funded"
            notes[i] = rep(True, f"funded{label}: {_count(election, score)}", why, remaining + cost)
            for group in exclusive:
                if pid in group:
                    blocked |= group - {pid}
        elif reserve_pct is not None and reserve_covers(remaining, cost, reserve_pct):
            chosen.append(i)
            text = (f"funded from the city reserve: {_money(election, remaining)} was left, "
                    f"{share_text(remaining, cost)} % of its cost {_money(election, cost)} "
                    f"(the rule allows at least {reserve_pct} %)")
            notes[i] = rep(True, text, "reserve")
            remaining, stopped = 0, pid  # what was left went into it, with the reserve
        else:
            money = _money(election, remaining), _money(election, cost)
            notes[i] = rep(False, f"did not fit: {money[0]} left, costs {money[1]}", "misfit")
            stopped = pid if stop_at_misfit else None
    return chosen, notes


def _threshold_split(
    election: Election, prep: _Prep, notes: dict[int, ProjectReport]
) -> list[int]:
    limit = election.min_score
    eligible = []
    for i, pid in enumerate(prep.ids):
        if limit is None or prep.scores[i] >= limit:
            eligible.append(i)
        else:
            text = f"below the threshold: {prep.scores[i]} < {limit}"
            notes[i] = ProjectReport(pid, prep.costs[i], prep.scores[i], False, text, reason="threshold")
    return eligible


def greedy(election: Election, *, tie_break: TieBreak = TieBreak.ID) -> TallyResult:
    """Most votes (points) first; fund what fits, skip what does not."""
    prep = _prepare(election, tie_break)
    chosen, notes = _greedy_walk(
        election, prep, range(len(prep.ids)), remaining=election.budget
    )
    return _result("greedy", election, prep, chosen, notes)


def _until_misfit(
    election: Election, tie_break: TieBreak, *, reserve_pct: int | None = None
) -> tuple[_Prep, list[int], dict[int, ProjectReport]]:
    """The no-skip walk over the projects that reach the threshold (greedy-no-skip, -custom)."""
    prep = _prepare(election, tie_break)
    notes: dict[int, ProjectReport] = {}
    eligible = _threshold_split(election, prep, notes)
    chosen, notes = _greedy_walk(
        election, prep, eligible, remaining=election.budget, stop_at_misfit=True,
        reserve_pct=reserve_pct, notes=notes,
    )
    return prep, chosen, notes


def greedy_no_skip(election: Election, *, tie_break: TieBreak = TieBreak.ID) -> TallyResult:
    """Greedy that stops at the first project that does not fit."""
    prep, chosen, notes = _until_misfit(election, tie_break)
    return _result("greedy-no-skip", election, prep, chosen, notes)


def greedy_custom(election: Election, *, tie_break: TieBreak = TieBreak.ID) -> TallyResult:
    """greedy-no-skip, plus the stopping project from the city reserve when at least
    `Election.reserve_pct` % of its cost is left (Poznań)."""
    prep, chosen, notes = _until_misfit(election, tie_break, reserve_pct=election.reserve_pct)
    return _result("greedy-custom", election, prep, chosen, notes)


def greedy_threshold(
    election: Election, *, tie_break: TieBreak = TieBreak.MIN_COST
) -> TallyResult:
    """Greedy among projects whose score reaches `Election.min_score`; cheaper wins ties."""
    prep = _prepare(election, tie_break)
    notes: dict[int, ProjectReport] = {}
    eligible = _threshold_split(election, prep, notes)
    chosen, notes = _greedy_walk(
        election, prep, eligible, remaining=election.budget, notes=notes
    )
    return _result("greedy-threshold", election, prep, chosen, notes)


def greedy_exclusive(election: Election, *, tie_break: TieBreak = TieBreak.ID) -> TallyResult:
    """Greedy that skips a project once one of its `Election.exclusive` rivals is funded."""
    prep = _prepare(election, tie_break)
    notes: dict[int, ProjectReport] = {}
    eligible = _threshold_split(election, prep, notes)
    chosen, notes = _greedy_walk(
        election,
        prep,
        eligible,
        remaining=election.budget,
        exclusive=election.exclusive,
        notes=notes,
    )
    return _result("greedy-exclusive", election, prep, chosen, notes)


# ---------------------------------------------------------------- Method of Equal Shares


@dataclass(slots=True)
class _Utilities:
    """Who values what: ``values[j][k]`` is the k-th distinct utility project j gives."""

    values: list[list[int]]
    members: list[list[np.ndarray]]  # project -> k -> ballot groups with that utility
    weights: list[list[np.ndarray]]  # the same groups' weights (see `budget_classes`)
    total: list[int]  # per project: total utility


def _utilities(election: Election, prep: _Prep) -> _Utilities:
    n = len(prep.ids)
    values: list[list[int]] = [[] for _ in range(n)]
    slot: list[dict[int, int]] = [{} for _ in range(n)]
    members: list[list[Sequence[int]]] = [[] for _ in range(n)]
    total = [0] * n
    length = election.max_length or max((len(b) for _, b, _ in prep.groups), default=0)
    kind = election.vote_type
    costs = prep.costs
    weights = [w for w, _, _ in prep.groups]
    if kind in (VoteType.APPROVAL, VoteType.CHOOSE_1):
        # Cost_Sat: a voter values a project at its cost, so each project has one utility.
        voters = _members(prep)
        for i, cost in enumerate(costs):
            if cost > 0 and prep.supporters[i] > 0:
                values[i], members[i] = [cost], [voters[i]]
                total[i] = cost * prep.supporters[i]
        return _utilities_of(values, members, weights, total)
    for g, (w, idx, pts) in enumerate(prep.groups):
        for pos, i in enumerate(idx):
            u = pts[pos] if kind is VoteType.CUMULATIVE else length - pos
            if u <= 0:
                continue
            k = slot[i].get(u)
            if k is None:
                k = slot[i][u] = len(values[i])
                values[i].append(u)
                members[i].append([])
            members[i][k].append(g)
            total[i] += w * u
    return _utilities_of(values, members, weights, total)


def _utilities_of(
    values: list[list[int]],
    members: list[list[Sequence[int]]],
    weights: list[int],
    total: list[int],
) -> _Utilities:
    groups = [[np.asarray(grp, dtype=np.intp) for grp in per_k] for per_k in members]
    weight = classes.group_weights(weights)
    return _Utilities(values, groups, [[weight[grp] for grp in per_k] for per_k in groups], total)


@dataclass(slots=True)
class _MesRun:
    funded: list[tuple[int, int, Fraction]]  # project, round, rho
    dropped: dict[int, tuple[int, Fraction]]  # project -> round, what supporters could pay
    free: list[int]  # supported projects that cost nothing (taken up front)


def _price(
    need: int, den: int, vals: list[int], count: list[dict[int, int]], num: list[int]
) -> tuple[Fraction | None, int]:
    """The lowest rho at which supporters, each paying ``min(budget, rho * u)``, raise ``need``.

    ``count[k]`` maps budget class -> voters with utility ``vals[k]``; budgets are
    ``num[c] / den`` and ``need`` is the cost times ``den``. Sorted by budget per unit of
    utility, the first class that can pay its full share splits poor (pay everything) from
    rich (pay rho * u); that test is monotone, so prefix sums and a binary search find it
    with C-speed loops. Returns ``(None, available)`` when the supporters cannot raise
    ``need`` at all. The result is the same exact rho as pabutools' voter-by-voter scan.
    """
    if len(vals) == 1:  # one utility (approval): compare budgets directly
        counted = count[0]
        if not counted:
            return None, 0
        order = sorted(counted, key=num.__getitem__)
        buds = list(map(num.__getitem__, order))
        ws = list(map(counted.__getitem__, order))
        paid = [0, *accumulate(map(mul, buds, ws))]
        if paid[-1] < need:
            return None, paid[-1]
        left = [0, *accumulate(ws)]
        voters = left[-1]
        j = bisect_left(
            range(len(buds)), True, key=lambda j: need - paid[j] <= buds[j] * (voters - left[j])
        )
        return Fraction(need - paid[j], den * vals[0] * (voters - left[j])), paid[-1]
    lcm = math.lcm(*vals)
    entries: list[tuple[int, int, int, int]] = []
    for k, u in enumerate(vals):
        counted = count[k]
        buds = list(map(num.__getitem__, counted))
        keys = buds if len(vals) == 1 else list(map(mul, buds, repeat(lcm // u)))
        entries.extend(zip(keys, buds, repeat(u), counted.values()))
    if not entries:
        return None, 0
    entries.sort()
    _, buds, us, ws = zip(*entries)
    paid = [0, *accumulate(map(mul, buds, ws))]
    used = [0, *accumulate(map(mul, us, ws))]
    if paid[-1] < need:
        return None, paid[-1]
    total = used[-1]

    def pays_in_full(j: int) -> bool:
        # rho_j = (need - paid[j]) / (total - used[j]); can class j pay rho_j * u in full?
        return (need - paid[j]) * us[j] <= buds[j] * (total - used[j])

    j = bisect_left(range(len(entries)), True, key=pays_in_full)
    return Fraction(need - paid[j], den * (total - used[j])), paid[-1]


def _mes(prep: _Prep, ut: _Utilities, per_voter: Fraction) -> _MesRun:
    """One run of MES with every voter starting at ``per_voter``.

    Voters whose budgets are equal share a budget class; pricing a project needs only the
    histogram of its supporters' classes (numpy counts the class array at C speed), so its cost
    in Python is the number of distinct budgets, not of supporters. Budgets are integer
    numerators over one shared denominator ``den``, rescaled when a price needs it, so every
    comparison is exact and cheap. Prices only rise as budgets shrink, so last round's price is
    a lower bound and projects are re-priced lazily in that order, as pabutools does.
    """
    costs, values = prep.costs, ut.values
    den = per_voter.denominator
    num = [0, per_voter.numerator]  # class 0 is classes.EXHAUSTED; everyone starts in class 1
    cls = np.ones(len(prep.groups), dtype=np.intp)  # ballot group -> budget class
    stale: dict[int, Fraction] = {}
    # Floats only order the work (float() is monotone); decisions compare exact Fractions.
    rough: dict[int, float] = {}
    free = []
    for i in range(len(costs)):
        if ut.total[i] > 0:
            if costs[i] > 0:
                stale[i] = Fraction(costs[i], ut.total[i])
                rough[i] = float(stale[i])
            else:
                free.append(i)
    run = _MesRun([], {}, free)
    rank = prep.tie_rank
    rnd = 0
    while stale:
        rnd += 1
        best: Fraction | None = None
        best_rough = math.inf
        best_i = -1
        for r, _, i in sorted(zip(map(rough.__getitem__, stale), map(rank.__getitem__, stale), stale)):
            if r > best_rough:
                break  # every later project is dearer, even counted exactly
            if best is not None and stale[i] > best:
                continue
            count = list(map(classes.counts, repeat(cls), ut.members[i], ut.weights[i]))
            rho, avail = _price(costs[i] * den, den, values[i], count, num)
            if rho is None:
                run.dropped[i] = (rnd, Fraction(avail, den))
                del stale[i], rough[i]
                continue
            stale[i], rough[i] = rho, float(rho)
            if best is None or rho < best or (rho == best and rank[i] < rank[best_i]):
                best, best_i, best_rough = rho, i, rough[i]
        if best is None:
            break
        run.funded.append((best_i, rnd, best))
        del stale[best_i], rough[best_i]
        # Re-express budgets over a denominator in which rho * u is an integer.
        big, small = best.numerator, best.denominator
        new_den = den * small // math.gcd(den, small)
        if new_den != den:
            # Only the classes someone is still in are read again; the others keep stale values.
            scale = new_den // den
            for c in classes.present(cls):
                num[c] *= scale
            den = new_den
        unit = big * (den // small)
        for k, groups in enumerate(ut.members[best_i]):
            # Everyone in a class pays the same, so each class the supporters are in moves to
            # one new class (or to the exhausted), found once per class.
            pay = unit * values[best_i][k]

            def after(c: int, pay: int = pay) -> int:
                bud = num[c]
                if bud <= pay:  # also the exhausted class: 0 <= pay
                    return classes.EXHAUSTED
                num.append(bud - pay)
                return len(num) - 1

            classes.move(cls, groups, len(num), after)
    return run


def _mes_outcome(
    election: Election, prep: _Prep, run: _MesRun
) -> tuple[list[int], dict[int, ProjectReport]]:
    notes: dict[int, ProjectReport] = {}
    for i in run.free:
        notes[i] = ProjectReport(prep.ids[i], 0, prep.scores[i], True, "funded: costs nothing",
                                 reason="free")
    for i, rnd, _rho in run.funded:
        text = f"funded in round {rnd}"
        notes[i] = ProjectReport(prep.ids[i], prep.costs[i], prep.scores[i], True, text, round=rnd,
                                 reason="round")
    for i, (rnd, could) in run.dropped.items():
        cost = prep.costs[i]
        text = (
            f"dropped in round {rnd}: its supporters could pay at most "
            f"{_money(election, could)} of {_money(election, cost)}"
        )
        notes[i] = ProjectReport(
            prep.ids[i], cost, prep.scores[i], False, text, round=rnd, supporters_could_pay=could,
            reason="dropped",
        )
    return run.free + [i for i, _, _ in run.funded], notes


def _complete(
    election: Election, prep: _Prep, chosen: list[int], notes: dict[int, ProjectReport]
) -> list[int]:
    spent = sum(prep.costs[i] for i in chosen)
    taken = set(chosen)
    rest = [i for i in range(len(prep.ids)) if i not in taken]
    extra, _ = _greedy_walk(
        election,
        prep,
        rest,
        remaining=election.budget - spent,
        label=" by greedy completion",
        notes=notes,
    )
    return chosen + extra


def _mes_setup(election: Election, tie_break: TieBreak) -> tuple[_Prep, _Utilities]:
    prep = _prepare(election, tie_break)
    return prep, _utilities(election, prep)


def _spent(prep: _Prep, run: _MesRun) -> int:
    return sum(prep.costs[i] for i, _, _ in run.funded)


def _plain_mes(election: Election, prep: _Prep, ut: _Utilities) -> _MesRun:
    if prep.n_voters == 0:
        return _MesRun([], {}, [])
    return _mes(prep, ut, Fraction(election.budget) / prep.n_voters)


# Add1 steps that cannot change the outcome are skipped (`mes_stability.stable_span`); a span
# shorter than the policy's `skip_worth` units skips no step. After a failed attempt plain +1
# steps run for a while, twice as long after each failure in a row, so elections where skipping
# never pays (Wieliczka's zloty shares) stay about as fast as the plain loop; an attempt that
# skips resets the wait (rupiah elections, where most attempts skip far; a wait that only grew
# made a 3,000-voter rupiah ballot take tens of thousands of one-rupiah steps). A replay costs
# about one exact MES run, but dozens of compiled ones (`mes_intervals`), so once those answer
# it must skip further to pay for itself.
SKIP_WORTH = 2
FIRST_PAUSE = 4
SKIP_WORTH_COMPILED = 128
FIRST_PAUSE_COMPILED = 128
# Loading the compiled run costs about 1.5 s per process (numba's import and its machine code,
# cached on disk), an exact run about 5 microseconds per ballot group: Add1 switches once its
# exact runs have cost about as much (this many ballot groups run), or at once when the
# compiled code is already loaded in this process. Like renting skis until renting has cost
# the price of buying, this is never much worse than the better choice made in hindsight; the
# outcome is the same either way.
EXACT_GROUPS_BEFORE_COMPILED = 300_000
# Neighbouring shares run together in one compiled batch share most of their work
# (`mes_intervals`); beyond about a dozen the shared part stops growing.
BATCH_MOST = 12


def _mes_candidates(prep: _Prep, ut: _Utilities) -> list[int]:
    """The projects MES considers: supported, and not free (those are taken up front)."""
    return [i for i in range(len(prep.ids)) if ut.total[i] > 0 and prep.costs[i] > 0]


def _interval_mes(prep: _Prep, ut: _Utilities) -> IntervalMes:
    """The compiled float-interval MES run for an approval election (cost utilities)."""
    from portal.voting.mes_intervals import IntervalMes  # numba: imported only when needed

    none = np.zeros(0, dtype=np.intp)
    supporters = [per_k[0] if per_k else none for per_k in ut.members]
    candidates = _mes_candidates(prep, ut)
    weights = [w for w, _, _ in prep.groups]
    return IntervalMes(prep.costs, supporters, prep.supporters, weights, prep.tie_rank, candidates)


def _compiled_loaded() -> bool:
    module = sys.modules.get("portal.voting.mes_intervals")
    return module is not None and module.loaded()


@dataclass(slots=True)
class _Add1Runs:
    """What MES funds, in order, at each share Add1 tries: a compiled run in float intervals
    (`mes_intervals`) where the ballots are approvals, it is worth loading, and its floats
    settle every decision; the exact run otherwise. Only the purchases are needed until the
    last share, which the caller runs exactly for its explanations. The compiled runs take
    the shares the caller will surely try next in the same batch (`_run_batch`)."""

    prep: _Prep
    ut: _Utilities
    approval: bool
    candidates: list[int]  # the projects MES considers (`_mes_candidates`)
    compiled: IntervalMes | None = None
    exact_groups: int = 0  # ballot groups the exact runs have gone through
    # Compiled answers run ahead, (share, funded), ascending. A deque, not a dict: hashing a
    # Fraction costs a modular inverse, a sizeable part of a small election's Add1.
    known: deque[tuple[Fraction, list[int] | None]] = field(default_factory=deque)
    batch: int = 1  # how many shares the next compiled batch may run
    wasted: bool = False  # whether the caller jumped past shares run ahead

    @classmethod
    def of(cls, election: Election, prep: _Prep, ut: _Utilities) -> _Add1Runs:
        approval = election.vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1)
        runs = cls(prep, ut, approval, _mes_candidates(prep, ut))
        runs._compile_if_worth_it()
        return runs

    def _compile_if_worth_it(self) -> None:
        if self.compiled is None and self.approval and (
            self.exact_groups >= EXACT_GROUPS_BEFORE_COMPILED or _compiled_loaded()
        ):
            self.compiled = _interval_mes(self.prep, self.ut)

    def funded(self, share: Fraction, ahead: int = 0) -> list[int]:
        """What MES funds at ``share``; ``ahead``: how many shares one unit apart the caller
        will surely ask for next, which the compiled runs may take in the same batch."""
        self._compile_if_worth_it()
        if self.compiled is not None:
            while self.known and self.known[0][0] < share:
                self.known.popleft()  # the caller jumped past these shares
                self.wasted = True
            if not self.known or self.known[0][0] != share:
                self._run_batch(share, ahead)
            if (bought := self.known.popleft()[1]) is not None:
                return bought
        self.exact_groups += len(self.prep.groups)
        return [i for i, _, _ in _mes(self.prep, self.ut, share).funded]

    def _run_batch(self, share: Fraction, ahead: int) -> None:
        """Run ``share`` and up to ``ahead`` following shares in one compiled batch; a batch
        only grows (to BATCH_MOST) while the ones before it were used up, so an Add1 that
        ends soon wastes little on shares it never needed."""
        assert self.compiled is not None  # noqa: S101 - the caller checks
        if self.wasted or self.known:  # shares run ahead were not asked for: start small again
            self.batch, self.wasted = 1, False
        shares = [share + k for k in range(min(ahead + 1, self.batch))]
        self.known = deque(zip(shares, self.compiled.funded_many(shares), strict=True))
        self.batch = min(2 * self.batch, BATCH_MOST)


@dataclass(slots=True)
class _Stepper:
    runs: _Add1Runs
    wait: int = 0  # plain steps before the next attempt to skip
    pause: int = 0  # the wait after the next failed attempt

    @classmethod
    def for_runs(cls, runs: _Add1Runs) -> _Stepper:
        stepper = cls(runs)
        stepper.wait = stepper.pause = stepper._policy()[1]
        return stepper

    def _policy(self) -> tuple[int, int]:
        """(shortest span worth skipping, first wait), for the runs Add1 is making now."""
        if self.runs.compiled is None:
            return SKIP_WORTH, FIRST_PAUSE
        return SKIP_WORTH_COMPILED, FIRST_PAUSE_COMPILED

    def next_share(self, share: Fraction, funded: list[int]) -> Fraction:
        """The next share worth running MES at after ``share`` (see `mes_stability`)."""
        if self.wait > 0:
            self.wait -= 1
            return share + 1
        worth, first_pause = self._policy()
        span = self._span(share, funded, worth)
        if span is None or span < worth:
            self.wait, self.pause = self.pause, 2 * self.pause
            return share + 1
        self.pause = first_pause
        # Where the span ends, a replay that confirms the same purchases starts the next one
        # without a MES run (same purchases: still within budget and not exhaustive).
        while span is not None and span >= worth:
            share += math.ceil(span)
            span = self._span(share, funded, worth)
        return share

    def _span(self, share: Fraction, funded: list[int], worth: int) -> Fraction | None:
        prep, ut = self.runs.prep, self.runs.ut
        return stable_span(
            costs=prep.costs, values=ut.values, members=ut.members, weights=ut.weights,
            groups=len(prep.groups), rank=prep.tie_rank, per_voter=share,
            candidates=self.runs.candidates,
            funded=funded, at_least=Fraction(worth),
        )


def _add1_iterated(election: Election, prep: _Prep, ut: _Utilities) -> _MesRun:
    """pabutools' ``voter_budget_increment=1``: +1 per voter until exhaustive or overspent.

    Steps that cannot change the outcome are skipped (`_Stepper`); when a step overspends,
    the outcome one unit below it is what pabutools returns.
    """
    if prep.n_voters == 0:
        return _MesRun([], {}, [])
    per_voter = Fraction(election.budget) / prep.n_voters
    free = [i for i in range(len(prep.ids)) if ut.total[i] > 0 and prep.costs[i] == 0]
    runs = _Add1Runs.of(election, prep, ut)
    stepper = _Stepper.for_runs(runs)
    first = True
    while True:
        funded = runs.funded(per_voter, ahead=stepper.wait)
        spent = sum(prep.costs[i] for i in funded)
        if spent > election.budget:
            if first:  # pabutools' fallback: nothing bought, the free ones kept
                return _MesRun([], {}, free)
            return _mes(prep, ut, per_voter - 1)
        left = election.budget - spent
        bought = set(funded)
        if all(i in bought or prep.costs[i] > left for i in runs.candidates):
            return _mes(prep, ut, per_voter)
        first = False
        per_voter = stepper.next_share(per_voter, funded)


def _add1_equalshares(election: Election, prep: _Prep, ut: _Utilities) -> _MesRun:
    """equalshares.net's Add1: from floor(budget/n) per voter, +1 while within budget
    (skipping steps that cannot change the outcome, as `_add1_iterated` does)."""
    run = _plain_mes(election, prep, ut)
    if prep.n_voters == 0:
        return run
    runs = _Add1Runs.of(election, prep, ut)
    wanted = len(runs.candidates)
    funded = [i for i, _, _ in run.funded]
    share: Fraction | None = None  # the grid share `funded` was computed at (budget/n is off-grid)
    final: Fraction | None = None  # the share whose outcome is the answer
    per_voter = Fraction(math.floor(Fraction(election.budget) / prep.n_voters))
    stepper = _Stepper.for_runs(runs)
    while len(funded) < wanted:  # once everything is funded more money changes nothing
        following = per_voter + 1 if share is None else stepper.next_share(share, funded)
        attempt = runs.funded(following, ahead=stepper.wait)
        if sum(prep.costs[i] for i in attempt) > election.budget:
            if share is not None:
                final = following - 1
            break
        funded, share, per_voter = attempt, following, following
        final = share
    return run if final is None else _mes(prep, ut, final)


def equal_shares(election: Election, *, tie_break: TieBreak = TieBreak.ID) -> TallyResult:
    """MES with budget/n per voter; may leave money unspent (see the completions)."""
    prep, ut = _mes_setup(election, tie_break)
    chosen, notes = _mes_outcome(election, prep, _plain_mes(election, prep, ut))
    return _result("equalshares", election, prep, chosen, notes)


def equal_shares_greedy(election: Election, *, tie_break: TieBreak = TieBreak.ID) -> TallyResult:
    """MES, then greedy by votes (points) with what is left."""
    prep, ut = _mes_setup(election, tie_break)
    chosen, notes = _mes_outcome(election, prep, _plain_mes(election, prep, ut))
    chosen = _complete(election, prep, chosen, notes)
    return _result("equalshares/greedy", election, prep, chosen, notes)


def equal_shares_add1(election: Election, *, tie_break: TieBreak = TieBreak.ID) -> TallyResult:
    """MES with every share raised by 1 until the outcome is exhaustive (pabutools' Add1)."""
    prep, ut = _mes_setup(election, tie_break)
    chosen, notes = _mes_outcome(election, prep, _add1_iterated(election, prep, ut))
    return _result("equalshares/add1", election, prep, chosen, notes)


def equal_shares_add1_greedy(
    election: Election, *, tie_break: TieBreak = TieBreak.ID
) -> TallyResult:
    """pabutools' Add1, then greedy completion."""
    prep, ut = _mes_setup(election, tie_break)
    chosen, notes = _mes_outcome(election, prep, _add1_iterated(election, prep, ut))
    chosen = _complete(election, prep, chosen, notes)
    return _result("equalshares/add1/greedy", election, prep, chosen, notes)


def _prefer_counts(prep: _Prep, first: set[int], second: set[int]) -> tuple[int, int]:
    """Voters for whom `first` funds more of their projects than `second`, and vice versa.

    Counting projects (not money) is what reproduces the figures Wieliczka published for its
    comparison step: 1,615 voters preferred the equal-shares outcome and 873 the greedy one.
    """
    pro = con = 0
    for w, idx, _ in prep.groups:
        a = sum(1 for i in idx if i in first)
        b = sum(1 for i in idx if i in second)
        if a > b:
            pro += w
        elif b > a:
            con += w
    return pro, con


def equal_shares_add1_comparison(
    election: Election, *, tie_break: TieBreak = TieBreak.ID
) -> TallyResult:
    """equalshares.net's Add1, kept unless more voters prefer the greedy outcome."""
    prep, ut = _mes_setup(election, tie_break)
    chosen, notes = _mes_outcome(election, prep, _add1_equalshares(election, prep, ut))
    rival, rival_notes = _greedy_walk(
        election, prep, range(len(prep.ids)), remaining=election.budget
    )
    pro, con = _prefer_counts(prep, set(chosen), set(rival))
    if con > pro:  # the comparison step: greedy wins only with strictly more voters
        chosen, notes = rival, rival_notes
    return _result("equalshares/add1-comparison", election, prep, chosen, notes)


# ---------------------------------------------------------------- sequential Phragmén


def phragmen(election: Election, *, tie_break: TieBreak = TieBreak.ID) -> TallyResult:
    """Sequential Phragmén: spread load evenly; stop at the first project that does not fit."""
    if election.vote_type not in (VoteType.APPROVAL, VoteType.CHOOSE_1):
        raise ValueError("phragmen needs approval or choose-1 ballots")
    prep = _prepare(election, tie_break)
    costs, support, rank = prep.costs, prep.supporters, prep.tie_rank
    # A voter's load is the load set by the last funded project they approve: a class per
    # funded project. `load_sum[j]` is the supporters' total load of project j, over `den`.
    open_ = [c <= election.budget and support[j] > 0 for j, c in enumerate(costs)]
    supp = _members(prep)
    den, loads, cls = 1, [0], [0] * len(prep.groups)
    load_sum = [0] * len(costs)
    spent, rnd = 0, 0
    chosen: list[int] = []
    notes: dict[int, ProjectReport] = {}
    while any(open_):
        rnd += 1
        best: Fraction | None = None
        tied: list[int] = []
        for j, ok in enumerate(open_):
            if ok:
                new_max = Fraction(load_sum[j] + costs[j] * den, den * support[j])
                if best is None or new_max < best:
                    best, tied = new_max, [j]
                elif new_max == best:
                    tied.append(j)
        assert best is not None  # noqa: S101
        misfits = [j for j in tied if spent + costs[j] > election.budget]
        if misfits:  # pabutools stops here rather than skipping the misfit
            left = _money(election, election.budget - spent)
            for j in misfits:
                text = f"did not fit: {left} left, costs {_money(election, costs[j])}"
                notes[j] = ProjectReport(
                    prep.ids[j], costs[j], prep.scores[j], False, text, round=rnd,
                    remaining_budget=election.budget - spent, reason="misfit",
                )
            break
        pick = min(tied, key=lambda j: rank[j])
        chosen.append(pick)
        spent += costs[pick]
        open_[pick] = False
        notes[pick] = ProjectReport(
            prep.ids[pick], costs[pick], prep.scores[pick], True, f"funded in round {rnd}",
            round=rnd, reason="round",
        )
        new_den = den * best.denominator // math.gcd(den, best.denominator)
        if new_den != den:
            scale = new_den // den
            loads = [x * scale for x in loads]
            load_sum = [x * scale for x in load_sum]
            den = new_den
        level = best.numerator * (den // best.denominator)
        loads.append(level)
        new_cls = len(loads) - 1
        for g in supp[pick].tolist():
            w, idx, _ = prep.groups[g]
            delta = w * (level - loads[cls[g]])
            cls[g] = new_cls
            for j in idx:
                if open_[j]:
                    load_sum[j] += delta
    for j, ok in enumerate(open_):
        if ok and j not in notes:
            text = "not reached: Phragmén stops at the first project that does not fit"
            notes[j] = ProjectReport(
                prep.ids[j], costs[j], prep.scores[j], False, text, reason="not-reached"
            )
    return _result("phragmen", election, prep, chosen, notes)


RULES: Mapping[str, Rule] = {
    "greedy": greedy,
    "greedy-no-skip": greedy_no_skip,
    "greedy-threshold": greedy_threshold,
    "greedy-exclusive": greedy_exclusive,
    "greedy-custom": greedy_custom,
    "equalshares": equal_shares,
    "equalshares/greedy": equal_shares_greedy,
    "equalshares/add1": equal_shares_add1,
    "equalshares/add1/greedy": equal_shares_add1_greedy,
    "equalshares/add1-comparison": equal_shares_add1_comparison,
    "phragmen": phragmen,
}
