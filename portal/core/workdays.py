"""Working days (hari kerja) for complaint and follow-up deadlines (DOMAIN.md §4).

A working day is Monday-Friday in Asia/Jakarta that is neither a national holiday (hari libur
nasional) nor a cuti bersama day (set yearly by SKB 3 Menteri). Both lists come from the PyPI
``holidays`` package, categories ``public`` and ``government``; it is pure data and is updated
when the SKB changes mid-year (e.g. 18 Aug 2025), so keep the dependency current. On top of that
an admin can add ad-hoc closures (``extra_holidays``) and declare replacement working days
(``extra_working_days``, e.g. a Saturday worked in exchange for a bridge day).

Counting rule (LAPOR!/SP4N practice, "paling lambat N hari kerja"):

* The receipt time is converted to Asia/Jakarta first: a report sent at 23:30 UTC arrives on the
  next Jakarta day.
* The clock starts the working day after receipt. Receipt on a non-working day (weekend, holiday)
  therefore counts from the first working day after it, which is then day 1. Both cases are the
  same rule: **the deadline is the N-th working day strictly after the Jakarta receipt date.**
* The deadline lasts until the end of that day: :func:`deadline_end` returns
  23:59:59.999999+07:00 of the deadline date (an inclusive instant, so ``now <= deadline_end`` means
  "still on time"; the exclusive alternative would be 00:00 of the next day).

Caching: holiday sets are cached per year with ``functools.lru_cache`` on a module function. The
cache is a pure memo of immutable data (a frozenset per year), not shared mutable state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "JAKARTA",
    "WorkCalendar",
    "add_working_days",
    "deadline_end",
    "is_working_day",
    "jakarta_date",
    "national_holidays",
    "working_days_between",
]

JAKARTA = ZoneInfo("Asia/Jakarta")

# "public" = hari libur nasional, "government" = cuti bersama for civil servants.
_HOLIDAY_CATEGORIES = ("public", "government")
_SATURDAY = 5


@lru_cache(maxsize=64)
def national_holidays(year: int) -> frozenset[date]:
    """Indonesian national holidays plus cuti bersama for one year, as an immutable set."""
    calendar = holidays.country_holidays("ID", years=year, categories=_HOLIDAY_CATEGORIES)
    return frozenset(calendar.keys())


@dataclass(frozen=True)
class WorkCalendar:
    """The working-day calendar: national data plus admin overrides.

    ``extra_holidays`` are admin-added closures (Bandung-specific days, a holiday announced after
    the ``holidays`` release). ``extra_working_days`` turn a weekend or holiday into a working
    day. A date cannot be in both; that would be a data-entry mistake, so it is rejected.
    """

    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        clash = self.extra_holidays & self.extra_working_days
        if clash:
            raise ValueError(
                "dates cannot be both extra holidays and extra working days: "
                + ", ".join(d.isoformat() for d in sorted(clash))
            )

    def holidays_in(self, year: int) -> frozenset[date]:
        """National holidays, cuti bersama and extra holidays of ``year`` (weekends excluded)."""
        extra = frozenset(d for d in self.extra_holidays if d.year == year)
        return national_holidays(year) | extra

    def is_working_day(self, d: date) -> bool:
        if d in self.extra_working_days:
            return True
        if d.weekday() >= _SATURDAY or d in self.extra_holidays:
            return False
        return d not in national_holidays(d.year)


def jakarta_date(moment: datetime | date) -> date:
    """The Asia/Jakarta calendar date of ``moment``.

    A ``date`` is taken as already being a Jakarta date. A naive ``datetime`` is rejected: its
    timezone is unknown and guessing would shift deadlines by a day around midnight.
    """
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("datetime must be timezone-aware")
        return moment.astimezone(JAKARTA).date()
    return moment


def is_working_day(d: date, calendar: WorkCalendar) -> bool:
    """True if ``d`` (a Jakarta date) is a working day in ``calendar``."""
    return calendar.is_working_day(d)


def _working_days_after(start: date, calendar: WorkCalendar) -> Iterator[date]:
    d = start
    while True:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            yield d


def add_working_days(received: datetime | date, n: int, calendar: WorkCalendar) -> date:
    """The deadline date: the ``n``-th working day strictly after the Jakarta receipt date.

    ``n`` must be at least 1: a "0 working days" deadline has no meaning in the SLA texts.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    for count, d in enumerate(_working_days_after(jakarta_date(received), calendar), start=1):
        if count == n:
            return d
    raise AssertionError("unreachable: the working-day iterator is infinite")  # pragma: no cover


def deadline_end(received: datetime | date, n: int, calendar: WorkCalendar) -> datetime:
    """The last instant of the deadline day: 23:59:59.999999 in Asia/Jakarta (+07:00).

    Inclusive on purpose: a reply at 23:59 on the deadline day is on time, and the stored value
    shows the deadline date itself rather than the next day's midnight.
    """
    return datetime.combine(add_working_days(received, n, calendar), time.max, tzinfo=JAKARTA)


def working_days_between(
    start: datetime | date, end: datetime | date, calendar: WorkCalendar
) -> int:
    """Signed count of working days in ``(start, end]`` (Jakarta dates), for countdowns.

    ``working_days_between(today, deadline)`` is the number of working days left: 0 on the
    deadline day itself, negative once overdue (``-k`` = k working days late). It is the inverse
    of :func:`add_working_days`: ``working_days_between(r, add_working_days(r, n)) == n``.
    """
    first, last = jakarta_date(start), jakarta_date(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count = 0
    d = first + timedelta(days=1)
    while d <= last:
        count += int(calendar.is_working_day(d))
        d += timedelta(days=1)
    return sign * count
