"""Admin page for city closures (extra holidays) that the working-day deadlines honour."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.accounts.identity import Role
from portal.core import city_calendar
from portal.core.timeutil import to_jakarta, utcnow
from portal.core.workdays import national_holidays
from portal.errors import InvalidInput
from portal.i18n import gettext as _
from portal.templating import flash, render
from portal.web import form_data, redirect, require_role


async def _page(request: Request, form: forms.Form | None = None, status: int = 200) -> Response:
    this_year = to_jakarta(utcnow()).year
    national = sorted(d for year in (this_year, this_year + 1) for d in national_holidays(year))
    return render(request, "admin/holidays.html",
                  {"holidays": await city_calendar.list_holidays(), "national": national,
                   "form": form or forms.Form({})}, status_code=status)


async def holidays(request: Request) -> Response:
    require_role(request, Role.ADMIN)
    return await _page(request)


def _parse_day(form: forms.Form) -> date | None:
    raw = form.text("day", max_length=10)
    if "day" in form.errors:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        form.errors["day"] = _("Enter a date as YYYY-MM-DD.")
        return None


async def add(request: Request) -> Response:
    admin = require_role(request, Role.ADMIN)
    form = forms.Form(await form_data(request))
    day = _parse_day(form)
    name = form.text("name", max_length=120, min_length=3)
    if form.ok and day is not None:
        try:
            await city_calendar.add_holiday(admin, day, name)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
    if not form.ok:
        return await _page(request, form, 422)
    flash(request, _("Holiday added. Deadlines set from now on skip it."), "success")
    return redirect(request, "/admin/holidays")


async def remove(request: Request) -> Response:
    admin = require_role(request, Role.ADMIN)
    await city_calendar.remove_holiday(admin, request.path_params["holiday_id"])
    flash(request, _("Holiday removed."), "info")
    return redirect(request, "/admin/holidays")


routes = [
    Route("/admin/holidays", holidays, name="admin_holidays"),
    Route("/admin/holidays/add", add, methods=["POST"], name="admin_holidays_add"),
    Route("/admin/holidays/{holiday_id:int}/delete", remove, methods=["POST"], name="admin_holidays_delete"),
]
