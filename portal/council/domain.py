"""PURE: the council's decision register and the tracking of what was decided.

Decisions
    A decision is a resolution the council passed: more councillors voted for it than against.
    It is numbered "N/YYYY" (sequence within the year it was taken, the year of its date) and the
    number is unique. A draft may change freely; once published it never changes again: a
    correction is a new decision that *amends* a published one, and both pages show the link.
    What a decision may reference depends on its kind (a PB adoption names exactly one cycle, an
    answer names proposals, a response to an inspection names the inspection and optionally
    actions of its action plan).

Implementation projects
    planned -> procurement -> in progress -> done, with "cancelled" (reason required) reachable
    from every open status. Officers of the responsible agency move a project forward; only the
    council reopens a finished project (done -> in progress), after residents said "it was not
    really done".

Progress
    A project with sub-projects takes its progress from them, weighted by cost (equal weights
    when no child has a cost); a leaf carries its own percentage. Exact Fractions, floored to a
    whole percent only for display, so a parent never shows 100 % before every child is done.

Confirmations
    Residents behind a finished item answer yes / no / don't know. A "no" opens a council review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction


class DecisionKind(StrEnum):
    ADOPT_PB = "adopt_pb"  # adopt the results of a participatory-budgeting cycle
    ANSWER_PROPOSAL = "answer_proposal"
    INSPECTION_RESPONSE = "inspection_response"  # respond to an inspection report / action plan
    OTHER = "other"


class DecisionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class LinkType(StrEnum):
    PROPOSAL = "proposal"
    PB_CYCLE = "pb_cycle"
    INSPECTION = "inspection"
    ACTION = "action"  # one action of an inspection's action plan


# Which links each kind allows, and which it needs at least one of.
ALLOWED_LINKS: Mapping[DecisionKind, frozenset[LinkType]] = {
    DecisionKind.ADOPT_PB: frozenset({LinkType.PB_CYCLE, LinkType.PROPOSAL}),
    DecisionKind.ANSWER_PROPOSAL: frozenset({LinkType.PROPOSAL}),
    DecisionKind.INSPECTION_RESPONSE: frozenset({LinkType.INSPECTION, LinkType.ACTION}),
    DecisionKind.OTHER: frozenset(LinkType),
}
REQUIRED_LINK: Mapping[DecisionKind, LinkType | None] = {
    DecisionKind.ADOPT_PB: LinkType.PB_CYCLE,
    DecisionKind.ANSWER_PROPOSAL: LinkType.PROPOSAL,
    DecisionKind.INSPECTION_RESPONSE: LinkType.INSPECTION,
    DecisionKind.OTHER: None,
}

NUMBER_RE = re.compile(r"^(\d{1,4})/(\d{4})$")
MAX_DISSENTERS = 100


@dataclass(frozen=True)
class Votes:
    for_: int
    against: int
    abstain: int
    dissenters: tuple[str, ...] = ()  # names of those voting against/abstaining who asked to be named


@dataclass(frozen=True)
class DecisionDraft:
    """What a council member enters; links are (type, id) pairs."""

    number: str
    decided_on: date
    title: str
    text: str
    kind: DecisionKind
    votes: Votes
    rationale: str = ""
    budget_line: str = ""
    amount: int | None = None
    links: tuple[tuple[LinkType, int], ...] = ()
    agency_id: int | None = None  # responsible agency for adopted items that name none
    implement: bool = False  # the decision commits an agency to carry the linked items out
    amends_id: int | None = None


# --- numbering --------------------------------------------------------------------------------

def parse_number(number: str) -> tuple[int, int] | None:
    """"12/2026" -> (12, 2026); None when the text is not a decision number."""
    match = NUMBER_RE.match(number.strip())
    if not match or int(match.group(1)) == 0:
        return None
    return int(match.group(1)), int(match.group(2))


def next_number(existing: Iterable[str], year: int) -> str:
    """The next free number of `year`: one above the highest sequence already used that year."""
    used = [seq for seq, y in filter(None, (parse_number(n) for n in existing)) if y == year]
    return f"{max(used, default=0) + 1}/{year}"


# --- checks -----------------------------------------------------------------------------------

def check_draft(draft: DecisionDraft) -> dict[str, str]:
    """Field -> error code for every rule the draft breaks (empty when it may be saved).

    Codes, not messages: the web layer translates them (see forms.ERROR_MESSAGES).
    """
    errors: dict[str, str] = {}
    parsed = parse_number(draft.number)
    if parsed is None:
        errors["number"] = "number_format"
    elif parsed[1] != draft.decided_on.year:
        errors["number"] = "number_year"
    v = draft.votes
    if min(v.for_, v.against, v.abstain) < 0:
        errors["votes_for"] = "votes_negative"
    elif v.for_ <= v.against:
        errors["votes_for"] = "votes_majority"
    if len(v.dissenters) > min(v.against + v.abstain, MAX_DISSENTERS):
        errors["dissenters"] = "too_many_dissenters"
    if draft.amount is not None and draft.amount < 0:
        errors["amount"] = "amount_negative"
    allowed = ALLOWED_LINKS[draft.kind]
    if any(t not in allowed for t, _ in draft.links):
        errors["links"] = "link_not_allowed"
    required = REQUIRED_LINK[draft.kind]
    if required is not None and not any(t == required for t, _ in draft.links):
        errors[f"link_{required.value}"] = "link_required"
    if draft.kind == DecisionKind.ADOPT_PB and sum(t == LinkType.PB_CYCLE for t, _ in draft.links) > 1:
        errors["link_pb_cycle"] = "one_cycle"
    return errors


def can_edit(status: DecisionStatus) -> bool:
    """Only drafts change; a published decision is part of the public record for good."""
    return status == DecisionStatus.DRAFT


def can_publish(status: DecisionStatus) -> bool:
    return status == DecisionStatus.DRAFT


def can_amend(target_status: DecisionStatus) -> bool:
    """Corrections amend what the public has seen: a published decision, never a draft."""
    return target_status == DecisionStatus.PUBLISHED


def implements(draft_kind: DecisionKind, implement: bool) -> bool:
    """Adopting PB results always commits the city to build the winners."""
    return draft_kind == DecisionKind.ADOPT_PB or (implement and draft_kind != DecisionKind.OTHER)


# --- implementation status --------------------------------------------------------------------

class ProjectStatus(StrEnum):
    PLANNED = "planned"
    PROCUREMENT = "procurement"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


P = ProjectStatus
OPEN_STATUSES = frozenset({P.PLANNED, P.PROCUREMENT, P.IN_PROGRESS})
# (from, to) -> who may take the step
AGENCY_STEPS: frozenset[tuple[ProjectStatus, ProjectStatus]] = frozenset({
    (P.PLANNED, P.PROCUREMENT), (P.PLANNED, P.IN_PROGRESS), (P.PROCUREMENT, P.IN_PROGRESS),
    (P.PROCUREMENT, P.PLANNED), (P.IN_PROGRESS, P.DONE),
    *((s, P.CANCELLED) for s in OPEN_STATUSES),
})
COUNCIL_STEPS: frozenset[tuple[ProjectStatus, ProjectStatus]] = frozenset({(P.DONE, P.IN_PROGRESS)})


class StepError(ValueError):
    """`code`: "status" (not a possible step) or "actor" (possible, but not for this actor)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_step(current: ProjectStatus, target: ProjectStatus, *, agency: bool, council: bool,
               reason: str = "") -> None:
    """Raise StepError unless the actor may move a project from `current` to `target`."""
    if (current, target) in AGENCY_STEPS:
        if not agency:
            raise StepError("actor")
    elif (current, target) in COUNCIL_STEPS:
        if not council:
            raise StepError("actor")
    else:
        raise StepError("status")
    if target == P.CANCELLED and not reason.strip():
        raise StepError("reason")


def next_steps(current: ProjectStatus, *, agency: bool, council: bool) -> tuple[ProjectStatus, ...]:
    steps = (AGENCY_STEPS if agency else frozenset()) | (COUNCIL_STEPS if council else frozenset())
    return tuple(t for t in ProjectStatus if (current, t) in steps)


# --- progress roll-up -------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    """A project in the tree: own progress (0-100) counts only when it has no children."""

    cost: int
    progress: int
    children: tuple[Node, ...] = field(default_factory=tuple)
    cancelled: bool = False


def progress(node: Node) -> Fraction:
    """Exact progress in percent: a leaf's own value, or the cost-weighted mean of its children.

    Cancelled children drop out (their money is not spent); with no live child the node keeps
    its own value. Children without any cost are weighed equally.
    """
    live = [c for c in node.children if not c.cancelled]
    if not live:
        return Fraction(min(100, max(0, node.progress)))
    total = sum(max(0, c.cost) for c in live)
    if total == 0:
        return sum((progress(c) for c in live), Fraction(0)) / len(live)
    return sum((progress(c) * max(0, c.cost) for c in live), Fraction(0)) / total


def percent(value: Fraction) -> int:
    """Floor to a whole percent: 99.9 % shows as 99, never as a premature 100."""
    return int(value)


# --- "was it really done?" --------------------------------------------------------------------

class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Verdict(StrEnum):
    CONFIRMED = "confirmed"  # at least one yes, more yes than no
    DISPUTED = "disputed"  # at least one no, and not outweighed
    UNCONFIRMED = "unconfirmed"  # nobody said yes or no


def verdict(answers: Sequence[Answer]) -> Verdict:
    yes = sum(a == Answer.YES for a in answers)
    no = sum(a == Answer.NO for a in answers)
    if yes == 0 and no == 0:
        return Verdict.UNCONFIRMED
    return Verdict.CONFIRMED if yes > no else Verdict.DISPUTED


def opens_review(previous: Answer | None, new: Answer) -> bool:
    """A new "no" (not a repeated one) asks the council to look again."""
    return new == Answer.NO and previous != Answer.NO


@dataclass(frozen=True)
class CompletionShare:
    done: int
    confirmed: int

    @property
    def percent(self) -> int | None:
        return None if self.done == 0 else self.confirmed * 100 // self.done


def completion_share(verdicts: Iterable[Verdict]) -> CompletionShare:
    """Per agency: of the projects it marked done, how many residents confirmed."""
    items = list(verdicts)
    return CompletionShare(len(items), sum(v == Verdict.CONFIRMED for v in items))
