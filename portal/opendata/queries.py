"""Keyset-paginated reads of the public datasets, as plain dicts keyed by serializer field.

Every loader answers "up to `limit` rows with key > `after`, in key order, matching `filters`",
which is all the API (one page) and the streamed exports (page after page) need. Only the
columns a dataset publishes are selected (`.values(...)`), and names of territories and
agencies come from small lookup tables loaded once per request, so a page costs one query.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.core.models import Agency, Kecamatan, Kelurahan
from portal.council.domain import Answer, DecisionStatus, LinkType, verdict
from portal.council.models import Confirmation, Decision, DecisionLink, ImplementationProject
from portal.council.project_queries import tree_progress
from portal.errors import NotFound
from portal.opendata.serializers import PUBLIC_INSPECTION_STATES
from portal.panels.domain import InspectionState
from portal.panels.models import Inspection, SurveyResponse
from portal.panels.results import compute, panel_ikm
from portal.panels.scoring import IkmResult, Scale, suppress
from portal.panels.services import today
from portal.proposals.domain import ProposalStatus
from portal.proposals.models import Proposal
from portal.voting import interop
from portal.voting.domain import Phase
from portal.voting.models import PbCycle, PbScope, PbVoter

Row = dict[str, Any]


@dataclass(frozen=True)
class Names:
    kecamatan: dict[str, str]
    kelurahan: dict[str, str]
    agency_abbr: dict[int, str]
    agency_id: dict[str, int]


async def names() -> Names:
    agencies = await Agency.all().values_list("id", "abbreviation")
    return Names(
        kecamatan=dict(await Kecamatan.all().values_list("code", "name")),
        kelurahan=dict(await Kelurahan.all().values_list("code", "name")),
        agency_abbr=dict(agencies),
        agency_id={abbr: aid for aid, abbr in agencies},
    )


Loader = Callable[[Mapping[str, str], int, int, Names], Awaitable[list[Row]]]

# --- proposals --------------------------------------------------------------------------------

_PROPOSAL_COLUMNS = (
    "id", "title", "description", "category", "status", "kecamatan_id", "kelurahan_id", "address", "lat",
    "lon", "agency_id", "estimated_cost", "answer_kind", "answer_text", "answer_cost", "answered_on_time",
    "support_count", "comment_count", "merged_into_id", "created_at", "submitted_at", "answered_at",
    "status_changed_at",
)


async def proposals(filters: Mapping[str, str], after: int, limit: int, lookup: Names) -> list[Row]:
    """Public proposals: never drafts, never ones hidden by moderation."""
    qs = Proposal.filter(hidden=False, id__gt=after).exclude(status=ProposalStatus.DRAFT.value)
    if "status" in filters:
        qs = qs.filter(status=filters["status"])
    if "category" in filters:
        qs = qs.filter(category=filters["category"])
    if "kecamatan" in filters:
        qs = qs.filter(kecamatan_id=filters["kecamatan"])
    if "agency" in filters:
        agency_id = lookup.agency_id.get(filters["agency"])
        if agency_id is None:
            return []
        qs = qs.filter(agency_id=agency_id)
    rows = await qs.order_by("id").limit(limit).values(*_PROPOSAL_COLUMNS)
    for row in rows:
        kec, kel, agency = row.pop("kecamatan_id"), row.pop("kelurahan_id"), row.pop("agency_id")
        row["kecamatan_code"], row["kecamatan"] = kec, lookup.kecamatan.get(kec, "")
        row["kelurahan_code"], row["kelurahan"] = kel, lookup.kelurahan.get(kel, "")
        row["agency"] = lookup.agency_abbr.get(agency) if agency is not None else None
        row["merged_into"] = row.pop("merged_into_id")
        row["answer_kind"] = row["answer_kind"] or None
        row["answer_text"] = row["answer_text"] if row["answer_kind"] else None
    return rows


# --- agency scores ----------------------------------------------------------------------------


def _published(result: IkmResult | None) -> tuple[int | None, Any, str | None]:
    """(respondents, IKM, grade) with the public small-cell rule: all null when n < 5."""
    if result is None or suppress(result.respondents) is None:
        return None, None, None
    return result.respondents, result.ikm_display, result.grade.mutu


def _replied_on_time(i: Inspection, day: date) -> bool | None:
    if i.reply_deadline is None or (i.replied_at is None and day <= i.reply_deadline):
        return None  # no reply asked yet, or still within the deadline
    return i.replied_at is not None and i.replied_at.date() <= i.reply_deadline


async def agency_scores(filters: Mapping[str, str], after: int, limit: int, lookup: Names) -> list[Row]:
    qs = Inspection.filter(id__gt=after, state__in=PUBLIC_INSPECTION_STATES)
    if "agency" in filters:
        agency_id = lookup.agency_id.get(filters["agency"])
        if agency_id is None:
            return []
        qs = qs.filter(agency_id=agency_id)
    day = today()
    rows = []
    for i in await qs.select_related("agency", "service").order_by("id").limit(limit):
        survey_answers = await SurveyResponse.filter(inspection_id=i.id).values_list("answers", flat=True)
        survey = compute([json.loads(a) for a in survey_answers], Scale(i.scale))
        panel_n, panel_ikm_value, panel_grade = _published(await panel_ikm(i))
        survey_n, survey_ikm, survey_grade = _published(survey)
        rows.append({
            "id": i.id, "agency": i.agency.abbreviation, "agency_name": i.agency.name, "service": i.service.name,
            "period_start": i.period_start, "period_end": i.period_end, "state": InspectionState(i.state).value,
            "panel_respondents": panel_n, "panel_ikm": panel_ikm_value, "panel_grade": panel_grade,
            "survey_respondents": survey_n, "survey_ikm": survey_ikm, "survey_grade": survey_grade,
            "replied_on_time": _replied_on_time(i, day),
        })
    return rows


# --- participatory budgeting ------------------------------------------------------------------


def ballots_path(cycle_id: int) -> str:
    """The `exports.ballots` route of the city-wide vote (a path: API rows carry no host)."""
    return f"/exports/ballots/{cycle_id}.pb"


async def budget_cycles(filters: Mapping[str, str], after: int, limit: int, lookup: Names) -> list[Row]:
    cycles = await PbCycle.filter(phase=Phase.PUBLISHED.value, id__gt=after).order_by("id").limit(limit)
    return [{
        "id": c.id, "title": c.title, "ballot_kind": c.ballot_kind, "rule": c.rule, "total_budget": c.total_budget,
        "voting_from": c.voting_from, "voting_until": c.voting_until, "published_at": c.published_at,
        "voters": await PbVoter.filter(cycle_id=c.id).count(), "ballots_url": ballots_path(c.id),
    } for c in cycles]


@dataclass(frozen=True)
class BallotFile:
    cycle_id: int
    title: str
    kecamatan_code: str  # "" for the city-wide vote
    kecamatan: str


async def ballot_files() -> list[BallotFile]:
    """Every published ballot scope (city-wide, then each kecamatan), newest cycle first."""
    kec = dict(await Kecamatan.all().values_list("code", "name"))
    scopes = await PbScope.filter(cycle__phase=Phase.PUBLISHED.value).select_related("cycle").order_by(
        "-cycle_id", "id")
    return [BallotFile(s.cycle.id, s.cycle.title, s.kecamatan_code or "", kec.get(s.kecamatan_code or "", ""))
            for s in scopes]


async def ballots_pabulib(cycle_id: int, kecamatan_code: str) -> str:
    """The anonymised Pabulib file of a published cycle (the voting package writes it)."""
    if not await PbCycle.exists(id=cycle_id, phase=Phase.PUBLISHED.value):
        raise NotFound()
    return await interop.export_pb(cycle_id, kecamatan_code)


# --- council: decisions and implementation ---------------------------------------------------


async def decisions(filters: Mapping[str, str], after: int, limit: int, lookup: Names) -> list[Row]:
    """Published decisions only: drafts are the council's working papers."""
    qs = Decision.filter(status=DecisionStatus.PUBLISHED.value, id__gt=after)
    if "kind" in filters:
        qs = qs.filter(kind=filters["kind"])
    if "year" in filters:
        year = int(filters["year"])
        if not 1 <= year <= 9999:
            return []
        qs = qs.filter(decided_on__gte=date(year, 1, 1), decided_on__lte=date(year, 12, 31))
    found = await qs.order_by("id").limit(limit)
    links: dict[tuple[int, str], list[int]] = {}
    for decision_id, target_type, target_id in await DecisionLink.filter(
            decision_id__in=[d.id for d in found]).order_by("id").values_list("decision_id", "target_type", "target_id"):
        links.setdefault((decision_id, target_type), []).append(target_id)
    return [{
        "id": d.id, "number": d.number, "decided_on": d.decided_on, "title": d.title, "text": d.text, "kind": d.kind,
        "votes_for": d.votes_for, "votes_against": d.votes_against, "votes_abstain": d.votes_abstain,
        "dissenters": [n.strip() for n in d.dissenters.splitlines() if n.strip()], "rationale": d.rationale,
        "budget_line": d.budget_line or None, "amount": d.amount,
        "agency": lookup.agency_abbr.get(d.agency_id) if d.agency_id else None,  # type: ignore[attr-defined]
        "amends": d.amends_id,  # type: ignore[attr-defined]
        "proposal_ids": links.get((d.id, LinkType.PROPOSAL.value), []),
        "budget_cycle_ids": links.get((d.id, LinkType.PB_CYCLE.value), []),
        "inspection_ids": links.get((d.id, LinkType.INSPECTION.value), []),
        "published_at": d.published_at,
    } for d in found]


async def implementation_projects(filters: Mapping[str, str], after: int, limit: int, lookup: Names) -> list[Row]:
    qs = ImplementationProject.filter(id__gt=after)
    if "status" in filters:
        qs = qs.filter(status=filters["status"])
    if "kecamatan" in filters:
        qs = qs.filter(kecamatan_code=filters["kecamatan"])
    if "agency" in filters:
        agency_id = lookup.agency_id.get(filters["agency"])
        if agency_id is None:
            return []
        qs = qs.filter(agency_id=agency_id)
    found = await qs.order_by("id").limit(limit)
    if not found:
        return []
    # Progress rolls up the whole tree (council.project_queries.tree_progress): projects are few.
    everything = await ImplementationProject.all().order_by("id")
    by_parent: dict[int | None, list[ImplementationProject]] = {}
    for p in everything:
        by_parent.setdefault(p.parent_id, []).append(p)  # type: ignore[attr-defined]
    own = {p.id: p for p in everything}
    answers: dict[int, list[Answer]] = {}
    for project_id, answer in await Confirmation.filter(project_id__in=[p.id for p in found]).values_list(
            "project_id", "answer"):
        answers.setdefault(project_id, []).append(Answer(answer))
    return [{
        "id": p.id, "title": p.title, "description": p.description, "status": p.status,
        "cancel_reason": p.cancel_reason or None, "agency": lookup.agency_abbr.get(p.agency_id, ""),  # type: ignore[attr-defined]
        "kecamatan_code": p.kecamatan_code or None, "parent": p.parent_id,  # type: ignore[attr-defined]
        "decision": p.decision_id, "proposal": p.proposal_id, "budget_cycle": p.pb_cycle_id,  # type: ignore[attr-defined]
        "inspection": p.inspection_id, "cost": p.cost, "spent": p.spent,
        "progress": tree_progress(p.id, by_parent, own), "under_review": p.under_review,
        "verdict": verdict(answers.get(p.id, [])).value, "created_at": p.created_at, "updated_at": p.updated_at,
        "done_at": p.done_at,
    } for p in found]


LOADERS: dict[str, Loader] = {
    "proposals": proposals,
    "decisions": decisions,
    "implementation-projects": implementation_projects,
    "agency-scores": agency_scores,
    "budget-cycles": budget_cycles,
}
