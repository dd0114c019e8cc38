"""PURE: the phases of a participatory-budgeting cycle, who may move them, and what is frozen.

A cycle walks one way through

    draft -> proposals (intake) -> review -> voting -> tallying -> published

Council members and administrators move the phases. Before voting opens a cycle may also step
back one phase (a review that needs more proposals goes back to intake). Once voting opens the
rules, budgets, project list and costs are frozen: the ballot a resident sees is the ballot that
is counted. Voting closes when the cycle moves to tallying; results become public only when the
council publishes them after a tally.

Stdlib (and the pure `tally`, for a default) only: phases are a StrEnum stored as text; roles
are plain strings (see portal.accounts.identity.Role) so this module stays free of the web layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from portal.voting.tally import RESERVE_PCT


class Phase(StrEnum):
    DRAFT = "draft"
    PROPOSALS = "proposals"
    REVIEW = "review"
    VOTING = "voting"
    TALLYING = "tallying"
    PUBLISHED = "published"


ORDER: tuple[Phase, ...] = tuple(Phase)

# Forward steps, plus the single step back allowed before voting opens.
TRANSITIONS: frozenset[tuple[Phase, Phase]] = frozenset(
    {(a, b) for a, b in zip(ORDER, ORDER[1:], strict=False)}
    | {(Phase.PROPOSALS, Phase.DRAFT), (Phase.REVIEW, Phase.PROPOSALS)}
)

PHASE_MOVERS = frozenset({"council", "admin"})
CYCLE_EDITORS = frozenset({"council", "admin"})
PROJECT_EDITORS = frozenset({"moderator", "admin"})
BALLOT_RECORDERS = frozenset({"moderator", "officer", "admin"})  # assisted / paper ballots

FROZEN_PHASES = frozenset({Phase.VOTING, Phase.TALLYING, Phase.PUBLISHED})
PROJECT_EDIT_PHASES = frozenset({Phase.PROPOSALS, Phase.REVIEW})


def _holds(roles: Iterable[str], allowed: frozenset[str]) -> bool:
    return any(r in allowed for r in roles)


def can_transition(current: Phase, target: Phase) -> bool:
    return (current, target) in TRANSITIONS


def next_phases(current: Phase) -> tuple[Phase, ...]:
    """Phases reachable in one step, forward first."""
    return tuple(sorted((b for a, b in TRANSITIONS if a == current), key=lambda p: -ORDER.index(p)))


def may_move_phase(roles: Iterable[str]) -> bool:
    return _holds(roles, PHASE_MOVERS)


def may_edit_cycle(roles: Iterable[str]) -> bool:
    return _holds(roles, CYCLE_EDITORS)


def may_edit_projects(roles: Iterable[str]) -> bool:
    return _holds(roles, PROJECT_EDITORS)


def may_record_ballots(roles: Iterable[str]) -> bool:
    return _holds(roles, BALLOT_RECORDERS)


def is_frozen(phase: Phase) -> bool:
    """Rules, budgets, projects and costs can no longer change."""
    return phase in FROZEN_PHASES


def projects_editable(phase: Phase) -> bool:
    return phase in PROJECT_EDIT_PHASES


def accepts_ballots(phase: Phase) -> bool:
    return phase is Phase.VOTING


def can_tally(phase: Phase) -> bool:
    return phase is Phase.TALLYING


def results_public(phase: Phase) -> bool:
    return phase is Phase.PUBLISHED


@dataclass(frozen=True, slots=True)
class Calendar:
    """A cycle's phase dates (Asia/Jakarta calendar days; any may be unset)."""

    review_from: date | None = None
    voting_from: date | None = None
    voting_until: date | None = None  # the last day of voting, inclusive
    results_on: date | None = None


def due_phase(phase: Phase, dates: Calendar, today: date, *, has_projects: bool, tallied: bool) -> Phase | None:
    """The phase a cycle should move to today by its dates, or None to stay.

    One step at a time (the caller repeats until None, auditing each step):
    intake ends when review starts, or when voting starts if no review date is set; voting opens
    on its first day if there are projects (an empty ballot never opens by itself); voting closes
    the day after its last day; results are published on their date once a tally exists, and a
    cycle without a results date waits for the council to publish. A draft never moves by date:
    the council opens it when its set-up is complete.
    """
    if phase is Phase.PROPOSALS:
        start = dates.review_from or dates.voting_from
        return Phase.REVIEW if start is not None and today >= start else None
    if phase is Phase.REVIEW:
        ready = dates.voting_from is not None and today >= dates.voting_from and has_projects
        return Phase.VOTING if ready else None
    if phase is Phase.VOTING:
        return Phase.TALLYING if dates.voting_until is not None and today > dates.voting_until else None
    if phase is Phase.TALLYING:
        ready = dates.results_on is not None and today >= dates.results_on and tallied
        return Phase.PUBLISHED if ready else None
    return None


@dataclass(frozen=True)
class CycleInput:
    """What a council member sets up for a cycle (parsed and checked by forms.py)."""

    title: str
    description: str
    city_budget: int
    ballot_kind: str
    rule: str
    tie_break: str = ""  # "" = the rule's own default
    kecamatan_budgets: Mapping[str, int] = field(default_factory=dict)
    reserve_pct: int = RESERVE_PCT  # greedy-custom's reserve share, whole %
    min_spend_pct: int = 0
    min_projects: int = 0
    max_projects: int | None = None
    k: int | None = None
    points: int | None = None
    max_points_per_project: int | None = None
    proposals_from: date | None = None
    review_from: date | None = None
    voting_from: date | None = None
    voting_until: date | None = None
    results_on: date | None = None

    @property
    def total_budget(self) -> int:
        return self.city_budget + sum(self.kecamatan_budgets.values())


@dataclass(frozen=True)
class ProjectInput:
    title: str
    description: str
    cost: int
    kecamatan_code: str = ""  # "" = the city-wide ballot
    proposal_id: int | None = None
