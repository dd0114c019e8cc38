"""Fieldwork use cases: panel scorecards (one per panelist per visit) and the agency's
self-assessment. Surveys are in surveys.py, evidence photos in evidence.py.

Ownership rules: a scorecard is read and written only by the panelist who owns it (the
coordinator may read, never write); drafts stay editable until the phase closes; the agency
never sees who filed what. The self-assessment belongs to the officers of the inspected agency.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity
from portal.core import audit
from portal.core.timeutil import utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.i18n import lazy
from portal.panels import domain
from portal.panels.domain import InspectionState
from portal.panels.models import Inspection, Scorecard, SelfAssessment
from portal.panels.scoring import SERVQUAL_ITEMS, Dimension, Scale
from portal.panels.services import load, member_of, require_officer

MAX_VISITS = 20
ANSWER_MESSAGES = (
    lazy("Score this element or mark it as not observed."),
    lazy("Choose a score from 1 to 4 or not observed."),
)


def parse_servqual(raw: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """Optional SERVQUAL items sq_e_1..22 / sq_p_1..22 (1-7): all blank or all filled; plus
    optional importance points sq_w_<dimension> (whole numbers, all five, summing to 100)."""
    values = {f"sq_{k}_{i}": (raw.get(f"sq_{k}_{i}") or "").strip() for k in "ep" for i in SERVQUAL_ITEMS}
    points = {d.value: (raw.get(f"sq_w_{d.value}") or "").strip() for d in Dimension}
    if not any(values.values()):
        if any(points.values()):
            return "", {"servqual": _("Importance points need the SERVQUAL answers too.")}
        return "", {}
    bad = [k for k, v in values.items() if v not in {str(n) for n in range(1, 8)}]
    if bad:
        return "", {"servqual": _("Answer every SERVQUAL item with 1 to 7, or leave them all empty.")}
    data: dict[str, dict[str, int]] = {k: {str(i): int(values[f"sq_{k}_{i}"]) for i in SERVQUAL_ITEMS} for k in "ep"}
    if any(points.values()):
        if not all(v.isdigit() and len(v) <= 3 for v in points.values()) or \
                sum(int(v) for v in points.values()) != 100:
            return "", {"servqual_weights": _("Share exactly 100 importance points over the five dimensions.")}
        data["w"] = {k: int(v) for k, v in points.items()}
    return json.dumps(data, sort_keys=True), {}


def answers_or_errors(raw: Mapping[str, str], scale: Scale, submit: bool) -> dict[str, int | None]:
    answers, errors = domain.parse_answers(raw, scale, allow_blank=not submit)
    if errors:
        raise InvalidInput({code: _(message) for code, message in errors.items()})
    return answers


def check_scorecard(inspection: Inspection, raw: Mapping[str, str]) -> list[tuple[str, str]]:
    """(field, message) for everything that would still stop a submission; nothing is saved."""
    _answers, errors = domain.parse_answers(raw, Scale(inspection.scale), allow_blank=False)
    problems = [(code, _(message)) for code, message in errors.items()]
    _sq, sq_errors = parse_servqual(raw)
    return problems + list(sq_errors.items())


# --- panel scorecards -------------------------------------------------------------------------


async def start_scorecard(actor: Identity, inspection_id: int, visit: int) -> int:
    """Open (or return the existing) draft scorecard of `actor` for `visit` in the current phase."""
    inspection = await load(inspection_id)
    member = await member_of(actor, inspection_id)
    if member is None:
        raise NotAllowed(_("Only members of this panel can file scorecards."))
    phase = domain.scorecard_phase(InspectionState(inspection.state))
    if phase is None:
        raise Conflict(_("Scorecards can only be filed during fieldwork or the re-inspection."))
    if not 1 <= visit <= MAX_VISITS:
        raise InvalidInput({"visit": _("Choose a visit number from 1 to %(n)d.") % {"n": MAX_VISITS}})
    existing = await Scorecard.get_or_none(inspection_id=inspection_id, member_id=member.id, phase=phase, visit=visit)
    if existing is not None:
        return existing.id
    try:
        async with in_transaction() as conn:
            card = await Scorecard.create(inspection_id=inspection_id, member_id=member.id, phase=phase,
                                          visit=visit, using_db=conn)
            await audit.record("panels:scorecard:create", actor_id=actor.user_id, target_type="scorecard",
                               target_id=card.id, data={"inspection": inspection_id, "visit": visit}, conn=conn)
    except IntegrityError:  # a double click raced us: the unique constraint kept one
        again = await Scorecard.get(inspection_id=inspection_id, member_id=member.id, phase=phase, visit=visit)
        return again.id
    return card.id


async def own_scorecard(actor: Identity, inspection_id: int, scorecard_id: int) -> tuple[Inspection, Scorecard]:
    """The scorecard if `actor` owns it; another panelist's card is refused, not revealed."""
    card = await Scorecard.get_or_none(id=scorecard_id, inspection_id=inspection_id).select_related("member")
    if card is None:
        raise NotFound()
    if card.member.user_id != actor.user_id:  # type: ignore[attr-defined]
        raise NotAllowed(_("This scorecard belongs to another panelist."))
    return await load(inspection_id), card


async def save_scorecard(actor: Identity, inspection_id: int, scorecard_id: int, raw: Mapping[str, str],
                         *, observations: str, submit: bool) -> None:
    """Save a draft or submit; allowed until the scorecard's phase closes (then refused)."""
    inspection, card = await own_scorecard(actor, inspection_id, scorecard_id)
    if domain.scorecard_phase(InspectionState(inspection.state)) != card.phase:
        raise Conflict(_("Fieldwork for this scorecard has closed; it can no longer be changed."))
    scale = Scale(inspection.scale)
    answers = answers_or_errors(raw, scale, submit)
    servqual, errors = parse_servqual(raw)
    if errors:
        raise InvalidInput(errors)
    async with in_transaction() as conn:
        changes: dict[str, object] = {"answers": json.dumps(answers), "servqual": servqual,
                                      "observations": observations, "updated_at": utcnow()}
        if submit:
            changes.update(status="submitted", submitted_at=card.submitted_at or utcnow())
        # Conditional on the state: closing fieldwork concurrently wins over a late save.
        still_open = Subquery(Inspection.filter(id=inspection_id, state=inspection.state).values("id"))
        updated = await Scorecard.filter(id=card.id, inspection_id__in=still_open).using_db(conn).update(**changes)
        if updated != 1:
            raise Conflict(_("Fieldwork for this scorecard has closed; it can no longer be changed."))
        await audit.record("panels:scorecard:submit" if submit else "panels:scorecard:save",
                           actor_id=actor.user_id, target_type="scorecard", target_id=card.id,
                           data={"inspection": inspection_id}, conn=conn)


# --- the agency's self-assessment -------------------------------------------------------------


SELF_ASSESSMENT_STATES = (InspectionState.FIELDWORK, InspectionState.CONSOLIDATION)


async def save_self_assessment(actor: Identity, inspection_id: int, raw: Mapping[str, str], *,
                               notes: str, submit: bool) -> None:
    inspection = await load(inspection_id)
    require_officer(actor, inspection.agency_id)  # type: ignore[attr-defined]
    if inspection.state not in SELF_ASSESSMENT_STATES:
        raise Conflict(_("The self-assessment is filed during fieldwork and consolidation."))
    answers = answers_or_errors(raw, Scale(inspection.scale), submit)
    async with in_transaction() as conn:
        current = await SelfAssessment.get_or_none(inspection_id=inspection_id).using_db(conn)
        if current is not None and current.status == "submitted":
            raise Conflict(_("The self-assessment was already submitted."))
        values = {"answers": json.dumps(answers), "notes": notes,
                  "status": "submitted" if submit else "draft",
                  "submitted_by_id": actor.user_id if submit else None,
                  "submitted_at": utcnow() if submit else None}
        if current is None:
            try:
                current = await SelfAssessment.create(inspection_id=inspection_id, using_db=conn, **values)
            except IntegrityError:
                raise Conflict(_("Someone else saved the self-assessment at the same time. Reload the page.")) from None
        else:
            await SelfAssessment.filter(id=current.id, status="draft").using_db(conn).update(**values)
        await audit.record("panels:self_assessment:submit" if submit else "panels:self_assessment:save",
                           actor_id=actor.user_id, target_type="inspection", target_id=inspection_id,
                           data={}, conn=conn)

