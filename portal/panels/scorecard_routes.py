"""Fieldwork pages: open a scorecard for a visit, fill it in (with htmx checking it on every
change, and a plain POST that works without JavaScript), evidence photos, the agency's
self-assessment and the import of paper survey answers into an inspection."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from portal import forms, htmx
from portal.errors import InvalidInput
from portal.i18n import gettext as _
from portal.panels import evidence, labels, queries, scorecards, surveys
from portal.panels import services as panels
from portal.panels.pages import detail_page, detail_url, iid
from portal.panels.survey_routes import read_csv
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_login, services


def _card_id(request: Request) -> int:
    value: int = request.path_params["card_id"]
    return value


def _card_url(request: Request, anchor: str = "") -> str:
    return request.url_for("panels.scorecard", inspection_id=iid(request), card_id=_card_id(request)).path + (
        f"#{anchor}" if anchor else "")


async def scorecards_new(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    form = forms.Form(data)
    visit = form.integer("visit", minimum=1, maximum=scorecards.MAX_VISITS)
    if visit is None or not form.ok:
        return await detail_page(request, form, 422, form_name="visit")
    card_id = await scorecards.start_scorecard(who, iid(request), visit)
    return redirect(request, request.url_for("panels.scorecard", inspection_id=iid(request), card_id=card_id).path)


def _values(card: dict[str, Any]) -> dict[str, str]:
    sq = card["servqual"] or {}
    return {
        **{k: ("na" if v is None and card["status"] == "submitted" else ("" if v is None else str(v)))
           for k, v in card["answers"].items()},
        "observations": card["observations"],
        **{f"sq_{k}_{i}": str(v) for k in "ep" for i, v in sq.get(k, {}).items()},
        **{f"sq_w_{d}": str(v) for d, v in sq.get("w", {}).items()},
    }


async def _card_page(request: Request, card: dict[str, Any], form: forms.Form | None = None, status: int = 200,
                     readonly: bool = False, photo_form: forms.Form | None = None) -> Response:
    view = await queries.inspection_detail(iid(request), identity(request))
    return render(request, "panels/scorecard.html", {
        "i": view, "card": card, "values": form.values if form else _values(card),
        "errors": form.errors if form else {}, "readonly": readonly,
        "editable": not readonly and view.phase == card["phase"], "servqual_items": range(1, 23),
        "dimensions": queries.SERVQUAL_DIMENSIONS, "photo_form": photo_form or forms.Form({}),
        "max_photos": evidence.MAX_PHOTOS, "labels": labels,
    }, status_code=status)


async def scorecard(request: Request) -> Response:
    who = require_login(request)
    card_id = _card_id(request)
    if request.method == "GET":
        if panels.is_coordinator(who) and await panels.member_of(who, iid(request)) is None:
            card = await queries.scorecard_for_coordinator(iid(request), card_id, who)
            return await _card_page(request, card, readonly=True)
        await scorecards.own_scorecard(who, iid(request), card_id)
        return await _card_page(request, await queries.scorecard(card_id))
    data = await form_data(request)
    form = forms.Form(data)
    observations = form.text("observations", max_length=5000, required=False)
    for key in list(data):
        form.raw(key) if key.startswith(("U", "sq_")) else None
    submit = data.get("action") == "submit"
    if form.ok:
        try:
            await scorecards.save_scorecard(who, iid(request), card_id, data, observations=observations, submit=submit)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("Scorecard submitted.") if submit else _("Draft saved."), "success")
            return redirect(request, detail_url(request, iid(request), "my-panel"))
    await scorecards.own_scorecard(who, iid(request), card_id)
    return await _card_page(request, await queries.scorecard(card_id), form, 422)


async def scorecard_check(request: Request) -> Response:
    """htmx: what would still stop this scorecard from being submitted (nothing is saved)."""
    who = require_login(request)
    inspection, _card = await scorecards.own_scorecard(who, iid(request), _card_id(request))
    if not htmx.is_htmx(request):
        return redirect(request, _card_url(request))
    problems = scorecards.check_scorecard(inspection, await form_data(request))
    return render(request, "panels/_scorecard_check.html", {"problems": problems, "checked": True})


async def photo_upload(request: Request) -> Response:
    who = require_login(request)
    form = forms.Form({})
    media = services(request).settings.media_dir
    async with request.form(max_files=evidence.MAX_PHOTOS, max_fields=10, max_part_size=evidence.MAX_BYTES + 1024) as data:
        files = [f for f in data.getlist("photos") if isinstance(f, UploadFile) and f.filename]
        alt = data.get("alt", "")
        if not files:
            form.errors["photos"] = _("Choose at least one photo.")
        for upload in files:
            content = await upload.read(evidence.MAX_BYTES + 1)
            try:
                await evidence.add_photo(who, iid(request), _card_id(request), content, media,
                                         alt=alt if isinstance(alt, str) else "")
            except InvalidInput as exc:
                form.add_errors(exc.errors)
                break
    if not form.ok:
        await scorecards.own_scorecard(who, iid(request), _card_id(request))
        return await _card_page(request, await queries.scorecard(_card_id(request)), status=422, photo_form=form)
    flash(request, _("Photo added."), "success")
    return redirect(request, _card_url(request, "photos"))


async def photo_delete(request: Request) -> Response:
    who = require_login(request)
    await evidence.remove_photo(who, iid(request), _card_id(request), request.path_params["photo_id"],
                                services(request).settings.media_dir)
    flash(request, _("Photo removed."), "info")
    return redirect(request, _card_url(request, "photos"))


async def photo(request: Request) -> Response:
    path, content_type = await evidence.photo_file(identity(request), iid(request), _card_id(request),
                                                   request.path_params["photo_id"], services(request).settings.media_dir)
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


async def self_assessment(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    form = forms.Form(data)
    notes = form.text("notes", max_length=5000, required=False)
    for key in list(data):
        form.raw(key) if key.startswith("U") else None
    if form.ok:
        try:
            await scorecards.save_self_assessment(who, iid(request), data, notes=notes,
                                                  submit=data.get("action") == "submit")
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("Self-assessment submitted.") if data.get("action") == "submit" else _("Draft saved."),
                  "success")
            return redirect(request, detail_url(request, iid(request), "self-assessment"))
    return await detail_page(request, form, 422, form_name="self")


async def survey_import(request: Request) -> Response:
    who = require_login(request)
    text = await read_csv(request)
    try:
        count = await surveys.import_survey_csv(who, iid(request), text)
    except InvalidInput as exc:
        form = forms.Form({})
        form.add_errors(exc.errors)
        return await detail_page(request, form, 422, form_name="import")
    flash(request, _("%(n)d survey answers imported.") % {"n": count}, "success")
    return redirect(request, detail_url(request, iid(request), "results"))


P = "/inspections/{inspection_id:int}"
C = P + "/scorecards/{card_id:int}"
routes = [
    Route(f"{P}/scorecards", scorecards_new, methods=["POST"], name="panels.scorecards_new"),
    Route(C, scorecard, methods=["GET", "POST"], name="panels.scorecard"),
    Route(f"{C}/check", scorecard_check, methods=["POST"], name="panels.scorecard_check"),
    Route(f"{C}/photos", photo_upload, methods=["POST"], name="panels.scorecard_photos"),
    Route(f"{C}/photos/{{photo_id:int}}", photo, name="panels.scorecard_photo"),
    Route(f"{C}/photos/{{photo_id:int}}/delete", photo_delete, methods=["POST"], name="panels.scorecard_photo_delete"),
    Route(f"{P}/self-assessment", self_assessment, methods=["POST"], name="panels.self_assessment"),
    Route(f"{P}/survey-import", survey_import, methods=["POST"], name="panels.survey_import"),
]
