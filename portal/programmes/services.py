"""Programme register use cases: register, edit and remove a programme, assess it against the
NEF principles, manage its indicators and readings, and take the daily indicator snapshot.

Council members and moderators keep the register (admins hold every staff power); anyone may
read it. Every change runs in one transaction with its audit row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity, Role
from portal.core import audit
from portal.core.timeutil import to_jakarta, utcnow
from portal.errors import InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.programmes import domain, metrics, queries
from portal.programmes.models import Indicator, IndicatorReading, PrincipleAssessment, Programme

SNAPSHOT_JOB = "programmes.snapshot"


@dataclass(frozen=True)
class ProgrammeInput:
    name: str
    type: domain.ProgrammeType
    lead: str
    summary: str
    position: int | None
    goal: str
    change_management: str
    outcomes: tuple[domain.Outcome, ...]
    costs: int | None
    costs_note: str
    savings: int | None
    savings_note: str


@dataclass(frozen=True)
class IndicatorInput:
    name: str
    unit: str
    target: Decimal | None
    metric: str
    metric_param: str


def can_edit(who: Identity) -> bool:
    return who.has(Role.COUNCIL, Role.MODERATOR)


def _require(who: Identity) -> int:
    if not can_edit(who) or who.user_id is None:
        raise NotAllowed(_("Only council members and moderators keep the programme register."))
    return who.user_id


def _fields(data: ProgrammeInput) -> dict[str, Any]:
    values = asdict(data)
    values["type"] = data.type.value
    values["outcomes"] = json.dumps([[o.party, o.outcome] for o in data.outcomes], ensure_ascii=False)
    if data.position is None:
        values.pop("position")
    return values


def _duplicate_name() -> InvalidInput:
    return InvalidInput({"name": _("A programme with this name is already registered.")})


async def create_programme(who: Identity, data: ProgrammeInput) -> int:
    """Register a programme; without a position it goes to the end of the matrix."""
    actor = _require(who)
    now = utcnow()
    fields = _fields(data)
    try:
        async with in_transaction() as conn:
            if "position" not in fields:
                last = await Programme.all().using_db(conn).order_by("-position").values_list("position", flat=True)
                fields["position"] = (last[0] + 1) if last else 1
            p = await Programme.create(**fields, created_by_id=actor, created_at=now, updated_at=now, using_db=conn)
            await audit.record("programmes:programme:create", actor_id=actor, target_type="programme",
                               target_id=p.id, data={"name": p.name, "type": p.type}, conn=conn)
    except IntegrityError:
        raise _duplicate_name() from None
    return p.id


async def update_programme(who: Identity, programme_id: int, data: ProgrammeInput) -> None:
    actor = _require(who)
    fields = _fields(data)
    try:
        async with in_transaction() as conn:
            p = await Programme.get_or_none(id=programme_id).using_db(conn)
            if p is None:
                raise NotFound()
            changed = sorted(k for k, v in fields.items() if getattr(p, k) != v)
            p.update_from_dict({**fields, "updated_at": utcnow()})
            await p.save(using_db=conn)
            await audit.record("programmes:programme:update", actor_id=actor, target_type="programme",
                               target_id=p.id, data={"changed": changed}, conn=conn)
    except IntegrityError:
        raise _duplicate_name() from None


async def delete_programme(who: Identity, programme_id: int) -> None:
    """Remove a programme with its assessment, indicators and readings (the audit keeps its name)."""
    actor = _require(who)
    async with in_transaction() as conn:
        p = await Programme.get_or_none(id=programme_id).using_db(conn)
        if p is None:
            raise NotFound()
        await audit.record("programmes:programme:delete", actor_id=actor, target_type="programme",
                           target_id=p.id, data={"name": p.name}, conn=conn)
        await p.delete(using_db=conn)


async def save_assessment(who: Identity, programme_id: int, answers: Mapping[str, tuple[str, str]]) -> None:
    """Store yes/no/not assessed plus evidence for each of the six principles at once."""
    actor = _require(who)
    errors = {f"evidence_{p}": _(msg) for p, (a, e) in answers.items() if (msg := domain.check_assessment(a, e))}
    unknown = set(answers) - {p.value for p in domain.PRINCIPLES}
    if unknown or errors:
        raise InvalidInput(errors or {"principle": _("Unknown principle.")})
    async with in_transaction() as conn:
        if not await Programme.filter(id=programme_id).using_db(conn).exists():
            raise NotFound()
        for principle, (answer, evidence) in answers.items():
            row = await PrincipleAssessment.get_or_none(programme_id=programme_id, principle=principle).using_db(conn)
            if row is None:
                await PrincipleAssessment.create(programme_id=programme_id, principle=principle, answer=answer,
                                                 evidence=evidence.strip(), using_db=conn)
            else:
                row.answer, row.evidence = answer, evidence.strip()
                await row.save(using_db=conn, update_fields=["answer", "evidence"])
        await Programme.filter(id=programme_id).using_db(conn).update(updated_at=utcnow())
        await audit.record("programmes:assessment:save", actor_id=actor, target_type="programme",
                           target_id=programme_id, data={p: a for p, (a, _e) in sorted(answers.items())}, conn=conn)


async def add_indicator(who: Identity, programme_id: int, data: IndicatorInput) -> int:
    actor = _require(who)
    if data.metric and data.metric not in metrics.METRICS:
        raise InvalidInput({"metric": _("Choose one of the options.")})
    async with in_transaction() as conn:
        if not await Programme.filter(id=programme_id).using_db(conn).exists():
            raise NotFound()
        i = await Indicator.create(programme_id=programme_id, **asdict(data), created_at=utcnow(), using_db=conn)
        await audit.record("programmes:indicator:create", actor_id=actor, target_type="programme",
                           target_id=programme_id, data={"indicator": i.id, "name": i.name, "metric": i.metric,
                                                         "param": i.metric_param}, conn=conn)
    return i.id


async def _indicator(programme_id: int, indicator_id: int, conn: Any) -> Indicator:
    found = await Indicator.get_or_none(id=indicator_id, programme_id=programme_id).using_db(conn)
    if found is None:
        raise NotFound()
    return found


async def remove_indicator(who: Identity, programme_id: int, indicator_id: int) -> None:
    actor = _require(who)
    async with in_transaction() as conn:
        i = await _indicator(programme_id, indicator_id, conn)
        await audit.record("programmes:indicator:delete", actor_id=actor, target_type="programme",
                           target_id=programme_id, data={"indicator": i.id, "name": i.name}, conn=conn)
        await i.delete(using_db=conn)


async def record_reading(who: Identity, programme_id: int, indicator_id: int, day: date, value: Decimal) -> None:
    """A manual reading for an indicator that is not bound to a live figure (one per day)."""
    actor = _require(who)
    if day > to_jakarta(utcnow()).date():
        raise InvalidInput({"day": _("The date cannot be in the future.")})
    async with in_transaction() as conn:
        i = await _indicator(programme_id, indicator_id, conn)
        if i.metric:
            raise InvalidInput({"value": _("This indicator is measured by the portal; it takes no manual readings.")})
        await _upsert(i.id, day, value, "manual", conn)
        await audit.record("programmes:reading:record", actor_id=actor, target_type="programme",
                           target_id=programme_id, data={"indicator": i.id, "day": day.isoformat(),
                                                         "value": str(value)}, conn=conn)


async def _upsert(indicator_id: int, day: date, value: Decimal, source: str, conn: Any) -> None:
    row = await IndicatorReading.get_or_none(indicator_id=indicator_id, day=day).using_db(conn)
    if row is None:
        await IndicatorReading.create(indicator_id=indicator_id, day=day, value=value, source=source,
                                      created_at=utcnow(), using_db=conn)
    else:
        row.value, row.source = value, source
        await row.save(using_db=conn, update_fields=["value", "source"])


async def take_snapshot(now: datetime | None = None) -> int:
    """Store today's value (Asia/Jakarta) of every bound indicator; idempotent per day.

    Metrics with nothing to measure are skipped rather than stored as zero, so a chart never
    shows a fall that did not happen.
    """
    now = now or utcnow()
    day = to_jakarta(now).date()
    values = [(i, v) for i, metric, param in await queries.bound_indicators()
              if (v := await metrics.measure(metric, param, now)) is not None]
    async with in_transaction() as conn:
        for indicator_id, value in values:
            await _upsert(indicator_id, day, value, "snapshot", conn)
        await audit.record("programmes:snapshot:take", actor_id=None, target_type="programme_indicator",
                           data={"day": day.isoformat(), "count": len(values)}, conn=conn)
    return len(values)


def job_handlers() -> dict[str, Any]:
    async def snapshot(payload: Mapping[str, Any]) -> None:
        slot = payload.get("slot")
        await take_snapshot(datetime.fromisoformat(slot) if isinstance(slot, str) else None)

    return {SNAPSHOT_JOB: snapshot}
