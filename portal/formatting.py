"""Pure display formatting: rupiah the Indonesian way and dates in Asia/Jakarta (WIB)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from portal.core.timeutil import JAKARTA


def rupiah(amount: int | None, lang: str = "id") -> str:
    """Rp 1.250.000 — Indonesian grouping whatever the UI language, as residents read prices.

    A no-break space joins "Rp" to its number, so a narrow phone never puts them on two lines."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp\u00a0{_grouped(abs(amount))}"


@lru_cache(maxsize=8192)
def _grouped(amount: int) -> str:
    # Babel resolves the locale's pattern on every call; a ballot page formats each cost a few times.
    return format_decimal(amount, locale="id")


def one_decimal(value: Decimal, lang: str = "id", *, drop_zero: bool = False) -> str:
    """A share such as a percentage with one decimal, the language's way ("1,2" id, "1.2" en);
    `drop_zero` writes a whole number without its ",0" ("80")."""
    return format_decimal(value, format="0.#" if drop_zero else "0.0", locale=lang)


def jakarta_datetime(moment: datetime | None, lang: str = "id") -> str:
    if moment is None:
        return ""
    local = moment.astimezone(JAKARTA)
    return format_datetime(local, "d MMM yyyy, HH.mm", locale=lang) + " WIB"


def jakarta_date(day: date | datetime | None, lang: str = "id") -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(JAKARTA).date()
    return format_date(day, "d MMMM yyyy", locale=lang)
