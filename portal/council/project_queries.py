"""Read side of implementation tracking: the public list, a project's page with its timeline and
"was it done?" answers, the council's review list and the per-agency share of confirmed
completions (for the agency pages)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from portal.accounts.identity import Identity, Role
from portal.core.models import Agency, Kecamatan
from portal.council import domain
from portal.council.confirmations import asked_user_ids
from portal.council.domain import Answer, CompletionShare, Node, ProjectStatus, Verdict
from portal.council.implementation import is_agency_officer
from portal.council.models import (
    Confirmation, Decision, ImplementationProject, Milestone, ProjectSource, ProjectUpdate, UpdatePhoto,
)
from portal.errors import NotFound
from portal.proposals.models import Proposal
from portal.voting.models import PbCycle

PAGE_SIZE = 20


def tree_progress(project_id: int, by_parent: Mapping[int | None, list[ImplementationProject]],
                  own: Mapping[int, ImplementationProject]) -> int:
    def node(p: ImplementationProject) -> Node:
        return Node(p.cost, p.progress, tuple(node(c) for c in by_parent.get(p.id, [])),
                    p.status == ProjectStatus.CANCELLED.value)

    return domain.percent(domain.progress(node(own[project_id])))


async def _forest(projects: Iterable[ImplementationProject] | None = None) -> tuple[
        dict[int | None, list[ImplementationProject]], dict[int, ImplementationProject]]:
    items = list(projects) if projects is not None else await ImplementationProject.all().order_by("id")
    by_parent: dict[int | None, list[ImplementationProject]] = {}
    for p in items:
        by_parent.setdefault(p.parent_id, []).append(p)  # type: ignore[attr-defined]
    return by_parent, {p.id: p for p in items}


# --- the list ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProjectFilters:
    agency: str = ""
    status: str = ""
    kecamatan: str = ""
    page: int = 1

    def query_string(self, **override: Any) -> str:
        values = {"agency": self.agency, "status": self.status, "kecamatan": self.kecamatan, "page": self.page}
        values.update(override)
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1)})


def parse_filters(params: Mapping[str, str]) -> ProjectFilters:
    status = params.get("status", "")
    page = params.get("page", "1")
    return ProjectFilters(
        agency=params.get("agency", "")[:32], status=status if status in {s.value for s in ProjectStatus} else "",
        kecamatan=params.get("kecamatan", "")[:8],
        page=int(page) if page.isdigit() and len(page) < 6 and int(page) > 0 else 1)


@dataclass(frozen=True)
class ProjectRow:
    id: int
    title: str
    agency: str
    kecamatan: str
    status: str
    progress: int
    cost: int
    spent: int
    under_review: bool


@dataclass(frozen=True)
class ProjectPage:
    rows: list[ProjectRow]
    total: int
    page: int
    pages: int
    filters: ProjectFilters
    agencies: list[tuple[str, str]]
    kecamatan: list[tuple[str, str]]
    statuses: tuple[str, ...]


async def list_projects(filters: ProjectFilters) -> ProjectPage:
    qs = ImplementationProject.filter(parent_id=None)
    if filters.agency:
        qs = qs.filter(agency__abbreviation=filters.agency)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kecamatan:
        qs = qs.filter(kecamatan_code=filters.kecamatan)
    total = await qs.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    found = await qs.order_by("-updated_at", "-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    by_parent, own = await _forest()
    agencies = dict(await Agency.all().values_list("id", "abbreviation"))
    kec = dict(await Kecamatan.all().values_list("code", "name"))
    rows = [ProjectRow(p.id, p.title, agencies.get(p.agency_id, ""), kec.get(p.kecamatan_code, ""),  # type: ignore[attr-defined]
                       p.status, tree_progress(p.id, by_parent, own), p.cost, p.spent, p.under_review)
            for p in found]
    return ProjectPage(rows, total, page, pages, replace(filters, page=page),
                       list(await Agency.all().order_by("abbreviation").values_list("abbreviation", "name")),
                       list(await Kecamatan.all().order_by("name").values_list("code", "name")),
                       tuple(s.value for s in ProjectStatus))


# --- one project ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PhotoView:
    id: int
    alt: str
    width: int
    height: int


@dataclass(frozen=True)
class TimelineItem:
    created_at: datetime
    kind: str
    text: str
    from_status: str
    to_status: str
    author_role: str
    photos: list[PhotoView]


@dataclass(frozen=True)
class NoAnswer:
    id: int
    comment: str
    has_photo: bool
    width: int
    height: int
    updated_at: datetime


@dataclass(frozen=True)
class ProjectView:
    id: int
    title: str
    description: str
    agency: str
    agency_name: str
    kecamatan: str
    status: str
    cancel_reason: str
    cost: int
    spent: int
    progress: int
    own_progress: int
    under_review: bool
    review_note: str
    done_at: datetime | None
    decision: tuple[int, str, str] | None  # id, number, title
    also_decisions: list[tuple[int, str, str]]  # later decisions that adopted this project again
    parent: tuple[int, str] | None
    children: list[ProjectRow]
    milestones: list[Milestone]
    timeline: list[TimelineItem]
    proposal_id: int | None
    proposal_title: str  # "" when the proposal is not public
    pb_cycle_id: int | None
    pb_cycle_title: str
    inspection_id: int | None
    answers: dict[str, int]
    verdict: str
    no_answers: list[NoAnswer]
    # for the viewer
    is_agency: bool
    is_council: bool
    steps: tuple[str, ...]
    asked: bool  # the viewer is one of the residents asked "was it done?"
    my_answer: str
    my_comment: str


async def _timeline(project_id: int) -> list[TimelineItem]:
    entries = await ProjectUpdate.filter(project_id=project_id).order_by("created_at", "id")
    pics: dict[int, list[PhotoView]] = {}
    for ph in await UpdatePhoto.filter(entry_id__in=[e.id for e in entries]).order_by("id"):
        pics.setdefault(ph.entry_id, []).append(PhotoView(ph.id, ph.alt, ph.width, ph.height))  # type: ignore[attr-defined]
    return [TimelineItem(e.created_at, e.kind, e.text, e.from_status, e.to_status, e.author_role, pics.get(e.id, []))
            for e in entries]


async def _proposal_title(proposal_id: int | None) -> str:
    if not proposal_id:
        return ""
    titles = await Proposal.filter(id=proposal_id, hidden=False).exclude(status="draft").values_list("title", flat=True)
    return str(titles[0]) if titles else ""


async def _cycle_title(cycle_id: int | None) -> str:
    titles = await PbCycle.filter(id=cycle_id).values_list("title", flat=True) if cycle_id else []
    return str(titles[0]) if titles else ""


async def project_detail(project_id: int, who: Identity) -> ProjectView:
    p = await ImplementationProject.get_or_none(id=project_id).select_related("agency")
    if p is None:
        raise NotFound()
    by_parent, own = await _forest()
    kec = dict(await Kecamatan.all().values_list("code", "name"))
    decision = await Decision.get_or_none(id=p.decision_id) if p.decision_id else None  # type: ignore[attr-defined]
    parent = own.get(p.parent_id) if p.parent_id else None  # type: ignore[attr-defined]
    linked = await ProjectSource.filter(project_id=p.id).order_by("id").values_list("decision_id", flat=True)
    also = {d.id: d for d in await Decision.filter(id__in=list(linked))}
    answers = await Confirmation.filter(project_id=p.id).order_by("-updated_at", "-id")
    counts = {a.value: sum(1 for c in answers if c.answer == a.value) for a in Answer}
    mine = next((c for c in answers if c.user_id == who.user_id), None) if who.user_id else None  # type: ignore[attr-defined]
    agency = is_agency_officer(who, p)
    council = who.has(Role.COUNCIL)
    children = [ProjectRow(c.id, c.title, p.agency.abbreviation, kec.get(c.kecamatan_code, ""), c.status,
                           tree_progress(c.id, by_parent, own), c.cost, c.spent, c.under_review)
                for c in by_parent.get(p.id, [])]
    return ProjectView(
        id=p.id, title=p.title, description=p.description, agency=p.agency.abbreviation, agency_name=p.agency.name,
        kecamatan=kec.get(p.kecamatan_code, ""), status=p.status, cancel_reason=p.cancel_reason, cost=p.cost,
        spent=p.spent, progress=tree_progress(p.id, by_parent, own), own_progress=p.progress,
        under_review=p.under_review, review_note=p.review_note, done_at=p.done_at,
        decision=(decision.id, decision.number, decision.title) if decision else None,
        also_decisions=[(also[i].id, also[i].number, also[i].title) for i in dict.fromkeys(linked) if i in also],
        parent=(parent.id, parent.title) if parent else None, children=children,
        milestones=await Milestone.filter(project_id=p.id).order_by("due_on", "id"),
        timeline=await _timeline(p.id), proposal_id=p.proposal_id,
        proposal_title=await _proposal_title(p.proposal_id), pb_cycle_id=p.pb_cycle_id,
        pb_cycle_title=await _cycle_title(p.pb_cycle_id),
        inspection_id=p.inspection_id, answers=counts,
        verdict=domain.verdict([Answer(c.answer) for c in answers]).value,
        no_answers=[NoAnswer(c.id, c.comment, bool(c.photo_filename), c.photo_width, c.photo_height, c.updated_at)
                    for c in answers if c.answer == Answer.NO.value],
        is_agency=agency, is_council=council,
        steps=tuple(s.value for s in domain.next_steps(ProjectStatus(p.status), agency=agency, council=council)),
        asked=who.user_id is not None and who.user_id in await asked_user_ids(p),
        my_answer=mine.answer if mine else "", my_comment=mine.comment if mine else "",
    )


async def reviews() -> list[ProjectRow]:
    """Projects residents said were not really done, waiting for the council."""
    found = await ImplementationProject.filter(under_review=True).order_by("updated_at", "id")
    by_parent, own = await _forest()
    agencies = dict(await Agency.all().values_list("id", "abbreviation"))
    kec = dict(await Kecamatan.all().values_list("code", "name"))
    return [ProjectRow(p.id, p.title, agencies.get(p.agency_id, ""), kec.get(p.kecamatan_code, ""),  # type: ignore[attr-defined]
                       p.status, tree_progress(p.id, by_parent, own), p.cost, p.spent, True) for p in found]


# --- per agency -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgencyCompletions:
    abbreviation: str
    share: CompletionShare
    open_projects: int
    disputed: int


async def agency_completions(abbreviation: str) -> AgencyCompletions | None:
    """Of the agency's projects marked done, how many its residents confirmed."""
    agency = await Agency.get_or_none(abbreviation=abbreviation)
    if agency is None:
        return None
    done = list(await ImplementationProject.filter(agency_id=agency.id, status=ProjectStatus.DONE.value,
                                                   parent_id=None).values_list("id", flat=True))
    answers: dict[int, list[Answer]] = {pid: [] for pid in done}
    for pid, value in await Confirmation.filter(project_id__in=done).values_list("project_id", "answer"):
        answers[pid].append(Answer(value))
    verdicts = [domain.verdict(a) for a in answers.values()]
    open_count = await ImplementationProject.filter(
        agency_id=agency.id, parent_id=None, status__in=[s.value for s in domain.OPEN_STATUSES]).count()
    return AgencyCompletions(agency.abbreviation, domain.completion_share(verdicts), open_count,
                             sum(v == Verdict.DISPUTED for v in verdicts))

