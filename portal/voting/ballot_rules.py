"""PURE: is a ballot valid for its cycle? Checked on the server, whatever the client sent.

Ballot kinds (chosen per cycle; the vocabulary of Stanford PB and Decidim budgets):

- ``knapsack``: approve projects whose total cost fits the ballot's budget (Decidim's
  "vote with budget limit"). Optional minimum spend, as a whole percentage of the budget
  (Decidim's "minimum budget percentage"), and optional minimum / maximum number of projects.
- ``k-approval``: approve at most ``k`` projects (at least ``min_projects``, default 1).
- ``cumulative``: distribute at most ``points`` points, at most ``max_points_per_project`` on
  one project (Pabulib ``vote_type=cumulative``).
- ``ranked``: an ordered list of at most ``max_projects`` projects (Pabulib ``ordinal``). Warga
  never offers it for new cycles; it exists so imported Pabulib elections keep their ballots.

The input is a sequence of ``(project id, value)`` pairs exactly as posted: the value is the
number of points for cumulative ballots and ignored otherwise; for ranked ballots the order of
the pairs is the ranking. Anything not in ``costs`` (a tampered id, another cycle's project) is
an error, as are duplicates; a valid ballot is never silently "repaired".

Errors are codes with parameters, not sentences: the web layer translates them.
Money is integer rupiah throughout.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

POINTS_RE = re.compile(r"\d{1,6}")


class BallotKind(StrEnum):
    KNAPSACK = "knapsack"
    K_APPROVAL = "k-approval"
    CUMULATIVE = "cumulative"
    RANKED = "ranked"


OFFERED_KINDS = (BallotKind.KNAPSACK, BallotKind.K_APPROVAL, BallotKind.CUMULATIVE)


@dataclass(frozen=True, slots=True)
class BallotSpec:
    kind: BallotKind
    budget: int
    min_spend_pct: int = 0
    min_projects: int = 0
    max_projects: int | None = None
    k: int | None = None
    points: int | None = None
    max_points_per_project: int | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    code: str
    project_id: str | None = None
    params: tuple[tuple[str, int], ...] = ()

    def param(self, name: str) -> int:
        return dict(self.params)[name]


@dataclass(frozen=True, slots=True)
class Checked:
    """The normalised ballot (``(project id, points)``, 1 point for approvals) and its issues."""

    choices: tuple[tuple[str, int], ...]
    spent: int
    remaining: int
    points_used: int
    issues: tuple[Issue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.issues


def spec_issues(spec: BallotSpec) -> tuple[Issue, ...]:
    """Problems with the parameters themselves (checked when a cycle is configured)."""
    out: list[Issue] = []
    if spec.budget <= 0:
        out.append(Issue("budget_not_positive"))
    if not 0 <= spec.min_spend_pct <= 100:
        out.append(Issue("min_spend_range"))
    if spec.min_projects < 0:
        out.append(Issue("min_projects_negative"))
    if spec.max_projects is not None and spec.max_projects < max(1, spec.min_projects):
        out.append(Issue("max_below_min"))
    if spec.kind is BallotKind.K_APPROVAL and (spec.k is None or spec.k < 1):
        out.append(Issue("k_required"))
    if spec.kind is BallotKind.K_APPROVAL and spec.k is not None and spec.min_projects > spec.k:
        out.append(Issue("max_below_min"))
    if spec.kind is BallotKind.CUMULATIVE:
        if spec.points is None or spec.points < 1:
            out.append(Issue("points_required"))
        if spec.max_points_per_project is None or spec.max_points_per_project < 1:
            out.append(Issue("max_points_required"))
    return tuple(out)


def _min_projects(spec: BallotSpec) -> int:
    return max(1, spec.min_projects)


def _max_projects(spec: BallotSpec) -> int | None:
    if spec.kind is BallotKind.K_APPROVAL:
        return spec.k
    return spec.max_projects


def check(spec: BallotSpec, costs: Mapping[str, int], raw: Sequence[tuple[str, str]]) -> Checked:
    """Validate posted pairs against the cycle's projects (``costs``: id -> rupiah)."""
    issues: list[Issue] = []
    seen: set[str] = set()
    choices: list[tuple[str, int]] = []
    cumulative = spec.kind is BallotKind.CUMULATIVE
    for pid, value in raw:
        if pid not in costs:
            issues.append(Issue("unknown_project", pid))
            continue
        if pid in seen:
            issues.append(Issue("duplicate", pid))
            continue
        seen.add(pid)
        if not cumulative:
            choices.append((pid, 1))
            continue
        text = value.strip()
        if text in ("", "0") or (POINTS_RE.fullmatch(text) and int(text) == 0):
            continue  # zero points: not on the ballot
        if not POINTS_RE.fullmatch(text):
            issues.append(Issue("bad_points", pid))
            continue
        points = int(text)
        if spec.max_points_per_project is not None and points > spec.max_points_per_project:
            issues.append(Issue("over_project_points", pid, (("max", spec.max_points_per_project),)))
        choices.append((pid, points))

    spent = sum(costs[pid] for pid, _ in choices)
    used = sum(p for _, p in choices)
    remaining = spec.budget - spent
    if not choices and not issues:
        issues.append(Issue("empty"))
    if cumulative and spec.points is not None and used > spec.points:
        issues.append(Issue("over_points", None, (("max", spec.points), ("used", used))))
    if spec.kind is BallotKind.KNAPSACK:
        if spent > spec.budget:
            issues.append(Issue("over_budget", None, (("budget", spec.budget), ("spent", spent))))
        minimum = min_spend(spec)
        if choices and spent < minimum:
            issues.append(Issue("under_min_spend", None, (("minimum", minimum), ("spent", spent))))
    if not cumulative and choices:
        most = _max_projects(spec)
        if most is not None and len(choices) > most:
            issues.append(Issue("too_many", None, (("max", most),)))
        if len(choices) < _min_projects(spec):
            issues.append(Issue("too_few", None, (("min", _min_projects(spec)),)))
    return Checked(tuple(choices), spent, remaining, used, tuple(issues))


def min_spend(spec: BallotSpec) -> int:
    """Smallest total a knapsack ballot must reach, rounded up to the rupiah."""
    return -(-spec.budget * spec.min_spend_pct // 100)


def blocked(spec: BallotSpec, costs: Mapping[str, int], chosen: Sequence[str]) -> frozenset[str]:
    """Projects that cannot be added to ``chosen`` without breaking a limit.

    The ballot page disables them, so an over-budget choice cannot be made; the server still
    checks the whole ballot on submit.
    """
    picked = {pid for pid in chosen if pid in costs}
    free = [pid for pid in costs if pid not in picked]
    most = _max_projects(spec)
    if spec.kind in (BallotKind.KNAPSACK, BallotKind.K_APPROVAL, BallotKind.RANKED) and (
        most is not None and len(picked) >= most
    ):
        return frozenset(free)
    if spec.kind is BallotKind.KNAPSACK:
        remaining = spec.budget - sum(costs[p] for p in picked)
        return frozenset(pid for pid in free if costs[pid] > remaining)
    return frozenset()


def ballot_order(project_ids: Sequence[str], seed: str) -> tuple[str, ...]:
    """The order one voter sees the projects in: a shuffle seeded by ``seed``.

    Stanford PB randomises the order per voter to remove position bias; seeding it with the
    voter's key (plus the ballot) makes a voter's order stable across reloads and reproducible
    in an audit, without storing it. SHA-256 makes the seed insensitive to key structure.
    """
    digest = hashlib.sha256(seed.encode()).digest()
    order = sorted(project_ids)
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return tuple(order)
