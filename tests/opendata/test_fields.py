"""Pure rules of the open-data machinery: value encoding, JSON Schema, query allow-list, paging."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.opendata.fields import (
    DEFAULT_LIMIT, MAX_KEY, Field, Filter, Kind, QueryError, Resource, page, parse_query,
)
from portal.opendata.serializers import RESOURCES

WIB = timezone(timedelta(hours=7))

RES = Resource(
    name="things", title="Things", description="",
    fields=(Field("id", Kind.INTEGER, ""), Field("name", Kind.STRING, "")),
    filters=(Filter("colour", "", enum=("red", "blue")), Filter("code", "", pattern=r"^[0-9]{2}$", max_length=2)),
)


@pytest.mark.parametrize(("kind", "value", "json_value", "csv_cell"), [
    (Kind.DATETIME, datetime(2026, 11, 29, 10, 0, tzinfo=WIB), "2026-11-29T03:00:00Z", "2026-11-29T03:00:00Z"),
    (Kind.DATETIME, datetime(2026, 11, 29, 3, 0), "2026-11-29T03:00:00Z", "2026-11-29T03:00:00Z"),  # naive = UTC
    (Kind.DATE, date(2026, 1, 2), "2026-01-02", "2026-01-02"),
    (Kind.NUMBER, Decimal("82.50"), 82.5, "82.50"),  # CSV keeps the published decimals
    (Kind.NUMBER, -6.88, -6.88, "-6.88"),  # a negative number is not a formula
    (Kind.INTEGER, 25_000_000, 25_000_000, "25000000"),
    (Kind.BOOLEAN, True, True, "true"),
    (Kind.STRING, "Jalan Dago", "Jalan Dago", "Jalan Dago"),
    (Kind.STRING, "=HYPERLINK(\"http://x\")", "=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    (Kind.STRING, "+62 812", "+62 812", "'+62 812"),
    (Kind.STRING, "-", "-", "'-"),
    (Kind.STRING, "@warga", "@warga", "'@warga"),
    (Kind.INTEGERS, (3, 12), [3, 12], "3 12"),
    (Kind.STRINGS, ["Budi", "Siti"], ["Budi", "Siti"], "Budi; Siti"),
    (Kind.STRINGS, ["=1+1"], ["=1+1"], "'=1+1"),
])
def test_values_encode_for_json_and_csv(kind: Kind, value: Any, json_value: Any, csv_cell: str) -> None:
    f = Field("x", kind, "")
    assert f.to_json(value) == json_value
    assert f.to_csv(value) == csv_cell
    jsonschema.validate(json_value, f.json_schema())


def test_null_only_where_declared() -> None:
    assert Field("x", Kind.INTEGER, "", nullable=True).to_json(None) is None
    assert Field("x", Kind.INTEGER, "", nullable=True).to_csv(None) == ""
    with pytest.raises(ValueError):
        Field("x", Kind.INTEGER, "").to_json(None)


def test_nullable_enum_schema_admits_null_and_nothing_else() -> None:
    schema = Field("g", Kind.STRING, "", nullable=True, enum=("A", "B")).json_schema()
    jsonschema.validate(None, schema)
    jsonschema.validate("A", schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("C", schema)


@pytest.mark.parametrize(("params", "filters", "after", "limit"), [
    ([], {}, 0, DEFAULT_LIMIT),  # defaults
    ([("limit", "1"), ("cursor", "41")], {}, 41, 1),
    ([("limit", "100")], {}, 0, 100),  # the maximum
    ([("cursor", "9999999999")], {}, MAX_KEY, DEFAULT_LIMIT),  # beyond any id: "after everything"
    ([("colour", "red"), ("code", "07")], {"colour": "red", "code": "07"}, 0, DEFAULT_LIMIT),
])
def test_accepted_queries(params: list[tuple[str, str]], filters: dict[str, str], after: int, limit: int) -> None:
    q = parse_query(RES, params)
    assert (q.filters, q.after, q.limit) == (filters, after, limit)


@pytest.mark.parametrize(("params", "code"), [
    ([("shape", "x")], "unknown_parameter"),  # not on the allow-list
    ([("colour", "green")], "invalid_filter"),  # not in the enum
    ([("code", "7")], "invalid_filter"),  # pattern
    ([("code", "071")], "invalid_filter"),  # too long
    ([("colour", "red"), ("colour", "blue")], "repeated_parameter"),
    ([("limit", "0")], "invalid_limit"),
    ([("limit", "101")], "invalid_limit"),
    ([("limit", "-1")], "invalid_limit"),
    ([("limit", "0010")], "invalid_limit"),  # four digits
    ([("cursor", "")], "invalid_cursor"),
    ([("cursor", "1e3")], "invalid_cursor"),
    ([("cursor", "12345678901")], "invalid_cursor"),  # eleven digits
])
def test_refused_queries(params: list[tuple[str, str]], code: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(RES, params)
    assert caught.value.code == code and caught.value.parameter == params[0][0]


def test_exports_take_filters_but_no_paging() -> None:
    assert parse_query(RES, [("colour", "blue")], paged=False).filters == {"colour": "blue"}
    with pytest.raises(QueryError):
        parse_query(RES, [("limit", "5")], paged=False)


@pytest.mark.parametrize(("n", "limit", "kept", "cursor"), [
    (0, 2, 0, None),
    (2, 2, 2, None),  # exactly a page: fetched limit + 1 found no more
    (3, 2, 2, "2"),
])
def test_page_cuts_the_extra_row_and_points_after_the_last_kept(n: int, limit: int, kept: int,
                                                                cursor: str | None) -> None:
    rows, next_cursor = page([{"id": i} for i in range(1, n + 1)], "id", limit)
    assert (len(rows), next_cursor) == (kept, cursor)


def test_resource_refuses_duplicate_fields_or_missing_key() -> None:
    with pytest.raises(ValueError):
        Resource("x", "", "", fields=(Field("id", Kind.INTEGER, ""), Field("id", Kind.STRING, "")))
    with pytest.raises(ValueError):
        Resource("x", "", "", fields=(Field("name", Kind.STRING, ""),))


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
def test_every_dataset_is_documented_and_keyed(resource: Resource) -> None:
    assert resource.title and resource.description
    assert all(f.description for f in resource.fields) and all(f.description for f in resource.filters)
    assert resource.fields[0].name == resource.key == "id"
    assert not {"email", "nik", "name", "user_id", "created_by", "voter_key"} & {f.name for f in resource.fields}


@given(st.text(max_size=30))
def test_csv_text_is_never_a_formula_and_only_gains_a_quote(text: str) -> None:
    cell = Field("t", Kind.STRING, "").to_csv(text)
    assert cell in (text, "'" + text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
