"""PURE: when the deadline sweep reminds and escalates, and whom it tells (DOMAIN.md §3.3).

Every inspection state with a deadline (domain.DEADLINE_WORKING_DAYS, counted in working days)
and every action of an approved plan (its due date) gets:

- a **reminder** from two working days before the deadline up to the deadline day itself
  (``working_days_between(today, deadline) <= 2``), once per deadline;
- an **escalation** to the council once the deadline day has passed without the step being
  done (the state still unchanged, or the action still without evidence), once per deadline.

A sweep that first runs after the deadline escalates without a late reminder. Whom to remind
depends on who must act in the state; escalations always go to the council and the
coordinator. No I/O, no clock: pass ``today`` and the calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from portal.core.workdays import WorkCalendar, working_days_between
from portal.panels.domain import InspectionState as S

__all__ = ["AUDIENCE", "Audience", "Notice", "REMIND_WORKING_DAYS", "due_notice"]

REMIND_WORKING_DAYS = 2


class Notice(StrEnum):
    REMIND = "remind"
    ESCALATE = "escalate"


class Audience(StrEnum):
    COORDINATOR = "coordinator"  # who opened the inspection
    PANEL = "panel"  # its panelists
    AGENCY = "agency"  # officers of the inspected agency
    AGENCY_HEAD = "agency_head"  # the agency's head (approves the action plan)
    COUNCIL = "council"  # escalations


A = Audience
#: Who must act before the deadline of each state, i.e. who gets the reminder.
AUDIENCE: Mapping[S, frozenset[Audience]] = {
    S.RECRUITING: frozenset({A.COORDINATOR}),
    S.FIELDWORK: frozenset({A.PANEL, A.COORDINATOR}),
    S.CONSOLIDATION: frozenset({A.AGENCY, A.COORDINATOR}),  # the agency's self-assessment
    S.REPORT_DRAFT: frozenset({A.PANEL, A.COORDINATOR}),
    S.RIGHT_OF_REPLY: frozenset({A.AGENCY}),  # reply on facts and the action plan
    S.ACTION_PLAN_SUBMITTED: frozenset({A.AGENCY_HEAD}),
    S.ACTION_PLAN_APPROVED: frozenset({A.COORDINATOR}),
    S.REVIEW: frozenset({A.PANEL, A.COORDINATOR}),
}


def due_notice(deadline: date, today: date, calendar: WorkCalendar) -> Notice | None:
    """What the sweep owes for a deadline that is still open on ``today``."""
    if today > deadline:
        return Notice.ESCALATE
    if working_days_between(today, deadline, calendar) <= REMIND_WORKING_DAYS:
        return Notice.REMIND
    return None
