"""Inspection pages: list, open, detail (one page whose sections depend on the visitor's part),
apply, recruitment, scorecards, self-assessment, report/reply/action plan, evidence and
verdicts. Public agency pages and the survey are in agency_routes.py.

Every handler: parse, one service call, then render or redirect (303, or HX-Redirect).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.accounts.identity import Role
from portal.errors import InvalidInput
from portal.i18n import gettext as _
from portal.panels import agency_routes, followup, labels, queries, scorecards, services as panels
from portal.panels import forms as panel_forms
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_login, require_role


def _iid(request: Request) -> int:
    value: int = request.path_params["inspection_id"]
    return value


def _detail_url(request: Request, inspection_id: int, anchor: str = "") -> str:
    return request.url_for("panels.detail", inspection_id=inspection_id).path + (f"#{anchor}" if anchor else "")


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
    return redirect(request, _detail_url(request, inspection_id))


async def _detail(request: Request, form: forms.Form | None = None, status: int = 200, **extra: Any) -> Response:
    view = await queries.inspection_detail(_iid(request), identity(request))
    context = {"i": view, "form": form or forms.Form({}), "blank": forms.Form({}), "labels": labels,
               "form_name": "", **extra}
    return render(request, "panels/detail.html", context, status_code=status)


async def detail(request: Request) -> Response:
    return await _detail(request)


async def transition(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    state = await panels.transition(who, _iid(request), data.get("target", ""))
    flash(request, _("The inspection moved to: %(state)s.") % {"state": labels.state_label(state)}, "success")
    return redirect(request, _detail_url(request, _iid(request)))


async def _apply_page(request: Request, form: forms.Form, status: int = 200) -> Response:
    view = await queries.inspection_detail(_iid(request), identity(request))
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
            await panels.apply(who, _iid(request), command)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("Thank you! Your application was received."), "success")
            return redirect(request, _detail_url(request, _iid(request)))
    return await _apply_page(request, form, 422)


async def select(request: Request) -> Response:
    who = require_login(request)
    await panels.select(who, _iid(request), request.path_params["application_id"])
    flash(request, _("The applicant was selected."), "success")
    return redirect(request, _detail_url(request, _iid(request), "recruitment"))


async def draw(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    result = await panels.draw(who, _iid(request), seed=data.get("seed", "")[:80])
    flash(request, _("Draw done with seed %(seed)s: %(n)d selected.") % {"seed": result.seed, "n": len(result.selected)},
          "success")
    return redirect(request, _detail_url(request, _iid(request), "recruitment"))


async def onboard(request: Request) -> Response:
    who = require_login(request)
    await panels.onboard(who, _iid(request), request.path_params["step"])
    flash(request, _("Thank you, noted."), "success")
    return redirect(request, _detail_url(request, _iid(request), "my-panel"))


# --- scorecards -------------------------------------------------------------------------------


async def scorecards_new(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    form = forms.Form(data)
    visit = form.integer("visit", minimum=1, maximum=scorecards.MAX_VISITS)
    if visit is None or not form.ok:
        return await _detail(request, form, 422, form_name="visit")
    card_id = await scorecards.start_scorecard(who, _iid(request), visit)
    return redirect(request, request.url_for("panels.scorecard", inspection_id=_iid(request), card_id=card_id).path)


async def _card_page(request: Request, card: dict[str, Any], form: forms.Form | None = None, status: int = 200,
                     readonly: bool = False) -> Response:
    view = await queries.inspection_detail(_iid(request), identity(request))
    values = form.values if form else {
        **{k: ("na" if v is None and card["status"] == "submitted" else ("" if v is None else str(v)))
           for k, v in card["answers"].items()},
        "observations": card["observations"],
        **({f"sq_{k}_{i}": str(v) for k in "ep" for i, v in card["servqual"][k].items()} if card["servqual"] else {}),
    }
    errors = form.errors if form else {}
    return render(request, "panels/scorecard.html", {
        "i": view, "card": card, "values": values, "errors": errors, "readonly": readonly,
        "editable": not readonly and view.phase == card["phase"], "servqual_items": range(1, 23),
    }, status_code=status)


async def scorecard(request: Request) -> Response:
    who = require_login(request)
    card_id = request.path_params["card_id"]
    if request.method == "GET":
        if panels.is_coordinator(who) and await panels.member_of(who, _iid(request)) is None:
            card = await queries.scorecard_for_coordinator(_iid(request), card_id, who)
            return await _card_page(request, card, readonly=True)
        await scorecards.own_scorecard(who, _iid(request), card_id)
        return await _card_page(request, await queries.scorecard(card_id))
    data = await form_data(request)
    form = forms.Form(data)
    observations = form.text("observations", max_length=5000, required=False)
    for key in list(data):
        form.raw(key) if key.startswith(("U", "sq_")) else None
    if form.ok:
        try:
            await scorecards.save_scorecard(who, _iid(request), card_id, data, observations=observations,
                                            submit=data.get("action") == "submit")
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("Scorecard submitted.") if data.get("action") == "submit" else _("Draft saved."), "success")
            return redirect(request, _detail_url(request, _iid(request), "my-panel"))
    await scorecards.own_scorecard(who, _iid(request), card_id)
    return await _card_page(request, await queries.scorecard(card_id), form, 422)


async def self_assessment(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    form = forms.Form(data)
    notes = form.text("notes", max_length=5000, required=False)
    for key in list(data):
        form.raw(key) if key.startswith("U") else None
    if form.ok:
        try:
            await scorecards.save_self_assessment(who, _iid(request), data, notes=notes,
                                                  submit=data.get("action") == "submit")
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("Self-assessment submitted.") if data.get("action") == "submit" else _("Draft saved."),
                  "success")
            return redirect(request, _detail_url(request, _iid(request), "self-assessment"))
    return await _detail(request, form, 422, form_name="self")


async def survey_import(request: Request) -> Response:
    who = require_login(request)
    async with request.form(max_files=1, max_fields=10, max_part_size=2 * 1024 * 1024) as raw:
        upload = raw.get("file")
        text = ""
        if upload is not None and not isinstance(upload, str):
            content = await upload.read(2 * 1024 * 1024 + 1)
            text = content.decode("utf-8-sig", errors="replace") if len(content) <= 2 * 1024 * 1024 else ""
        pasted = raw.get("csv_text")
        if not text and isinstance(pasted, str):
            text = pasted
    form = forms.Form({})
    try:
        count = await scorecards.import_survey_csv(who, _iid(request), text)
    except InvalidInput as exc:
        form.add_errors(exc.errors)
        return await _detail(request, form, 422, form_name="import")
    flash(request, _("%(n)d survey answers imported.") % {"n": count}, "success")
    return redirect(request, _detail_url(request, _iid(request), "results"))


# --- feedback loop ----------------------------------------------------------------------------


async def report(request: Request) -> Response:
    who = require_login(request)
    values, form = panel_forms.parse_report(await form_data(request))
    if values is None:
        return await _detail(request, form, 422, form_name="report")
    await followup.save_report(who, _iid(request), **values)
    flash(request, _("The draft report was saved."), "success")
    return redirect(request, _detail_url(request, _iid(request), "report"))


async def reply(request: Request) -> Response:
    who = require_login(request)
    values, form = panel_forms.parse_reply(await form_data(request))
    if values is None:
        return await _detail(request, form, 422, form_name="reply")
    await followup.reply(who, _iid(request), **values)
    flash(request, _("Your reply was saved."), "success")
    return redirect(request, _detail_url(request, _iid(request), "report"))


async def add_action(request: Request) -> Response:
    who = require_login(request)
    view = await queries.inspection_detail(_iid(request), who)
    command, form = panel_forms.parse_action(await form_data(request), [code for code, _n in view.unsur])
    if command is not None:
        try:
            await followup.add_action(who, _iid(request), command)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("The action was added to the plan."), "success")
            return redirect(request, _detail_url(request, _iid(request), "actions"))
    return await _detail(request, form, 422, form_name="action")


async def remove_action(request: Request) -> Response:
    who = require_login(request)
    await followup.remove_action(who, _iid(request), request.path_params["action_id"])
    flash(request, _("The action was removed."), "success")
    return redirect(request, _detail_url(request, _iid(request), "actions"))


async def evidence(request: Request) -> Response:
    who = require_login(request)
    text, form = panel_forms.parse_long_text(await form_data(request), "evidence_text", min_length=10)
    if text is None:
        return await _detail(request, form, 422, form_name=f"evidence-{request.path_params['action_id']}")
    await followup.submit_evidence(who, _iid(request), request.path_params["action_id"], text=text)
    flash(request, _("The evidence was submitted."), "success")
    return redirect(request, _detail_url(request, _iid(request), "actions"))


async def verdict(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    note, form = panel_forms.parse_long_text(data, "note", required=False)
    await followup.give_verdict(who, _iid(request), request.path_params["action_id"],
                                verdict=data.get("verdict", ""), note=note or "")
    flash(request, _("Your verdict was recorded."), "success")
    return redirect(request, _detail_url(request, _iid(request), "actions"))


P = "/inspections/{inspection_id:int}"
routes = [
    Route("/inspections", index, name="panels.index"),
    Route("/inspections/new", new, methods=["GET", "POST"], name="panels.new"),
    Route(P, detail, name="panels.detail"),
    Route(f"{P}/transition", transition, methods=["POST"], name="panels.transition"),
    Route(f"{P}/apply", apply, methods=["GET", "POST"], name="panels.apply"),
    Route(f"{P}/applications/{{application_id:int}}/select", select, methods=["POST"], name="panels.select"),
    Route(f"{P}/draw", draw, methods=["POST"], name="panels.draw"),
    Route(f"{P}/membership/{{step}}", onboard, methods=["POST"], name="panels.onboard"),
    Route(f"{P}/scorecards", scorecards_new, methods=["POST"], name="panels.scorecards_new"),
    Route(f"{P}/scorecards/{{card_id:int}}", scorecard, methods=["GET", "POST"], name="panels.scorecard"),
    Route(f"{P}/self-assessment", self_assessment, methods=["POST"], name="panels.self_assessment"),
    Route(f"{P}/survey-import", survey_import, methods=["POST"], name="panels.survey_import"),
    Route(f"{P}/report", report, methods=["POST"], name="panels.report"),
    Route(f"{P}/reply", reply, methods=["POST"], name="panels.reply"),
    Route(f"{P}/actions", add_action, methods=["POST"], name="panels.add_action"),
    Route(f"{P}/actions/{{action_id:int}}/remove", remove_action, methods=["POST"], name="panels.remove_action"),
    Route(f"{P}/actions/{{action_id:int}}/evidence", evidence, methods=["POST"], name="panels.evidence"),
    Route(f"{P}/actions/{{action_id:int}}/verdict", verdict, methods=["POST"], name="panels.verdict"),
    *agency_routes.routes,
]
