"""Satisfaction survey pages: the public form per service (/survey/{code}) and its QR code,
and survey periods that an officer or coordinator opens for a service, with their results
and the CSV import of paper answers."""

from __future__ import annotations

import io

import segno
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.accounts.identity import Role
from portal.errors import InvalidInput
from portal.i18n import gettext as _
from portal.panels import forms as panel_forms
from portal.panels import survey_queries, surveys
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_login, require_role, services

CSV_LIMIT = 2 * 1024 * 1024


async def _survey_page(request: Request, form: forms.Form, status: int = 200) -> Response:
    who = identity(request)
    service = await survey_queries.survey_service(request.path_params["code"])
    answered = await survey_queries.has_answered_survey(service["code"], who.user_id, service["period_key"])
    return render(request, "panels/survey.html", {"service": service, "form": form, "answered": answered,
                                                  "period": service["period_key"]}, status_code=status)


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
        await surveys.submit_survey(who, request.path_params["code"], data)
    except InvalidInput as exc:
        form.add_errors(exc.errors)
        return await _survey_page(request, form, 422)
    flash(request, _("Thank you! Your answers were recorded."), "success")
    return redirect(request, request.url_for("panels.survey", code=request.path_params["code"]).path)


async def survey_qr(request: Request) -> Response:
    """The public survey link as a QR code (SVG), to print at the service counter."""
    service = await survey_queries.survey_service(request.path_params["code"])
    url = services(request).settings.base_url + request.url_for("panels.survey", code=service["code"]).path
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, title=_("Survey: %(name)s") % service,
                                    xmldecl=False, svgclass="qr", lineclass=None)
    return Response(out.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


async def read_csv(request: Request) -> str:
    """The uploaded CSV file (or pasted text), decoded; "" when missing or over 2 MB."""
    async with request.form(max_files=1, max_fields=10, max_part_size=CSV_LIMIT) as raw:
        upload = raw.get("file")
        text = ""
        if upload is not None and not isinstance(upload, str):
            content = await upload.read(CSV_LIMIT + 1)
            text = content.decode("utf-8-sig", errors="replace") if len(content) <= CSV_LIMIT else ""
        pasted = raw.get("csv_text")
        if not text and isinstance(pasted, str):
            text = pasted
    return text


# --- survey periods ---------------------------------------------------------------------------


async def _new_page(request: Request, form: forms.Form, status: int = 200) -> Response:
    options = await survey_queries.service_options(identity(request))
    return render(request, "panels/period_new.html", {"form": form, "services": options}, status_code=status)


async def period_new(request: Request) -> Response:
    who = require_role(request, Role.OFFICER, Role.MODERATOR, Role.COUNCIL)
    if request.method == "GET":
        return await _new_page(request, forms.Form({"service": request.query_params.get("service", "")}))
    options = [code for code, _label in await survey_queries.service_options(who)]
    command, form = panel_forms.parse_period(await form_data(request), options)
    if command is not None:
        try:
            period_id = await surveys.open_period(who, command)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("The survey period is open."), "success")
            return redirect(request, request.url_for("panels.period", period_id=period_id).path)
    return await _new_page(request, form, 422)


async def _period_page(request: Request, form: forms.Form | None = None, status: int = 200) -> Response:
    view = await survey_queries.period_detail(request.path_params["period_id"], identity(request))
    return render(request, "panels/period.html", {"sp": view, "form": form or forms.Form({})}, status_code=status)


async def period(request: Request) -> Response:
    return await _period_page(request)


async def period_import(request: Request) -> Response:
    who = require_login(request)
    text = await read_csv(request)
    try:
        count = await surveys.import_period_csv(who, request.path_params["period_id"], text)
    except InvalidInput as exc:
        form = forms.Form({})
        form.add_errors(exc.errors)
        return await _period_page(request, form, 422)
    flash(request, _("%(n)d survey answers imported.") % {"n": count}, "success")
    return redirect(request, request.url_for("panels.period", period_id=request.path_params["period_id"]).path)


async def period_close(request: Request) -> Response:
    who = require_login(request)
    await surveys.close_period(who, request.path_params["period_id"])
    flash(request, _("The survey period is closed."), "success")
    return redirect(request, request.url_for("panels.period", period_id=request.path_params["period_id"]).path)


routes = [
    Route("/survey/{code}", survey, methods=["GET", "POST"], name="panels.survey"),
    Route("/survey/{code}/qr.svg", survey_qr, name="panels.survey_qr"),
    Route("/survey-periods/new", period_new, methods=["GET", "POST"], name="panels.period_new"),
    Route("/survey-periods/{period_id:int}", period, name="panels.period"),
    Route("/survey-periods/{period_id:int}/import", period_import, methods=["POST"], name="panels.period_import"),
    Route("/survey-periods/{period_id:int}/close", period_close, methods=["POST"], name="panels.period_close"),
]
