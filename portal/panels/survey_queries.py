"""Read models for satisfaction surveys: the public form of a service (with its running
period), survey period pages (results with the same IKM computation, the Krejcie & Morgan
target vs achieved, n < 5 suppressed for the public) and the lists officers pick from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.accounts.identity import Identity
from portal.errors import NotFound
from portal.panels.models import Service, SurveyPeriod, SurveyResponse
from portal.panels.results import Result, build_result, compute
from portal.panels.scoring import Scale, krejcie_morgan
from portal.panels.services import is_coordinator, is_officer_of, today
from portal.panels.surveys import current_period, period_key


async def survey_service(code: str) -> dict[str, Any]:
    service = await Service.get_or_none(code=code).select_related("agency")
    if service is None:
        raise NotFound()
    day = today()
    period = await current_period(service.id, day)
    scale = Scale(period.scale if period else service.scale)
    return {"code": service.code, "name": service.name, "agency": service.agency.name,
            "agency_abbr": service.agency.abbreviation, "scale": scale.value,
            "unsur": tuple((u.code, u.name) for u in scale.unsur),
            "period_key": period_key(period, day),
            "period": {"id": period.id, "title": period.title, "closes_on": period.closes_on} if period else None}


async def has_answered_survey(code: str, user_id: int | None, period: str) -> bool:
    if user_id is None:
        return False
    return await SurveyResponse.exists(service__code=code, user_id=user_id, period=period)


@dataclass(frozen=True)
class PeriodRow:
    id: int
    title: str
    service: str
    service_code: str
    opens_on: date
    closes_on: date
    status: str  # "upcoming" | "open" | "closed"
    respondents: int


def _status(period: SurveyPeriod, day: date) -> str:
    if period.closed_at is not None or day > period.closes_on:
        return "closed"
    return "open" if day >= period.opens_on else "upcoming"


async def periods(*, agency_id: int) -> list[PeriodRow]:
    day = today()
    rows = await SurveyPeriod.filter(service__agency_id=agency_id).select_related("service").order_by("-opens_on", "-id")
    out = []
    for p in rows:
        count = await SurveyResponse.filter(survey_period_id=p.id).count()
        out.append(PeriodRow(p.id, p.title, p.service.name, p.service.code, p.opens_on, p.closes_on,
                             _status(p, day), count))
    return out


@dataclass(frozen=True)
class PeriodView:
    row: PeriodRow
    agency: str
    agency_name: str
    scale: str
    result: Result | None
    online: int
    imported: int
    target: int | None
    can_manage: bool


async def period_detail(period_id: int, who: Identity) -> PeriodView:
    period = await SurveyPeriod.get_or_none(id=period_id).select_related("service__agency")
    if period is None:
        raise NotFound()
    service = period.service
    can_manage = is_coordinator(who) or is_officer_of(who, service.agency_id)  # type: ignore[attr-defined]
    answers = await SurveyResponse.filter(survey_period_id=period.id).values_list("answers", "source")
    rows = [json.loads(a) for a, _source in answers]
    computed = compute(rows, Scale(period.scale))
    row = PeriodRow(period.id, period.title, service.name, service.code, period.opens_on, period.closes_on,
                    _status(period, today()), len(rows))
    return PeriodView(
        row, service.agency.abbreviation, service.agency.name, period.scale,
        build_result("survey", computed, public=not can_manage) if computed else None,
        sum(1 for _a, s in answers if s == "online"), sum(1 for _a, s in answers if s == "csv"),
        krejcie_morgan(period.population) if period.population else None, can_manage,
    )


async def service_options(who: Identity) -> list[tuple[str, str]]:
    """(code, "Agency · service") of the services `who` may open a survey period for."""
    query = Service.all().select_related("agency").order_by("agency__name", "name")
    if not is_coordinator(who):
        query = query.filter(agency_id=who.agency_id if who.agency_id is not None else -1)
    return [(s.code, f"{s.agency.abbreviation} · {s.name}") for s in await query]
