"""Public co-assessment pages: the agency scoreboard and each agency's page (its officers'
dashboard with open actions and survey periods). Surveys are in survey_routes.py."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.panels import scoreboard as scoreboard_queries
from portal.panels import survey_queries
from portal.council import project_queries as council_projects
from portal.templating import render
from portal.web import identity


async def scoreboard(request: Request) -> Response:
    return render(request, "agencies/index.html", {"scores": await scoreboard_queries.scoreboard()})


async def agency(request: Request) -> Response:
    page = await scoreboard_queries.agency_page(request.path_params["abbreviation"], identity(request))
    periods = await survey_queries.periods(agency_id=page.agency_id)
    completions = await council_projects.agency_completions(request.path_params["abbreviation"])
    return render(request, "agencies/detail.html", {"page": page, "periods": periods, "completions": completions})


routes = [
    Route("/agencies", scoreboard, name="panels.scoreboard"),
    Route("/agencies/{abbreviation}", agency, name="panels.agency"),
]
