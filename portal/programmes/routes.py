"""Programme register pages: the public matrix and list, a programme's page, and the staff
forms (register, edit, assess, indicators, readings, remove). Parse -> one call -> render."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.accounts.identity import Identity
from portal.core.jobs import Periodic
from portal.errors import InvalidInput, NotAllowed
from portal.i18n import gettext as _
from portal.programmes import forms as programme_forms
from portal.programmes import metrics, queries, services as programmes
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_login


def _pid(request: Request) -> int:
    value: int = request.path_params["programme_id"]
    return value


def _url(request: Request, programme_id: int, anchor: str = "") -> str:
    return request.url_for("programmes.detail", programme_id=programme_id).path + (f"#{anchor}" if anchor else "")


async def index(request: Request) -> Response:
    return render(request, "programmes/index.html", {
        "matrix": await queries.matrix(), "rows": await queries.programme_rows(),
        "can_edit": programmes.can_edit(identity(request))})


async def _detail_page(request: Request, programme_id: int, status: int = 200,
                       errors: Mapping[str, forms.Form] | None = None) -> Response:
    blank = forms.Form({})
    opts = await queries.options()
    return render(request, "programmes/detail.html", {
        "p": await queries.programme(programme_id), "can_edit": programmes.can_edit(identity(request)),
        "metric_labels": {k: _(m.label) for k, m in metrics.METRICS.items()},
        "metric_options": [(k, _(m.label)) for k, m in metrics.METRICS.items()],
        "param_options": [(a, f"{a} – {n}") for a, n in opts.agencies] + [(c, t) for c, t in opts.cycles],
        "forms": {"indicator": blank, "reading": blank, "blank": blank, "reading_for": None, **(errors or {})}},
        status_code=status)


async def detail(request: Request) -> Response:
    return await _detail_page(request, _pid(request))


async def _form_page(request: Request, form: forms.Form, programme_id: int | None, status: int = 200) -> Response:
    return render(request, "programmes/form.html", {"form": form, "programme_id": programme_id}, status_code=status)


def _staff(request: Request) -> Identity:
    who = require_login(request)
    if not programmes.can_edit(who):
        raise NotAllowed(_("Only council members and moderators keep the programme register."))
    return who


async def new(request: Request) -> Response:
    who = _staff(request)
    if request.method == "GET":
        return await _form_page(request, forms.Form({}), None)
    data, form = programme_forms.parse_programme(await form_data(request))
    if data is None:
        return await _form_page(request, form, None, 422)
    try:
        programme_id = await programmes.create_programme(who, data)
    except InvalidInput as exc:
        form.add_errors(exc.errors)
        return await _form_page(request, form, None, 422)
    flash(request, _("Programme registered. Assess it against the six principles next."), "success")
    return redirect(request, _url(request, programme_id))


async def edit(request: Request) -> Response:
    who = _staff(request)
    programme_id = _pid(request)
    if request.method == "GET":
        view = await queries.programme(programme_id)
        return await _form_page(request, programme_forms.form_from_view(view), programme_id)
    data, form = programme_forms.parse_programme(await form_data(request))
    if data is None:
        return await _form_page(request, form, programme_id, 422)
    try:
        await programmes.update_programme(who, programme_id, data)
    except InvalidInput as exc:
        form.add_errors(exc.errors)
        return await _form_page(request, form, programme_id, 422)
    flash(request, _("Changes saved."), "success")
    return redirect(request, _url(request, programme_id))


async def delete(request: Request) -> Response:
    who = _staff(request)
    await programmes.delete_programme(who, _pid(request))
    flash(request, _("Programme removed from the register."), "info")
    return redirect(request, request.url_for("programmes.index").path)


async def assessment(request: Request) -> Response:
    who = _staff(request)
    programme_id = _pid(request)
    view = await queries.programme(programme_id)
    if request.method == "GET":
        form = forms.Form({})
        for a in view.assessment:
            form.values[f"answer_{a.principle.value}"] = a.answer.value
            form.values[f"evidence_{a.principle.value}"] = a.evidence
        return render(request, "programmes/assessment.html", {"p": view, "form": form})
    answers, form = programme_forms.parse_assessment(await form_data(request))
    if form.ok:
        try:
            await programmes.save_assessment(who, programme_id, answers)
            flash(request, _("Assessment saved."), "success")
            return redirect(request, _url(request, programme_id, "assessment"))
        except InvalidInput as exc:
            form.add_errors(exc.errors)
    return render(request, "programmes/assessment.html", {"p": view, "form": form}, status_code=422)


async def add_indicator(request: Request) -> Response:
    who = _staff(request)
    programme_id = _pid(request)
    opts = await queries.options()
    data, form = programme_forms.parse_indicator(await form_data(request), {a for a, _n in opts.agencies},
                                                 {c for c, _t in opts.cycles})
    if data is not None:
        try:
            await programmes.add_indicator(who, programme_id, data)
            flash(request, _("Indicator added."), "success")
            return redirect(request, _url(request, programme_id, "indicators"))
        except InvalidInput as exc:
            form.add_errors(exc.errors)
    return await _detail_page(request, programme_id, 422, {"indicator": form})


async def remove_indicator(request: Request) -> Response:
    who = _staff(request)
    programme_id = _pid(request)
    await programmes.remove_indicator(who, programme_id, request.path_params["indicator_id"])
    flash(request, _("Indicator removed."), "info")
    return redirect(request, _url(request, programme_id, "indicators"))


async def add_reading(request: Request) -> Response:
    who = _staff(request)
    programme_id = _pid(request)
    indicator_id: int = request.path_params["indicator_id"]
    parsed, form = programme_forms.parse_reading(await form_data(request))
    if parsed is not None:
        try:
            await programmes.record_reading(who, programme_id, indicator_id, *parsed)
            flash(request, _("Reading saved."), "success")
            return redirect(request, _url(request, programme_id, f"indicator-{indicator_id}"))
        except InvalidInput as exc:
            form.add_errors(exc.errors)
    return await _detail_page(request, programme_id, 422, {"reading": form, "reading_for": indicator_id})  # type: ignore[dict-item]


P = "/programmes/{programme_id:int}"
I = P + "/indicators/{indicator_id:int}"  # noqa: E741

routes = [
    Route("/programmes", index, name="programmes.index"),
    Route("/programmes/new", new, methods=["GET", "POST"], name="programmes.new"),
    Route(P, detail, name="programmes.detail"),
    Route(f"{P}/edit", edit, methods=["GET", "POST"], name="programmes.edit"),
    Route(f"{P}/delete", delete, methods=["POST"], name="programmes.delete"),
    Route(f"{P}/assessment", assessment, methods=["GET", "POST"], name="programmes.assessment"),
    Route(f"{P}/indicators", add_indicator, methods=["POST"], name="programmes.add_indicator"),
    Route(f"{I}/delete", remove_indicator, methods=["POST"], name="programmes.remove_indicator"),
    Route(f"{I}/readings", add_reading, methods=["POST"], name="programmes.add_reading"),
]


def job_handlers() -> dict[str, Any]:
    """Scheduled work of this domain, registered in app.job_handlers()."""
    return programmes.job_handlers()


# The daily indicator snapshot (one run per day slot across workers).
PERIODIC_JOBS = [Periodic(programmes.SNAPSHOT_JOB, timedelta(days=1))]
