"""Tests for portal.panels.scoring: IKM/SKM (DOMAIN.md §1), SERVQUAL (§2), K&M, suppression.

The IKM cases come from ``tests/panels/data/ikm_cases.json``, a copy of
``shared/domain/ikm_cases.json`` kept in the repo so the suite never reads outside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.panels.scoring import (
    SERVQUAL_ITEMS,
    Dimension,
    IkmResult,
    Scale,
    ScoringError,
    ServqualResponse,
    classify,
    classify_half_open,
    compare,
    ikm,
    krejcie_morgan,
    nrr_per_unsur,
    round_half_up,
    servqual,
    servqual_scores,
    suppress,
)

DATA = Path(__file__).resolve().parent / "data" / "ikm_cases.json"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "domain" / "ikm_cases.json"
with DATA.open(encoding="utf-8") as fh:
    FIXTURE: dict[str, Any] = json.load(fh)
CASES: dict[str, dict[str, Any]] = {case["id"]: case for case in FIXTURE["cases"]}
SCALES = {"2017": Scale.PERMENPANRB_14_2017, "2004": Scale.KEPMENPAN_25_2004}
S2017, S2004 = Scale.PERMENPANRB_14_2017, Scale.KEPMENPAN_25_2004

Rows = list[dict[str, int | None]]


def respondents(case: Mapping[str, Any], scale: Scale) -> Rows:
    """Respondent rows keyed by unsur code, from either input form of the fixture."""
    inp = case["input"]
    assert inp["unsur"] == [u.name for u in scale.unsur]  # fixture columns are in regulation order
    if "answers_matrix" in inp:
        return [dict(zip(scale.codes, row, strict=True)) for row in inp["answers_matrix"]]
    # answer_counts_per_unsur: expand each unsur's counts into a column, then zip columns.
    columns = [
        [int(answer) for answer, count in sorted(counts.items()) for _ in range(count)]
        for counts in inp["answer_counts_per_unsur"]
    ]
    return [dict(zip(scale.codes, row, strict=True)) for row in zip(*columns, strict=True)]


def dec(value: float) -> Decimal:
    """The fixture's printed decimal (floats are printed rounded, e.g. 3.2593)."""
    return Decimal(repr(value))


def full(scale: Scale, answer: int) -> dict[str, int | None]:
    return {code: answer for code in scale.codes}


# --- fixture cases ----------------------------------------------------------------------------

CASE_IDS = [
    # 6 x 9 complete answers: 81.48 B (A under the 2004 table).
    "skm2017_basic",
    # Blank answers leave the denominator: 56.02 D (C under 2004).
    "skm2017_missing_answers",
    # 76.6082 rounds to 76.61 -> B; half-open on the unrounded value -> C.
    "skm2017_rounding_boundary_B_C",
    # 5 x 14 low scores: 55.36 C.
    "ikm2004_basic",
    # Replica of the published puskesmas example: exact 76.93 B, literal 0.071 -> 76.47 B.
    "ikm2004_published_example_replica",
    # 81.2598 rounds to 81.26 -> A; half-open -> B; literal 0.071 -> 80.77 B.
    "ikm2004_rounding_boundary_A_B",
]


def test_every_fixture_case_is_covered() -> None:
    assert sorted(CASES) == sorted(CASE_IDS)


def test_fixture_copy_matches_shared_domain_file() -> None:
    if not SHARED.exists():
        pytest.skip("shared/domain is not available next to the repo")
    assert json.loads(SHARED.read_text(encoding="utf-8")) == FIXTURE


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_ikm_matches_fixture(case_id: str) -> None:
    case = CASES[case_id]
    expected = case["result"]
    scale = SCALES[expected["scale"]]
    rows = respondents(case, scale)
    result = ikm(rows, scale)

    assert result.scale is scale
    assert result.legacy_weight is None
    assert result.respondents == len(rows)
    assert scale.weight == Fraction(expected["bobot_exact"])
    assert round_half_up(result.index, 4) == dec(expected["indeks_1_4"])
    assert result.ikm_exact == result.index * 25
    assert float(result.ikm_exact) == expected["ikm_unrounded"]
    assert result.ikm_display == dec(expected["ikm"])
    assert (result.grade.mutu, result.grade.kinerja) == (
        expected["category"]["mutu"],
        expected["category"]["kinerja"],
    )
    alt = classify_half_open(result.ikm_exact, scale)
    assert (alt.mutu, alt.kinerja) == tuple(expected["category_alt_half_open_unrounded"].values())
    other = S2004 if scale is S2017 else S2017
    under_other = classify(result.ikm_exact, other)
    assert (under_other.mutu, under_other.kinerja) == tuple(
        expected["category_under_other_table"].values()
    )

    assert len(result.per_unsur) == len(expected["per_unsur"])
    for score, line in zip(result.per_unsur, expected["per_unsur"], strict=True):
        assert score.unsur.name == line["unsur"]
        assert score.total == line["jumlah_nilai"]
        assert score.answered == line["jumlah_responden_mengisi"]
        assert round_half_up(score.nrr, 4) == dec(line["nrr"])
        assert round_half_up(score.nrr_weighted, 4) == dec(line["nrr_tertimbang"])
        assert round_half_up(score.nrr_x25, 2) == dec(line["nrr_x25"])
        assert score.grade.mutu == line["mutu_unsur"]

    assert nrr_per_unsur(rows, scale) == {s.unsur.code: s.nrr for s in result.per_unsur}


@pytest.mark.parametrize(
    ("case_id", "bobot"),
    [
        # 0,11 x 9 = 0,99: 80.67 instead of 81.48.
        ("skm2017_basic", "0.11"),
        # 0,111 x 9 = 0,999: 81.40.
        ("skm2017_basic", "0.111"),
        # Missing answers, 0,11: 55.46.
        ("skm2017_missing_answers", "0.11"),
        # Missing answers, 0,111: 55.96.
        ("skm2017_missing_answers", "0.111"),
        # Boundary case: the literal weight flips B to C (75.84).
        ("skm2017_rounding_boundary_B_C", "0.11"),
        # ... and 0,111 too (76.53).
        ("skm2017_rounding_boundary_B_C", "0.111"),
        # 2004, 0,071 x 14 = 0,994: 55.03.
        ("ikm2004_basic", "0.071"),
        # Published report value 76.47 reproduced.
        ("ikm2004_published_example_replica", "0.071"),
        # Boundary case: literal weight gives 80.77 B instead of 81.26 A.
        ("ikm2004_rounding_boundary_A_B", "0.071"),
    ],
)
def test_literal_weight_variant_matches_fixture(case_id: str, bobot: str) -> None:
    case = CASES[case_id]
    scale = SCALES[case["result"]["scale"]]
    (variant,) = [v for v in case["result"]["literal_weight_variants"] if v["bobot"] == bobot]
    result = ikm(respondents(case, scale), scale, legacy_weight=Decimal(bobot))
    assert result.legacy_weight == Decimal(bobot)
    assert result.ikm_display == dec(variant["ikm"])
    assert (result.grade.mutu, result.grade.kinerja) == tuple(variant["category"].values())


def test_every_literal_weight_variant_is_listed() -> None:
    listed = {
        (case["id"], variant["bobot"])
        for case in FIXTURE["cases"]
        for variant in case["result"]["literal_weight_variants"]
    }
    assert len(listed) == 9


@pytest.mark.parametrize("check", FIXTURE["classification_checks"], ids=lambda c: str(c["ikm"]))
def test_classification_checks(check: Mapping[str, Any]) -> None:
    # Every bound of both tables from both sides, plus 67.027 (rounded first to 67.03).
    value = dec(check["ikm"])
    assert round_half_up(Fraction(value)) == dec(check["ikm_rounded_2dp"])
    for scale in Scale:
        grade = classify(value, scale)
        assert (grade.mutu, grade.kinerja) == tuple(check[scale.value].values())


@pytest.mark.parametrize(
    ("value", "scale", "rounded_first", "half_open"),
    [
        # In the 2017 gap 76.60|76.61: rounding up gives B, the unrounded value is C.
        (Fraction(76605, 1000), S2017, "B", "C"),
        # Just below the rounding point stays C either way.
        (Fraction(766049, 10000), S2017, "C", "C"),
        # In the 2004 gap 81.25|81.26.
        (Fraction(812550, 10000), S2004, "A", "B"),
        # Exactly on a lower bound: both rules agree.
        (Fraction(8831, 100), S2017, "A", "A"),
        # The extremes of the range.
        (Fraction(25), S2017, "D", "D"),
        (Fraction(100), S2004, "A", "A"),
    ],
)
def test_classify_rounding_rule(
    value: Fraction, scale: Scale, rounded_first: str, half_open: str
) -> None:
    assert classify(value, scale).mutu == rounded_first
    assert classify_half_open(value, scale).mutu == half_open


@pytest.mark.parametrize(
    "value",
    [
        # Below the 25-100 range.
        Fraction(2499, 100),
        # Above.
        Fraction(10001, 100),
    ],
)
def test_classify_rejects_out_of_range(value: Fraction) -> None:
    for rule in (classify, classify_half_open):
        with pytest.raises(ScoringError) as excinfo:
            rule(value, S2017)
        assert excinfo.value.code == "out_of_range"


# --- scales, errors, weakest ------------------------------------------------------------------


def test_scales_carry_their_unsur_and_tables() -> None:
    assert S2017.codes == tuple(f"U{i}" for i in range(1, 10))
    assert S2004.codes == tuple(f"U{i}" for i in range(1, 15))
    assert S2017.unsur[7].name == "Penanganan Pengaduan, Saran dan Masukan"
    assert S2017.unsur[8].name == "Sarana dan Prasarana"
    assert (S2017.weight, S2004.weight) == (Fraction(1, 9), Fraction(1, 14))
    bounds = [lower for lower, _ in S2017.categories]
    assert bounds == [Decimal(v) for v in ("88.31", "76.61", "65.00", "25.00")]
    labels = [(g.mutu, g.kinerja, g.label_en) for _, g in S2004.categories]
    assert labels == [
        ("A", "Sangat Baik", "Very good"),
        ("B", "Baik", "Good"),
        ("C", "Kurang Baik", "Less than good"),
        ("D", "Tidak Baik", "Not good"),
    ]
    assert Scale("permenpanrb_14_2017") is S2017


@pytest.mark.parametrize(
    ("rows", "scale", "kwargs", "code"),
    [
        # No respondents at all.
        ([], S2017, {}, "no_respondents"),
        # Unsur code from the other scale.
        ([full(S2017, 3) | {"U10": 3}], S2017, {}, "unknown_unsur"),
        # Unsur stored by name instead of code.
        ([full(S2017, 3) | {"Persyaratan": 3}], S2017, {}, "unknown_unsur"),
        # Answer 0 (some forms use 0 for "no answer"; must be None).
        ([full(S2017, 3) | {"U1": 0}], S2017, {}, "answer_range"),
        # Answer 5.
        ([full(S2017, 3) | {"U2": 5}], S2017, {}, "answer_range"),
        # A bool is not an answer even though True == 1.
        ([full(S2017, 3) | {"U3": True}], S2017, {}, "answer_range"),
        # A string from an unparsed form.
        ([full(S2017, 3) | {"U4": "3"}], S2017, {}, "answer_range"),
        # Nobody answered U9: its NRR is undefined.
        ([full(S2017, 3) | {"U9": None}], S2017, {}, "unanswered_unsur"),
        # 0,071 is the 2004 weight, not a 2017 one.
        ([full(S2017, 3)], S2017, {"legacy_weight": Decimal("0.071")}, "legacy_weight"),
        # An invented weight.
        ([full(S2004, 3)], S2004, {"legacy_weight": Decimal("0.07")}, "legacy_weight"),
    ],
)
def test_ikm_rejects_bad_input(rows: Rows, scale: Scale, kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(ScoringError) as excinfo:
        ikm(rows, scale, **kwargs)
    assert excinfo.value.code == code


def test_missing_key_counts_as_not_observed() -> None:
    with_none = [full(S2017, 4), full(S2017, 2) | {"U5": None}]
    without_key = [full(S2017, 4), {k: v for k, v in full(S2017, 2).items() if k != "U5"}]
    assert ikm(with_none) == ikm(without_key)
    assert ikm(with_none).per_unsur[4].answered == 1


def test_weakest_lists_all_tied_unsur_in_regulation_order() -> None:
    result = ikm([full(S2017, 4) | {"U8": 2, "U3": 2}, full(S2017, 4)])
    assert [s.unsur.code for s in result.weakest] == ["U3", "U8"]
    # NRR (2 + 4) / 2 = 3 -> 75.00 -> C on the 2017 table.
    assert result.weakest[0].nrr == 3
    assert result.weakest[0].grade.mutu == "C"


def test_legacy_weight_below_25_is_still_graded_d() -> None:
    # All answers 1 with 0,11: 9 x 0,11 x 25 = 24.75, under the table's floor of 25.
    result = ikm([full(S2017, 1)], legacy_weight=Decimal("0.11"))
    assert result.ikm_display == Decimal("24.75")
    assert result.grade.mutu == "D"


# --- panel vs self-assessment ---------------------------------------------------------------


def test_compare_panel_with_self_assessment() -> None:
    panel = ikm([full(S2017, 3) | {"U3": 2}, full(S2017, 3) | {"U3": 1, "U7": 4}])
    agency = ikm([full(S2017, 4) | {"U7": 3}])
    comparison = compare(panel, agency)
    gaps = {g.unsur.code: g.gap for g in comparison.per_unsur}
    # The agency rated waiting time 4; citizens 1.5.
    assert gaps["U3"] == Fraction(-5, 2)
    # Behaviour: panel 3.5 vs agency 3.
    assert gaps["U7"] == Fraction(1, 2)
    assert gaps["U1"] == -1
    assert [g.unsur.code for g in comparison.most_overrated] == ["U3"]
    assert comparison.per_unsur[2].gap_x25 == Fraction(-125, 2)
    assert comparison.ikm_gap == panel.ikm_exact - agency.ikm_exact


def test_compare_with_no_overrated_unsur() -> None:
    comparison = compare(ikm([full(S2017, 4)]), ikm([full(S2017, 3)]))
    assert comparison.most_overrated == ()
    assert comparison.ikm_gap == 25


@pytest.mark.parametrize(
    ("panel", "agency"),
    [
        # Different scales.
        (ikm([full(S2017, 3)]), ikm([full(S2004, 3)], S2004)),
        # A legacy-weight result mixes methods.
        (ikm([full(S2017, 3)], legacy_weight=Decimal("0.11")), ikm([full(S2017, 3)])),
    ],
)
def test_compare_rejects_mixed_methods(panel: IkmResult, agency: IkmResult) -> None:
    with pytest.raises(ScoringError) as excinfo:
        compare(panel, agency)
    assert excinfo.value.code == "scale_mismatch"


# --- sample size, suppression, rounding ---------------------------------------------------


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        # Every table point listed in DOMAIN.md §1.2, smallest to largest.
        (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (50, 44), (100, 80), (220, 140),
        (250, 152), (300, 169), (380, 191), (1_000, 278), (1_200, 291), (1_500, 306),
        (2_000, 322), (2_800, 338), (10_000, 370), (1_000_000, 384),
        # A population of one needs its one member.
        (1, 1),
    ],
)  # fmt: skip
def test_krejcie_morgan_table(population: int, sample: int) -> None:
    assert krejcie_morgan(population) == sample


def test_krejcie_morgan_rejects_empty_population() -> None:
    with pytest.raises(ValueError):
        krejcie_morgan(0)


@pytest.mark.parametrize(
    ("n", "minimum", "shown"),
    [
        # Zero is a small cell too.
        (0, 5, None),
        # Just under the default threshold.
        (4, 5, None),
        # At the threshold: published.
        (5, 5, 5),
        # Large cell.
        (120, 5, 120),
        # Stricter threshold for a sensitive breakdown.
        (9, 10, None),
        # Threshold of 1 publishes everything but zero.
        (1, 1, 1),
    ],
)
def test_suppress(n: int, minimum: int, shown: int | None) -> None:
    assert suppress(n, minimum=minimum) == shown


@pytest.mark.parametrize(
    ("n", "minimum"),
    [
        # Negative count.
        (-1, 5),
        # Threshold below 1 would publish nothing-cells as data.
        (3, 0),
    ],
)
def test_suppress_rejects_bad_arguments(n: int, minimum: int) -> None:
    with pytest.raises(ValueError):
        suppress(n, minimum)


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        # Half rounds up, not to even.
        (Fraction(76605, 1000), 2, Decimal("76.61")),
        # Just below half.
        (Fraction(766049, 10000), 2, Decimal("76.60")),
        # 0.125 -> 0.13 (banker's rounding would give 0.12).
        (Fraction(1, 8), 2, Decimal("0.13")),
        # Negative halves round away from zero, like Decimal ROUND_HALF_UP.
        (Fraction(-755, 1000), 2, Decimal("-0.76")),
        # Integers get trailing zeros.
        (Fraction(100), 2, Decimal("100.00")),
        # Four places for NRR.
        (Fraction(19, 6), 4, Decimal("3.1667")),
    ],
)
def test_round_half_up(value: Fraction, places: int, shown: Decimal) -> None:
    result = round_half_up(value, places)
    assert result == shown
    assert str(result) == str(shown)


# --- SERVQUAL -----------------------------------------------------------------------------

WORKED_GAPS = {
    Dimension.TANGIBLES: Fraction("-0.50"),
    Dimension.RELIABILITY: Fraction("-1.10"),
    Dimension.RESPONSIVENESS: Fraction("-0.80"),
    Dimension.ASSURANCE: Fraction("-0.40"),
    Dimension.EMPATHY: Fraction("-0.60"),
}
WORKED_POINTS = {
    Dimension.TANGIBLES: 15,
    Dimension.RELIABILITY: 30,
    Dimension.RESPONSIVENESS: 25,
    Dimension.ASSURANCE: 15,
    Dimension.EMPATHY: 15,
}


def test_servqual_item_mapping() -> None:
    items = {d: sorted(i for i, dim in SERVQUAL_ITEMS.items() if dim is d) for d in Dimension}
    assert items == {
        Dimension.TANGIBLES: [1, 2, 3, 4],
        Dimension.RELIABILITY: [5, 6, 7, 8, 9],
        Dimension.RESPONSIVENESS: [10, 11, 12, 13],
        Dimension.ASSURANCE: [14, 15, 16, 17],
        Dimension.EMPATHY: [18, 19, 20, 21, 22],
    }


def test_servqual_scores_worked_example() -> None:
    weights = {d: Fraction(p, 100) for d, p in WORKED_POINTS.items()}
    assert servqual_scores(WORKED_GAPS, weights) == (Fraction("-0.68"), Fraction("-0.755"))
    assert servqual_scores(WORKED_GAPS) == (Fraction("-0.68"), None)


def _split(total: int, parts: int) -> list[int]:
    """Integers summing to ``total`` as evenly as possible."""
    base, extra = divmod(total, parts)
    return [base + 1] * extra + [base] * (parts - extra)


def _respondent(
    gap_sums: Mapping[Dimension, int], points: Mapping[Dimension, int] | None
) -> ServqualResponse:
    """E = 5 everywhere; P = 5 + gap, with each dimension's gaps summing to ``gap_sums``."""
    gaps: dict[int, int] = {}
    for dimension in Dimension:
        items = [i for i, d in SERVQUAL_ITEMS.items() if d is dimension]
        gaps.update(zip(items, _split(gap_sums[dimension], len(items)), strict=True))
    return ServqualResponse(
        expectations={i: 5 for i in SERVQUAL_ITEMS},
        perceptions={i: 5 + g for i, g in gaps.items()},
        weights=points,
    )


def _worked_panel(points: Mapping[Dimension, int] | None) -> list[ServqualResponse]:
    """Ten respondents whose mean dimension gaps are the DOMAIN.md §2 worked example."""
    # Per respondent gap sums (items per dimension: 4, 5, 4, 4, 5); averaged over the ten:
    # T -2/4 = -0.5; Rel (5 x -5 + 5 x -6)/10/5 = -1.1; Resp (8 x -3 + 2 x -4)/10/4 = -0.8;
    # A (4 x -1 + 6 x -2)/10/4 = -0.4; E -3/5 = -0.6.
    T, REL, RESP, A, E = Dimension
    return [
        _respondent(
            {
                T: -2,
                REL: -5 if k < 5 else -6,
                RESP: -3 if k < 8 else -4,
                A: -1 if k < 4 else -2,
                E: -3,
            },
            points,
        )
        for k in range(10)
    ]


def test_servqual_worked_example_through_respondents() -> None:
    result = servqual(_worked_panel(WORKED_POINTS))
    assert result.respondents == 10
    assert dict(result.dimension_gaps) == WORKED_GAPS
    assert result.unweighted == Fraction("-0.68")
    assert result.weighted == Fraction("-0.755")
    assert round_half_up(result.weighted, 2) == Decimal("-0.76")


def test_servqual_weighted_only_when_every_respondent_weighted() -> None:
    panel = _worked_panel(WORKED_POINTS)
    panel[0] = _worked_panel(None)[0]
    result = servqual(panel)
    assert result.unweighted == Fraction("-0.68")
    assert result.weighted is None


def test_servqual_weights_are_per_respondent() -> None:
    # One respondent cares only about tangibles, the other only about empathy.
    T, _, _, _, E = Dimension
    only_t = {d: 100 if d is T else 0 for d in Dimension}
    only_e = {d: 100 if d is E else 0 for d in Dimension}
    a = _respondent({d: (-4 if d is T else 0) for d in Dimension}, only_t)
    b = _respondent({d: (-10 if d is E else 0) for d in Dimension}, only_e)
    # a: -1 on tangibles x 1.0; b: -2 on empathy x 1.0 -> mean -1.5.
    assert servqual([a, b]).weighted == Fraction(-3, 2)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        # Item 22 missing from the perceptions.
        ({"perceptions": {i: 5 for i in range(1, 22)}}, "servqual_items"),
        # Item 23 does not exist.
        ({"expectations": {i: 5 for i in range(1, 24)}}, "servqual_items"),
        # 0 is outside the 1-7 Likert scale.
        ({"expectations": {i: 0 if i == 3 else 5 for i in SERVQUAL_ITEMS}}, "servqual_items"),
        # 8 is outside too.
        ({"perceptions": {i: 8 if i == 3 else 5 for i in SERVQUAL_ITEMS}}, "servqual_items"),
        # Points sum to 99.
        ({"weights": WORKED_POINTS | {Dimension.EMPATHY: 14}}, "servqual_weights"),
        # A dimension without points.
        ({"weights": {d: 25 for d in list(Dimension)[:4]}}, "servqual_weights"),
        # Negative points balanced by extra points elsewhere.
        (
            {"weights": WORKED_POINTS | {Dimension.EMPATHY: -5, Dimension.ASSURANCE: 35}},
            "servqual_weights",
        ),
    ],
)
def test_servqual_rejects_bad_input(change: dict[str, Any], code: str) -> None:
    neutral = {i: 5 for i in SERVQUAL_ITEMS}
    base: dict[str, Any] = {"expectations": neutral, "perceptions": neutral}
    with pytest.raises(ScoringError) as excinfo:
        servqual([ServqualResponse(**(base | change))])
    assert excinfo.value.code == code


def test_servqual_needs_respondents() -> None:
    with pytest.raises(ScoringError):
        servqual([])


# --- invariants -----------------------------------------------------------------------------


@st.composite
def surveys(draw: st.DrawFn) -> tuple[Scale, Rows]:
    """A scale and respondents; the first respondent answers everything so every NRR exists."""
    scale = draw(st.sampled_from(list(Scale)))
    answer = st.integers(1, 4)
    first: dict[str, int | None] = {code: draw(answer) for code in scale.codes}
    others = draw(
        st.lists(
            st.fixed_dictionaries({code: st.none() | answer for code in scale.codes}),
            max_size=25,
        )
    )
    return scale, [first, *others]


@given(surveys())
def test_ikm_is_between_25_and_100(survey: tuple[Scale, Rows]) -> None:
    scale, rows = survey
    result = ikm(rows, scale)
    assert 1 <= result.index <= 4
    assert 25 <= result.ikm_exact <= 100
    assert Decimal(25) <= result.ikm_display <= Decimal(100)
    # The index is the plain mean of the unsur NRR (exact 1/k, no rounding).
    assert result.index == sum(s.nrr for s in result.per_unsur) / len(scale.codes)
    lowest = min(s.nrr for s in result.per_unsur)
    assert result.weakest
    assert all(s.nrr == lowest for s in result.weakest)


@given(surveys(), st.data())
def test_ikm_does_not_depend_on_respondent_order(
    survey: tuple[Scale, Rows], data: st.DataObject
) -> None:
    scale, rows = survey
    shuffled = data.draw(st.permutations(rows))
    assert ikm(shuffled, scale) == ikm(rows, scale)


@given(surveys(), st.integers(1, 5))
def test_none_answers_do_not_change_nrr(survey: tuple[Scale, Rows], blanks: int) -> None:
    scale, rows = survey
    before = nrr_per_unsur(rows, scale)
    # Respondents who observed nothing add only None answers.
    blank: dict[str, int | None] = {code: None for code in scale.codes}
    assert nrr_per_unsur([*rows, *[blank] * blanks], scale) == before
    assert ikm([*rows, blank], scale).ikm_exact == ikm(rows, scale).ikm_exact
    # A None answer is the same as leaving the unsur out of the mapping.
    dropped = [{k: v for k, v in row.items() if v is not None} for row in rows]
    assert nrr_per_unsur(dropped, scale) == before
