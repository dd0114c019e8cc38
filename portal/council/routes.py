"""Decision register pages: the public list and each decision's page, and the council's forms to
draft, edit and publish. Implementation pages are in project_routes.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.accounts.identity import Role
from portal.council import forms as council_forms
from portal.council import confirmations, implementation, project_routes, queries, services
from portal.council.domain import DecisionDraft
from portal.errors import InvalidInput
from portal.i18n import gettext as _
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_role


def _id(request: Request) -> int:
    value: int = request.path_params["decision_id"]
    return value


def _url(request: Request, decision_id: int) -> str:
    return request.url_for("council.decision", decision_id=decision_id).path


def _today() -> date:
    return implementation.today()


async def index(request: Request) -> Response:
    page = await queries.list_decisions(queries.parse_filters(request.query_params), identity(request))
    return render(request, "council/decisions.html", {"result": page, "kind_labels": council_forms.KIND_LABELS},
                  fragment="council/_decision_list.html")


async def detail(request: Request) -> Response:
    view = await queries.decision_detail(_id(request), identity(request))
    return render(request, "council/decision.html", {"d": view, "kind_labels": council_forms.KIND_LABELS,
                                                     "status_labels": council_forms.STATUS_LABELS})


async def _form_page(request: Request, form: forms.Form, decision_id: int | None, status: int = 200) -> Response:
    options = await queries.form_options(_today())
    return render(request, "council/decision_form.html",
                  {"form": form, "options": options, "decision_id": decision_id,
                   "kind_labels": council_forms.KIND_LABELS}, status_code=status)


async def _parse(request: Request) -> tuple[DecisionDraft | None, forms.Form]:
    options = await queries.form_options(_today())
    return council_forms.parse_decision(
        await form_data(request), cycles={c[0] for c in options.cycles},
        inspections={i[0] for i in options.inspections}, agencies=await queries.agency_ids())


def _add_service_errors(form: forms.Form, exc: InvalidInput) -> None:
    form.add_errors({council_forms.field_for_error(k): v for k, v in exc.errors.items()})


async def new(request: Request) -> Response:
    who = require_role(request, Role.COUNCIL)
    if request.method == "GET":
        amends = request.query_params.get("amends", "")
        values = {"decided_on": _today().isoformat(),
                  "number": (await queries.form_options(_today())).suggested_number}
        if amends.isdigit() and len(amends) < 10:
            values.update({k: v for k, v in (await queries.edit_values(int(amends))).items()
                           if k not in ("number", "decided_on")}, amends=amends)
        return await _form_page(request, forms.Form(values, values=dict(values)), None)
    draft, form = await _parse(request)
    if draft is None:
        return await _form_page(request, form, None, 422)
    try:
        decision_id = await services.create_draft(who, draft)
    except InvalidInput as exc:
        _add_service_errors(form, exc)
        return await _form_page(request, form, None, 422)
    flash(request, _("Draft saved. Check it, then publish it."), "success")
    return redirect(request, _url(request, decision_id))


async def edit(request: Request) -> Response:
    who = require_role(request, Role.COUNCIL)
    decision_id = _id(request)
    if request.method == "GET":
        await services.check_editable(who, decision_id)
        values = await queries.edit_values(decision_id)
        return await _form_page(request, forms.Form(values, values=dict(values)), decision_id)
    draft, form = await _parse(request)
    if draft is None:
        return await _form_page(request, form, decision_id, 422)
    try:
        await services.update_draft(who, decision_id, draft)
    except InvalidInput as exc:
        _add_service_errors(form, exc)
        return await _form_page(request, form, decision_id, 422)
    flash(request, _("Changes saved."), "success")
    return redirect(request, _url(request, decision_id))


async def publish(request: Request) -> Response:
    who = require_role(request, Role.COUNCIL)
    try:
        created = await services.publish(who, _id(request))
    except InvalidInput as exc:
        flash(request, " ".join(exc.errors.values()), "error")
        return redirect(request, request.url_for("council.decision_edit", decision_id=_id(request)).path)
    flash(request, _("The decision is published.") + (" " + _("%(n)d implementation projects were created.")
                                                        % {"n": len(created)} if created else ""), "success")
    return redirect(request, _url(request, _id(request)))


async def delete(request: Request) -> Response:
    who = require_role(request, Role.COUNCIL)
    await services.delete_draft(who, _id(request))
    flash(request, _("The draft was deleted."), "info")
    return redirect(request, request.url_for("council.decisions").path)


D = "/decisions/{decision_id:int}"
routes = [
    Route("/decisions", index, name="council.decisions"),
    Route("/decisions/new", new, methods=["GET", "POST"], name="council.decision_new"),
    Route(D, detail, name="council.decision"),
    Route(f"{D}/edit", edit, methods=["GET", "POST"], name="council.decision_edit"),
    Route(f"{D}/publish", publish, methods=["POST"], name="council.decision_publish"),
    Route(f"{D}/delete", delete, methods=["POST"], name="council.decision_delete"),
    *project_routes.routes,
]


def job_handlers(svc: Any) -> Mapping[str, Callable[[Mapping[str, Any]], Awaitable[None]]]:
    """Scheduled work of this domain, registered in app.job_handlers()."""
    return confirmations.job_handlers(svc.mailer, svc.settings.base_url)
