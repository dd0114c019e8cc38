"""Inspection pages: list, open, detail (one page whose sections depend on the visitor's part),
apply, recruitment, report/reply/action plan, evidence and verdicts. Scorecards and the
self-assessment are in scorecard_routes.py, agency pages in agency_routes.py, surveys in
survey_routes.py.

Every handler: parse, one service call, then render or redirect (303, or HX-Redirect).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.accounts.identity import Role
from portal.errors import InvalidInput
from portal.i18n import gettext as _
from portal.core.jobs import Periodic
from portal.panels import agency_routes, deadline_jobs, followup, labels, queries, recruitment, scorecard_routes, survey_routes
from portal.panels import forms as panel_forms
from portal.panels import services as panels
from portal.panels.pages import detail_page, detail_url, iid
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_login, require_role


def job_handlers(svc: Any) -> Mapping[str, Callable[[Mapping[str, Any]], Awaitable[None]]]:
    """Scheduled work of this domain, registered in app.job_handlers()."""
    return deadline_jobs.job_handlers(svc.mailer, svc.settings.base_url)


def periodic_jobs() -> list[Periodic]:
    """The hourly deadline sweep (reminders two working days ahead, escalation when overdue)."""
    return [deadline_jobs.PERIODIC]


async def index(request: Request) -> Response:
    who = identity(request)
    rows = await queries.inspections(include_drafts=panels.is_coordinator(who))
    return render(request, "panels/index.html", {"rows": rows, "can_open": panels.is_coordinator(who)},
                  fragment="panels/_list.html")


async def _new_page(request: Request, form: forms.Form, status: int = 200) -> Response:
    return render(request, "panels/new.html", {
        "form": form, "agencies": await queries.agencies_options(), "methods": labels.METHODS,
    }, status_code=status)


async def new(request: Request) -> Response:
    who = require_role(request, Role.MODERATOR, Role.COUNCIL)
    if request.method == "GET":
        return await _new_page(request, forms.Form({"team_size": "4", "fieldwork_days": "30", "scale": "2017"}))
    async with request.form(max_files=0, max_fields=100) as raw:
        data = {k: v for k, v in raw.items() if isinstance(v, str)}
        methods = [m for m in raw.getlist("methods") if isinstance(m, str)]
    agencies = [abbr for abbr, _name in await queries.agencies_options()]
    command, form = panel_forms.parse_inspection(data, methods, agencies)
    if command is None:
        return await _new_page(request, form, 422)
    inspection_id = await panels.create_inspection(who, command)
    flash(request, _("The inspection was created as a draft."), "success")
    return redirect(request, detail_url(request, inspection_id))


async def detail(request: Request) -> Response:
    return await detail_page(request)


async def transition(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    state = await panels.transition(who, iid(request), data.get("target", ""))
    flash(request, _("The inspection moved to: %(state)s.") % {"state": labels.state_label(state)}, "success")
    return redirect(request, detail_url(request, iid(request)))


async def _apply_page(request: Request, form: forms.Form, status: int = 200) -> Response:
    view = await queries.inspection_detail(iid(request), identity(request))
    return render(request, "panels/apply.html", {"i": view, "form": form,
                                                 "kecamatan": await queries.kecamatan_options()},
                  status_code=status)


async def apply(request: Request) -> Response:
    who = require_login(request)
    if request.method == "GET":
        return await _apply_page(request, forms.Form({"kecamatan": who.kecamatan_code}))
    data = await form_data(request)
    codes = [code for code, _name in await queries.kecamatan_options()]
    command, form = panel_forms.parse_application(data, codes)
    if command is not None:
        try:
            await panels.apply(who, iid(request), command)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("Thank you! Your application was received."), "success")
            return redirect(request, detail_url(request, iid(request)))
    return await _apply_page(request, form, 422)


async def select(request: Request) -> Response:
    who = require_login(request)
    await panels.select(who, iid(request), request.path_params["application_id"])
    flash(request, _("The applicant was selected."), "success")
    return redirect(request, detail_url(request, iid(request), "recruitment"))


async def draw(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    result = await panels.draw(who, iid(request), seed=data.get("seed", "")[:80])
    flash(request, _("Draw done with seed %(seed)s: %(n)d selected.") % {"seed": result.seed, "n": len(result.selected)},
          "success")
    return redirect(request, detail_url(request, iid(request), "recruitment"))


async def decide(request: Request) -> Response:
    """The coordinator rejects an applicant or puts them on the reserve list."""
    who = require_login(request)
    decision = request.path_params["decision"]
    if decision == "reject":
        await recruitment.reject(who, iid(request), request.path_params["application_id"])
        flash(request, _("The application was turned down."), "success")
    elif decision == "reserve":
        await recruitment.reserve(who, iid(request), request.path_params["application_id"])
        flash(request, _("The applicant is on the reserve list."), "success")
    else:
        raise InvalidInput({"decision": _("Unknown step.")})
    return redirect(request, detail_url(request, iid(request), "recruitment"))


async def promote(request: Request) -> Response:
    who = require_login(request)
    await recruitment.promote_reserve(who, iid(request))
    flash(request, _("The first person on the reserve list joined the panel."), "success")
    return redirect(request, detail_url(request, iid(request), "recruitment"))


async def withdraw(request: Request) -> Response:
    who = require_login(request)
    await recruitment.withdraw(who, iid(request))
    flash(request, _("You withdrew from this panel."), "success")
    return redirect(request, detail_url(request, iid(request)))


async def onboard(request: Request) -> Response:
    who = require_login(request)
    await panels.onboard(who, iid(request), request.path_params["step"])
    flash(request, _("Thank you, noted."), "success")
    return redirect(request, detail_url(request, iid(request), "my-panel"))


# --- feedback loop ----------------------------------------------------------------------------


async def report(request: Request) -> Response:
    who = require_login(request)
    values, form = panel_forms.parse_report(await form_data(request))
    if values is None:
        return await detail_page(request, form, 422, form_name="report")
    await followup.save_report(who, iid(request), **values)
    flash(request, _("The draft report was saved."), "success")
    return redirect(request, detail_url(request, iid(request), "report"))


async def reply(request: Request) -> Response:
    who = require_login(request)
    values, form = panel_forms.parse_reply(await form_data(request))
    if values is None:
        return await detail_page(request, form, 422, form_name="reply")
    await followup.reply(who, iid(request), **values)
    flash(request, _("Your reply was saved."), "success")
    return redirect(request, detail_url(request, iid(request), "report"))


async def add_action(request: Request) -> Response:
    who = require_login(request)
    view = await queries.inspection_detail(iid(request), who)
    command, form = panel_forms.parse_action(await form_data(request), [code for code, _n in view.unsur])
    if command is not None:
        try:
            await followup.add_action(who, iid(request), command)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("The action was added to the plan."), "success")
            return redirect(request, detail_url(request, iid(request), "actions"))
    return await detail_page(request, form, 422, form_name="action")


async def remove_action(request: Request) -> Response:
    who = require_login(request)
    await followup.remove_action(who, iid(request), request.path_params["action_id"])
    flash(request, _("The action was removed."), "success")
    return redirect(request, detail_url(request, iid(request), "actions"))


async def evidence(request: Request) -> Response:
    who = require_login(request)
    text, form = panel_forms.parse_long_text(await form_data(request), "evidence_text", min_length=10)
    if text is None:
        return await detail_page(request, form, 422, form_name=f"evidence-{request.path_params['action_id']}")
    await followup.submit_evidence(who, iid(request), request.path_params["action_id"], text=text)
    flash(request, _("The evidence was submitted."), "success")
    return redirect(request, detail_url(request, iid(request), "actions"))


async def verdict(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    note, form = panel_forms.parse_long_text(data, "note", required=False)
    await followup.give_verdict(who, iid(request), request.path_params["action_id"],
                                verdict=data.get("verdict", ""), note=note or "")
    flash(request, _("Your verdict was recorded."), "success")
    return redirect(request, detail_url(request, iid(request), "actions"))


P = "/inspections/{inspection_id:int}"
routes = [
    Route("/inspections", index, name="panels.index"),
    Route("/inspections/new", new, methods=["GET", "POST"], name="panels.new"),
    Route(P, detail, name="panels.detail"),
    Route(f"{P}/transition", transition, methods=["POST"], name="panels.transition"),
    Route(f"{P}/apply", apply, methods=["GET", "POST"], name="panels.apply"),
    Route(f"{P}/applications/{{application_id:int}}/select", select, methods=["POST"], name="panels.select"),
    Route(f"{P}/applications/{{application_id:int}}/{{decision}}", decide, methods=["POST"], name="panels.decide"),
    Route(f"{P}/reserve/promote", promote, methods=["POST"], name="panels.promote"),
    Route(f"{P}/withdraw", withdraw, methods=["POST"], name="panels.withdraw"),
    Route(f"{P}/draw", draw, methods=["POST"], name="panels.draw"),
    Route(f"{P}/membership/{{step}}", onboard, methods=["POST"], name="panels.onboard"),
    Route(f"{P}/report", report, methods=["POST"], name="panels.report"),
    Route(f"{P}/reply", reply, methods=["POST"], name="panels.reply"),
    Route(f"{P}/actions", add_action, methods=["POST"], name="panels.add_action"),
    Route(f"{P}/actions/{{action_id:int}}/remove", remove_action, methods=["POST"], name="panels.remove_action"),
    Route(f"{P}/actions/{{action_id:int}}/evidence", evidence, methods=["POST"], name="panels.evidence"),
    Route(f"{P}/actions/{{action_id:int}}/verdict", verdict, methods=["POST"], name="panels.verdict"),
    *scorecard_routes.routes,
    *agency_routes.routes,
    *survey_routes.routes,
]
