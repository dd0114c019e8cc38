"""PURE: the proposal (usulan) workflow, its deadlines and the content rules.

The workflow follows SP4N-LAPOR! (DOMAIN.md §4): a moderator verifies a submitted proposal
within 3 working days (HK) and forwards it to the responsible agency; the agency answers within
5 HK; the author may reply to an answer within 10 HK, which reopens the proposal for the agency,
and without a reply the proposal closes automatically. "Not our competence" sends the proposal
back to the moderators for re-routing (LAPOR! A3 "Bukan Wewenang"), again within 3 HK.
A feasible proposal (with the agency's cost estimate) becomes eligible for participatory
budgeting; the voting domain picks it up from there.

Who may act is decided here from an abstract :class:`Actor` (author, moderator, the officer of
the responsible agency, the system); services work out which actor a person is (ownership,
agency binding) and this module decides whether that actor may take the step.

Deadlines are working-day counts per status, computed with :mod:`portal.core.workdays`: the
deadline is the end (23:59:59 WIB) of the N-th working day after the status was entered.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from portal.core.workdays import WorkCalendar, deadline_end


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for a moderator (verification <= 3 HK)
    IN_REVIEW = "in_review"  # a moderator has started verification; authors can no longer edit
    CLARIFICATION = "clarification"  # returned to the author to clarify, then resubmitted
    FORWARDED = "forwarded"  # verified and sent to the agency (answer <= 5 HK)
    REROUTING = "rerouting"  # the agency said "not our competence": moderators re-route (<= 3 HK)
    ANSWERED = "answered"  # the agency answered; the author may reply within 10 HK
    ELIGIBLE = "eligible"  # feasible, with cost estimate: eligible for participatory budgeting
    CLOSED = "closed"
    ARCHIVED = "archived"  # refused by a moderator, with a reason
    WITHDRAWN = "withdrawn"
    MERGED = "merged"  # duplicate folded into another proposal


class Actor(StrEnum):
    AUTHOR = "author"  # the owner or a co-author
    MODERATOR = "moderator"
    OFFICER = "officer"  # an officer of the agency the proposal is forwarded to
    SYSTEM = "system"  # scheduled jobs


class Action(StrEnum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    START_REVIEW = "start_review"
    VERIFY = "verify"
    RETURN = "return"
    ARCHIVE = "archive"
    MERGE = "merge"
    ANSWER_FEASIBLE = "answer_feasible"
    ANSWER_NOT_FEASIBLE = "answer_not_feasible"
    ANSWER_DIRECT = "answer_direct"
    NOT_COMPETENT = "not_competent"
    REROUTE = "reroute"
    AUTHOR_REPLY = "author_reply"
    AUTO_CLOSE = "auto_close"
    WITHDRAW = "withdraw"


S = ProposalStatus
A = Action


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[ProposalStatus]
    target: ProposalStatus
    actor: Actor
    needs_reason: bool = False


def _t(action: Action, sources: tuple[ProposalStatus, ...], target: ProposalStatus, actor: Actor,
       needs_reason: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, actor, needs_reason)


# Statuses before any decision by the agency: the author may still withdraw.
BEFORE_DECISION = (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CLARIFICATION, S.FORWARDED, S.REROUTING)

TRANSITIONS: dict[Action, Transition] = {t.action: t for t in (
    _t(A.SUBMIT, (S.DRAFT,), S.SUBMITTED, Actor.AUTHOR),
    _t(A.RESUBMIT, (S.CLARIFICATION,), S.SUBMITTED, Actor.AUTHOR),
    _t(A.START_REVIEW, (S.SUBMITTED,), S.IN_REVIEW, Actor.MODERATOR),
    _t(A.VERIFY, (S.SUBMITTED, S.IN_REVIEW), S.FORWARDED, Actor.MODERATOR),
    _t(A.RETURN, (S.SUBMITTED, S.IN_REVIEW), S.CLARIFICATION, Actor.MODERATOR, True),
    _t(A.ARCHIVE, (S.SUBMITTED, S.IN_REVIEW, S.CLARIFICATION, S.REROUTING), S.ARCHIVED,
       Actor.MODERATOR, True),
    _t(A.MERGE, (S.SUBMITTED, S.IN_REVIEW, S.CLARIFICATION, S.FORWARDED, S.REROUTING), S.MERGED,
       Actor.MODERATOR),
    _t(A.ANSWER_FEASIBLE, (S.FORWARDED,), S.ELIGIBLE, Actor.OFFICER, True),
    _t(A.ANSWER_NOT_FEASIBLE, (S.FORWARDED,), S.ANSWERED, Actor.OFFICER, True),
    _t(A.ANSWER_DIRECT, (S.FORWARDED,), S.ANSWERED, Actor.OFFICER, True),
    _t(A.NOT_COMPETENT, (S.FORWARDED,), S.REROUTING, Actor.OFFICER, True),
    _t(A.REROUTE, (S.REROUTING,), S.FORWARDED, Actor.MODERATOR),
    _t(A.AUTHOR_REPLY, (S.ANSWERED,), S.FORWARDED, Actor.AUTHOR, True),
    _t(A.AUTO_CLOSE, (S.ANSWERED,), S.CLOSED, Actor.SYSTEM),
    _t(A.WITHDRAW, BEFORE_DECISION, S.WITHDRAWN, Actor.AUTHOR),
)}


class TransitionError(Exception):
    """The step is not allowed: `code` is "status" (wrong state) or "actor" (wrong person)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def next_status(current: ProposalStatus, action: Action, actors: frozenset[Actor]) -> ProposalStatus:
    """The status after `action`, or TransitionError. `actors` = every capacity the person holds."""
    rule = TRANSITIONS[action]
    if rule.actor not in actors:
        raise TransitionError("actor")
    if current not in rule.sources:
        raise TransitionError("status")
    return rule.target


def allowed_actions(current: ProposalStatus, actors: frozenset[Actor]) -> frozenset[Action]:
    return frozenset(t.action for t in TRANSITIONS.values() if current in t.sources and t.actor in actors)


# --- deadlines --------------------------------------------------------------------------------

VERIFICATION_DAYS = 3
AGENCY_ANSWER_DAYS = 5
AUTHOR_REPLY_DAYS = 10
REMINDER_DAYS_BEFORE = 2

# Working days allowed in a status, counted from entering it. IN_REVIEW keeps the deadline of
# SUBMITTED (the clock does not restart when a moderator opens the file).
DEADLINE_DAYS: dict[ProposalStatus, int] = {
    S.SUBMITTED: VERIFICATION_DAYS,
    S.REROUTING: VERIFICATION_DAYS,
    S.FORWARDED: AGENCY_ANSWER_DAYS,
    S.ANSWERED: AUTHOR_REPLY_DAYS,
}
KEEPS_DEADLINE = frozenset({S.IN_REVIEW})
# Statuses where the city owes the next step: a passed deadline there is "overdue".
CITY_OWES = frozenset({S.SUBMITTED, S.IN_REVIEW, S.REROUTING, S.FORWARDED})
# Who owes the step, for the escalation page.
OWED_BY: dict[ProposalStatus, Actor] = {
    S.SUBMITTED: Actor.MODERATOR, S.IN_REVIEW: Actor.MODERATOR, S.REROUTING: Actor.MODERATOR,
    S.FORWARDED: Actor.OFFICER, S.ANSWERED: Actor.AUTHOR,
}


def deadline_for(status: ProposalStatus, entered_at: datetime, previous: datetime | None,
                 calendar: WorkCalendar) -> datetime | None:
    """The deadline that applies after entering `status` at `entered_at`."""
    if status in KEEPS_DEADLINE:
        return previous
    days = DEADLINE_DAYS.get(status)
    if days is None:
        return None
    return deadline_end(entered_at, days, calendar)


def is_overdue(status: ProposalStatus, deadline: datetime | None, now: datetime) -> bool:
    return status in CITY_OWES and deadline is not None and now > deadline


# --- content rules ----------------------------------------------------------------------------

class Category(StrEnum):
    ROADS = "roads"
    DRAINAGE = "drainage"
    WASTE = "waste"
    TRANSPORT = "transport"
    HEALTH = "health"
    EDUCATION = "education"
    ENVIRONMENT = "environment"
    PUBLIC_FACILITIES = "public_facilities"
    SOCIAL_SERVICES = "social_services"
    ADMINISTRATION = "administration"
    OTHER = "other"


# The agency a category usually belongs to (a suggestion only; moderators decide).
DEFAULT_AGENCY: dict[Category, str] = {
    Category.ROADS: "DSDABM",
    Category.DRAINAGE: "DSDABM",
    Category.WASTE: "DLH",
    Category.TRANSPORT: "Dishub",
    Category.HEALTH: "Dinkes",
    Category.EDUCATION: "Disdik",
    Category.ENVIRONMENT: "DLH",
    Category.PUBLIC_FACILITIES: "Disperkim",
    Category.SOCIAL_SERVICES: "Dinsos",
    Category.ADMINISTRATION: "Disdukcapil",
}

TITLE_MIN, TITLE_MAX = 10, 140
DESCRIPTION_MIN, DESCRIPTION_MAX = 30, 5000
MAX_COST = 100_000_000_000  # Rp 100 miliar: beyond that it is not a resident's proposal
MAX_PHOTOS = 3
FLAG_THRESHOLD = 3  # distinct residents' flags that hide a proposal pending review
COMMENT_MAX = 2000

# Kota Bandung's bounding box (approximate, generous by a few hundred metres).
LAT_MIN, LAT_MAX = -6.97, -6.84
LON_MIN, LON_MAX = 107.54, 107.74


def inside_bandung(lat: float, lon: float) -> bool:
    return LAT_MIN <= lat <= LAT_MAX and LON_MIN <= lon <= LON_MAX


# Only residents' own proposals in these statuses may still be edited by their authors.
EDITABLE = frozenset({S.DRAFT, S.SUBMITTED, S.CLARIFICATION})
# Supporting, following and commenting make sense only while a proposal is alive.
OPEN_FOR_SUPPORT = frozenset({S.SUBMITTED, S.IN_REVIEW, S.FORWARDED, S.REROUTING, S.ANSWERED,
                              S.ELIGIBLE, S.CLARIFICATION})
PUBLIC_STATUSES = frozenset(set(S) - {S.DRAFT})


def can_edit(status: ProposalStatus) -> bool:
    return status in EDITABLE


def should_hide(distinct_flags: int) -> bool:
    return distinct_flags >= FLAG_THRESHOLD


_URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'"


def _linkify(escaped: str) -> str:
    def link(match: re.Match[str]) -> str:
        url = match.group(0)
        tail = ""
        while url and (url[-1] in _TRAILING or url.endswith(("&quot;", "&#x27;"))):
            if url.endswith("&quot;"):
                url, tail = url[:-6], "&quot;" + tail
            elif url.endswith("&#x27;"):
                url, tail = url[:-6], "&#x27;" + tail
            else:
                url, tail = url[:-1], url[-1] + tail
        if len(url) <= len("https://"):
            return match.group(0)
        return f'<a href="{url}" rel="nofollow ugc noopener">{url}</a>{tail}'

    return _URL_RE.sub(link, escaped)


def render_text(text: str) -> str:
    """Plain text to safe HTML: escape everything, paragraphs on blank lines, line breaks,
    and http(s) links made clickable (rel="nofollow ugc noopener"). No HTML passes through."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    out = []
    for paragraph in paragraphs:
        lines = [_linkify(html.escape(line, quote=True)) for line in paragraph.split("\n")]
        out.append("<p>" + "<br>\n".join(lines) + "</p>")
    return "\n".join(out)


def median(values: list[float]) -> float | None:
    return percentile(values, 50)


def percentile(values: list[float], p: int) -> float | None:
    """Nearest-rank percentile (no interpolation: the value shown happened)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))
    return ordered[rank - 1]


@dataclass(frozen=True)
class ProposalDraft:
    """What a resident writes; forms.py builds it, services store it."""

    title: str
    description: str
    category: Category
    kecamatan_code: str
    kelurahan_code: str
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    suggested_agency: str = ""  # agency abbreviation or ""
    estimated_cost: int | None = None


class AnswerKind(StrEnum):
    FEASIBLE = "feasible"
    NOT_FEASIBLE = "not_feasible"
    DIRECT = "direct"  # answered directly: handled in the agency's routine work
    NOT_COMPETENT = "not_competent"


ANSWER_ACTION: dict[AnswerKind, Action] = {
    AnswerKind.FEASIBLE: A.ANSWER_FEASIBLE,
    AnswerKind.NOT_FEASIBLE: A.ANSWER_NOT_FEASIBLE,
    AnswerKind.DIRECT: A.ANSWER_DIRECT,
    AnswerKind.NOT_COMPETENT: A.NOT_COMPETENT,
}
