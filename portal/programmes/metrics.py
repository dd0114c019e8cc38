"""Live figures of the portal that a programme's indicator can be bound to.

Each metric reads other domains' tables read-only and returns a Decimal (two places), or None
when there is nothing to measure yet (no cycle, an agency with no published IKM). A metric
with a parameter names what the parameter is so the form can offer the right choices.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from portal.i18n import lazy
from portal.panels import scoreboard as panel_scoreboard
from portal.panels.models import Inspection, SurveyResponse
from portal.proposals.models import Proposal, Support
from portal.voting import queries as voting_queries
from portal.voting.domain import Phase
from portal.voting.models import PbCycle

CENT = Decimal("0.01")
WINDOW = timedelta(days=30)

Measure = Callable[[str, datetime], Awaitable[Decimal | None]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # msgid
    unit: str  # msgid
    param: str  # "" | "agency" | "cycle"
    measure: Measure


def _d(value: float | int | Decimal) -> Decimal:
    return Decimal(value).quantize(CENT)


async def proposals_30d(param: str, now: datetime) -> Decimal | None:
    return _d(await Proposal.filter(hidden=False, submitted_at__gte=now - WINDOW,
                                    submitted_at__lte=now).count())


async def supports_30d(param: str, now: datetime) -> Decimal | None:
    return _d(await Support.filter(created_at__gte=now - WINDOW, created_at__lte=now).count())


async def answered_on_time(param: str, now: datetime) -> Decimal | None:
    answered = await Proposal.filter(answered_on_time__isnull=False).count()
    if not answered:
        return None
    on_time = await Proposal.filter(answered_on_time=True).count()
    return _d(Decimal(on_time * 100) / answered)


async def pb_turnout(param: str, now: datetime) -> Decimal | None:
    """Turnout (% of verified residents) of cycle `param`, or of the latest cycle that voted."""
    if param:
        cycle_id = int(param) if param.isdigit() and len(param) < 10 else None
    else:
        latest = await PbCycle.filter(phase__in=(Phase.VOTING, Phase.TALLYING, Phase.PUBLISHED)).order_by(
            "-id").first()
        cycle_id = latest.id if latest else None
    if cycle_id is None or not await PbCycle.exists(id=cycle_id):
        return None
    # One definition of turnout: the voting domain's own.
    overall, _ = await voting_queries.turnout(cycle_id)
    if not overall.residents:
        return None
    return _d(Decimal(overall.voters * 100) / overall.residents)


async def agency_ikm(param: str, now: datetime) -> Decimal | None:
    """Mean of the agency's published panel IKM values (25-100), small panels suppressed."""
    for score in await panel_scoreboard.scoreboard():
        if score.abbreviation == param and score.trend:
            values = [ikm for _, ikm, _ in score.trend]
            return _d(sum(values, Decimal(0)) / len(values))
    return None


async def inspections_closed(param: str, now: datetime) -> Decimal | None:
    return _d(await Inspection.filter(state="closed").count())


async def survey_responses_30d(param: str, now: datetime) -> Decimal | None:
    return _d(await SurveyResponse.filter(created_at__gte=now - WINDOW, created_at__lte=now).count())


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("proposals_30d", lazy("Proposals submitted in the last 30 days"), lazy("proposals"), "", proposals_30d),
    Metric("supports_30d", lazy("Supports given to proposals in the last 30 days"), lazy("supports"), "",
           supports_30d),
    Metric("answered_on_time", lazy("Proposals answered within 5 working days"), "%", "", answered_on_time),
    Metric("pb_turnout", lazy("Turnout of a participatory budgeting cycle"), "%", "cycle", pb_turnout),
    Metric("agency_ikm", lazy("Average IKM of an agency from inspection panels"), lazy("IKM (25-100)"), "agency",
           agency_ikm),
    Metric("inspections_closed", lazy("Inspections completed"), lazy("inspections"), "", inspections_closed),
    Metric("survey_responses_30d", lazy("Satisfaction survey answers in the last 30 days"), lazy("answers"), "",
           survey_responses_30d),
)}


async def measure(key: str, param: str, now: datetime) -> Decimal | None:
    metric = METRICS.get(key)
    return None if metric is None else await metric.measure(param, now)
