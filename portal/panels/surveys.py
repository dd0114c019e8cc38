"""Satisfaction survey use cases (SKM, same unsur as the scorecards): survey periods opened for
a service independently of any inspection, the public answer form behind /survey/{code} (and
its QR code), and the CSV import of paper surveys into an inspection or a period.

Periods: an officer of the service's agency, or a coordinator, opens a period with dates; while
it runs, online answers go to it (one per verified resident per period, enforced by the unique
(service, period key, user) constraint). Outside any explicit period answers fall into the
calendar half-year ("2026-S2"), so the public link never dead-ends.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity
from portal.core import audit
from portal.core.timeutil import utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.i18n import lazy
from portal.panels import domain
from portal.panels.csv_import import parse_skm_csv
from portal.panels.models import Inspection, Service, SurveyPeriod, SurveyResponse
from portal.panels.scorecards import answers_or_errors
from portal.panels.scoring import Scale
from portal.panels.services import is_coordinator, is_officer_of, load, require_officer, today

CSV_PROBLEMS = (
    lazy("the file is empty"), lazy("the header line cannot be read"), lazy("a column name appears twice"),
    lazy("the file has no respondent rows"), lazy("nobody answered this column"),
)


def period_key(period: SurveyPeriod | None, day: date) -> str:
    """The stored period of an answer: "P<id>" for an explicit period, else the half-year."""
    return f"P{period.id}" if period is not None else domain.survey_period(day)


async def current_period(service_id: int, day: date) -> SurveyPeriod | None:
    """The explicit period of this service running on `day` (the latest opened, if several)."""
    return await SurveyPeriod.filter(service_id=service_id, opens_on__lte=day, closes_on__gte=day,
                                     closed_at=None).order_by("-id").first()


def _may_manage(actor: Identity, service: Service) -> bool:
    return is_coordinator(actor) or is_officer_of(actor, service.agency_id)  # type: ignore[attr-defined]


# --- periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPeriod:
    service_code: str
    title: str
    opens_on: date
    closes_on: date
    population: int | None = None


async def open_period(actor: Identity, cmd: NewPeriod) -> int:
    """Open a survey period for a service (officer of its agency or coordinator)."""
    service = await Service.get_or_none(code=cmd.service_code)
    if service is None:
        raise InvalidInput({"service": _("Choose a service from the list.")})
    if not _may_manage(actor, service):
        raise NotAllowed(_("Only officers of the service's agency or a coordinator can open a survey period."))
    if cmd.closes_on < cmd.opens_on:
        raise InvalidInput({"closes_on": _("The end cannot be before the start.")})
    if cmd.closes_on < today():
        raise InvalidInput({"closes_on": _("The end cannot lie in the past.")})
    async with in_transaction() as conn:
        overlapping = await SurveyPeriod.filter(service_id=service.id, closed_at=None, opens_on__lte=cmd.closes_on,
                                                closes_on__gte=cmd.opens_on).using_db(conn).exists()
        if overlapping:
            raise InvalidInput({"opens_on": _("Another survey period of this service overlaps these dates.")})
        period = await SurveyPeriod.create(service=service, title=cmd.title, opens_on=cmd.opens_on,
                                           closes_on=cmd.closes_on, scale=service.scale, population=cmd.population,
                                           created_by_id=actor.user_id, using_db=conn)
        await audit.record("panels:survey_period:open", actor_id=actor.user_id, target_type="survey_period",
                           target_id=period.id, data={"service": service.code}, conn=conn)
    return period.id


async def _period(period_id: int) -> tuple[SurveyPeriod, Service]:
    period = await SurveyPeriod.get_or_none(id=period_id).select_related("service")
    if period is None:
        raise NotFound()
    return period, period.service


async def close_period(actor: Identity, period_id: int) -> None:
    """End a period early (idempotent); its answers and results stay."""
    period, service = await _period(period_id)
    if not _may_manage(actor, service):
        raise NotAllowed()
    async with in_transaction() as conn:
        updated = await SurveyPeriod.filter(id=period.id, closed_at=None).using_db(conn).update(closed_at=utcnow())
        if updated:
            await audit.record("panels:survey_period:close", actor_id=actor.user_id, target_type="survey_period",
                               target_id=period.id, data={}, conn=conn)


# --- answers ----------------------------------------------------------------------------------


async def submit_survey(actor: Identity, service_code: str, raw: Mapping[str, str]) -> None:
    """One online SKM answer per verified resident per service per period."""
    service = await Service.get_or_none(code=service_code)
    if service is None:
        raise NotFound()
    if not actor.verified or actor.user_id is None:
        raise NotAllowed(_("Only verified residents can answer the survey."))
    day = today()
    period = await current_period(service.id, day)
    scale = Scale(period.scale if period else service.scale)
    answers = answers_or_errors(raw, scale, submit=True)
    if all(v is None for v in answers.values()):
        raise InvalidInput({"U1": _("Score at least one element.")})
    key = period_key(period, day)
    inspection = await Inspection.filter(service_id=service.id).exclude(
        state__in=("closed", "cancelled", "draft")).order_by("-id").first()
    try:
        async with in_transaction() as conn:
            response = await SurveyResponse.create(
                service=service, inspection=inspection, survey_period=period, period=key, scale=scale.value,
                source="online", user_id=actor.user_id, answers=json.dumps(answers), using_db=conn,
            )
            await audit.record("panels:survey:answer", actor_id=actor.user_id, target_type="survey_response",
                               target_id=response.id, data={"service": service.code, "period": key}, conn=conn)
    except IntegrityError:
        raise Conflict(_("You have already answered this survey in this period. Thank you!")) from None


def _rows_or_errors(text: str, scale: Scale) -> list[dict[str, int | None]]:
    rows, errors = parse_skm_csv(text, scale)
    if errors:
        lines = [
            (_("Line %(line)d") % {"line": e.line} if e.line else _("File"))
            + (f" ({e.column})" if e.column else "") + ": " + _(e.problem)
            for e in errors[:50]
        ]
        raise InvalidInput({"file": "; ".join(lines)})
    return rows


async def import_survey_csv(actor: Identity, inspection_id: int, text: str) -> int:
    """An officer of the inspected agency imports paper SKM answers; all rows or none."""
    inspection = await load(inspection_id)
    require_officer(actor, inspection.agency_id)  # type: ignore[attr-defined]
    if inspection.state in ("draft", "closed", "cancelled"):
        raise Conflict(_("Survey answers can be imported while the inspection is open."))
    scale = Scale(inspection.scale)
    rows = _rows_or_errors(text, scale)
    batch = secrets.token_hex(8)
    period = domain.survey_period(today())
    async with in_transaction() as conn:
        await SurveyResponse.bulk_create([
            SurveyResponse(service_id=inspection.service_id, inspection_id=inspection_id, period=period,  # type: ignore[attr-defined]
                           scale=scale.value, source="csv", batch=batch, answers=json.dumps(row))
            for row in rows
        ], using_db=conn)
        await audit.record("panels:survey:import", actor_id=actor.user_id, target_type="inspection",
                           target_id=inspection_id, data={"rows": len(rows), "batch": batch}, conn=conn)
    return len(rows)


async def import_period_csv(actor: Identity, period_id: int, text: str) -> int:
    """Paper SKM answers into a survey period (same columns and checks); all rows or none."""
    period, service = await _period(period_id)
    if not _may_manage(actor, service):
        raise NotAllowed()
    scale = Scale(period.scale)
    rows = _rows_or_errors(text, scale)
    batch = secrets.token_hex(8)
    async with in_transaction() as conn:
        await SurveyResponse.bulk_create([
            SurveyResponse(service_id=service.id, survey_period_id=period.id, period=period_key(period, today()),
                           scale=scale.value, source="csv", batch=batch, answers=json.dumps(row))
            for row in rows
        ], using_db=conn)
        await audit.record("panels:survey:import", actor_id=actor.user_id, target_type="survey_period",
                           target_id=period.id, data={"rows": len(rows), "batch": batch}, conn=conn)
    return len(rows)
