"""PURE: the inspection cycle of a citizen inspection panel, and who may join a panel.

Inspection cycle (DOMAIN.md §3.3, simplified: training and scoping happen inside RECRUITING,
the provider self-assessment and consolidation share one state, the interface meeting minutes
are part of the action plan submission):

    DRAFT -> RECRUITING -> FIELDWORK -> CONSOLIDATION -> REPORT_DRAFT -> RIGHT_OF_REPLY
          -> ACTION_PLAN_SUBMITTED -> ACTION_PLAN_APPROVED -> FOLLOW_UP -> REVIEW -> CLOSED
    (any open state -> CANCELLED, by the coordinator)

Each transition names the actors allowed to take it and a guard over plain facts
(:class:`Facts`). Each state carries a deadline in working days (hari kerja, counted with
:mod:`portal.core.workdays`: the N-th working day after the day the state was entered).

Membership (West Lothian CLI, CARE score card): a panelist is a verified resident who is not
staff of the inspected agency and has no close family there (conflict of interest). Seats are
filled by the coordinator or by a stratified draw (:func:`stratified_draw`): seats are shared
among strata (kecamatan x gender x age group) in proportion to the applicants, by largest
remainder; inside a stratum, and for remainder ties, applicants are ordered by
SHA-256(seed ":" id). The draw is a function of the seed and the *set* of applicants only, so
anyone holding the published seed and applicant list can re-run it and get the same panel.

No I/O, no clock (pass ``today``), no randomness (pass the seed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction
from math import floor

from portal.core.workdays import WorkCalendar, add_working_days
from portal.panels.scoring import Scale

__all__ = [
    "Actor",
    "Applicant",
    "Candidate",
    "DrawResult",
    "Facts",
    "InspectionState",
    "MIN_PANEL",
    "Transition",
    "age_group",
    "APPLICATION_MOVES",
    "allowed_transitions",
    "can_move_application",
    "check_transition",
    "conflict_reasons",
    "deadline_for",
    "parse_answers",
    "scorecard_phase",
    "stratified_draw",
    "survey_period",
]


class InspectionState(StrEnum):
    DRAFT = "draft"
    RECRUITING = "recruiting"
    FIELDWORK = "fieldwork"
    CONSOLIDATION = "consolidation"
    REPORT_DRAFT = "report_draft"
    RIGHT_OF_REPLY = "right_of_reply"
    ACTION_PLAN_SUBMITTED = "action_plan_submitted"
    ACTION_PLAN_APPROVED = "action_plan_approved"
    FOLLOW_UP = "follow_up"
    REVIEW = "review"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = InspectionState
TERMINAL = frozenset({S.CLOSED, S.CANCELLED})
ORDER: tuple[InspectionState, ...] = tuple(s for s in S if s is not S.CANCELLED)


class Actor(StrEnum):
    """The part someone plays in one inspection (derived from roles and agency binding)."""

    COORDINATOR = "coordinator"  # moderator or council member
    OFFICER = "officer"  # officer of the inspected agency (liaison)
    AGENCY_HEAD = "agency_head"  # approves the action plan; an officer of that agency
    PANELIST = "panelist"  # selected member of this inspection's panel
    PUBLIC = "public"


#: A panel needs at least this many selected members (or the team size, if smaller).
MIN_PANEL = 3


@dataclass(frozen=True)
class Facts:
    """What the guards need to know about an inspection, as plain values."""

    team_size: int = 4
    selected: int = 0
    ready_members: int = 0  # selected members who confirmed the code of conduct and training
    submitted_scorecards: int = 0  # in the current phase (fieldwork or review)
    self_assessment_submitted: bool = False
    self_assessment_overdue: bool = False
    report_written: bool = False
    actions: int = 0
    actions_with_evidence: int = 0


@dataclass(frozen=True)
class Transition:
    source: InspectionState
    target: InspectionState
    actors: frozenset[Actor]
    label: str  # English source string; the web layer translates it


def _t(source: S, target: S, label: str, *actors: Actor) -> Transition:
    return Transition(source, target, frozenset(actors), label)


C, O, H = Actor.COORDINATOR, Actor.OFFICER, Actor.AGENCY_HEAD
TRANSITIONS: tuple[Transition, ...] = (
    _t(S.DRAFT, S.RECRUITING, "Open recruitment", C),
    _t(S.RECRUITING, S.FIELDWORK, "Start fieldwork", C),
    _t(S.FIELDWORK, S.CONSOLIDATION, "Close fieldwork", C),
    _t(S.CONSOLIDATION, S.REPORT_DRAFT, "Start the report", C),
    _t(S.REPORT_DRAFT, S.RIGHT_OF_REPLY, "Send the draft report to the agency", C),
    _t(S.RIGHT_OF_REPLY, S.ACTION_PLAN_SUBMITTED, "Submit the action plan", O, H),
    _t(S.ACTION_PLAN_SUBMITTED, S.RIGHT_OF_REPLY, "Return the plan for revision", H),
    _t(S.ACTION_PLAN_SUBMITTED, S.ACTION_PLAN_APPROVED, "Approve the action plan", H),
    _t(S.ACTION_PLAN_APPROVED, S.FOLLOW_UP, "Start follow-up", C),
    _t(S.FOLLOW_UP, S.REVIEW, "Start the re-inspection", C),
    _t(S.REVIEW, S.CLOSED, "Close the inspection", C),
    *(_t(s, S.CANCELLED, "Cancel the inspection", C) for s in ORDER if s not in TERMINAL),
)
_BY_PAIR: Mapping[tuple[S, S], Transition] = {(t.source, t.target): t for t in TRANSITIONS}

#: Proposed deadlines in working days for the state just entered (DOMAIN.md §3.3).
DEADLINE_WORKING_DAYS: Mapping[InspectionState, int] = {
    S.RECRUITING: 10,
    S.FIELDWORK: 30,
    S.CONSOLIDATION: 5,  # the agency's self-assessment
    S.REPORT_DRAFT: 5,
    S.RIGHT_OF_REPLY: 5,  # reply on facts (UU 25/2009 practice), then the action plan
    S.ACTION_PLAN_SUBMITTED: 5,  # the agency head approves
    S.ACTION_PLAN_APPROVED: 5,
    S.REVIEW: 10,
}


class TransitionError(ValueError):
    """``code``: "unknown" (no such edge), "actor" (not yours to take) or "guard" (+ reason)."""

    def __init__(self, code: str, reason: str = "") -> None:
        super().__init__(f"{code}: {reason}" if reason else code)
        self.code = code
        self.reason = reason


def _guard(t: Transition, f: Facts) -> str:
    """Empty when the transition may happen, else an English reason."""
    if t.target is S.FIELDWORK:
        need = min(MIN_PANEL, max(1, f.team_size))
        if f.selected < need:
            return "select at least three panelists (or the whole team, if smaller) first"
        if f.ready_members < f.selected:
            return "every panelist must confirm the code of conduct and finish training"
    if t.target is S.CONSOLIDATION and f.submitted_scorecards < 1:
        return "no scorecard has been submitted yet"
    if t.target is S.REPORT_DRAFT and not (f.self_assessment_submitted or f.self_assessment_overdue):
        return "wait for the agency's self-assessment or its deadline"
    if t.target is S.RIGHT_OF_REPLY and t.source is S.REPORT_DRAFT and not f.report_written:
        return "write the draft report first"
    if t.target is S.ACTION_PLAN_SUBMITTED and f.actions < 1:
        return "add at least one action"
    if t.target is S.CLOSED and f.submitted_scorecards < 1:
        return "the re-inspection needs at least one submitted scorecard"
    return ""


def check_transition(source: InspectionState, target: InspectionState,
                     actors: Iterable[Actor], facts: Facts) -> Transition:
    """The transition if ``actors`` may take it now; raises :class:`TransitionError`."""
    t = _BY_PAIR.get((source, target))
    if t is None:
        raise TransitionError("unknown", f"{source} -> {target}")
    if not t.actors & set(actors):
        raise TransitionError("actor")
    reason = _guard(t, facts)
    if reason:
        raise TransitionError("guard", reason)
    return t


def allowed_transitions(source: InspectionState, actors: Iterable[Actor]) -> tuple[Transition, ...]:
    """Edges out of ``source`` that ``actors`` may take (guards not evaluated)."""
    mine = set(actors)
    return tuple(t for t in TRANSITIONS if t.source is source and t.actors & mine)


def deadline_for(state: InspectionState, entered: date, calendar: WorkCalendar,
                 *, fieldwork_days: int | None = None) -> date | None:
    """The deadline date of ``state`` entered on the Jakarta date ``entered``, or None."""
    n = fieldwork_days if state is S.FIELDWORK and fieldwork_days else DEADLINE_WORKING_DAYS.get(state)
    return add_working_days(entered, n, calendar) if n else None


def scorecard_phase(state: InspectionState) -> str | None:
    """Scorecards are filed in FIELDWORK (phase "fieldwork") and REVIEW (phase "review")."""
    return {S.FIELDWORK: "fieldwork", S.REVIEW: "review"}.get(state)


# --- answers ----------------------------------------------------------------------------------

NOT_OBSERVED = "na"


def parse_answers(raw: Mapping[str, str], scale: Scale, *, allow_blank: bool) -> tuple[dict[str, int | None], dict[str, str]]:
    """Form values per unsur code ("1".."4", "na" = not observed, "" = unanswered) -> answers.

    Returns (answers, errors) with English error strings keyed by unsur code. ``allow_blank``
    is for drafts; a submitted scorecard must answer every unsur (possibly "not observed").
    """
    answers: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for code in scale.codes:
        value = (raw.get(code) or "").strip().lower()
        if value in ("1", "2", "3", "4"):
            answers[code] = int(value)
        elif value == NOT_OBSERVED or (value == "" and allow_blank):
            answers[code] = None
        elif value == "":
            errors[code] = "Score this element or mark it as not observed."
        else:
            errors[code] = "Choose a score from 1 to 4 or not observed."
    return answers, errors


def survey_period(day: date) -> str:
    """Survey periods are calendar half-years ("2026-S2"): SKM is due at least once a year."""
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


# --- membership -------------------------------------------------------------------------------

#: Application statuses and who moves them (while the inspection is recruiting): the
#: coordinator selects, puts on the reserve list or rejects; the applicant withdraws (a selected
#: panelist too, which frees the seat for the first reserve). Rejected and withdrawn are final.
APPLICATION_MOVES: frozenset[tuple[str, str]] = frozenset({
    ("applied", "selected"), ("applied", "reserve"), ("applied", "rejected"), ("applied", "withdrawn"),
    ("reserve", "selected"), ("reserve", "rejected"), ("reserve", "withdrawn"),
    ("selected", "withdrawn"),
})


def can_move_application(source: str, target: str) -> bool:
    return (source, target) in APPLICATION_MOVES

AGE_GROUPS: tuple[tuple[int, str], ...] = ((60, "60+"), (40, "40-59"), (25, "25-39"), (17, "17-24"))


def age_group(birth_year: int | None, year: int) -> str:
    """Coarse age band from a birth year ("" when unknown or under 17)."""
    if birth_year is None:
        return ""
    age = year - birth_year
    return next((label for lower, label in AGE_GROUPS if age >= lower), "")


@dataclass(frozen=True)
class Applicant:
    verified: bool
    works_at_agency: bool
    family_at_agency: bool
    officer_of_agency: bool = False


def conflict_reasons(a: Applicant) -> tuple[str, ...]:
    """Why someone may not sit on this panel (English codes); empty when eligible."""
    reasons = []
    if not a.verified:
        reasons.append("not_verified")
    if a.works_at_agency or a.officer_of_agency:
        reasons.append("staff")
    if a.family_at_agency:
        reasons.append("family")
    return tuple(reasons)


@dataclass(frozen=True, order=True)
class Candidate:
    id: int
    kecamatan: str = ""
    gender: str = ""
    age_group: str = ""

    @property
    def stratum(self) -> tuple[str, str, str]:
        return (self.kecamatan, self.gender, self.age_group)


@dataclass(frozen=True)
class DrawResult:
    seed: str
    selected: tuple[int, ...]  # ids in draw order
    reserve: tuple[int, ...]  # the others, in the order they would replace a dropout
    quotas: Mapping[tuple[str, str, str], int]


def _key(seed: str, text: str) -> str:
    return hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()


def stratified_draw(candidates: Sequence[Candidate], seats: int, seed: str) -> DrawResult:
    """Fill ``seats`` from ``candidates`` proportionally to strata; see the module docstring.

    Every stratum gets floor(quota) or ceil(quota) seats, where quota = seats x share of
    applicants; leftover seats go to the largest remainders, ties by SHA-256(seed, stratum).
    """
    if seats < 0:
        raise ValueError("seats cannot be negative")
    if not seed:
        raise ValueError("a draw needs a seed")
    ids = [c.id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate candidate id")
    seats = min(seats, len(candidates))
    strata: dict[tuple[str, str, str], list[Candidate]] = {}
    for c in candidates:
        strata.setdefault(c.stratum, []).append(c)
    for members in strata.values():
        members.sort(key=lambda c: (_key(seed, str(c.id)), c.id))
    total = len(candidates)
    quotas = {s: Fraction(seats * len(m), total) for s, m in strata.items()} if total else {}
    alloc = {s: floor(q) for s, q in quotas.items()}
    leftover = seats - sum(alloc.values())
    by_remainder = sorted(quotas, key=lambda s: (-(quotas[s] - alloc[s]), _key(seed, "|".join(s)), s))
    for s in by_remainder[:leftover]:
        alloc[s] += 1
    chosen = [c for s in sorted(strata) for c in strata[s][: alloc[s]]]
    chosen.sort(key=lambda c: (_key(seed, str(c.id)), c.id))
    chosen_ids = {c.id for c in chosen}
    rest = sorted((c for c in candidates if c.id not in chosen_ids), key=lambda c: (_key(seed, str(c.id)), c.id))
    return DrawResult(seed, tuple(c.id for c in chosen), tuple(c.id for c in rest), alloc)
