"""PURE: the machinery behind every open dataset: typed fields, resources, filters, cursors.

One `Resource` definition (serializers.py holds them) drives every output, so they cannot drift
apart: the JSON objects of the API and of the JSON export, the CSV columns, the field table on
the /exports page and the JSON Schema that openapi.py publishes. A schemathesis test checks the
live responses against that schema.

Query rules of the API (`parse_query`):
- only the parameters a resource lists are accepted; an unknown or repeated parameter is an
  error (400), never silently ignored, so a typo cannot return the whole unfiltered dataset;
- `limit` is bounded (1..MAX_LIMIT), `cursor` is the `next_cursor` of the previous page: the
  last key seen. Pages are ordered by the key ascending, which is stable under inserts
  (keyset pagination; no OFFSET, so page 1000 costs what page 1 costs).

CSV cells (`Field.to_csv`): text that starts with = + - @ or a tab/CR is prefixed with a single
quote, because spreadsheet programs would run it as a formula (OWASP "CSV injection"). The JSON
outputs carry the exact text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Keys are database integer ids; a larger cursor can only mean "after everything".
MAX_KEY = 2_147_483_647
CURSOR_PATTERN = r"^[0-9]{1,10}$"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Kind(StrEnum):
    INTEGER = "integer"
    NUMBER = "number"
    STRING = "string"
    BOOLEAN = "boolean"
    DATETIME = "date-time"
    DATE = "date"
    INTEGERS = "integers"  # a list: JSON array, CSV cell of space-separated numbers
    STRINGS = "strings"  # a list: JSON array, CSV cell of texts separated by "; "


_LIST_ITEM = {Kind.INTEGERS: "integer", Kind.STRINGS: "string"}


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    description: str
    nullable: bool = False
    enum: tuple[str, ...] = ()

    def json_schema(self) -> dict[str, Any]:
        if self.kind in (Kind.DATETIME, Kind.DATE):
            schema: dict[str, Any] = {"type": "string", "format": self.kind.value}
        elif self.kind in _LIST_ITEM:
            schema = {"type": "array", "items": {"type": _LIST_ITEM[self.kind]}}
        else:
            schema = {"type": self.kind.value}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.nullable:
            schema["type"] = [schema["type"], "null"]
            if self.enum:
                schema["enum"] = [*self.enum, None]
        schema["description"] = self.description
        return schema

    def to_json(self, value: Any) -> Any:
        if value is None:
            if not self.nullable:
                raise ValueError(f"{self.name} must not be null")
            return None
        return _TO_JSON[self.kind](value)

    def to_csv(self, value: Any) -> str:
        return "" if value is None else _TO_CSV[self.kind](value)


# One small encoder per kind, looked up once per cell: exports call these for every cell of
# every row, so they avoid branching on the kind again and again.


def _utc(value: datetime) -> datetime:
    # Tortoise returns aware datetimes (use_tz); a naive one can only be UTC here.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json_datetime(value: datetime) -> str:
    return _utc(value).isoformat().replace("+00:00", "Z")


def _json_date(value: date) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _json_number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _safe_text(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


_TO_JSON: dict[Kind, Callable[[Any], Any]] = {
    Kind.INTEGER: int,
    Kind.NUMBER: _json_number,
    Kind.STRING: str,
    Kind.BOOLEAN: bool,
    Kind.DATETIME: _json_datetime,
    Kind.DATE: _json_date,
    Kind.INTEGERS: lambda values: [int(v) for v in values],
    Kind.STRINGS: lambda values: [str(v) for v in values],
}
_TO_CSV: dict[Kind, Callable[[Any], str]] = {
    Kind.INTEGER: lambda value: str(int(value)),
    Kind.NUMBER: str,  # a Decimal stays exact, as published (e.g. "82.50")
    Kind.STRING: lambda value: _safe_text(str(value)),
    Kind.BOOLEAN: lambda value: "true" if value else "false",
    Kind.DATETIME: _json_datetime,
    Kind.DATE: _json_date,
    Kind.INTEGERS: lambda values: " ".join(str(int(v)) for v in values),
    Kind.STRINGS: lambda values: _safe_text("; ".join(str(v) for v in values)),
}


@dataclass(frozen=True)
class Filter:
    """An allowed query parameter (its value checked by enum, or by pattern and length)."""

    name: str
    description: str
    enum: tuple[str, ...] = ()
    pattern: str = ""
    max_length: int = 64

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.enum:
            schema = {"type": "string", "enum": list(self.enum)}
        elif self.pattern:
            schema["pattern"] = self.pattern
        return schema

    def accepts(self, value: str) -> bool:
        if self.enum:
            return value in self.enum
        if len(value) > self.max_length:
            return False
        return not self.pattern or re.fullmatch(self.pattern.strip("^$"), value) is not None


@dataclass(frozen=True)
class Resource:
    """One public dataset. `name` is its URL segment (/api/v1/<name>, /exports/<name>.csv)."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    filters: tuple[Filter, ...] = ()
    key: str = "id"
    has_detail: bool = True
    licence: str = "CC-BY-4.0"
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names) or self.key not in names:
            raise ValueError(f"{self.name}: duplicate field names or missing key {self.key!r}")

    def item_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "title": self.title,
            "properties": {f.name: f.json_schema() for f in self.fields},
            "required": [f.name for f in self.fields],
            "additionalProperties": False,
        }

    def to_json(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {f.name: f.to_json(row.get(f.name)) for f in self.fields}

    def csv_header(self) -> list[str]:
        return [f.name for f in self.fields]

    def csv_row(self, row: Mapping[str, Any]) -> list[str]:
        return [f.to_csv(row.get(f.name)) for f in self.fields]

    def filter_named(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.name == name), None)


class QueryError(ValueError):
    """A query the API refuses with 400: `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str, parameter: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.parameter = parameter


@dataclass(frozen=True)
class Query:
    filters: dict[str, str]
    after: int
    limit: int


def parse_query(resource: Resource, params: Iterable[tuple[str, str]], *, paged: bool = True) -> Query:
    """Validate the query parameters against the resource's allow-list."""
    seen: dict[str, str] = {}
    for name, value in params:
        if name in seen:
            raise QueryError("repeated_parameter", f"The parameter '{name}' is given more than once.", name)
        seen[name] = value
    filters: dict[str, str] = {}
    after, limit = 0, DEFAULT_LIMIT
    for name, value in seen.items():
        if paged and name == "limit":
            limit = _limit(value)
        elif paged and name == "cursor":
            after = _cursor(value)
        elif (spec := resource.filter_named(name)) is not None:
            if not spec.accepts(value):
                raise QueryError("invalid_filter", f"The value of '{name}' is not allowed.", name)
            filters[name] = value
        else:
            allowed = sorted([*(("cursor", "limit") if paged else ()), *(f.name for f in resource.filters)])
            raise QueryError("unknown_parameter",
                             f"Unknown parameter '{name}'. Allowed: {', '.join(allowed) or 'none'}.", name)
    return Query(filters, after, limit)


def _limit(value: str) -> int:
    if not (value.isdigit() and len(value) <= 3 and 1 <= int(value) <= MAX_LIMIT):
        raise QueryError("invalid_limit", f"'limit' must be a whole number from 1 to {MAX_LIMIT}.", "limit")
    return int(value)


def _cursor(value: str) -> int:
    if re.fullmatch(CURSOR_PATTERN.strip("^$"), value) is None:
        raise QueryError("invalid_cursor", "'cursor' must be the next_cursor of a previous page.", "cursor")
    return min(int(value), MAX_KEY)


def page(rows: list[Mapping[str, Any]], key: str, limit: int) -> tuple[list[Mapping[str, Any]], str | None]:
    """Cut `rows` (fetched with limit + 1) to one page, with the cursor of the next page or None
    when this is the last one."""
    if len(rows) <= limit:
        return rows, None
    kept = rows[:limit]
    return kept, str(kept[-1][key])
