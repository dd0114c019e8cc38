"""PURE: read paper SKM survey answers from CSV (one row per respondent).

Columns ``U1``..``U9`` (PermenPANRB 14/2017) or ``U1``..``U14`` (Kepmenpan 25/2004), in any
order, header names case-insensitive; other columns (respondent number, date, notes) are
ignored. Values are 1-4, or empty for an unanswered question (stored as ``None``, excluded from
that unsur's denominator). A semicolon delimiter (what spreadsheet programs in Indonesian
locales write) is detected as well as a comma. Every error names the CSV line number as a
spreadsheet shows it (the header is line 1), so an officer can fix the file and upload again.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from portal.panels.scoring import Scale

__all__ = ["CsvError", "MAX_ROWS", "parse_skm_csv"]

MAX_ROWS = 20_000


@dataclass(frozen=True)
class CsvError:
    line: int  # 0 = the file as a whole
    column: str
    problem: str  # English; the web layer translates the fixed part

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}{', ' + self.column if self.column else ''}: {self.problem}"


def _dialect(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def parse_skm_csv(text: str, scale: Scale) -> tuple[list[dict[str, int | None]], list[CsvError]]:
    """(rows, errors). Rows are only meaningful when errors is empty."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], [CsvError(0, "", "the file is empty")]
    reader = csv.reader(io.StringIO(text), delimiter=_dialect(text))
    try:
        header = [h.strip().upper() for h in next(reader)]
    except (csv.Error, StopIteration):
        return [], [CsvError(1, "", "the header line cannot be read")]
    codes = scale.codes
    missing = [c for c in codes if c not in header]
    extra = [h for h in header if h.startswith("U") and h[1:].isdigit() and h not in codes]
    errors: list[CsvError] = []
    if missing:
        errors.append(CsvError(1, "", f"missing columns {', '.join(missing)} for this scale"))
    if extra:
        errors.append(CsvError(1, "", f"columns {', '.join(extra)} do not belong to this scale"))
    if len(set(header)) != len(header):
        errors.append(CsvError(1, "", "a column name appears twice"))
    if errors:
        return [], errors
    index = {code: header.index(code) for code in codes}
    rows: list[dict[str, int | None]] = []
    try:
        for line_no, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue  # blank lines at the end of exported sheets
            if len(rows) >= MAX_ROWS:
                errors.append(CsvError(line_no, "", f"more than {MAX_ROWS} respondents"))
                break
            row: dict[str, int | None] = {}
            for code in codes:
                i = index[code]
                cell = record[i].strip() if i < len(record) else ""
                if cell == "":
                    row[code] = None
                elif cell in ("1", "2", "3", "4"):
                    row[code] = int(cell)
                else:
                    errors.append(CsvError(line_no, code, f"value {cell[:20]!r} is not 1-4 or empty"))
            rows.append(row)
    except csv.Error as exc:
        errors.append(CsvError(reader.line_num, "", f"unreadable CSV ({exc})"))
    if not rows and not errors:
        errors.append(CsvError(0, "", "the file has no respondent rows"))
    for code in codes:
        if rows and not errors and all(r[code] is None for r in rows):
            errors.append(CsvError(0, code, "nobody answered this column"))
    return rows, errors
