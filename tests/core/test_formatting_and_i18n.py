"""Rupiah and Jakarta-time formatting; the Indonesian catalog is complete."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po

from portal import i18n
from portal.formatting import jakarta_date, jakarta_datetime, rupiah


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        # Indonesian grouping with dots; a no-break space keeps "Rp" on its number's line
        (1_250_000, "Rp\u00a01.250.000"),
        (0, "Rp\u00a00"),
        (999, "Rp\u00a0999"),
        (-5_000, "-Rp\u00a05.000"),
        (12_345_678_901, "Rp\u00a012.345.678.901"),  # city budgets run into the billions
    ],
)
def test_rupiah(amount: int, expected: str) -> None:
    assert rupiah(amount) == expected
    assert rupiah(amount, "en") == expected  # residents read prices the Indonesian way


def test_datetimes_are_shown_in_jakarta_time() -> None:
    late_utc = datetime(2026, 11, 29, 20, 30, tzinfo=UTC)  # 03:30 next day in WIB
    assert jakarta_datetime(late_utc) == "30 Nov 2026, 03.30 WIB"
    assert jakarta_date(late_utc) == "30 November 2026"
    assert jakarta_date(late_utc, "en") == "30 November 2026"
    assert jakarta_date(datetime(2026, 1, 5, tzinfo=UTC), "id") == "5 Januari 2026"


def test_indonesian_catalog_is_complete() -> None:
    with (i18n.LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_gettext_follows_the_request_language() -> None:
    token = i18n.current_lang.set("id")
    try:
        assert i18n.gettext("Log in") == "Masuk"
        i18n.current_lang.set("en")
        assert i18n.gettext("Log in") == "Log in"
    finally:
        i18n.current_lang.reset(token)


def test_pick_language_ignores_unsupported() -> None:
    assert i18n.pick_language("fr", None, "en") == "en"
    assert i18n.pick_language(None) == "id"


@pytest.mark.parametrize(("value", "lang", "drop_zero", "expected"), [
    ("12.3", "id", False, "12,3"), ("12.3", "en", False, "12.3"), ("80", "en", False, "80.0"),
    ("80", "id", True, "80"), ("83.3", "id", True, "83,3"),
])
def test_one_decimal_follows_the_language(value: str, lang: str, drop_zero: bool, expected: str) -> None:
    from decimal import Decimal

    from portal.formatting import one_decimal

    assert one_decimal(Decimal(value), lang, drop_zero=drop_zero) == expected
