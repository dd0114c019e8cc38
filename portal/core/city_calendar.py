"""The city's working-day calendar: national holidays and cuti bersama (workdays.py) plus the
closures an admin adds in the UI. Every deadline computed after a closure is added honours it;
deadlines already set keep their date (a new closure does not move a promise made earlier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity, Role
from portal.core import audit
from portal.core.holiday_models import CityHoliday
from portal.core.timeutil import utcnow
from portal.core.workdays import WorkCalendar, national_holidays
from portal.errors import InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _


@dataclass(frozen=True)
class HolidayRow:
    id: int
    day: date
    name: str


async def calendar() -> WorkCalendar:
    """The calendar to compute deadlines with, read fresh (the table is a few rows a year)."""
    days = await CityHoliday.all().values_list("day", flat=True)
    return WorkCalendar(extra_holidays=frozenset(days))


async def list_holidays(since: date | None = None) -> list[HolidayRow]:
    query = CityHoliday.all() if since is None else CityHoliday.filter(day__gte=since)
    return [HolidayRow(h.id, h.day, h.name) for h in await query.order_by("day")]


def _require_admin(who: Identity) -> int:
    if who.user_id is None or not who.has(Role.ADMIN):
        raise NotAllowed()
    return who.user_id


async def add_holiday(who: Identity, day: date, name: str, *, now: datetime | None = None) -> int:
    """Add a city closure; a weekend or a day already a national holiday is refused (no effect)."""
    admin_id = _require_admin(who)
    if day.weekday() >= 5:
        raise InvalidInput({"day": _("This day is a weekend: it is not a working day anyway.")})
    if day in national_holidays(day.year):
        raise InvalidInput({"day": _("This day is already a national holiday or cuti bersama.")})
    try:
        async with in_transaction() as conn:
            row = await CityHoliday.create(day=day, name=name, created_by_id=admin_id,
                                           created_at=now or utcnow(), using_db=conn)
            await audit.record("core:holiday:add", actor_id=admin_id, target_type="city_holiday",
                               target_id=row.id, data={"day": day.isoformat(), "name": name}, conn=conn)
    except IntegrityError:
        raise InvalidInput({"day": _("This day is already in the list.")}) from None
    return row.id


async def remove_holiday(who: Identity, holiday_id: int) -> None:
    admin_id = _require_admin(who)
    async with in_transaction() as conn:
        row = await CityHoliday.get_or_none(id=holiday_id).using_db(conn)
        if row is None:
            raise NotFound()
        await row.delete(using_db=conn)
        await audit.record("core:holiday:remove", actor_id=admin_id, target_type="city_holiday",
                           target_id=holiday_id, data={"day": row.day.isoformat(), "name": row.name},
                           conn=conn)
