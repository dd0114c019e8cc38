"""Read side of the decision register: the public list, a decision's page, the form's options,
and `decisions_for` which other domains' pages include (proposal, PB cycle, inspection)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from tortoise.expressions import Q

from portal.accounts.identity import Identity, Role
from portal.core.models import Agency
from portal.council.domain import DecisionKind, DecisionStatus, LinkType
from portal.council.models import Decision, DecisionLink, ImplementationProject, ProjectSource
from portal.errors import NotFound
from portal.panels.models import Action, Inspection
from portal.proposals.models import Proposal
from portal.voting.models import PbCycle

PAGE_SIZE = 20


@dataclass(frozen=True)
class DecisionFilters:
    kind: str = ""
    year: int | None = None
    q: str = ""
    page: int = 1

    def query_string(self, **override: Any) -> str:
        values = {"kind": self.kind, "year": self.year or "", "q": self.q, "page": self.page}
        values.update(override)
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1)})


def parse_filters(params: Mapping[str, str]) -> DecisionFilters:
    """Unknown or malformed values are dropped, never an error."""
    kind = params.get("kind", "")
    year = params.get("year", "")
    page = params.get("page", "1")
    return DecisionFilters(
        kind=kind if kind in {k.value for k in DecisionKind} else "",
        year=int(year) if year.isdigit() and len(year) == 4 else None,
        q=" ".join(params.get("q", "").split())[:100],
        page=int(page) if page.isdigit() and len(page) < 6 and int(page) > 0 else 1,
    )


@dataclass(frozen=True)
class DecisionRow:
    id: int
    number: str
    decided_on: date
    title: str
    kind: str
    status: str
    amends_number: str


@dataclass(frozen=True)
class DecisionPage:
    rows: list[DecisionRow]
    total: int
    page: int
    pages: int
    filters: DecisionFilters
    years: list[int]
    drafts: list[DecisionRow]


def _row(d: Decision, numbers: Mapping[int, str]) -> DecisionRow:
    return DecisionRow(d.id, d.number, d.decided_on, d.title, d.kind, d.status,
                       numbers.get(d.amends_id or 0, ""))  # type: ignore[attr-defined]


async def _rows(decisions: list[Decision]) -> list[DecisionRow]:
    amended = [d.amends_id for d in decisions if d.amends_id]  # type: ignore[attr-defined]
    numbers = dict(await Decision.filter(id__in=amended).values_list("id", "number")) if amended else {}
    return [_row(d, numbers) for d in decisions]


async def list_decisions(filters: DecisionFilters, who: Identity) -> DecisionPage:
    qs = Decision.filter(status=DecisionStatus.PUBLISHED.value)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.year:
        qs = qs.filter(decided_on__gte=date(filters.year, 1, 1), decided_on__lte=date(filters.year, 12, 31))
    for word in filters.q.split()[:8]:
        qs = qs.filter(Q(title__icontains=word) | Q(text__icontains=word) | Q(number__icontains=word))
    total = await qs.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    found = await qs.order_by("-decided_on", "-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    dates = await Decision.filter(status=DecisionStatus.PUBLISHED.value).values_list("decided_on", flat=True)
    drafts = (await _rows(await Decision.filter(status=DecisionStatus.DRAFT.value).order_by("-updated_at"))
              if who.has(Role.COUNCIL) else [])
    return DecisionPage(await _rows(found), total, page, pages, replace(filters, page=page),
                        sorted({d.year for d in dates}, reverse=True), drafts)


# --- one decision -----------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkView:
    type: str
    id: int
    label: str
    url: str


@dataclass(frozen=True)
class ProjectRef:
    id: int
    title: str
    status: str
    agency: str


@dataclass(frozen=True)
class DecisionView:
    id: int
    number: str
    decided_on: date
    title: str
    text: str
    kind: str
    status: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    dissenters: list[str]
    rationale: str
    budget_line: str
    amount: int | None
    agency: str
    implement: bool
    amends: DecisionRow | None
    amended_by: list[DecisionRow]
    links: list[LinkView]
    projects: list[ProjectRef]
    published_at: datetime | None
    can_edit: bool


async def link_views(pairs: list[tuple[str, int]]) -> list[LinkView]:
    """Titles and URLs of linked items (missing or non-public items are left out)."""
    ids: dict[str, list[int]] = {}
    for t, i in pairs:
        ids.setdefault(t, []).append(i)
    titles: dict[tuple[str, int], tuple[str, str]] = {}
    for pid, title in await Proposal.filter(id__in=ids.get(LinkType.PROPOSAL, []), hidden=False).exclude(
            status="draft").values_list("id", "title"):
        titles[(LinkType.PROPOSAL, pid)] = (f"#{pid} {title}", f"/proposals/{pid}")
    for cid, title in await PbCycle.filter(id__in=ids.get(LinkType.PB_CYCLE, [])).values_list("id", "title"):
        titles[(LinkType.PB_CYCLE, cid)] = (title, f"/budgets/{cid}")
    for iid, title in await Inspection.filter(id__in=ids.get(LinkType.INSPECTION, [])).values_list("id", "title"):
        titles[(LinkType.INSPECTION, iid)] = (title, f"/inspections/{iid}")
    for aid, iid, unsur, text in await Action.filter(id__in=ids.get(LinkType.ACTION, [])).values_list(
            "id", "inspection_id", "unsur", "description"):
        titles[(LinkType.ACTION, aid)] = (f"{unsur}: {text}"[:160], f"/inspections/{iid}#action-{aid}")
    return [LinkView(t, i, *titles[(t, i)]) for t, i in pairs if (t, i) in titles]


async def project_refs(qs: Any) -> list[ProjectRef]:
    agencies = dict(await Agency.all().values_list("id", "abbreviation"))
    return [ProjectRef(p.id, p.title, p.status, agencies.get(p.agency_id, ""))  # type: ignore[attr-defined]
            for p in await qs.filter(parent_id=None).order_by("id")]


async def _linked_project_ids(decision_id: int) -> list[int]:
    return list(await ProjectSource.filter(decision_id=decision_id).values_list("project_id", flat=True))


async def decision_detail(decision_id: int, who: Identity) -> DecisionView:
    d = await Decision.get_or_none(id=decision_id).select_related("agency")
    council = who.has(Role.COUNCIL)
    if d is None or (d.status != DecisionStatus.PUBLISHED.value and not council):
        raise NotFound()  # drafts are the council's working papers
    amends = await Decision.get_or_none(id=d.amends_id) if d.amends_id else None  # type: ignore[attr-defined]
    later = Decision.filter(amends_id=d.id)
    if not council:
        later = later.filter(status=DecisionStatus.PUBLISHED.value)
    pairs = list(await DecisionLink.filter(decision_id=d.id).order_by("id").values_list("target_type", "target_id"))
    return DecisionView(
        id=d.id, number=d.number, decided_on=d.decided_on, title=d.title, text=d.text, kind=d.kind,
        status=d.status, votes_for=d.votes_for, votes_against=d.votes_against, votes_abstain=d.votes_abstain,
        dissenters=[n for n in d.dissenters.splitlines() if n.strip()], rationale=d.rationale,
        budget_line=d.budget_line, amount=d.amount, agency=d.agency.abbreviation if d.agency else "",
        implement=d.implement, amends=(await _rows([amends]))[0] if amends else None,
        amended_by=await _rows(await later.order_by("decided_on", "id")), links=await link_views(pairs),
        projects=await project_refs(ImplementationProject.filter(  # made by it, or existing ones it adopted too
            Q(decision_id=d.id) | Q(id__in=await _linked_project_ids(d.id)))),
        published_at=d.published_at, can_edit=council and d.status == DecisionStatus.DRAFT.value,
    )


async def edit_values(decision_id: int) -> dict[str, str]:
    d = await Decision.get_or_none(id=decision_id).select_related("agency")
    if d is None:
        raise NotFound()
    links: dict[str, list[str]] = {}
    for t, i in await DecisionLink.filter(decision_id=d.id).order_by("id").values_list("target_type", "target_id"):
        links.setdefault(t, []).append(str(i))
    return {
        "number": d.number, "decided_on": d.decided_on.isoformat(), "title": d.title, "text": d.text,
        "kind": d.kind, "votes_for": str(d.votes_for), "votes_against": str(d.votes_against),
        "votes_abstain": str(d.votes_abstain), "dissenters": d.dissenters, "rationale": d.rationale,
        "budget_line": d.budget_line, "amount": "" if d.amount is None else str(d.amount),
        "agency": d.agency.abbreviation if d.agency else "", "implement": "1" if d.implement else "",
        "amends": str(d.amends_id or ""),  # type: ignore[attr-defined]
        "proposals": ", ".join(links.get("proposal", [])), "pb_cycle": ",".join(links.get("pb_cycle", [])),
        "inspection": ",".join(links.get("inspection", [])), "actions": ", ".join(links.get("action", [])),
    }


@dataclass(frozen=True)
class FormOptions:
    kinds: tuple[str, ...]
    cycles: list[tuple[int, str, str]]  # id, title, phase
    inspections: list[tuple[int, str]]
    agencies: list[tuple[str, str]]
    suggested_number: str


async def form_options(today: date) -> FormOptions:
    from portal.council.domain import next_number

    numbers = await Decision.all().values_list("number", flat=True)
    return FormOptions(
        kinds=tuple(k.value for k in DecisionKind),
        cycles=list(await PbCycle.all().order_by("-id").values_list("id", "title", "phase")),
        inspections=list(await Inspection.exclude(state="draft").order_by("-id").values_list("id", "title")),
        agencies=list(await Agency.all().order_by("abbreviation").values_list("abbreviation", "name")),
        suggested_number=next_number(numbers, today.year),
    )


async def agency_ids() -> dict[str, int]:
    return dict(await Agency.all().values_list("abbreviation", "id"))


# --- on other domains' pages ------------------------------------------------------------------

@dataclass(frozen=True)
class Accountability:
    """What the council decided about an item and what became of it."""

    decisions: list[DecisionRow]
    projects: list[ProjectRef]

    def __bool__(self) -> bool:
        return bool(self.decisions or self.projects)


async def decisions_for(kind: str, item_id: int) -> Accountability:
    """Published decisions naming the item or adopting it, and the implementation projects.

    `kind`: "proposal", "pb_cycle" or "inspection" (an inspection also shows decisions that
    name one of its actions).
    """
    link = Q(target_type=kind, target_id=item_id)
    projects = ImplementationProject.filter(id=-1)
    if kind == LinkType.INSPECTION:
        actions = list(await Action.filter(inspection_id=item_id).values_list("id", flat=True))
        link |= Q(target_type=LinkType.ACTION.value, target_id__in=actions)
        projects = ImplementationProject.filter(inspection_id=item_id)
    elif kind == LinkType.PROPOSAL:
        projects = ImplementationProject.filter(proposal_id=item_id)
    elif kind == LinkType.PB_CYCLE:
        projects = ImplementationProject.filter(pb_cycle_id=item_id)
    ids = set(await DecisionLink.filter(link).values_list("decision_id", flat=True))
    # e.g. the PB adoption that made a proposal's project: it names the cycle, not the proposal
    ids |= set(await projects.filter(decision_id__isnull=False).values_list("decision_id", flat=True))
    # ...and a later decision that adopted an existing project again (see adoption.py)
    project_ids = list(await projects.values_list("id", flat=True))
    ids |= set(await ProjectSource.filter(project_id__in=project_ids).values_list("decision_id", flat=True))
    decisions = await Decision.filter(id__in=list(ids), status=DecisionStatus.PUBLISHED.value).order_by(
        "decided_on", "id")
    return Accountability(await _rows(decisions), await project_refs(projects))
