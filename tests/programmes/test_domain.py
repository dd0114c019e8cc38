"""Pure rules of the programme register: outcomes, assessment answers, the matrix, numbers, chart."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.programmes import domain
from portal.programmes.domain import Answer, Column, Outcome, Principle


@pytest.mark.parametrize(("text", "expected", "error"), [
    # one party per line, whitespace squeezed
    ("Warga:  jawaban lebih cepat\nSKPD: beban berkurang", (Outcome("Warga", "jawaban lebih cepat"),
                                                           Outcome("SKPD", "beban berkurang")), ""),
    # blank lines are ignored, an empty text is no outcome at all
    ("\n\nWarga: x\n\n", (Outcome("Warga", "x"),), ""),
    ("", (), ""),
    # a colon inside the outcome belongs to the outcome
    ("Dinas: target: 90 %", (Outcome("Dinas", "target: 90 %"),), ""),
    # a line without "party:" is refused, and so is an empty side
    ("Warga jawaban cepat", (), "Write each outcome as 'Party: outcome', one per line."),
    (": tanpa pihak", (), "Write each outcome as 'Party: outcome', one per line."),
    ("Warga:", (), "Write each outcome as 'Party: outcome', one per line."),
    # the same party twice (case-insensitive) is refused
    ("Warga: a\nwarga: b", (), "Each party may appear only once."),
    # too long a party name
    ("P" * 81 + ": x", (), "A party name has at most 80 characters and an outcome at most 500."),
    # at most twelve parties
    ("\n".join(f"P{n}: x" for n in range(13)), (), "At most 12 parties."),
])
def test_parse_outcomes(text: str, expected: tuple[Outcome, ...], error: str) -> None:
    assert domain.parse_outcomes(text) == (expected, error)


def test_outcomes_text_round_trips() -> None:
    outcomes = (Outcome("Warga", "lebih cepat"), Outcome("SKPD", "lebih ringan"))
    assert domain.parse_outcomes(domain.outcomes_text(outcomes)) == (outcomes, "")


@pytest.mark.parametrize(("answer", "evidence", "error"), [
    ("yes", "Warga melapor lewat tiga kanal.", ""),  # yes with evidence
    ("yes", "", "A 'yes' needs evidence: say in at least 10 characters what shows it."),  # yes without
    ("yes", "   singkat ", "A 'yes' needs evidence: say in at least 10 characters what shows it."),  # too short
    ("no", "", ""),  # no needs no evidence
    ("", "", ""),  # not assessed
    ("maybe", "", "Choose yes, no or not assessed."),  # not an answer
    ("no", "x" * 1001, "At most 1000 characters."),  # evidence too long
])
def test_check_assessment(answer: str, evidence: str, error: str) -> None:
    assert domain.check_assessment(answer, evidence) == error


def test_matrix_rows_follow_nef_order_and_columns_the_given_order() -> None:
    columns = (Column(7, "B", "co_design"), Column(3, "A", "co_delivery"))
    answers = {(7, "assets"): "yes", (3, "assets"): "no", (3, "catalysts"): "yes", (7, "networks"): "yes"}
    m = domain.matrix(columns, answers)
    assert [r.principle for r in m.rows] == list(Principle)
    assert m.rows[0].cells == (Answer.YES, Answer.NO)
    assert m.rows[5].cells == (Answer.UNKNOWN, Answer.YES)
    assert m.totals == (2, 1)


@given(st.lists(st.integers(min_value=1, max_value=50), unique=True, max_size=8),
       st.dictionaries(st.tuples(st.integers(1, 50), st.sampled_from([p.value for p in Principle])),
                       st.sampled_from(["yes", "no", ""])))
def test_matrix_totals_count_the_yes_cells(ids: list[int], answers: dict[tuple[int, str], str]) -> None:
    m = domain.matrix(tuple(Column(i, str(i), "co_design") for i in ids), answers)
    assert len(m.rows) == 6 and all(len(r.cells) == len(ids) for r in m.rows)
    for index, programme_id in enumerate(ids):
        expected = sum(1 for p in Principle if answers.get((programme_id, p.value)) == "yes")
        assert m.totals[index] == expected <= 6


@pytest.mark.parametrize(("text", "value"), [
    ("12", Decimal("12.00")),
    ("12,5", Decimal("12.50")),  # Indonesian decimal comma
    ("1.234,56", Decimal("1234.56")),  # Indonesian thousands and decimals
    ("1.000.000", Decimal("1000000.00")),  # Indonesian thousands
    ("1.234", Decimal("1234.00")),  # three digits after one dot: thousands
    ("81.26", Decimal("81.26")),  # two digits after one dot: a decimal point
    ("-3", Decimal("-3.00")),
    ("", None),
    ("abc", None),
    ("NaN", None),  # not finite
    ("Infinity", None),
    ("1e13", None),  # out of range
])
def test_parse_decimal(text: str, value: Decimal | None) -> None:
    assert domain.parse_decimal(text) == value


def test_chart_places_points_by_date_and_value() -> None:
    d0 = date(2026, 1, 1)
    c = domain.chart([(d0 + timedelta(days=10), Decimal(50)), (d0, Decimal(100))], width=200, height=100, pad=10)
    assert [p.day for p in c.points] == [d0, d0 + timedelta(days=10)]  # sorted by date
    assert (c.points[0].x, c.points[0].y) == (10, 10)  # first day, top value
    assert (c.points[1].x, c.points[1].y) == (190, 50)  # last day, half way up from zero
    assert c.path == "M10.0,10.0 L190.0,50.0"
    assert c.target_y is None


def test_chart_single_reading_sits_in_the_middle_and_target_is_placed() -> None:
    c = domain.chart([(date(2026, 5, 1), Decimal(5))], Decimal(10), width=200, height=100, pad=10)
    assert c.points[0].x == 100
    assert c.high == 10 and c.target_y == 10
    assert c.points[0].y == 50


def test_chart_without_readings_is_empty() -> None:
    c = domain.chart([])
    assert c.points == () and c.path == ""


@given(st.lists(st.tuples(st.dates(date(2020, 1, 1), date(2030, 1, 1)),
                          st.decimals(-1000, 1000, places=2, allow_nan=False)), max_size=30, unique_by=lambda t: t[0]))
def test_chart_points_stay_on_the_canvas(readings: list[tuple[date, Decimal]]) -> None:
    c = domain.chart(readings, width=300, height=120, pad=20)
    assert len(c.points) == len(readings)
    for p in c.points:
        assert 20 <= p.x <= 280 and 20 <= p.y <= 100
