"""Read models for the programme pages: the principle matrix, a programme with its template,
assessment and indicators (readings plus the current live value), and form options."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from portal.core.models import Agency
from portal.core.timeutil import to_jakarta, utcnow
from portal.errors import NotFound
from portal.programmes import domain, metrics
from portal.programmes.domain import Answer, Principle
from portal.programmes.models import Indicator, IndicatorReading, PrincipleAssessment, Programme
from portal.voting.models import PbCycle


@dataclass(frozen=True)
class ProgrammeRow:
    id: int
    name: str
    type: str
    lead: str
    summary: str
    met: int


async def matrix() -> domain.Matrix:
    programmes = await Programme.all().order_by("position", "id").values_list("id", "name", "type")
    answers = {(pid, principle): answer for pid, principle, answer in
               await PrincipleAssessment.all().values_list("programme_id", "principle", "answer")}
    return domain.matrix(tuple(domain.Column(pid, name, kind) for pid, name, kind in programmes), answers)


async def programme_rows() -> list[ProgrammeRow]:
    met: dict[int, int] = {}
    for pid in await PrincipleAssessment.filter(answer=Answer.YES).values_list("programme_id", flat=True):
        met[pid] = met.get(pid, 0) + 1
    return [ProgrammeRow(p.id, p.name, p.type, p.lead, p.summary, met.get(p.id, 0))
            for p in await Programme.all().order_by("position", "id")]


@dataclass(frozen=True)
class AssessmentView:
    principle: Principle
    answer: Answer
    evidence: str


@dataclass(frozen=True)
class IndicatorView:
    id: int
    name: str
    unit: str
    target: Decimal | None
    metric: str
    metric_param: str
    current: Decimal | None  # live value now, for bound indicators
    readings: tuple[tuple[date, Decimal, str], ...]  # (day, value, source), oldest first
    chart: domain.Chart


@dataclass(frozen=True)
class ProgrammeView:
    id: int
    name: str
    type: str
    lead: str
    summary: str
    position: int
    goal: str
    change_management: str
    outcomes: tuple[domain.Outcome, ...]
    costs: int | None
    costs_note: str
    savings: int | None
    savings_note: str
    updated_at: datetime
    assessment: tuple[AssessmentView, ...]
    indicators: tuple[IndicatorView, ...]

    @property
    def met(self) -> int:
        return sum(1 for a in self.assessment if a.answer == Answer.YES)


def outcomes_of(raw: str) -> tuple[domain.Outcome, ...]:
    return tuple(domain.Outcome(str(p), str(o)) for p, o in json.loads(raw or "[]"))


async def _indicator(i: Indicator, now: datetime) -> IndicatorView:
    rows = await IndicatorReading.filter(indicator_id=i.id).order_by("day").values_list("day", "value", "source")
    readings = tuple((d, Decimal(v), s) for d, v, s in rows)
    current = await metrics.measure(i.metric, i.metric_param, now) if i.metric else None
    plotted = {d: v for d, v, _ in readings}
    if current is not None:
        plotted[to_jakarta(now).date()] = current  # today's live value joins the line
    target = Decimal(i.target) if i.target is not None else None
    return IndicatorView(i.id, i.name, i.unit, target, i.metric, i.metric_param, current, readings,
                         domain.chart(sorted(plotted.items()), target))


async def programme(programme_id: int, now: datetime | None = None) -> ProgrammeView:
    p = await Programme.get_or_none(id=programme_id)
    if p is None:
        raise NotFound()
    stored = {a.principle: a for a in await PrincipleAssessment.filter(programme_id=p.id)}
    assessment = tuple(
        AssessmentView(pr, Answer(stored[pr.value].answer) if pr.value in stored else Answer.UNKNOWN,
                       stored[pr.value].evidence if pr.value in stored else "")
        for pr in domain.PRINCIPLES)
    now = now or utcnow()
    indicators = tuple([await _indicator(i, now) for i in await Indicator.filter(programme_id=p.id).order_by("id")])
    return ProgrammeView(p.id, p.name, p.type, p.lead, p.summary, p.position, p.goal, p.change_management,
                         outcomes_of(p.outcomes), p.costs, p.costs_note, p.savings, p.savings_note, p.updated_at,
                         assessment, indicators)


@dataclass(frozen=True)
class Options:
    agencies: list[tuple[str, str]]
    cycles: list[tuple[str, str]]


async def options() -> Options:
    agencies = [(a, n) for a, n in await Agency.all().order_by("abbreviation").values_list("abbreviation", "name")]
    cycles = [(str(i), t) for i, t in await PbCycle.all().order_by("-id").values_list("id", "title")]
    return Options(agencies, cycles)


async def bound_indicators() -> list[tuple[int, str, str]]:
    """(id, metric, param) of every indicator bound to a live figure, for the snapshot job."""
    return [(i, m, p) for i, m, p in await Indicator.exclude(metric="").order_by("id").values_list(
        "id", "metric", "metric_param")]
