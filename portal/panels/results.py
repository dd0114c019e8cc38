"""Result read models shared by the inspection, agency and survey pages: IKM per source
(panel, re-inspection, survey, self-assessment) with the public suppression rule (n < 5), the
panel vs self-assessment gap per unsur, the weakest unsur, and the SERVQUAL gap table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from portal.panels.domain import InspectionState as S, ORDER
from portal.panels.models import Inspection, Scorecard
from portal.panels.scoring import (
    Dimension,
    IkmResult,
    Scale,
    ScoringError,
    ServqualResponse,
    compare,
    ikm,
    round_half_up,
    servqual,
    servqual_by_dimension,
    suppress,
)

PRE_FIELDWORK_END = (S.DRAFT, S.RECRUITING, S.FIELDWORK)


def reached(state: str, threshold: S) -> bool:
    if state == S.CANCELLED:
        return False
    return ORDER.index(S(state)) >= ORDER.index(threshold)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnsurLine:
    code: str
    name: str
    answered: int | None  # None = suppressed
    nrr: Decimal | None
    x25: Decimal | None
    grade: str
    self_nrr: Decimal | None = None
    gap: Decimal | None = None
    weakest: bool = False


@dataclass(frozen=True)
class Result:
    source: str  # "panel" | "review" | "survey" | "self"
    respondents: int
    ikm: Decimal | None  # None = suppressed
    grade: str
    label: str
    lines: tuple[UnsurLine, ...]
    ikm_gap: Decimal | None = None


def compute(rows: list[dict[str, int | None]], scale: Scale) -> IkmResult | None:
    try:
        return ikm(rows, scale) if rows else None
    except ScoringError:
        return None  # e.g. an unsur nobody observed: shown as "not enough answers"


def build_result(source: str, r: IkmResult, public: bool, self_r: IkmResult | None = None) -> Result:
    hide_all = public and suppress(r.respondents) is None
    gaps = {g.unsur.code: g for g in compare(r, self_r).per_unsur} if self_r is not None else {}
    # All tied (e.g. a self-assessment of all 4s): no unsur stands out, so none is flagged.
    weakest = {s.unsur.code for s in r.weakest} if len(r.weakest) < len(r.per_unsur) else set()
    lines = []
    for s in r.per_unsur:
        hidden = hide_all or (public and suppress(s.answered) is None)
        g = gaps.get(s.unsur.code)
        lines.append(UnsurLine(
            s.unsur.code, s.unsur.name, None if hidden else s.answered,
            None if hidden else round_half_up(s.nrr, 2), None if hidden else round_half_up(s.nrr_x25, 2),
            "" if hidden else s.grade.mutu,
            self_nrr=round_half_up(g.self_nrr, 2) if g else None,
            gap=None if (g is None or hidden) else round_half_up(g.gap, 2),
            weakest=not hidden and s.unsur.code in weakest,
        ))
    ikm_gap = round_half_up(r.ikm_exact - self_r.ikm_exact, 2) if self_r is not None and not hide_all else None
    return Result(source, r.respondents, None if hide_all else r.ikm_display,
                  "" if hide_all else r.grade.mutu, "" if hide_all else r.grade.kinerja, tuple(lines), ikm_gap)


async def _scorecard_rows(inspection_id: int, phase: str) -> list[dict[str, int | None]]:
    raw = await Scorecard.filter(inspection_id=inspection_id, phase=phase, status="submitted").values_list("answers", flat=True)
    return [json.loads(a) for a in raw]


async def panel_ikm(inspection: Inspection, phase: str = "fieldwork") -> IkmResult | None:
    return compute(await _scorecard_rows(inspection.id, phase), Scale(inspection.scale))



# --- SERVQUAL ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionLine:
    dimension: str
    expectation: Decimal
    perception: Decimal
    gap: Decimal
    weight: Decimal | None  # mean importance points (0-100), if every respondent allocated them
    weighted_gap: Decimal | None  # mean of weight x gap; the five add up to the weighted score


@dataclass(frozen=True)
class ServqualView:
    respondents: int
    lines: tuple[DimensionLine, ...]
    unweighted: Decimal
    weighted: Decimal | None


def _servqual_response(raw: str) -> ServqualResponse | None:
    data = json.loads(raw) if raw else None
    if not data:
        return None
    weights = data.get("w")
    return ServqualResponse(
        expectations={int(k): v for k, v in data["e"].items()},
        perceptions={int(k): v for k, v in data["p"].items()},
        weights={Dimension(k): v for k, v in weights.items()} if weights else None,
    )


async def panel_servqual(inspection_id: int, phase: str, public: bool) -> ServqualView | None:
    """SERVQUAL gaps of the submitted scorecards that answered it (suppressed publicly if n < 5)."""
    raw = await Scorecard.filter(inspection_id=inspection_id, phase=phase, status="submitted").exclude(
        servqual="").values_list("servqual", flat=True)
    responses = [r for r in (_servqual_response(x) for x in raw) if r is not None]
    if not responses or (public and suppress(len(responses)) is None):
        return None
    try:
        result = servqual(responses)
        detail = servqual_by_dimension(responses)
    except ScoringError:
        return None
    lines = tuple(
        DimensionLine(d.value, round_half_up(detail.expectations[d]), round_half_up(detail.perceptions[d]),
                      round_half_up(result.dimension_gaps[d]),
                      None if detail.weights is None else round_half_up(detail.weights[d] * 100, 1),
                      None if detail.weighted_gaps is None else round_half_up(detail.weighted_gaps[d], 3))
        for d in Dimension
    )
    return ServqualView(result.respondents, lines, round_half_up(result.unweighted),
                        None if result.weighted is None else round_half_up(result.weighted, 3))
