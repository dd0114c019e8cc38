"""Adopted items become implementation projects: an explicit, idempotent command.

* A PB adoption creates one project per winning project of the cycle (its primary rule's
  selection), with the project's cost as budget. The cycle's results must be published.
* A decision answering proposals with "the agency will do it" creates one project per proposal.
* A response to an inspection creates one project per action of the action plan it names.

Each project is keyed by its source (source_type, source_id, a unique pair), so running the
command again, or a second decision adopting the same item, never duplicates it. An item whose
proposal already has a live project (a PB winner the council had answered "the agency will do
it" before, or the other way round) is linked to that project (ProjectSource), not duplicated. The responsible
agency comes from the item (the agency that answered the proposal, the inspected agency), else
from the decision's "responsible agency" field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.core import audit
from portal.council.domain import DecisionKind, LinkType, ProjectStatus
from portal.council.models import Decision, ImplementationProject, ProjectSource, ProjectUpdate
from portal.errors import Conflict, InvalidInput
from portal.i18n import gettext as _
from portal.panels.models import Action, Inspection
from portal.proposals.models import Proposal
from portal.voting.models import PbCycle, PbProject, PbScope, PbTallyRow


@dataclass(frozen=True)
class Item:
    source_type: str
    source_id: int
    title: str
    description: str
    cost: int
    agency_id: int | None
    kecamatan_code: str = ""
    proposal_id: int | None = None
    pb_cycle_id: int | None = None
    inspection_id: int | None = None


def _proposal_agency(p: Proposal | None) -> int | None:
    if p is None:
        return None
    return p.answer_agency_id or p.agency_id or p.suggested_agency_id  # type: ignore[attr-defined,no-any-return]


async def _pb_items(cycle_id: int, conn: BaseDBAsyncClient) -> list[Item]:
    cycle = await PbCycle.get_or_none(id=cycle_id).using_db(conn)
    if cycle is None or cycle.phase != "published":
        raise Conflict(_("The results of this budget cycle are not published yet: they cannot be adopted."))
    scopes = {s.id: s for s in await PbScope.filter(cycle_id=cycle_id).using_db(conn)}
    winners = await PbTallyRow.filter(scope_id__in=list(scopes), primary=True, selected=True).using_db(
        conn).order_by("scope_id", "funded_order", "id").values_list("project_id", flat=True)
    projects = {p.id: p for p in await PbProject.filter(id__in=list(winners)).using_db(conn)}
    proposal_ids = [p.proposal_id for p in projects.values() if p.proposal_id]
    proposals = {p.id: p for p in await Proposal.filter(id__in=proposal_ids).using_db(conn)}
    items = []
    for pid in winners:
        project = projects[pid]
        proposal = proposals.get(project.proposal_id or 0)
        scope = scopes[project.scope_id]  # type: ignore[attr-defined]
        kecamatan = scope.kecamatan_code or (proposal.kecamatan_id if proposal else "")  # type: ignore[attr-defined]
        items.append(Item("pb_project", project.id, project.title, project.description, project.cost,
                          _proposal_agency(proposal), kecamatan or "", project.proposal_id, cycle_id))
    return items


async def _proposal_items(ids: list[int], conn: BaseDBAsyncClient) -> list[Item]:
    items = []
    for p in await Proposal.filter(id__in=ids).using_db(conn).order_by("id"):
        items.append(Item("proposal", p.id, p.title, p.answer_text or p.description,
                          p.answer_cost or p.estimated_cost or 0, _proposal_agency(p),
                          p.kecamatan_id, p.id))  # type: ignore[attr-defined]
    return items


async def _action_items(inspection_ids: list[int], action_ids: list[int], conn: BaseDBAsyncClient) -> list[Item]:
    inspections = {i.id: i for i in await Inspection.filter(id__in=inspection_ids).using_db(conn)}
    items = []
    for a in await Action.filter(id__in=action_ids, inspection_id__in=list(inspections)).using_db(conn).order_by("id"):
        inspection = inspections[a.inspection_id]  # type: ignore[attr-defined]
        items.append(Item("action", a.id, f"{a.unsur}: {a.description}"[:200], a.description, 0,
                          inspection.agency_id, inspection_id=inspection.id))  # type: ignore[attr-defined]
    return items


async def items_of(decision: Decision, links: list[tuple[LinkType, int]], conn: BaseDBAsyncClient) -> list[Item]:
    by_type: dict[LinkType, list[int]] = {}
    for kind, target in links:
        by_type.setdefault(kind, []).append(target)
    if decision.kind == DecisionKind.ADOPT_PB.value:
        return [item for cycle_id in by_type.get(LinkType.PB_CYCLE, []) for item in await _pb_items(cycle_id, conn)]
    if decision.kind == DecisionKind.ANSWER_PROPOSAL.value:
        return await _proposal_items(by_type.get(LinkType.PROPOSAL, []), conn)
    if decision.kind == DecisionKind.INSPECTION_RESPONSE.value:
        return await _action_items(by_type.get(LinkType.INSPECTION, []), by_type.get(LinkType.ACTION, []), conn)
    return []


async def _keys_taken(items: list[Item], conn: BaseDBAsyncClient) -> set[tuple[str, int]]:
    """Sources already carried out, by a project of their own or linked to another one."""
    types = list({i.source_type for i in items})
    ids = [i.source_id for i in items]
    found: set[tuple[str, int]] = set()
    for model in (ImplementationProject, ProjectSource):
        found.update(await model.filter(source_type__in=types, source_id__in=ids).using_db(conn).values_list(
            "source_type", "source_id"))
    return found


async def _projects_by_proposal(items: list[Item], conn: BaseDBAsyncClient) -> dict[int, ImplementationProject]:
    """The live top-level project of each item's proposal, if any. A cancelled one does not count:
    a later adoption of the same proposal (e.g. residents voted it funds) starts afresh."""
    ids = [i.proposal_id for i in items if i.proposal_id]
    found = await ImplementationProject.filter(proposal_id__in=ids, parent_id=None).exclude(
        status=ProjectStatus.CANCELLED.value).using_db(conn).order_by("id")
    by_proposal: dict[int, ImplementationProject] = {}
    for project in found:
        by_proposal.setdefault(project.proposal_id, project)  # type: ignore[arg-type]
    return by_proposal


async def _link(decision: Decision, item: Item, project: ImplementationProject, *, actor_id: int | None,
                now: datetime, conn: BaseDBAsyncClient) -> None:
    """Record that `project` also carries out `item` (adopted again by `decision`)."""
    await ProjectSource.create(project_id=project.id, decision_id=decision.id, source_type=item.source_type,
                               source_id=item.source_id, created_at=now, using_db=conn)
    if item.pb_cycle_id and project.pb_cycle_id is None:  # so the cycle's page lists the project
        await ImplementationProject.filter(id=project.id).using_db(conn).update(pb_cycle_id=item.pb_cycle_id,
                                                                                updated_at=now)
        project.pb_cycle_id = item.pb_cycle_id
    await ProjectUpdate.create(project_id=project.id, kind="linked", text=decision.number, author_id=actor_id,
                               author_role="council", created_at=now, using_db=conn)
    await audit.record("council:implementation:linked", actor_id=actor_id, target_type="implementation",
                       target_id=project.id,
                       data={"decision_id": decision.id, "source": [item.source_type, item.source_id],
                             "proposal_id": item.proposal_id, "agency_id": project.agency_id,  # type: ignore[attr-defined]
                             "cost": item.cost},
                       conn=conn)


async def create_projects(decision: Decision, links: list[tuple[LinkType, int]], *, actor_id: int | None,
                          now: datetime, conn: BaseDBAsyncClient) -> list[int]:
    """Create the missing implementation projects of `decision` (idempotent); return new ids.

    An item whose proposal already has a live project (e.g. a PB winner the council had
    answered before) is linked to that project instead of getting a second one.
    """
    items = await items_of(decision, links, conn)
    taken = await _keys_taken(items, conn)
    items = [i for i in items if (i.source_type, i.source_id) not in taken]
    by_proposal = await _projects_by_proposal(items, conn)
    fallback = decision.agency_id  # type: ignore[attr-defined]
    missing = [i.title for i in items if i.agency_id is None and fallback is None
               and (i.proposal_id or 0) not in by_proposal]
    if missing:
        raise InvalidInput({"agency": _("Choose the responsible agency for items that name none: %(items)s")
                            % {"items": "; ".join(missing[:5])}})
    created = []
    for item in items:
        existing = by_proposal.get(item.proposal_id or 0)
        if existing is not None:
            await _link(decision, item, existing, actor_id=actor_id, now=now, conn=conn)
            continue
        project = await ImplementationProject.create(
            title=item.title, description=item.description, decision_id=decision.id,
            source_type=item.source_type, source_id=item.source_id, proposal_id=item.proposal_id,
            pb_cycle_id=item.pb_cycle_id, inspection_id=item.inspection_id,
            agency_id=item.agency_id or fallback, kecamatan_code=item.kecamatan_code, cost=item.cost,
            status=ProjectStatus.PLANNED.value, created_at=now, updated_at=now, using_db=conn)
        if item.proposal_id:  # a second winner from the same proposal joins this project
            by_proposal[item.proposal_id] = project
        await ProjectUpdate.create(project_id=project.id, kind="created", to_status=ProjectStatus.PLANNED.value,
                                   text=decision.number, author_id=actor_id, author_role="council",
                                   created_at=now, using_db=conn)
        await audit.record("council:implementation:created", actor_id=actor_id, target_type="implementation",
                           target_id=project.id,
                           data={"decision_id": decision.id, "source": [item.source_type, item.source_id],
                                 "proposal_id": item.proposal_id, "agency_id": project.agency_id},  # type: ignore[attr-defined]
                           conn=conn)
        created.append(project.id)
    return created
