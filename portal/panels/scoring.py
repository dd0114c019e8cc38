"""Satisfaction scoring for panels: IKM/SKM, SERVQUAL, sample size and small-cell suppression.

IKM / SKM (DOMAIN.md §1). Two versioned scales, each with its own unsur list and category table:
``permenpanrb_14_2017`` (9 unsur U1-U9, the default for new surveys) and ``kepmenpan_25_2004``
(14 unsur U1-U14, kept to compare with older reports). Answers are 1-4 per unsur, or ``None``
for "not observed". The rule (§1.4):

1. NRR_i = sum of answers to unsur i / number of respondents who answered unsur i. ``None`` is
   excluded from the denominator, never counted as zero.
2. Index (1-4) = sum of NRR_i x 1/k (exact 1/9 or 1/14, i.e. the mean NRR); IKM = index x 25.
   No intermediate rounding: everything is a ``Fraction`` until display.
3. Display: IKM rounded half-up to 2 decimals; the category is taken from the *displayed* value
   with ">= lower bound" rules (2017: A >= 88.31, B >= 76.61, C >= 65.00; 2004: A >= 81.26,
   B >= 62.51, C >= 43.76; else D). Why: the published tables list 2-decimal intervals with gaps
   between them (76.60 | 76.61), so the value a reader sees must be the one classified. Comparing
   the unrounded value instead (:func:`classify_half_open`) gives another category for values in
   the gaps, e.g. 76.6082 -> B here but C half-open; both are tested.
4. The regulations print the weight rounded (0,11 / 0,111 / 0,071). Using it literally biases the
   IKM down by up to 1 %, which can flip a category. ``legacy_weight`` reproduces such old reports
   and is otherwise never used.
5. Per unsur, NRR x 25 is classified with the same table; the lowest NRR marks the weakest unsur
   (all tied unsur are returned, in regulation order) as the starting point of an action plan.

SERVQUAL (§2, Parasuraman, Zeithaml & Berry 1988): 22 items scored 1-7 for expectation (E) and
perception (P); gap = P - E per item, mean per dimension per respondent, then averaged over
respondents. Unweighted score = mean of the 5 dimension scores; weighted score = per respondent
sum of (points/100 x dimension gap) from a 100-point importance allocation, then averaged.

Pure module: stdlib only, exact ``Fraction`` arithmetic, ``Decimal`` only for display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from math import floor
from typing import Literal

__all__ = [
    "SERVQUAL_ITEMS",
    "Comparison",
    "Dimension",
    "Grade",
    "IkmResult",
    "Scale",
    "ScoringError",
    "ServqualDetail",
    "ServqualResponse",
    "ServqualResult",
    "Unsur",
    "UnsurGap",
    "UnsurScore",
    "classify",
    "classify_half_open",
    "compare",
    "ikm",
    "krejcie_morgan",
    "nrr_per_unsur",
    "round_half_up",
    "servqual",
    "servqual_by_dimension",
    "servqual_scores",
    "suppress",
]

ScoringErrorCode = Literal[
    "no_respondents",
    "unknown_unsur",
    "answer_range",
    "unanswered_unsur",
    "legacy_weight",
    "out_of_range",
    "scale_mismatch",
    "servqual_items",
    "servqual_weights",
]


class ScoringError(ValueError):
    """Input that the scoring rules cannot score; ``code`` is a short machine reason."""

    def __init__(self, code: ScoringErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


# --- scales ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unsur:
    """One element of service (unsur pelayanan); answers are stored by ``code``, never position."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Grade:
    """A quality grade: ``mutu`` letter, Indonesian ``kinerja`` label and an English label.

    The web layer translates via ``mutu`` (a stable key); ``kinerja`` is the regulation's wording.
    """

    mutu: Literal["A", "B", "C", "D"]
    kinerja: str
    label_en: str


GRADE_A = Grade("A", "Sangat Baik", "Very good")
GRADE_B = Grade("B", "Baik", "Good")
GRADE_C = Grade("C", "Kurang Baik", "Less than good")
GRADE_D = Grade("D", "Tidak Baik", "Not good")


class Scale(StrEnum):
    """The regulation whose unsur list and category table a survey uses (stored with results)."""

    PERMENPANRB_14_2017 = "permenpanrb_14_2017"
    KEPMENPAN_25_2004 = "kepmenpan_25_2004"

    @property
    def unsur(self) -> tuple[Unsur, ...]:
        return _UNSUR[self]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in _UNSUR[self])

    @property
    def weight(self) -> Fraction:
        """The exact weight 1/k."""
        return Fraction(1, len(_UNSUR[self]))

    @property
    def categories(self) -> tuple[tuple[Decimal, Grade], ...]:
        """(lower bound on the 25-100 scale, grade), best grade first."""
        return _CATEGORIES[self]

    @property
    def legacy_weights(self) -> tuple[Decimal, ...]:
        """Rounded weights printed in the regulations and used literally by old reports."""
        return _LEGACY_WEIGHTS[self]


def _unsur(*names: str) -> tuple[Unsur, ...]:
    return tuple(Unsur(f"U{i}", name) for i, name in enumerate(names, start=1))


_UNSUR: Mapping[Scale, tuple[Unsur, ...]] = {
    # Regulation order (Pusyantek report). Many questionnaires swap U8/U9: store by code.
    Scale.PERMENPANRB_14_2017: _unsur(
        "Persyaratan",
        "Sistem, Mekanisme, dan Prosedur",
        "Waktu Penyelesaian",
        "Biaya/Tarif",
        "Produk Spesifikasi Jenis Pelayanan",
        "Kompetensi Pelaksana",
        "Perilaku Pelaksana",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Sarana dan Prasarana",
    ),
    Scale.KEPMENPAN_25_2004: _unsur(
        "Prosedur pelayanan",
        "Persyaratan pelayanan",
        "Kejelasan petugas pelayanan",
        "Kedisiplinan petugas pelayanan",
        "Tanggung jawab petugas pelayanan",
        "Kemampuan petugas pelayanan",
        "Kecepatan pelayanan",
        "Keadilan mendapatkan pelayanan",
        "Kesopanan dan keramahan petugas",
        "Kewajaran biaya pelayanan",
        "Kepastian biaya pelayanan",
        "Kepastian jadwal pelayanan",
        "Kenyamanan lingkungan",
        "Keamanan pelayanan",
    ),
}

_CATEGORIES: Mapping[Scale, tuple[tuple[Decimal, Grade], ...]] = {
    Scale.PERMENPANRB_14_2017: (
        (Decimal("88.31"), GRADE_A),
        (Decimal("76.61"), GRADE_B),
        (Decimal("65.00"), GRADE_C),
        (Decimal("25.00"), GRADE_D),
    ),
    Scale.KEPMENPAN_25_2004: (
        (Decimal("81.26"), GRADE_A),
        (Decimal("62.51"), GRADE_B),
        (Decimal("43.76"), GRADE_C),
        (Decimal("25.00"), GRADE_D),
    ),
}

_LEGACY_WEIGHTS: Mapping[Scale, tuple[Decimal, ...]] = {
    Scale.PERMENPANRB_14_2017: (Decimal("0.11"), Decimal("0.111")),
    Scale.KEPMENPAN_25_2004: (Decimal("0.071"),),
}

_MIN_IKM, _MAX_IKM = Fraction(25), Fraction(100)


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """Round exactly, halves away from zero (Decimal's ROUND_HALF_UP), without float steps."""
    scale = 10**places
    magnitude = floor(abs(value) * scale + Fraction(1, 2))
    return Decimal(-magnitude if value < 0 else magnitude).scaleb(-places)


def classify(ikm_value: Fraction | Decimal, scale: Scale) -> Grade:
    """Portal rule: round half-up to 2 dp, then the first grade whose lower bound is <= value."""
    exact = Fraction(ikm_value)
    if not _MIN_IKM <= exact <= _MAX_IKM:
        raise ScoringError("out_of_range", f"IKM {ikm_value} outside 25-100")
    return _grade_at_or_above(Fraction(round_half_up(exact)), scale)


def classify_half_open(ikm_value: Fraction | Decimal, scale: Scale) -> Grade:
    """Alternative rule: the unrounded value against half-open intervals [lower, next lower).

    Equivalent to the NRR-interval column of the 2017 table. Not the portal's rule; kept so a
    report can explain why another calculator shows a different category near a boundary.
    """
    exact = Fraction(ikm_value)
    if not _MIN_IKM <= exact <= _MAX_IKM:
        raise ScoringError("out_of_range", f"IKM {ikm_value} outside 25-100")
    return _grade_at_or_above(exact, scale)


def _grade_at_or_above(value: Fraction, scale: Scale) -> Grade:
    for lower, grade in scale.categories:
        if value >= Fraction(lower):
            return grade
    raise AssertionError("unreachable: the lowest bound is 25")  # pragma: no cover


# --- IKM --------------------------------------------------------------------------------------

Response = Mapping[str, int | None]


@dataclass(frozen=True, slots=True)
class UnsurScore:
    """One unsur's line in the report (jumlah nilai, responden mengisi, NRR, NRR x 25, mutu)."""

    unsur: Unsur
    total: int
    answered: int
    nrr: Fraction
    nrr_weighted: Fraction
    nrr_x25: Fraction
    grade: Grade


@dataclass(frozen=True, slots=True)
class IkmResult:
    """An IKM/SKM result; ``scale`` and ``legacy_weight`` record how it was computed."""

    scale: Scale
    legacy_weight: Decimal | None
    respondents: int
    per_unsur: tuple[UnsurScore, ...]
    index: Fraction
    ikm_exact: Fraction
    ikm_display: Decimal
    grade: Grade
    weakest: tuple[UnsurScore, ...]


def _tally(responses: Sequence[Response], scale: Scale) -> dict[str, tuple[int, int]]:
    """(sum, count of answers) per unsur code, validating every answer."""
    if not responses:
        raise ScoringError("no_respondents")
    known = scale.codes
    tally = {code: (0, 0) for code in known}
    for index, response in enumerate(responses):
        for code, answer in response.items():
            if code not in tally:
                raise ScoringError("unknown_unsur", f"{code!r} (respondent {index}, {scale})")
            if answer is None:
                continue  # "not observed": excluded from this unsur's denominator
            # bool is an int subclass; True must not count as a 1.
            if isinstance(answer, bool) or not isinstance(answer, int) or not 1 <= answer <= 4:
                raise ScoringError("answer_range", f"{code}={answer!r} (respondent {index})")
            total, count = tally[code]
            tally[code] = (total + answer, count + 1)
    unanswered = [code for code in known if tally[code][1] == 0]
    if unanswered:
        raise ScoringError("unanswered_unsur", ", ".join(unanswered))
    return tally


def nrr_per_unsur(responses: Sequence[Response], scale: Scale) -> dict[str, Fraction]:
    """Exact NRR per unsur code, in regulation order. A missing key counts as ``None``."""
    tally = _tally(responses, scale)
    return {code: Fraction(total, count) for code, (total, count) in tally.items()}


def ikm(
    responses: Sequence[Response],
    scale: Scale = Scale.PERMENPANRB_14_2017,
    *,
    legacy_weight: Decimal | None = None,
) -> IkmResult:
    """Score a survey period by the rule in the module docstring.

    ``legacy_weight`` must be one of ``scale.legacy_weights``; it replaces 1/k in the index (and
    in ``nrr_weighted``) to reproduce an old report. Category tables are unchanged.
    """
    if legacy_weight is None:
        weight = scale.weight
    elif legacy_weight in scale.legacy_weights:
        weight = Fraction(legacy_weight)
    else:
        raise ScoringError("legacy_weight", f"{legacy_weight} is not a published {scale} weight")

    tally = _tally(responses, scale)
    per_unsur = []
    for unsur in scale.unsur:
        total, answered = tally[unsur.code]
        nrr = Fraction(total, answered)
        grade = classify(nrr * 25, scale)
        per_unsur.append(UnsurScore(unsur, total, answered, nrr, nrr * weight, nrr * 25, grade))
    index = sum((s.nrr_weighted for s in per_unsur), Fraction(0))
    ikm_exact = index * 25
    lowest = min(s.nrr for s in per_unsur)
    return IkmResult(
        scale=scale,
        legacy_weight=legacy_weight,
        respondents=len(responses),
        per_unsur=tuple(per_unsur),
        index=index,
        ikm_exact=ikm_exact,
        ikm_display=round_half_up(ikm_exact),
        # Literal weights sum to < 1, so a legacy IKM can dip just under 25: clamp for the table.
        grade=classify(max(ikm_exact, _MIN_IKM), scale),
        weakest=tuple(s for s in per_unsur if s.nrr == lowest),
    )


@dataclass(frozen=True, slots=True)
class UnsurGap:
    """Panel NRR minus self-assessment NRR; negative = the agency rated itself higher."""

    unsur: Unsur
    panel_nrr: Fraction
    self_nrr: Fraction
    gap: Fraction
    gap_x25: Fraction


@dataclass(frozen=True, slots=True)
class Comparison:
    scale: Scale
    per_unsur: tuple[UnsurGap, ...]
    ikm_gap: Fraction
    most_overrated: tuple[UnsurGap, ...]


def compare(panel: IkmResult, self_assessment: IkmResult) -> Comparison:
    """Citizen panel vs the agency's self-assessment, unsur by unsur (co-assessment).

    Both must use the same scale and exact weights, otherwise the gaps mix methods.
    ``most_overrated`` lists the unsur with the most negative gap (ties in regulation order),
    or nothing if the panel rated every unsur at least as high as the agency.
    """
    if panel.scale != self_assessment.scale:
        raise ScoringError("scale_mismatch", f"{panel.scale} vs {self_assessment.scale}")
    if panel.legacy_weight is not None or self_assessment.legacy_weight is not None:
        raise ScoringError("scale_mismatch", "compare exact-weight results only")
    gaps = tuple(
        UnsurGap(p.unsur, p.nrr, s.nrr, p.nrr - s.nrr, (p.nrr - s.nrr) * 25)
        for p, s in zip(panel.per_unsur, self_assessment.per_unsur, strict=True)
    )
    worst = min(g.gap for g in gaps)
    return Comparison(
        scale=panel.scale,
        per_unsur=gaps,
        ikm_gap=panel.ikm_exact - self_assessment.ikm_exact,
        most_overrated=tuple(g for g in gaps if g.gap == worst) if worst < 0 else (),
    )


# --- sample size and publication ----------------------------------------------------------


def krejcie_morgan(population: int) -> int:
    """Krejcie & Morgan (1970) sample size, as in the table used for SKM 2017 (DOMAIN.md §1.2).

    s = X^2 N P(1-P) / (d^2 (N-1) + X^2 P(1-P)) with X^2 = 3.841, P = 0.5, d = 0.05, rounded half
    up. Guidance for the panel, not a gate: K&M targets a proportion, SKM estimates a mean.
    """
    if population < 1:
        raise ValueError("population must be at least 1")
    chi2, p, d = Fraction(3841, 1000), Fraction(1, 2), Fraction(5, 100)
    s = chi2 * population * p * (1 - p) / (d * d * (population - 1) + chi2 * p * (1 - p))
    return floor(s + Fraction(1, 2))


def suppress(n: int, minimum: int = 5) -> int | None:
    """``n`` if it may be published, ``None`` if the cell is too small (n < minimum).

    Small counts (including 0) in a kelurahan x agency x month cell can identify panelists, who
    face retaliation risk (DOMAIN.md §6); aggregates below ``minimum`` are shown as suppressed.
    """
    if n < 0:
        raise ValueError("a count cannot be negative")
    if minimum < 1:
        raise ValueError("minimum must be at least 1")
    return n if n >= minimum else None


# --- SERVQUAL -------------------------------------------------------------------------------


class Dimension(StrEnum):
    TANGIBLES = "tangibles"
    RELIABILITY = "reliability"
    RESPONSIVENESS = "responsiveness"
    ASSURANCE = "assurance"
    EMPATHY = "empathy"


#: Item number (1-22) -> dimension, 1988/1991 instrument: T 1-4, Rel 5-9, Resp 10-13,
#: A 14-17, E 18-22.
SERVQUAL_ITEMS: Mapping[int, Dimension] = {
    item: dimension
    for dimension, items in (
        (Dimension.TANGIBLES, range(1, 5)),
        (Dimension.RELIABILITY, range(5, 10)),
        (Dimension.RESPONSIVENESS, range(10, 14)),
        (Dimension.ASSURANCE, range(14, 18)),
        (Dimension.EMPATHY, range(18, 23)),
    )
    for item in items
}


@dataclass(frozen=True)
class ServqualResponse:
    """One respondent: E and P per item 1-22 (1-7 Likert), optional 100-point weights."""

    expectations: Mapping[int, int]
    perceptions: Mapping[int, int]
    weights: Mapping[Dimension, int] | None = None


@dataclass(frozen=True, slots=True)
class ServqualResult:
    respondents: int
    dimension_gaps: Mapping[Dimension, Fraction]
    unweighted: Fraction
    #: ``None`` unless every respondent allocated weights (a partial weighting would mix two
    #: populations in one number).
    weighted: Fraction | None


def _dimension_gaps(response: ServqualResponse, index: int) -> dict[Dimension, Fraction]:
    for label, answers in (("E", response.expectations), ("P", response.perceptions)):
        if set(answers) != set(SERVQUAL_ITEMS):
            raise ScoringError("servqual_items", f"{label} must cover items 1-22 ({index})")
        if any(isinstance(v, bool) or not 1 <= v <= 7 for v in answers.values()):
            raise ScoringError("servqual_items", f"{label} answers must be 1-7 ({index})")
    sums = {d: Fraction(0) for d in Dimension}
    counts = {d: 0 for d in Dimension}
    for item, dimension in SERVQUAL_ITEMS.items():
        sums[dimension] += response.perceptions[item] - response.expectations[item]
        counts[dimension] += 1
    return {d: sums[d] / counts[d] for d in Dimension}


def _weights(response: ServqualResponse, index: int) -> dict[Dimension, Fraction] | None:
    if response.weights is None:
        return None
    points = response.weights
    if set(points) != set(Dimension) or any(v < 0 for v in points.values()):
        raise ScoringError("servqual_weights", f"points for all 5 dimensions, >= 0 ({index})")
    if sum(points.values()) != 100:
        raise ScoringError("servqual_weights", f"points must sum to 100 ({index})")
    return {d: Fraction(points[d], 100) for d in Dimension}


def _weighted(
    gaps: Mapping[Dimension, Fraction], weights: Mapping[Dimension, Fraction]
) -> Fraction:
    return sum((weights[d] * gaps[d] for d in Dimension), Fraction(0))


def servqual_scores(
    gaps: Mapping[Dimension, Fraction], weights: Mapping[Dimension, Fraction] | None = None
) -> tuple[Fraction, Fraction | None]:
    """(unweighted, weighted) score from five dimension gaps and optional weights (sum 1)."""
    unweighted = sum((gaps[d] for d in Dimension), Fraction(0)) / len(Dimension)
    return unweighted, None if weights is None else _weighted(gaps, weights)


def servqual(responses: Sequence[ServqualResponse]) -> ServqualResult:
    """Dimension gaps averaged over respondents, unweighted and (if all weighted) weighted."""
    if not responses:
        raise ScoringError("no_respondents")
    n = len(responses)
    per_respondent = [_dimension_gaps(r, i) for i, r in enumerate(responses)]
    weights = [w for i, r in enumerate(responses) if (w := _weights(r, i)) is not None]
    dimension_gaps = {d: sum((g[d] for g in per_respondent), Fraction(0)) / n for d in Dimension}
    unweighted, _ = servqual_scores(dimension_gaps)
    weighted: Fraction | None = None
    if len(weights) == n:
        # Weighted per respondent first, then averaged: each person's own priorities count.
        weighted = (
            sum(
                (_weighted(g, w) for g, w in zip(per_respondent, weights, strict=True)), Fraction(0)
            )
            / n
        )
    return ServqualResult(n, dimension_gaps, unweighted, weighted)


@dataclass(frozen=True, slots=True)
class ServqualDetail:
    """Per dimension: mean expectation and perception over respondents (each respondent's item
    mean first), mean importance weight (sum 1) and the mean weighted gap (weight x gap per
    respondent, then averaged). The five weighted gaps add up to the weighted SERVQUAL score,
    so a reader sees which dimension drives it; both weight fields are ``None`` unless every
    respondent allocated weights (as for :attr:`ServqualResult.weighted`)."""

    expectations: Mapping[Dimension, Fraction]
    perceptions: Mapping[Dimension, Fraction]
    weights: Mapping[Dimension, Fraction] | None
    weighted_gaps: Mapping[Dimension, Fraction] | None


def _dimension_means(answers: Mapping[int, int]) -> dict[Dimension, Fraction]:
    sums = {d: Fraction(0) for d in Dimension}
    counts = {d: 0 for d in Dimension}
    for item, dimension in SERVQUAL_ITEMS.items():
        sums[dimension] += answers[item]
        counts[dimension] += 1
    return {d: sums[d] / counts[d] for d in Dimension}


def servqual_by_dimension(responses: Sequence[ServqualResponse]) -> ServqualDetail:
    """The dimension table behind :func:`servqual` (same validation, same respondents)."""
    if not responses:
        raise ScoringError("no_respondents")
    n = len(responses)
    gaps = [_dimension_gaps(r, i) for i, r in enumerate(responses)]
    e = [_dimension_means(r.expectations) for r in responses]
    p = [_dimension_means(r.perceptions) for r in responses]
    weights = [w for i, r in enumerate(responses) if (w := _weights(r, i)) is not None]

    def mean(rows: Sequence[Mapping[Dimension, Fraction]]) -> dict[Dimension, Fraction]:
        return {d: sum((row[d] for row in rows), Fraction(0)) / len(rows) for d in Dimension}

    if len(weights) != n:
        return ServqualDetail(mean(e), mean(p), None, None)
    weighted = [{d: w[d] * g[d] for d in Dimension} for g, w in zip(gaps, weights, strict=True)]
    return ServqualDetail(mean(e), mean(p), mean(weights), mean(weighted))
