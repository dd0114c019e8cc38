"""PURE: the co-production programme register's rules.

- Types follow Bovaird & Loeffler's four Co's: co-commissioning, co-design, co-delivery and
  co-assessment.
- The development template has six steps: the goal, the change management it needs, the
  outcomes for each party, the performance indicators, the costs and the savings.
- The assessment uses the six co-production principles of the New Economics Foundation
  (Boyle, Slay & Stephens, "Public Services Inside Out", NEF/NESTA 2010): people as assets,
  building on existing capabilities, mutuality and reciprocity, peer support networks,
  blurring the line between providers and users, and public services as catalysts
  (facilitating rather than delivering). Each principle is answered yes or no; a "yes" must
  say why (evidence), so the matrix can be checked against what was written.
- The matrix puts principles in rows and programmes in columns, in the register's order.

No I/O and no clock: inputs are plain values, outputs frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum


def lazy(message: str) -> str:
    """Mark a msgid for extraction (pybabel -k lazy); callers translate it with gettext."""
    return message


class ProgrammeType(StrEnum):
    CO_COMMISSIONING = "co_commissioning"
    CO_DESIGN = "co_design"
    CO_DELIVERY = "co_delivery"
    CO_ASSESSMENT = "co_assessment"


class Principle(StrEnum):
    ASSETS = "assets"
    CAPABILITIES = "capabilities"
    MUTUALITY = "mutuality"
    NETWORKS = "networks"
    BLURRING = "blurring"
    CATALYSTS = "catalysts"


# NEF's order, which is also the row order of the matrix.
PRINCIPLES: tuple[Principle, ...] = tuple(Principle)

TEMPLATE_STEPS = ("goal", "change_management", "outcomes", "indicators", "costs", "savings")

MIN_EVIDENCE = 10
MAX_EVIDENCE = 1000
MAX_PARTIES = 12


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = ""  # not assessed yet


@dataclass(frozen=True)
class Outcome:
    party: str
    outcome: str


def parse_outcomes(text: str) -> tuple[tuple[Outcome, ...], str]:
    """One "Party: outcome" per line -> (outcomes, error msgid or "").

    Blank lines are skipped; a party may appear once (the second line would silently hide the
    first in the matrix of outcomes otherwise).
    """
    outcomes: list[Outcome] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        party, sep, outcome = line.partition(":")
        party, outcome = party.strip(), outcome.strip()
        if not sep or not party or not outcome:
            return (), lazy("Write each outcome as 'Party: outcome', one per line.")
        if len(party) > 80 or len(outcome) > 500:
            return (), lazy("A party name has at most 80 characters and an outcome at most 500.")
        if party.casefold() in seen:
            return (), lazy("Each party may appear only once.")
        seen.add(party.casefold())
        outcomes.append(Outcome(party, outcome))
    if len(outcomes) > MAX_PARTIES:
        return (), lazy("At most 12 parties.")
    return tuple(outcomes), ""


def outcomes_text(outcomes: tuple[Outcome, ...]) -> str:
    """The inverse of parse_outcomes, for editing."""
    return "\n".join(f"{o.party}: {o.outcome}" for o in outcomes)


def check_assessment(answer: str, evidence: str) -> str:
    """Error msgid for one principle's answer, or "" when it is acceptable."""
    if answer not in {a.value for a in Answer}:
        return lazy("Choose yes, no or not assessed.")
    if len(evidence) > MAX_EVIDENCE:
        return lazy("At most 1000 characters.")
    if answer == Answer.YES and len(evidence.strip()) < MIN_EVIDENCE:
        return lazy("A 'yes' needs evidence: say in at least 10 characters what shows it.")
    return ""


@dataclass(frozen=True)
class Column:
    programme_id: int
    name: str
    type: str


@dataclass(frozen=True)
class MatrixRow:
    principle: Principle
    cells: tuple[Answer, ...]  # one per column


@dataclass(frozen=True)
class Matrix:
    columns: tuple[Column, ...]
    rows: tuple[MatrixRow, ...]
    totals: tuple[int, ...]  # principles met per column


def matrix(columns: tuple[Column, ...], answers: dict[tuple[int, str], str]) -> Matrix:
    """Principles x programmes; `answers` maps (programme id, principle) to "yes"/"no"/""."""
    rows = tuple(
        MatrixRow(p, tuple(Answer(answers.get((c.programme_id, p.value), "")) for c in columns))
        for p in PRINCIPLES
    )
    totals = tuple(sum(1 for r in rows if r.cells[i] == Answer.YES) for i in range(len(columns)))
    return Matrix(columns, rows, totals)


def parse_decimal(text: str) -> Decimal | None:
    """A reading or target as typed by a person: "1.234,5" or "1234.5" -> Decimal; bad -> None.

    Indonesian writing uses "." for thousands and "," for decimals; a single "." followed by
    one or two digits is read as a decimal point, as English speakers type it.
    """
    s = text.strip().replace(" ", "")
    if not s:
        return None
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif s.count(".") > 1 or (s.count(".") == 1 and len(s.split(".")[1]) == 3):
        s = s.replace(".", "")
    try:
        value = Decimal(s)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        return None
    return value.quantize(Decimal("0.01"))


# --- the indicator chart ----------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    day: date
    value: Decimal
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    pad: int
    points: tuple[Point, ...]
    low: Decimal
    high: Decimal
    target_y: float | None

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))


def chart(readings: list[tuple[date, Decimal]], target: Decimal | None = None, *,
          width: int = 360, height: int = 170, pad: int = 30) -> Chart:
    """Place readings (any order) on an SVG canvas: x by date, y by value, zero-based.

    The y axis starts at zero (or the lowest negative value) so small changes are not
    exaggerated; a single reading sits in the middle of the x axis.
    """
    ordered = sorted(readings)
    values = [v for _, v in ordered] + ([target] if target is not None else [])
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    if high == low:
        high = low + 1
    first, last = (ordered[0][0], ordered[-1][0]) if ordered else (date.min, date.min)
    span = (last - first).days

    def y_of(v: Decimal) -> float:
        return round(height - pad - float((v - low) / (high - low)) * (height - 2 * pad), 1)

    def x_of(d: date) -> float:
        if span == 0:
            return width / 2
        return round(pad + (d - first).days / span * (width - 2 * pad), 1)

    points = tuple(Point(d, v, x_of(d), y_of(v)) for d, v in ordered)
    return Chart(width, height, pad, points, low, high, y_of(target) if target is not None else None)
