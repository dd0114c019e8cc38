"""Public co-assessment pages: the agency scoreboard, each agency's page (its officers'
dashboard with open actions) and the public satisfaction survey per service."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.errors import InvalidInput
from portal.i18n import gettext as _
from portal.panels import domain, queries, scorecards
from portal.panels.services import today
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_login


async def scoreboard(request: Request) -> Response:
    return render(request, "agencies/index.html", {"scores": await queries.scoreboard()})


async def agency(request: Request) -> Response:
    page = await queries.agency_page(request.path_params["abbreviation"], identity(request))
    return render(request, "agencies/detail.html", {"page": page})


async def _survey_page(request: Request, form: forms.Form, status: int = 200) -> Response:
    who = identity(request)
    service = await queries.survey_service(request.path_params["code"])
    period = domain.survey_period(today())
    answered = await queries.has_answered_survey(service["code"], who.user_id, period)
    return render(request, "panels/survey.html", {"service": service, "form": form, "answered": answered,
                                                  "period": period}, status_code=status)


async def survey(request: Request) -> Response:
    if request.method == "GET":
        return await _survey_page(request, forms.Form({}))
    who = require_login(request)
    data = await form_data(request)
    form = forms.Form(data)
    for key in data:
        if key.startswith("U"):
            form.raw(key)
    try:
        await scorecards.submit_survey(who, request.path_params["code"], data)
    except InvalidInput as exc:
        form.add_errors(exc.errors)
        return await _survey_page(request, form, 422)
    flash(request, _("Thank you! Your answers were recorded."), "success")
    return redirect(request, request.url_for("panels.survey", code=request.path_params["code"]).path)


routes = [
    Route("/agencies", scoreboard, name="panels.scoreboard"),
    Route("/agencies/{abbreviation}", agency, name="panels.agency"),
    Route("/survey/{code}", survey, methods=["GET", "POST"], name="panels.survey"),
]
