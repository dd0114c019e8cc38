"""Decision register use cases: draft, edit, publish. Council members (and admins) only.

Every change runs in one transaction with its audit row. A published decision is never changed:
an attempt is refused with 409 and the refusal itself is audited ("council:decision:edit_refused"),
and the database triggers of portal.council.guards refuse it as well. Publishing is idempotent
in effect: the implementation projects it creates are keyed by their source (see adoption.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity, Role
from portal.core import audit
from portal.core.timeutil import utcnow
from portal.council import adoption, domain
from portal.council.domain import DecisionDraft, DecisionKind, DecisionStatus, LinkType
from portal.council.models import Decision, DecisionLink
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.panels.models import Action, Inspection
from portal.proposals.models import Proposal
from portal.voting.models import PbCycle


def require_council(actor: Identity) -> int:
    if actor.user_id is None or not actor.has(Role.COUNCIL):
        raise NotAllowed(_("Only council members can do this."))
    return actor.user_id


def error_messages() -> dict[str, str]:
    """Translated text of domain.check_draft's codes."""
    return {
        "number_format": _("Write the number as sequence/year, e.g. 12/2026."),
        "number_year": _("The year in the number must be the year of the decision's date."),
        "votes_negative": _("Vote counts cannot be negative."),
        "votes_majority": _("A decision needs more votes for than against."),
        "too_many_dissenters": _("More names than councillors who voted against or abstained."),
        "amount_negative": _("The amount cannot be negative."),
        "link_not_allowed": _("This kind of decision cannot refer to these items."),
        "link_required": _("This kind of decision must name the item it concerns."),
        "one_cycle": _("Name exactly one budget cycle."),
    }


def _check(draft: DecisionDraft) -> None:
    errors = domain.check_draft(draft)
    if errors:
        messages = error_messages()
        raise InvalidInput({k: messages[v] for k, v in errors.items()})


async def _check_links(draft: DecisionDraft, conn: BaseDBAsyncClient) -> None:
    """Every linked item exists (and is public); actions belong to a linked inspection."""
    by_type: dict[LinkType, list[int]] = {}
    for kind, target in draft.links:
        by_type.setdefault(kind, []).append(target)
    errors: dict[str, str] = {}
    ids = by_type.get(LinkType.PROPOSAL, [])
    if ids and await Proposal.filter(id__in=ids, hidden=False).exclude(status="draft").using_db(
            conn).count() != len(set(ids)):
        errors["link_proposal"] = _("No public proposal has this number.")
    ids = by_type.get(LinkType.PB_CYCLE, [])
    if ids and await PbCycle.filter(id__in=ids).using_db(conn).count() != len(set(ids)):
        errors["link_pb_cycle"] = _("Choose one of the options.")
    inspections = by_type.get(LinkType.INSPECTION, [])
    if inspections and await Inspection.filter(id__in=inspections).using_db(conn).count() != len(set(inspections)):
        errors["link_inspection"] = _("Choose one of the options.")
    ids = by_type.get(LinkType.ACTION, [])
    if ids and await Action.filter(id__in=ids, inspection_id__in=inspections).using_db(conn).count() != len(set(ids)):
        errors["link_action"] = _("These actions are not part of the chosen inspection's action plan.")
    if draft.amends_id is not None:
        target = await Decision.get_or_none(id=draft.amends_id).using_db(conn)
        if target is None or not domain.can_amend(DecisionStatus(target.status)):
            errors["amends"] = _("Only a published decision can be amended.")
    if errors:
        raise InvalidInput(errors)


def _fields(draft: DecisionDraft) -> dict[str, Any]:
    v = draft.votes
    return {
        "number": draft.number.strip(), "decided_on": draft.decided_on, "title": draft.title, "text": draft.text,
        "kind": draft.kind.value, "votes_for": v.for_, "votes_against": v.against, "votes_abstain": v.abstain,
        "dissenters": "\n".join(v.dissenters), "rationale": draft.rationale, "budget_line": draft.budget_line,
        "amount": draft.amount, "agency_id": draft.agency_id,
        "implement": domain.implements(draft.kind, draft.implement), "amends_id": draft.amends_id,
    }


def _number_taken() -> InvalidInput:
    return InvalidInput({"number": _("Another decision already has this number.")})


async def _save_links(decision_id: int, draft: DecisionDraft, conn: BaseDBAsyncClient) -> None:
    await DecisionLink.filter(decision_id=decision_id).using_db(conn).delete()
    await DecisionLink.bulk_create([DecisionLink(decision_id=decision_id, target_type=t.value, target_id=i)
                                    for t, i in dict.fromkeys(draft.links)], using_db=conn)


def _audit_data(draft: DecisionDraft) -> dict[str, Any]:
    return {"number": draft.number, "kind": draft.kind.value, "title": draft.title,
            "links": [[t.value, i] for t, i in draft.links], "amends": draft.amends_id}


async def create_draft(actor: Identity, draft: DecisionDraft, *, now: datetime | None = None) -> int:
    """A council member records a decision as a draft (not public yet)."""
    user_id = require_council(actor)
    _check(draft)
    now = now or utcnow()
    try:
        async with in_transaction() as conn:
            await _check_links(draft, conn)
            if await Decision.filter(number=draft.number.strip()).using_db(conn).exists():
                raise _number_taken()
            decision = await Decision.create(**_fields(draft), status=DecisionStatus.DRAFT.value,
                                             created_by_id=user_id, created_at=now, updated_at=now, using_db=conn)
            await _save_links(decision.id, draft, conn)
            await audit.record("council:decision:created", actor_id=user_id, target_type="decision",
                               target_id=decision.id, data=_audit_data(draft), conn=conn)
    except IntegrityError:
        raise _number_taken() from None
    return decision.id


async def refuse_change(actor: Identity, decision: Decision, what: str) -> Conflict:
    """Audit an attempt to change a published decision, then return the error to raise."""
    await audit.record("council:decision:edit_refused", actor_id=actor.user_id, target_type="decision",
                       target_id=decision.id, data={"number": decision.number, "attempt": what})
    return Conflict(_("A published decision cannot be changed. Publish a new decision that amends it."))


async def check_editable(actor: Identity, decision_id: int) -> None:
    """Raise (and audit) unless the decision is a draft the actor may edit."""
    require_council(actor)
    decision = await Decision.get_or_none(id=decision_id)
    if decision is None:
        raise NotFound()
    if not domain.can_edit(DecisionStatus(decision.status)):
        raise await refuse_change(actor, decision, "edit")


async def update_draft(actor: Identity, decision_id: int, draft: DecisionDraft, *,
                       now: datetime | None = None) -> None:
    """Drafts change freely; published decisions never (refusal audited)."""
    user_id = require_council(actor)
    decision = await Decision.get_or_none(id=decision_id)
    if decision is None:
        raise NotFound()
    if not domain.can_edit(DecisionStatus(decision.status)):
        raise await refuse_change(actor, decision, "edit")
    _check(draft)
    if draft.amends_id == decision_id:
        raise InvalidInput({"amends": _("Only a published decision can be amended.")})
    now = now or utcnow()
    try:
        async with in_transaction() as conn:
            await _check_links(draft, conn)
            if await Decision.filter(number=draft.number.strip()).exclude(id=decision_id).using_db(conn).exists():
                raise _number_taken()
            changed = await Decision.filter(id=decision_id, status=DecisionStatus.DRAFT.value).using_db(
                conn).update(**_fields(draft), updated_at=now)
            if changed != 1:
                raise Conflict(_("This decision was published just now: it can no longer be changed."))
            await _save_links(decision_id, draft, conn)
            await audit.record("council:decision:edited", actor_id=user_id, target_type="decision",
                               target_id=decision_id, data=_audit_data(draft), conn=conn)
    except IntegrityError:
        raise _number_taken() from None


async def publish(actor: Identity, decision_id: int, *, now: datetime | None = None) -> list[int]:
    """Make a draft public for good; create the implementation projects it commits the city to.

    Returns the ids of the projects created. Publishing twice is refused (409, audited).
    """
    user_id = require_council(actor)
    decision = await Decision.get_or_none(id=decision_id)
    if decision is None:
        raise NotFound()
    if not domain.can_publish(DecisionStatus(decision.status)):
        raise await refuse_change(actor, decision, "publish")
    now = now or utcnow()
    async with in_transaction() as conn:
        changed = await Decision.filter(id=decision_id, status=DecisionStatus.DRAFT.value).using_db(conn).update(
            status=DecisionStatus.PUBLISHED.value, published_at=now, published_by_id=user_id, updated_at=now)
        if changed != 1:
            raise Conflict(_("This decision is already published."))
        links = [(LinkType(t), i) for t, i in await DecisionLink.filter(decision_id=decision_id).using_db(
            conn).values_list("target_type", "target_id")]
        await audit.record("council:decision:published", actor_id=user_id, target_type="decision",
                           target_id=decision_id,
                           data={"number": decision.number, "kind": decision.kind, "title": decision.title,
                                 "links": [[t.value, i] for t, i in links],
                                 "amends": decision.amends_id},  # type: ignore[attr-defined]
                           conn=conn)
        created: list[int] = []
        if decision.implement or decision.kind == DecisionKind.ADOPT_PB.value:
            created = await adoption.create_projects(decision, links, actor_id=user_id, now=now, conn=conn)
    return created


async def delete_draft(actor: Identity, decision_id: int) -> None:
    """Discard a draft that was never published."""
    user_id = require_council(actor)
    decision = await Decision.get_or_none(id=decision_id)
    if decision is None:
        raise NotFound()
    if not domain.can_edit(DecisionStatus(decision.status)):
        raise await refuse_change(actor, decision, "delete")
    async with in_transaction() as conn:
        await DecisionLink.filter(decision_id=decision_id).using_db(conn).delete()
        deleted = await Decision.filter(id=decision_id, status=DecisionStatus.DRAFT.value).using_db(conn).delete()
        if deleted != 1:
            raise Conflict(_("This decision was published just now: it can no longer be changed."))
        await audit.record("council:decision:deleted", actor_id=user_id, target_type="decision",
                           target_id=decision_id, data={"number": decision.number}, conn=conn)
