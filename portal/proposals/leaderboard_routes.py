"""The public leaderboard with badges, and a resident's choice to appear on it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.i18n import gettext as _
from portal.proposals import gamification, leaderboard as board
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_login


async def leaderboard(request: Request) -> Response:
    kecamatan = request.query_params.get("kecamatan", "")[:8]
    data = await board.board(identity(request), kecamatan)
    return render(request, "proposals/leaderboard.html",
                  {"board": data, "badges": gamification.BADGES, "points": gamification.POINTS},
                  fragment="proposals/_leaderboard_contributors.html")


async def visibility(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    listed = data.get("listed") == "1"
    await board.set_listed(who, listed)
    flash(request, _("You appear on the leaderboard again.") if listed
          else _("You no longer appear on the leaderboard."), "success")
    return redirect(request, "/leaderboard")


routes = [
    Route("/leaderboard", leaderboard, name="leaderboard"),
    Route("/leaderboard/visibility", visibility, methods=["POST"], name="leaderboard_visibility"),
]
