"""Tests for portal.core.workdays: hari kerja and SLA deadlines (DOMAIN.md §4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core.workdays import (
    JAKARTA,
    WorkCalendar,
    add_working_days,
    deadline_end,
    is_working_day,
    jakarta_date,
    national_holidays,
    working_days_between,
)

CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("received", "n", "deadline"),
    [
        # DOMAIN.md §4 vectors. Thursday before Nyepi (28 Mar cuti, 29 Mar Sat) and Lebaran
        # (31 Mar-1 Apr libur, 2-4 and 7 Apr cuti bersama): day 1 is Tue 8 Apr.
        (date(2025, 3, 27), 3, date(2025, 4, 10)),
        (date(2025, 3, 27), 5, date(2025, 4, 14)),
        (date(2025, 3, 27), 10, date(2025, 4, 22)),
        # Before 17 Aug (Sunday) and the 18 Aug 2025 cuti bersama added mid-year.
        (date(2025, 8, 14), 3, date(2025, 8, 20)),
        (date(2025, 8, 14), 5, date(2025, 8, 22)),
        # Christmas (25 Dec libur, 26 Dec cuti) and New Year across the year boundary.
        (date(2025, 12, 23), 3, date(2025, 12, 30)),
        (date(2025, 12, 23), 5, date(2026, 1, 2)),
        (date(2025, 12, 23), 10, date(2026, 1, 9)),
    ],
)
def test_add_working_days_domain_vectors(received: date, n: int, deadline: date) -> None:
    assert add_working_days(received, n, CAL) == deadline
    # The same vector with a receipt time during Jakarta office hours.
    at_ten = datetime.combine(received, time(10, 0), tzinfo=JAKARTA)
    assert add_working_days(at_ten, n, CAL) == deadline


@pytest.mark.parametrize(
    ("received", "n", "deadline"),
    [
        # Ordinary Wednesday, no holidays: Thu, Fri, Mon.
        (date(2025, 9, 10), 3, date(2025, 9, 15)),
        # Ordinary Friday: day 1 is Monday.
        (date(2025, 9, 12), 1, date(2025, 9, 15)),
        # Received Saturday: counts from Monday, which is day 1.
        (date(2025, 9, 13), 1, date(2025, 9, 15)),
        # Received Saturday, 3 HK: Mon, Tue, Wed.
        (date(2025, 9, 13), 3, date(2025, 9, 17)),
        # Received Sunday: same as Saturday.
        (date(2025, 9, 14), 3, date(2025, 9, 17)),
        # Received Saturday 16 Aug 2025 before Sun 17 Aug and Mon 18 Aug cuti: day 1 is Tue 19.
        (date(2025, 8, 16), 1, date(2025, 8, 19)),
        (date(2025, 8, 16), 3, date(2025, 8, 21)),
        # Received on a weekday holiday (Mon 31 Mar 2025, Idul Fitri): day 1 is Tue 8 Apr.
        (date(2025, 3, 31), 1, date(2025, 4, 8)),
        # Received on a cuti bersama day (Fri 26 Dec 2025).
        (date(2025, 12, 26), 1, date(2025, 12, 29)),
    ],
)
def test_add_working_days_weekends_and_holidays(received: date, n: int, deadline: date) -> None:
    assert add_working_days(received, n, CAL) == deadline


@pytest.mark.parametrize(
    ("received", "n", "deadline"),
    [
        # 23:30 UTC Wed 26 Mar is 06:30 Thu 27 Mar in Jakarta -> the DOMAIN.md vector.
        (datetime(2025, 3, 26, 23, 30, tzinfo=UTC), 3, date(2025, 4, 10)),
        # 16:59 UTC Wed 26 Mar is 23:59 Wed in Jakarta: day 1 is Thu 27 Mar -> 9 Apr.
        (datetime(2025, 3, 26, 16, 59, tzinfo=UTC), 3, date(2025, 4, 9)),
        # 17:00 UTC is exactly midnight in Jakarta: already Thursday.
        (datetime(2025, 3, 26, 17, 0, tzinfo=UTC), 3, date(2025, 4, 10)),
        # 23:30 UTC Friday 12 Sep is Saturday morning in Jakarta: counts from Monday.
        (datetime(2025, 9, 12, 23, 30, tzinfo=UTC), 1, date(2025, 9, 15)),
        # Another offset (UTC+9, WIT/Jayapura 00:30 Thu) is 22:30 Wed in Jakarta.
        (datetime(2025, 9, 11, 0, 30, tzinfo=timezone(timedelta(hours=9))), 1, date(2025, 9, 11)),
    ],
)
def test_add_working_days_uses_jakarta_date(received: datetime, n: int, deadline: date) -> None:
    assert add_working_days(received, n, CAL) == deadline


def test_jakarta_date_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError):
        jakarta_date(datetime(2025, 3, 27, 10, 0))


@pytest.mark.parametrize(
    "n",
    [
        # Zero working days is not an SLA.
        0,
        # Negative.
        -1,
    ],
)
def test_add_working_days_rejects_non_positive_n(n: int) -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2025, 3, 27), n, CAL)


@pytest.mark.parametrize(
    ("calendar", "received", "n", "deadline"),
    [
        # Baseline from DOMAIN.md.
        (WorkCalendar(), date(2025, 8, 14), 3, date(2025, 8, 20)),
        # Admin closes Tue 19 Aug (e.g. Bandung-specific event): deadline moves one day.
        (
            WorkCalendar(extra_holidays=frozenset({date(2025, 8, 19)})),
            date(2025, 8, 14),
            3,
            date(2025, 8, 21),
        ),
        # An extra holiday after the deadline changes nothing.
        (
            WorkCalendar(extra_holidays=frozenset({date(2025, 8, 25)})),
            date(2025, 8, 14),
            3,
            date(2025, 8, 20),
        ),
        # An extra holiday on a weekend changes nothing.
        (
            WorkCalendar(extra_holidays=frozenset({date(2025, 8, 16)})),
            date(2025, 8, 14),
            3,
            date(2025, 8, 20),
        ),
        # Replacement working Saturday 16 Aug: Fri 15 = 1, Sat 16 = 2, Tue 19 = 3.
        (
            WorkCalendar(extra_working_days=frozenset({date(2025, 8, 16)})),
            date(2025, 8, 14),
            3,
            date(2025, 8, 19),
        ),
        # Cuti bersama Mon 18 Aug declared a working day (e.g. an office that stays open).
        (
            WorkCalendar(extra_working_days=frozenset({date(2025, 8, 18)})),
            date(2025, 8, 14),
            3,
            date(2025, 8, 19),
        ),
    ],
)
def test_add_working_days_with_admin_overrides(
    calendar: WorkCalendar, received: date, n: int, deadline: date
) -> None:
    assert add_working_days(received, n, calendar) == deadline


def test_calendar_rejects_day_that_is_both_holiday_and_working() -> None:
    day = date(2025, 8, 19)
    with pytest.raises(ValueError):
        WorkCalendar(extra_holidays=frozenset({day}), extra_working_days=frozenset({day}))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Ordinary Tuesday.
        (date(2025, 4, 8), True),
        # Saturday.
        (date(2025, 4, 12), False),
        # Sunday.
        (date(2025, 4, 13), False),
        # Libur nasional on a weekday (Idul Fitri).
        (date(2025, 3, 31), False),
        # Cuti bersama (government category).
        (date(2025, 3, 28), False),
        # Cuti bersama added mid-2025.
        (date(2025, 8, 18), False),
        # New Year 2026.
        (date(2026, 1, 1), False),
        # 2 Jan 2026 is a normal Friday.
        (date(2026, 1, 2), True),
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert is_working_day(day, CAL) is expected


def test_national_holidays_2025_match_skb() -> None:
    # DOMAIN.md §4: 17 libur nasional + 10 cuti bersama (SKB) + 18 Aug added mid-year.
    public = {
        (1, 1), (1, 27), (1, 29), (3, 29), (3, 31), (4, 1), (4, 18), (4, 20), (5, 1), (5, 12),
        (5, 29), (6, 1), (6, 6), (6, 27), (8, 17), (9, 5), (12, 25),
    }  # fmt: skip
    government = {
        (1, 28), (3, 28), (4, 2), (4, 3), (4, 4), (4, 7), (5, 13), (5, 30), (6, 9), (8, 18),
        (12, 26),
    }  # fmt: skip
    expected = frozenset(date(2025, m, d) for m, d in public | government)
    assert national_holidays(2025) == expected
    assert CAL.holidays_in(2025) == expected


def test_holidays_in_includes_only_that_years_extra_holidays() -> None:
    extra = frozenset({date(2025, 9, 23), date(2026, 9, 23)})
    assert WorkCalendar(extra_holidays=extra).holidays_in(2025) == national_holidays(2025) | {
        date(2025, 9, 23)
    }


@pytest.mark.parametrize(
    ("received", "n", "end"),
    [
        # Date receipt: inclusive end of the deadline day, +07:00.
        (date(2025, 3, 27), 3, datetime(2025, 4, 10, 23, 59, 59, 999999, tzinfo=JAKARTA)),
        # Aware receipt late in the UTC day: the Jakarta date decides.
        (
            datetime(2025, 3, 26, 23, 30, tzinfo=UTC),
            3,
            datetime(2025, 4, 10, 23, 59, 59, 999999, tzinfo=JAKARTA),
        ),
    ],
)
def test_deadline_end(received: datetime | date, n: int, end: datetime) -> None:
    result = deadline_end(received, n, CAL)
    assert result == end
    assert result.utcoffset() == timedelta(hours=7)
    # One microsecond later is the start of the next Jakarta day, i.e. overdue.
    assert (result + timedelta(microseconds=1)).astimezone(JAKARTA).time() == time(0, 0)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Same day: nothing left to count.
        (date(2025, 4, 10), date(2025, 4, 10), 0),
        # From receipt to the DOMAIN.md deadline.
        (date(2025, 3, 27), date(2025, 4, 10), 3),
        # From a working day to the next working day.
        (date(2025, 4, 8), date(2025, 4, 9), 1),
        # Friday to Monday: the weekend does not count.
        (date(2025, 9, 12), date(2025, 9, 15), 1),
        # Overdue by one working day (today is the day after the deadline).
        (date(2025, 4, 11), date(2025, 4, 10), -1),
        # Overdue across a weekend: Mon 14 Apr vs deadline Thu 10 Apr -> Fri and Mon late.
        (date(2025, 4, 14), date(2025, 4, 10), -2),
        # Overdue only by a weekend: Sat after a Friday deadline is 0 working days late.
        (date(2025, 9, 13), date(2025, 9, 12), 0),
        # Aware datetimes are reduced to Jakarta dates (23:30 UTC = next Jakarta day).
        (datetime(2025, 4, 7, 23, 30, tzinfo=UTC), date(2025, 4, 10), 2),
    ],
)
def test_working_days_between(start: datetime | date, end: datetime | date, expected: int) -> None:
    assert working_days_between(start, end, CAL) == expected


# --- properties -------------------------------------------------------------------------------

# The first holiday lookup in a process loads the `holidays` data (~150 ms), which would trip
# Hypothesis' per-example deadline on whichever example happens to run first.
no_deadline = settings(deadline=None)

receipts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
calendars = st.builds(
    WorkCalendar,
    extra_holidays=st.frozensets(st.dates(date(2024, 1, 1), date(2028, 6, 30)), max_size=5),
)


@no_deadline
@given(received=receipts, n=st.integers(1, 40), calendar=calendars)
def test_deadline_is_a_working_day_after_receipt(
    received: datetime, n: int, calendar: WorkCalendar
) -> None:
    deadline = add_working_days(received, n, calendar)
    assert is_working_day(deadline, calendar)
    assert deadline > jakarta_date(received)
    assert working_days_between(received, deadline, calendar) == n
    assert working_days_between(deadline, received, calendar) == -n


@no_deadline
@given(received=receipts, n=st.integers(1, 40), calendar=calendars)
def test_deadline_is_strictly_monotonic_in_n(
    received: datetime, n: int, calendar: WorkCalendar
) -> None:
    assert add_working_days(received, n, calendar) < add_working_days(received, n + 1, calendar)


@no_deadline
@given(received=receipts, n=st.integers(1, 20), extra=st.dates(date(2024, 1, 1), date(2028, 6, 30)))
def test_extra_holiday_never_makes_a_deadline_earlier(
    received: datetime, n: int, extra: date
) -> None:
    base = add_working_days(received, n, CAL)
    shifted = add_working_days(received, n, WorkCalendar(extra_holidays=frozenset({extra})))
    assert shifted >= base
