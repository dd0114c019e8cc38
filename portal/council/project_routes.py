"""Implementation pages: the public list, a project's page and timeline, the agency's reports,
residents' "was it really done?" answers and the council's review list."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from portal import forms
from portal.accounts.identity import Role
from portal.council import confirmations, implementation, project_queries
from portal.council import forms as council_forms
from portal.errors import InvalidInput
from portal.htmx import is_fragment_request
from portal.i18n import gettext as _
from portal.proposals import photos
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_login, require_role, services

FORM_NAMES = ("status", "progress", "milestone", "child", "news", "confirm", "review")


def _id(request: Request) -> int:
    value: int = request.path_params["project_id"]
    return value


def _url(request: Request, project_id: int, anchor: str = "") -> str:
    return request.url_for("council.project", project_id=project_id).path + (f"#{anchor}" if anchor else "")


def _labels() -> dict[str, object]:
    return {"status_labels": council_forms.STATUS_LABELS, "step_labels": council_forms.STEP_LABELS,
            "answer_labels": council_forms.ANSWER_LABELS}


async def index(request: Request) -> Response:
    page = await project_queries.list_projects(project_queries.parse_filters(request.query_params))
    return render(request, "council/projects.html", {"result": page, **_labels()},
                  fragment="council/_project_list.html")


async def reviews(request: Request) -> Response:
    require_role(request, Role.COUNCIL)
    return render(request, "council/reviews.html", {"rows": await project_queries.reviews(), **_labels()})


async def _page(request: Request, project_id: int, status: int = 200,
                errors: Mapping[str, forms.Form] | None = None, fragment: str | None = None,
                notice: str = "") -> Response:
    view = await project_queries.project_detail(project_id, identity(request))
    blank = forms.Form({})
    context = {"p": view, "forms": {**{k: blank for k in FORM_NAMES}, **(errors or {})}, "notice": notice,
               **_labels()}
    return render(request, "council/project.html", context, status_code=status, fragment=fragment)


async def detail(request: Request) -> Response:
    return await _page(request, _id(request))


async def change_status(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    form = forms.Form(data)
    target, reason = form.raw("status"), form.text("reason", required=False, max_length=2000)
    try:
        goal = await implementation.change_status(who, _id(request), target, reason=reason)
    except InvalidInput as exc:
        form.add_errors(exc.errors)
        return await _page(request, _id(request), 422, {"status": form})
    flash(request, _("Status changed to: %(status)s.") % {"status": _(council_forms.STATUS_LABELS[goal.value])},
          "success")
    return redirect(request, _url(request, _id(request)))


async def progress(request: Request) -> Response:
    who = require_login(request)
    parsed, form = council_forms.parse_progress(await form_data(request))
    if parsed is not None:
        try:
            await implementation.report_progress(who, _id(request), progress=parsed[0], spent=parsed[1],
                                                 note=parsed[2])
        except InvalidInput as exc:
            form.add_errors(exc.errors)
    if not form.ok:
        return await _page(request, _id(request), 422, {"progress": form})
    flash(request, _("Progress reported."), "success")
    return redirect(request, _url(request, _id(request)))


async def add_milestone(request: Request) -> Response:
    who = require_login(request)
    parsed, form = council_forms.parse_milestone(await form_data(request))
    if parsed is None:
        return await _page(request, _id(request), 422, {"milestone": form})
    await implementation.add_milestone(who, _id(request), title=parsed[0], due_on=parsed[1])
    flash(request, _("Milestone added."), "success")
    return redirect(request, _url(request, _id(request), "milestones"))


async def complete_milestone(request: Request) -> Response:
    who = require_login(request)
    await implementation.complete_milestone(who, _id(request), request.path_params["milestone_id"],
                                            done_on=implementation.today())
    flash(request, _("Milestone reached."), "success")
    return redirect(request, _url(request, _id(request), "milestones"))


async def add_child(request: Request) -> Response:
    who = require_login(request)
    parsed, form = council_forms.parse_child(await form_data(request))
    if parsed is None:
        return await _page(request, _id(request), 422, {"child": form})
    child_id = await implementation.add_child(who, _id(request), title=parsed[0], cost=parsed[1])
    flash(request, _("Sub-project added."), "success")
    return redirect(request, _url(request, child_id))


async def _uploads(request: Request, name: str, limit: int) -> tuple[dict[str, str], list[bytes]]:
    async with request.form(max_files=limit, max_fields=20) as data:
        files = [f for f in data.getlist(name) if isinstance(f, UploadFile) and f.filename]
        images = [await f.read(photos.MAX_BYTES + 1) for f in files[:limit + 1]]
        fields = {k: v for k, v in data.items() if isinstance(v, str)}
    return fields, images


async def add_update(request: Request) -> Response:
    who = require_login(request)
    fields, images = await _uploads(request, "photos", implementation.MAX_UPDATE_PHOTOS)
    form = forms.Form(fields)
    text = form.text("text", max_length=5000)
    alt = form.text("alt", required=False, max_length=200)
    if form.ok:
        try:
            await implementation.add_update(who, _id(request), text=text, images=images, alt=alt,
                                            media_dir=services(request).settings.media_dir)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
    if not form.ok:
        return await _page(request, _id(request), 422, {"news": form})
    flash(request, _("Update published."), "success")
    return redirect(request, _url(request, _id(request), "timeline"))


async def confirm(request: Request) -> Response:
    who = require_login(request)
    fields, images = await _uploads(request, "photo", 1)
    form = forms.Form(fields)
    value = form.choice("answer", ["yes", "no", "unknown"])
    comment = form.text("comment", required=False, max_length=500)
    review = False
    if form.ok:
        try:
            review = await confirmations.answer(who, _id(request), value, comment=comment,
                                                image=images[0] if images else None,
                                                media_dir=services(request).settings.media_dir)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
    if not form.ok:
        return await _page(request, _id(request), 422, {"confirm": form}, fragment="council/_confirm.html")
    thanks = _("Thank you. The council will look at it again.") if review else _("Thank you for your answer.")
    if is_fragment_request(request) and not review:
        # The box swaps itself: a redirect to this same page "#confirm" would not reload it.
        return await _page(request, _id(request), fragment="council/_confirm.html", notice=thanks)
    flash(request, thanks, "success")
    if is_fragment_request(request):  # a "no" also changes the badge and the timeline: reload all
        return Response(status_code=200, headers={"HX-Refresh": "true"})
    return redirect(request, _url(request, _id(request), "confirm"))


async def close_review(request: Request) -> Response:
    who = require_role(request, Role.COUNCIL)
    form = forms.Form(await form_data(request))
    outcome = form.choice("outcome", ["stands", "reopen"])
    note = form.text("note", max_length=2000)
    if form.ok:
        try:
            await implementation.close_review(who, _id(request), outcome=outcome, note=note)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
    if not form.ok:
        return await _page(request, _id(request), 422, {"review": form})
    flash(request, _("The review is closed."), "success")
    return redirect(request, _url(request, _id(request)))


async def update_photo(request: Request) -> Response:
    path, content_type = await implementation.photo_file(request.path_params["photo_id"],
                                                         services(request).settings.media_dir)
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "public, max-age=86400"})


async def answer_photo(request: Request) -> Response:
    path, content_type = await confirmations.photo_file(request.path_params["answer_id"],
                                                        services(request).settings.media_dir)
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "public, max-age=3600"})


P = "/implementation/{project_id:int}"
routes = [
    Route("/implementation", index, name="council.implementation"),
    Route("/implementation/reviews", reviews, name="council.reviews"),
    Route("/implementation/photos/{photo_id:int}", update_photo, name="council.update_photo"),
    Route("/implementation/answers/{answer_id:int}/photo", answer_photo, name="council.answer_photo"),
    Route(P, detail, name="council.project"),
    Route(f"{P}/status", change_status, methods=["POST"], name="council.project_status"),
    Route(f"{P}/progress", progress, methods=["POST"], name="council.project_progress"),
    Route(f"{P}/milestones", add_milestone, methods=["POST"], name="council.milestone_add"),
    Route(f"{P}/milestones/{{milestone_id:int}}/done", complete_milestone, methods=["POST"],
          name="council.milestone_done"),
    Route(f"{P}/children", add_child, methods=["POST"], name="council.project_child"),
    Route(f"{P}/updates", add_update, methods=["POST"], name="council.project_update"),
    Route(f"{P}/confirm", confirm, methods=["POST"], name="council.project_confirm"),
    Route(f"{P}/review", close_review, methods=["POST"], name="council.project_review"),
]
