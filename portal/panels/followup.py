"""The feedback loop to the agency (SKPD): draft report -> right of reply (facts, within 5
working days) -> action plan (per action: unsur, owner, due date, budget source, evidence
expected) approved by the agency head -> follow-up evidence that panelists confirm or dispute.

State changes themselves go through services.transition; these use cases fill in the content
each state needs, and only in that state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity
from portal.core import audit
from portal.core.timeutil import utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.panels.domain import InspectionState as S
from portal.panels.models import Action, ActionVerdict, Inspection
from portal.panels.scoring import Scale
from portal.panels.services import is_coordinator, load, member_of, require_officer, today


def _in_state(inspection: Inspection, *states: S) -> None:
    if inspection.state not in states:
        raise Conflict(_("This cannot be done in the current state of the inspection."))


async def save_report(actor: Identity, inspection_id: int, *, findings: str, strengths: str,
                      recommendations: str) -> None:
    """The coordinator or a panelist writes the draft report while it is in REPORT_DRAFT."""
    inspection = await load(inspection_id)
    if not (is_coordinator(actor) or await member_of(actor, inspection_id) is not None):
        raise NotAllowed()
    _in_state(inspection, S.REPORT_DRAFT)
    async with in_transaction() as conn:
        await Inspection.filter(id=inspection_id, state=S.REPORT_DRAFT.value).using_db(conn).update(
            report_findings=findings, report_strengths=strengths, report_recommendations=recommendations)
        await audit.record("panels:report:save", actor_id=actor.user_id, target_type="report",
                           target_id=inspection_id, data={}, conn=conn)


async def reply(actor: Identity, inspection_id: int, *, text: str, minutes: str) -> None:
    """The agency's right of reply on facts (not scores), plus the interface meeting minutes."""
    inspection = await load(inspection_id)
    require_officer(actor, inspection.agency_id)  # type: ignore[attr-defined]
    _in_state(inspection, S.RIGHT_OF_REPLY)
    async with in_transaction() as conn:
        await Inspection.filter(id=inspection_id, state=S.RIGHT_OF_REPLY.value).using_db(conn).update(
            reply_text=text, minutes=minutes, replied_at=inspection.replied_at or utcnow())
        on_time = inspection.reply_deadline is None or today() <= inspection.reply_deadline
        await audit.record("panels:inspection:reply", actor_id=actor.user_id, target_type="inspection",
                           target_id=inspection_id, data={"on_time": on_time}, conn=conn)


@dataclass(frozen=True)
class NewAction:
    unsur: str
    description: str
    owner: str
    due_date: date
    budget_source: str
    evidence_expected: str


async def add_action(actor: Identity, inspection_id: int, cmd: NewAction) -> int:
    inspection = await load(inspection_id)
    require_officer(actor, inspection.agency_id)  # type: ignore[attr-defined]
    _in_state(inspection, S.RIGHT_OF_REPLY)
    if cmd.unsur not in Scale(inspection.scale).codes:
        raise InvalidInput({"unsur": _("Choose an element of service from the list.")})
    if cmd.due_date < today():
        raise InvalidInput({"due_date": _("The due date cannot lie in the past.")})
    async with in_transaction() as conn:
        action = await Action.create(inspection_id=inspection_id, unsur=cmd.unsur, description=cmd.description,
                                     owner=cmd.owner, due_date=cmd.due_date, budget_source=cmd.budget_source,
                                     evidence_expected=cmd.evidence_expected, using_db=conn)
        await audit.record("panels:action:create", actor_id=actor.user_id, target_type="inspection",
                           target_id=inspection_id, data={"action": action.id, "unsur": cmd.unsur}, conn=conn)
    return action.id


async def _action(inspection_id: int, action_id: int) -> Action:
    action = await Action.get_or_none(id=action_id, inspection_id=inspection_id)
    if action is None:
        raise NotFound()
    return action


async def remove_action(actor: Identity, inspection_id: int, action_id: int) -> None:
    inspection = await load(inspection_id)
    require_officer(actor, inspection.agency_id)  # type: ignore[attr-defined]
    _in_state(inspection, S.RIGHT_OF_REPLY)
    action = await _action(inspection_id, action_id)
    async with in_transaction() as conn:
        await Action.filter(id=action.id).using_db(conn).delete()
        await audit.record("panels:action:delete", actor_id=actor.user_id, target_type="inspection",
                           target_id=inspection_id, data={"action": action.id}, conn=conn)


async def submit_evidence(actor: Identity, inspection_id: int, action_id: int, *, text: str) -> None:
    """The agency reports what it did for one action; panelists then confirm or dispute."""
    inspection = await load(inspection_id)
    require_officer(actor, inspection.agency_id)  # type: ignore[attr-defined]
    _in_state(inspection, S.ACTION_PLAN_APPROVED, S.FOLLOW_UP, S.REVIEW)
    action = await _action(inspection_id, action_id)
    async with in_transaction() as conn:
        await Action.filter(id=action.id).using_db(conn).update(evidence_text=text, evidence_at=utcnow())
        # New evidence reopens the panel's verdicts on this action.
        await ActionVerdict.filter(action_id=action.id).using_db(conn).delete()
        on_time = today() <= action.due_date
        await audit.record("panels:action:evidence", actor_id=actor.user_id, target_type="inspection",
                           target_id=inspection_id, data={"action": action.id, "on_time": on_time}, conn=conn)


async def give_verdict(actor: Identity, inspection_id: int, action_id: int, *, verdict: str, note: str) -> None:
    """A panelist confirms or disputes the evidence of an action (one verdict each, replaceable)."""
    if verdict not in ("confirm", "dispute"):
        raise InvalidInput({"verdict": _("Choose confirm or dispute.")})
    inspection = await load(inspection_id)
    member = await member_of(actor, inspection_id)
    if member is None:
        raise NotAllowed(_("Only members of this panel can confirm or dispute evidence."))
    _in_state(inspection, S.FOLLOW_UP, S.REVIEW)
    action = await _action(inspection_id, action_id)
    if action.evidence_at is None:
        raise Conflict(_("The agency has not submitted evidence for this action yet."))
    async with in_transaction() as conn:
        updated = await ActionVerdict.filter(action_id=action.id, member_id=member.id).using_db(conn).update(
            verdict=verdict, note=note)
        if not updated:
            try:
                await ActionVerdict.create(action_id=action.id, member_id=member.id, verdict=verdict, note=note,
                                           using_db=conn)
            except IntegrityError:
                raise Conflict(_("Your verdict was saved twice at the same time. Reload the page.")) from None
        await audit.record("panels:action:verdict", actor_id=actor.user_id, target_type="action",
                           target_id=action.id, data={"verdict": verdict}, conn=conn)
