"""Public agency pages: the scoreboard (IKM trend, timeliness of replies, actions done on
time) and each agency's page, which is also its officers' dashboard of open work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.accounts.identity import Identity
from portal.core.models import Agency
from portal.errors import NotFound
from portal.panels.domain import InspectionState as S
from portal.panels.models import Action, Inspection, Service
from portal.panels.queries import ActionView, InspectionRow, action_views, inspections
from portal.panels.results import reached, panel_ikm
from portal.panels.scoring import suppress
from portal.panels.services import today


@dataclass(frozen=True)
class AgencyScore:
    abbreviation: str
    name: str
    trend: tuple[tuple[str, Decimal, str], ...]  # (period end, IKM, grade) oldest first
    replies_on_time: tuple[int, int]  # (on time, replied or due)
    actions_on_time: tuple[int, int]  # (done on time, due or done)
    open_inspections: int


async def _agency_score(agency: Agency, day: date) -> AgencyScore:
    items = await Inspection.filter(agency_id=agency.id).exclude(state__in=("draft", "cancelled")).order_by("period_end", "id")
    trend = []
    replies = [0, 0]
    for i in items:
        if reached(i.state, S.RIGHT_OF_REPLY):
            r = await panel_ikm(i)
            if r is not None and suppress(r.respondents) is not None:
                trend.append((i.period_end.isoformat(), r.ikm_display, r.grade.mutu))
        if i.reply_deadline is not None and (i.replied_at is not None or day > i.reply_deadline):
            replies[1] += 1
            if i.replied_at is not None and i.replied_at.date() <= i.reply_deadline:
                replies[0] += 1
    actions = await Action.filter(inspection__agency_id=agency.id)
    due_or_done = [a for a in actions if a.evidence_at is not None or day > a.due_date]
    on_time = sum(1 for a in due_or_done if a.evidence_at is not None and a.evidence_at.date() <= a.due_date)
    open_count = sum(1 for i in items if i.state not in ("closed",))
    return AgencyScore(agency.abbreviation, agency.name, tuple(trend), (replies[0], replies[1]),
                       (on_time, len(due_or_done)), open_count)


async def scoreboard() -> list[AgencyScore]:
    """Agencies with at least one public inspection, best latest IKM first."""
    ids = set(await Inspection.exclude(state__in=("draft", "cancelled")).values_list("agency_id", flat=True))
    day = today()
    scores = [await _agency_score(a, day) for a in await Agency.filter(id__in=list(ids)).order_by("name")]
    return sorted(scores, key=lambda s: (-(s.trend[-1][1] if s.trend else Decimal(0)), s.name))


@dataclass(frozen=True)
class OpenAction:
    inspection_id: int
    inspection: str
    action: ActionView


@dataclass(frozen=True)
class AgencyPage:
    agency_id: int
    score: AgencyScore
    inspections: list[InspectionRow]
    services: list[tuple[str, str]]
    open_actions: list[OpenAction]
    is_officer: bool
    to_do: list[InspectionRow]


async def agency_page(abbreviation: str, who: Identity) -> AgencyPage:
    agency = await Agency.get_or_none(abbreviation=abbreviation)
    if agency is None:
        raise NotFound()
    day = today()
    is_officer = who.agency_id == agency.id and who.has("officer")
    rows = await inspections(agency_id=agency.id, include_drafts=is_officer)
    open_actions: list[OpenAction] = []
    if is_officer:
        for row in rows:
            if row.state in ("action_plan_approved", "follow_up", "review"):
                for a in await action_views(row.id, None, day):
                    if a.evidence_at is None or a.disputed:
                        open_actions.append(OpenAction(row.id, row.title, a))
    to_do = [r for r in rows if is_officer and r.state in ("fieldwork", "consolidation", "right_of_reply",
                                                             "action_plan_submitted")]
    services = list(await Service.filter(agency_id=agency.id).order_by("name").values_list("code", "name"))
    return AgencyPage(agency.id, await _agency_score(agency, day), rows, services, open_actions, is_officer, to_do)

