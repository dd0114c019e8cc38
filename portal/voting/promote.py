"""From eligible proposal to budget project: the one cross-domain flow between co-design and
participatory budgeting.

A proposal the agency found feasible (status ``eligible``, with the agency's cost estimate) can
be put on a PB cycle's ballot while the cycle takes projects (intake or review). Promotion is an
explicit, idempotent command in the manner of Decidim's "import proposals to budgets": the
(cycle, proposal) pair is unique in the database, so a double click, two moderators at once or
a retried request all leave exactly one project, and the link is readable from both sides (the
project says "from proposal #N", the proposal says "in budget cycle X"). The project's cost is
the agency's estimate, never the resident's own guess.

Where it lands: on the kecamatan ballot of the proposal's kecamatan when the cycle has one,
otherwise on the city-wide ballot (a local proposal competes with local proposals).
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity, Role
from portal.core import audit
from portal.core.models import Kecamatan
from portal.errors import Conflict, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.proposals.models import Proposal
from portal.voting import domain, services
from portal.voting.domain import Phase
from portal.voting.forms import PHASE_LABELS
from portal.voting.models import PbCycle, PbProject, PbScope

ELIGIBLE = "eligible"  # portal.proposals.domain.ProposalStatus.ELIGIBLE
PROMOTERS = (Role.MODERATOR, Role.COUNCIL, Role.ADMIN)
INTAKE_PHASES = (Phase.PROPOSALS.value, Phase.REVIEW.value)


def may_promote(who: Identity) -> bool:
    # By roles, as the rest of the voting services decide (routes check the login first).
    return any(role in who.roles for role in PROMOTERS)


@dataclass(frozen=True)
class CycleLink:
    """A budget cycle the proposal is on, and its project there."""

    cycle_id: int
    title: str
    phase: str
    project_id: int
    phase_label: str


@dataclass(frozen=True)
class Target:
    """A cycle taking projects that the proposal could be added to."""

    cycle_id: int
    title: str
    phase: str
    ballot: str  # kecamatan name, or "" for the city-wide ballot


@dataclass(frozen=True)
class ProposalBudget:
    """What the proposal page shows about participatory budgeting (context of _promote.html)."""

    proposal_id: int
    links: tuple[CycleLink, ...]
    targets: tuple[Target, ...]  # empty unless the viewer may promote and the proposal is eligible
    cost: int | None  # the agency's estimate


@dataclass(frozen=True)
class EligibleProposal:
    id: int
    title: str
    kecamatan: str
    cost: int


async def _open_cycles() -> list[PbCycle]:
    return await PbCycle.filter(phase__in=INTAKE_PHASES).order_by("-id")


async def _scope_of(cycle_id: int, kecamatan_code: str) -> PbScope:
    scopes = {s.kecamatan_code: s for s in await PbScope.filter(cycle_id=cycle_id)}
    scope = scopes.get(kecamatan_code) or scopes.get(None)
    if scope is None:  # every cycle has its city-wide scope; guard against a broken import
        raise Conflict(_("This cycle has no ballot for this proposal."))
    return scope


async def _still_taking_projects(cycle_id: int, conn: BaseDBAsyncClient) -> bool:
    """Re-read the phase in the insert's transaction; on PostgreSQL FOR SHARE makes a concurrent
    "open voting" wait for this insert, so no project slips onto a frozen ballot."""
    if conn.capabilities.dialect == "postgres":
        _count, rows = await conn.execute_query(
            "SELECT id FROM pb_cycle WHERE id = $1 AND phase = ANY($2::text[]) FOR SHARE",
            [cycle_id, list(INTAKE_PHASES)])
        return bool(rows)
    return await PbCycle.filter(id=cycle_id, phase__in=INTAKE_PHASES).using_db(conn).exists()


async def proposal_budget(who: Identity, proposal_id: int) -> ProposalBudget:
    """The budget cycles a proposal is on and, for moderators and council, where it can go."""
    rows = await PbProject.filter(proposal_id=proposal_id).order_by("cycle_id").values_list(
        "cycle_id", "cycle__title", "cycle__phase", "id")
    links = tuple(CycleLink(c, t, ph, pid, str(PHASE_LABELS.get(ph, ph))) for c, t, ph, pid in rows)
    proposal = await Proposal.get_or_none(id=proposal_id)
    targets: list[Target] = []
    if proposal is not None and proposal.status == ELIGIBLE and may_promote(who):
        names = dict(await Kecamatan.all().values_list("code", "name"))
        taken = {link.cycle_id for link in links}
        for cycle in await _open_cycles():
            if cycle.id in taken:
                continue
            scope = await _scope_of(cycle.id, proposal.kecamatan_id)  # type: ignore[attr-defined]
            targets.append(Target(cycle.id, cycle.title, cycle.phase,
                                  names.get(scope.kecamatan_code or "", "")))
    return ProposalBudget(proposal_id, links, tuple(targets),
                          proposal.answer_cost if proposal is not None else None)


async def eligible_for(cycle_id: int) -> list[EligibleProposal]:
    """Eligible proposals not yet on this cycle (the list a moderator promotes from)."""
    taken = await PbProject.filter(cycle_id=cycle_id, proposal_id__not_isnull=True).values_list(
        "proposal_id", flat=True)
    rows = await Proposal.filter(status=ELIGIBLE, hidden=False).exclude(id__in=list(taken)).order_by(
        "id").values_list("id", "title", "kecamatan__name", "answer_cost")
    return [EligibleProposal(i, t, k, c) for i, t, k, c in rows if c is not None]


async def promote(actor: Identity, *, proposal_id: int, cycle_id: int) -> int:
    """Put an eligible proposal on a cycle's ballot; returns the project id.

    Idempotent: promoting the same proposal to the same cycle again returns the existing project
    and writes nothing. Refused (and audited) once the cycle's voting has opened.
    """
    if not may_promote(actor):
        raise NotAllowed()
    cycle = await services.get_cycle(cycle_id)
    existing = await PbProject.get_or_none(cycle_id=cycle_id, proposal_id=proposal_id)
    if existing is not None:
        return existing.id
    phase = Phase(cycle.phase)
    if domain.is_frozen(phase):
        await services.refuse_frozen(actor, cycle, "promote_proposal")
    if not domain.projects_editable(phase):
        raise Conflict(_("Projects can be added once the cycle takes proposals."))
    proposal = await Proposal.get_or_none(id=proposal_id)
    if proposal is None or proposal.hidden:
        raise NotFound()
    if proposal.status != ELIGIBLE or not proposal.answer_cost:
        raise Conflict(_("Only proposals the agency found feasible, with its cost estimate, can be put "
                         "on a budget ballot."))
    scope = await _scope_of(cycle_id, proposal.kecamatan_id)  # type: ignore[attr-defined]
    try:
        async with in_transaction() as conn:
            if not await _still_taking_projects(cycle_id, conn):
                raise Conflict(_("The cycle changed meanwhile. Reload the page and try again."))
            project = await PbProject.create(
                cycle_id=cycle_id, scope_id=scope.id, title=proposal.title[:200],
                description=proposal.description, cost=proposal.answer_cost, proposal_id=proposal_id,
                using_db=conn)
            await audit.record("voting:project:promote", actor_id=actor.user_id, target_type="pb_project",
                               target_id=project.id,
                               data={"cycle": cycle_id, "scope": scope.id, "proposal": proposal_id,
                                     "cost": proposal.answer_cost}, conn=conn)
    except IntegrityError:
        # Another request promoted it a moment ago: the unique link makes that one the project.
        project = await PbProject.get(cycle_id=cycle_id, proposal_id=proposal_id)
    return project.id
