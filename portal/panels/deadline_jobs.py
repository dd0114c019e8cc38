"""The panels' deadline sweep: a periodic job that reminds whoever must act two working days
before each deadline of the inspection cycle and of every action in an approved plan, and
escalates to the council (flag, public timeline entry, mail) once a deadline has passed.

Idempotent and safe with several workers: each reminder or escalation is claimed by a
conditional UPDATE (``reminded_deadline``/``escalated_at`` still empty for this deadline)
inside the transaction that writes its audit row; only the claimant sends the mails. A
transition resets both columns, so every new state deadline gets its own reminder. The
rules (when, whom) are pure, in deadlines.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from portal.accounts.models import User, UserRole
from portal.core import audit, city_calendar
from portal.core.jobs import Periodic
from portal.core.mail import Mailer
from portal.core.timeutil import utcnow
from portal.i18n import gettext as _
from portal.panels import labels
from portal.panels.deadlines import AUDIENCE, Audience, Notice, due_notice
from portal.panels.domain import InspectionState as S
from portal.panels.models import Action, Inspection, PanelMember
from portal.panels.services import today

JOB = "panels.deadlines"
PERIODIC = Periodic(JOB, timedelta(hours=1))
ACTION_STATES = (S.ACTION_PLAN_APPROVED.value, S.FOLLOW_UP.value, S.REVIEW.value)


@dataclass
class SweepReport:
    reminded: int = 0
    escalated: int = 0
    mails: int = 0


async def _emails(user_ids: Iterable[int]) -> list[str]:
    return list(await User.filter(id__in=list(set(user_ids)), disabled_at=None).order_by("id").values_list(
        "email", flat=True))


async def _audience(inspection: Inspection, who: Iterable[Audience]) -> list[str]:
    ids: set[int] = set()
    for audience in who:
        if audience is Audience.COORDINATOR:
            ids.add(inspection.created_by_id)
        elif audience is Audience.PANEL:
            ids.update(await PanelMember.filter(inspection_id=inspection.id).values_list("user_id", flat=True))
        elif audience in (Audience.AGENCY, Audience.AGENCY_HEAD):
            officers = set(await UserRole.filter(role="officer", agency_id=inspection.agency_id).values_list(  # type: ignore[attr-defined]
                "user_id", flat=True))
            if audience is Audience.AGENCY_HEAD:
                officers &= set(await UserRole.filter(role="agency_head").values_list("user_id", flat=True))
            ids.update(officers)
        elif audience is Audience.COUNCIL:
            ids.update(await UserRole.filter(role="council").values_list("user_id", flat=True))
    return await _emails(ids)


async def _send(mailer: Mailer, to: list[str], subject: str, body: str) -> int:
    for address in to:
        await mailer.send(address, subject, body)
    return len(to)


async def _inspection_notice(inspection: Inspection, notice: Notice, mailer: Mailer, base_url: str,
                             report: SweepReport) -> None:
    deadline, state = inspection.deadline, inspection.state
    assert deadline is not None
    base = Inspection.filter(id=inspection.id, state=state, deadline=deadline)
    url = f"{base_url}/inspections/{inspection.id}"
    facts = {"title": inspection.title, "state": labels.state_label(state), "date": deadline.isoformat(), "url": url}
    async with in_transaction() as conn:
        if notice is Notice.REMIND:
            claimed = await base.filter(reminded_deadline__isnull=True).using_db(conn).update(reminded_deadline=deadline)
        else:
            claimed = await base.filter(escalated_at__isnull=True).using_db(conn).update(escalated_at=utcnow())
        if not claimed:
            return
        await audit.record(f"panels:inspection:{notice.value}", actor_id=None, target_type="inspection",
                           target_id=inspection.id, data={"state": state, "deadline": deadline.isoformat()}, conn=conn)
    if notice is Notice.REMIND:
        report.reminded += 1
        to = await _audience(inspection, AUDIENCE.get(S(state), frozenset()))
        report.mails += await _send(mailer, to, _("Reminder: an inspection step is due in two working days"),
                                    _("\"%(title)s\" (%(state)s) is due on %(date)s.\n%(url)s") % facts)
    else:
        report.escalated += 1
        to = await _audience(inspection, (Audience.COUNCIL, Audience.COORDINATOR))
        report.mails += await _send(mailer, to, _("Escalation: an inspection missed its deadline"),
                                    _("\"%(title)s\" (%(state)s) was due on %(date)s and is overdue.\n%(url)s") % facts)


async def _action_notice(action: Action, inspection: Inspection, notice: Notice, mailer: Mailer, base_url: str,
                         report: SweepReport) -> None:
    base = Action.filter(id=action.id, evidence_at__isnull=True, due_date=action.due_date)
    column = "reminded_at" if notice is Notice.REMIND else "escalated_at"
    async with in_transaction() as conn:
        claimed = await base.filter(**{f"{column}__isnull": True}).using_db(conn).update(**{column: utcnow()})
        if not claimed:
            return
        if notice is Notice.ESCALATE:
            await audit.record("panels:action:escalate", actor_id=None, target_type="inspection",
                               target_id=inspection.id, data={"action": action.id}, conn=conn)
    facts = {"title": inspection.title, "action": action.description[:200], "date": action.due_date.isoformat(),
             "url": f"{base_url}/inspections/{inspection.id}#action-{action.id}"}
    if notice is Notice.REMIND:
        report.reminded += 1
        to = await _audience(inspection, (Audience.AGENCY,))
        report.mails += await _send(mailer, to, _("Reminder: an action of your plan is due in two working days"),
                                    _("Action \"%(action)s\" of \"%(title)s\" is due on %(date)s.\n%(url)s") % facts)
    else:
        report.escalated += 1
        to = await _audience(inspection, (Audience.COUNCIL, Audience.COORDINATOR))
        report.mails += await _send(mailer, to, _("Escalation: an action of an inspection is overdue"),
                                    _("Action \"%(action)s\" of \"%(title)s\" was due on %(date)s and has no evidence.\n%(url)s")
                                    % facts)


async def sweep(mailer: Mailer, base_url: str, *, day: date | None = None) -> SweepReport:
    """Remind and escalate every open deadline once; safe to run any number of times."""
    day = day or today()
    calendar = await city_calendar.calendar()
    report = SweepReport()
    open_states = [s.value for s in AUDIENCE]
    for inspection in await Inspection.filter(state__in=open_states, deadline__isnull=False).order_by("id"):
        assert inspection.deadline is not None
        notice = due_notice(inspection.deadline, day, calendar)
        if notice is not None:
            await _inspection_notice(inspection, notice, mailer, base_url, report)
    actions = await Action.filter(inspection__state__in=ACTION_STATES, evidence_at__isnull=True).select_related(
        "inspection").order_by("id")
    for action in actions:
        notice = due_notice(action.due_date, day, calendar)
        if notice is not None:
            await _action_notice(action, action.inspection, notice, mailer, base_url, report)
    return report


def job_handlers(mailer: Mailer, base_url: str) -> dict[str, Callable[[Mapping[str, Any]], Awaitable[None]]]:
    async def run(_payload: Mapping[str, Any]) -> None:
        await sweep(mailer, base_url)

    return {JOB: run}
