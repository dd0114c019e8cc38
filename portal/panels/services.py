"""Inspection use cases: open an inspection, move it through its cycle, recruit the panel
(applications, conflict-of-interest check, coordinator selection or the seeded draw) and
onboard members (code of conduct, training).

Every state change checks role and ownership on the server, runs in one transaction with its
audit row, and raises portal.errors exceptions. Fieldwork lives in scorecards.py, the
feedback loop in followup.py.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts import services as accounts
from portal.accounts.identity import Identity, Role
from portal.accounts.models import ResidentVerification
from portal.core import audit, city_calendar
from portal.core.models import Agency, Kecamatan
from portal.core.timeutil import to_jakarta, utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.panels import domain
from portal.panels.domain import Actor, InspectionState
from portal.panels.models import Action, Application, Inspection, PanelMember, Scorecard, SelfAssessment, Service
from portal.panels.scoring import Scale

METHODS = ("site_visit", "observation", "mystery_shopping", "user_survey", "document_review")


def today() -> date:
    return to_jakarta(utcnow()).date()


def is_coordinator(who: Identity) -> bool:
    return who.has(Role.MODERATOR, Role.COUNCIL)


async def load(inspection_id: int, conn: BaseDBAsyncClient | None = None) -> Inspection:
    found = await Inspection.get_or_none(id=inspection_id).using_db(conn) if conn else \
        await Inspection.get_or_none(id=inspection_id)
    if found is None:
        raise NotFound()
    return found


async def member_of(who: Identity, inspection_id: int) -> PanelMember | None:
    if who.user_id is None:
        return None
    return await PanelMember.get_or_none(inspection_id=inspection_id, user_id=who.user_id)


async def actors_for(who: Identity, inspection: Inspection) -> frozenset[Actor]:
    """The parts `who` plays in this inspection (several at once are possible)."""
    actors = {Actor.PUBLIC}
    if is_coordinator(who):
        actors.add(Actor.COORDINATOR)
    if is_officer_of(who, inspection.agency_id):  # type: ignore[attr-defined]
        actors.add(Actor.OFFICER)
        # The head of the agency (kepala SKPD) is an officer of it who also holds the
        # agency-head role; only they approve or return the action plan.
        if Role.AGENCY_HEAD in who.roles:
            actors.add(Actor.AGENCY_HEAD)
    if await member_of(who, inspection.id) is not None:
        actors.add(Actor.PANELIST)
    return frozenset(actors)


def is_officer_of(who: Identity, agency_id: int) -> bool:
    return who.has(Role.OFFICER) and who.agency_id is not None and who.agency_id == agency_id


def require_officer(actor: Identity, agency_id: int) -> None:
    if not is_officer_of(actor, agency_id):
        raise NotAllowed(_("Only officers of the inspected agency can do this."))


def _require(ok: bool) -> None:
    if not ok:
        raise NotAllowed()


# --- opening ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewInspection:
    agency_abbr: str
    service_name: str
    title: str
    scope: str
    methods: tuple[str, ...]
    period_start: date
    period_end: date
    team_size: int
    scale: Scale
    fieldwork_days: int = 30
    population: int | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50] or "layanan"


async def ensure_service(agency: Agency, name: str, scale: Scale, conn: BaseDBAsyncClient) -> Service:
    """The agency's service with this name, created with a unique public code if new."""
    existing = await Service.get_or_none(agency_id=agency.id, name=name).using_db(conn)
    if existing is not None:
        return existing
    base = _slug(f"{agency.abbreviation}-{name}")
    code, n = base, 1
    while await Service.filter(code=code).using_db(conn).exists():
        n += 1
        code = f"{base}-{n}"
    return await Service.create(code=code, name=name, agency=agency, scale=scale.value, using_db=conn)


async def create_inspection(actor: Identity, cmd: NewInspection) -> int:
    """A coordinator (moderator or council member) opens an inspection of one service (DRAFT)."""
    _require(is_coordinator(actor))
    agency = await Agency.get_or_none(abbreviation=cmd.agency_abbr)
    if agency is None:
        raise InvalidInput({"agency": _("Choose an agency from the list.")})
    async with in_transaction() as conn:
        service = await ensure_service(agency, cmd.service_name, cmd.scale, conn)
        inspection = await Inspection.create(
            title=cmd.title, service=service, agency=agency, scope=cmd.scope, methods=",".join(cmd.methods),
            period_start=cmd.period_start, period_end=cmd.period_end, team_size=cmd.team_size,
            scale=cmd.scale.value, fieldwork_days=cmd.fieldwork_days, population=cmd.population, state=InspectionState.DRAFT,
            state_entered_at=utcnow(), created_by_id=actor.user_id, using_db=conn,
        )
        await audit.record("panels:inspection:create", actor_id=actor.user_id, target_type="inspection",
                           target_id=inspection.id,
                           data={"agency": agency.abbreviation, "service": service.code}, conn=conn)
    return inspection.id


# --- the cycle --------------------------------------------------------------------------------


async def facts_of(inspection: Inspection, day: date, conn: BaseDBAsyncClient | None = None) -> domain.Facts:
    members = await PanelMember.filter(inspection_id=inspection.id).using_db(conn)
    phase = "review" if inspection.state in (InspectionState.FOLLOW_UP, InspectionState.REVIEW) else "fieldwork"
    submitted = await Scorecard.filter(inspection_id=inspection.id, phase=phase, status="submitted").using_db(conn).count()
    self_done = await SelfAssessment.filter(inspection_id=inspection.id, status="submitted").using_db(conn).exists()
    actions = await Action.filter(inspection_id=inspection.id).using_db(conn).count()
    return domain.Facts(
        team_size=inspection.team_size,
        selected=len(members),
        ready_members=sum(1 for m in members if m.conduct_confirmed_at and m.training_done_at),
        submitted_scorecards=submitted,
        self_assessment_submitted=self_done,
        self_assessment_overdue=inspection.deadline is not None and day > inspection.deadline,
        report_written=bool(inspection.report_findings.strip()),
        actions=actions,
    )


async def transition(actor: Identity, inspection_id: int, target: str, *, day: date | None = None) -> InspectionState:
    """Move the inspection to `target` if `actor` may, the guard holds and nobody moved it first."""
    day = day or today()
    try:
        goal = InspectionState(target)
    except ValueError:
        raise InvalidInput({"target": _("Unknown step.")}) from None
    async with in_transaction() as conn:
        inspection = await load(inspection_id, conn)
        source = InspectionState(inspection.state)
        actors = await actors_for(actor, inspection)
        try:
            domain.check_transition(source, goal, actors, await facts_of(inspection, day, conn))
        except domain.TransitionError as exc:
            if exc.code == "actor":
                raise NotAllowed() from None
            if exc.code == "unknown":
                raise Conflict(_("This step is not possible in the current state.")) from None
            raise Conflict(_("Not yet: %(reason)s.") % {"reason": _(exc.reason)}) from None
        calendar = await city_calendar.calendar()  # national holidays plus the city's own closures
        deadline = domain.deadline_for(goal, day, calendar, fieldwork_days=inspection.fieldwork_days)
        changes: dict[str, object] = {"state": goal.value, "state_entered_at": utcnow(), "deadline": deadline,
                                      "reminded_deadline": None, "escalated_at": None}
        if goal is InspectionState.RIGHT_OF_REPLY and inspection.reply_deadline is None:
            changes["reply_deadline"] = deadline
        if goal is InspectionState.ACTION_PLAN_APPROVED:
            changes.update(approved_by_id=actor.user_id, approved_at=utcnow())
        if goal in (InspectionState.CLOSED, InspectionState.CANCELLED):
            changes["closed_at"] = utcnow()
        # Conditional update: of two concurrent transitions from the same state only one wins.
        updated = await Inspection.filter(id=inspection.id, state=source.value).using_db(conn).update(**changes)
        if updated != 1:
            raise Conflict(_("Someone else changed this inspection. Reload the page."))
        await audit.record("panels:inspection:transition", actor_id=actor.user_id, target_type="inspection",
                           target_id=inspection.id, data={"from": source.value, "to": goal.value}, conn=conn)
    return goal


# --- recruitment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewApplication:
    motivation: str
    kecamatan_code: str
    availability: str
    gender: str
    share_age: bool
    works_at_agency: bool
    family_at_agency: bool


CONFLICT_MESSAGES = {
    "not_verified": "Only verified residents can join a panel. Verify your account first.",
    "staff": "Staff of the inspected agency cannot sit on its panel (conflict of interest).",
    "family": "Residents with close family working at the inspected agency cannot sit on its panel "
              "(conflict of interest).",
}


async def apply(actor: Identity, inspection_id: int, cmd: NewApplication) -> int:
    """A resident applies to the panel; conflicts of interest are refused with the reason."""
    if actor.user_id is None:
        raise NotAllowed()
    inspection = await load(inspection_id)
    if inspection.state != InspectionState.RECRUITING:
        raise Conflict(_("This inspection is not recruiting panelists."))
    reasons = domain.conflict_reasons(domain.Applicant(
        verified=actor.verified, works_at_agency=cmd.works_at_agency, family_at_agency=cmd.family_at_agency,
        officer_of_agency=actor.has(Role.OFFICER) and actor.agency_id == inspection.agency_id,  # type: ignore[attr-defined]
    ))
    if reasons:
        field = "conflict" if reasons[0] != "not_verified" else "motivation"
        raise InvalidInput({field: _(CONFLICT_MESSAGES[reasons[0]])})
    if not await Kecamatan.exists(code=cmd.kecamatan_code):
        raise InvalidInput({"kecamatan": _("Choose a kecamatan from the list.")})
    verification = await ResidentVerification.get_or_none(user_id=actor.user_id, revoked_at=None)
    group = domain.age_group(verification.birth_year if verification else None, today().year) if cmd.share_age else ""
    try:
        async with in_transaction() as conn:
            application = await Application.create(
                inspection_id=inspection.id, user_id=actor.user_id, motivation=cmd.motivation,
                kecamatan_code=cmd.kecamatan_code, availability=cmd.availability, gender=cmd.gender,
                age_group=group, declared_no_conflict=True, using_db=conn,
            )
            await audit.record("panels:application:create", actor_id=actor.user_id,
                               target_type="panel_application", target_id=application.id,
                               data={"inspection": inspection.id}, conn=conn)
    except IntegrityError:
        raise Conflict(_("You have already applied to this panel.")) from None
    return application.id


async def add_member(inspection: Inspection, application: Application, how: str, conn: BaseDBAsyncClient) -> PanelMember:
    # max + 1, not count + 1: a member who withdrew leaves a gap in the numbers.
    numbers = await PanelMember.filter(inspection_id=inspection.id).using_db(conn).values_list("number", flat=True)
    number = max(numbers, default=0) + 1
    member = await PanelMember.create(inspection_id=inspection.id, user_id=application.user_id,  # type: ignore[attr-defined]
                                      number=number, selected_by=how, using_db=conn)
    await Application.filter(id=application.id).using_db(conn).update(status="selected", reserve_rank=None,
                                                                       decided_at=utcnow())
    return member


async def grant_panelist(user_ids: list[int]) -> None:
    # The global role lets residents find their panel work from the menu; the membership row
    # is what grants rights inside one inspection.
    for user_id in user_ids:
        await accounts.grant_role(None, user_id=user_id, role=Role.PANELIST)


def require_recruiting(inspection: Inspection) -> None:
    if inspection.state != InspectionState.RECRUITING:
        raise Conflict(_("Panelists can only be selected while the inspection is recruiting."))


async def select(actor: Identity, inspection_id: int, application_id: int) -> None:
    """The coordinator selects one applicant by hand."""
    _require(is_coordinator(actor))
    async with in_transaction() as conn:
        inspection = await load(inspection_id, conn)
        require_recruiting(inspection)
        application = await Application.get_or_none(id=application_id, inspection_id=inspection_id).using_db(conn)
        if application is None:
            raise NotFound()
        if application.status == "selected":
            return  # idempotent
        if not domain.can_move_application(application.status, "selected"):
            raise Conflict(_("This application was rejected or withdrawn."))
        if await PanelMember.filter(inspection_id=inspection_id).using_db(conn).count() >= inspection.team_size:
            raise Conflict(_("The team is already complete."))
        member = await add_member(inspection, application, "coordinator", conn)
        await audit.record("panels:member:select", actor_id=actor.user_id, target_type="panel_member",
                           target_id=member.id, data={"inspection": inspection_id, "by": "coordinator"}, conn=conn)
    await grant_panelist([application.user_id])  # type: ignore[attr-defined]


async def draw(actor: Identity, inspection_id: int, seed: str = "") -> domain.DrawResult:
    """Fill the free seats by the stratified seeded draw and publish the seed.

    The pool is every applicant not yet selected, in id order; the seed (given, or 128 random
    bits) is stored on the inspection and shown publicly so anyone can re-run the draw.
    """
    _require(is_coordinator(actor))
    seed = seed.strip() or secrets.token_hex(16)
    async with in_transaction() as conn:
        inspection = await load(inspection_id, conn)
        require_recruiting(inspection)
        pool = await Application.filter(inspection_id=inspection_id, status__in=("applied", "reserve")).using_db(conn).order_by("id")
        free = inspection.team_size - await PanelMember.filter(inspection_id=inspection_id).using_db(conn).count()
        if free <= 0:
            raise Conflict(_("The team is already complete."))
        if not pool:
            raise Conflict(_("There are no applicants to draw from."))
        candidates = [domain.Candidate(a.id, a.kecamatan_code, a.gender, a.age_group) for a in pool]
        result = domain.stratified_draw(candidates, free, seed)
        by_id = {a.id: a for a in pool}
        chosen_users = []
        for app_id in result.selected:
            await add_member(inspection, by_id[app_id], "draw", conn)
            chosen_users.append(by_id[app_id].user_id)  # type: ignore[attr-defined]
        # The reserve list keeps the draw's order: the first reserve replaces the first dropout.
        for rank, app_id in enumerate(result.reserve, start=1):
            await Application.filter(id=app_id).using_db(conn).update(status="reserve", reserve_rank=rank)
        await Inspection.filter(id=inspection_id).using_db(conn).update(draw_seed=seed, drawn_at=utcnow())
        await audit.record("panels:inspection:draw", actor_id=actor.user_id, target_type="inspection",
                           target_id=inspection_id,
                           data={"seed": seed, "pool": [c.id for c in candidates], "selected": list(result.selected)},
                           conn=conn)
    await grant_panelist(chosen_users)
    return result


async def onboard(actor: Identity, inspection_id: int, step: str) -> None:
    """A selected panelist confirms the code of conduct ("conduct") or training ("training")."""
    if step not in ("conduct", "training"):
        raise InvalidInput({"step": _("Unknown step.")})
    member = await member_of(actor, inspection_id)
    if member is None:
        raise NotAllowed()
    column = "conduct_confirmed_at" if step == "conduct" else "training_done_at"
    async with in_transaction() as conn:
        await PanelMember.filter(id=member.id, **{f"{column}__isnull": True}).using_db(conn).update(**{column: utcnow()})
        await audit.record(f"panels:member:{step}", actor_id=actor.user_id, target_type="panel_member",
                           target_id=member.id, data={"inspection": inspection_id}, conn=conn)
