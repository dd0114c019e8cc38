"""Proposal pages: list and search, drafting, the proposal page and its widgets, moderation,
the agency inbox, escalations and statistics. Thin: parse -> one service call -> render."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.datastructures import UploadFile

from portal import forms, htmx
from portal.forms import safe_next
from portal.accounts.identity import Role
from portal.errors import InvalidInput, NotAllowed
from portal.i18n import gettext as _
from portal.proposals import forms as proposal_forms
from portal.proposals import comment_moderation, leaderboard_routes, photos, queries, stats
from portal.proposals import services as proposals
from portal.proposals.domain import AnswerKind
from portal.voting import promote as budget_promotion
from portal.council import queries as council_queries
from portal.templating import flash, render
from portal.web import form_data, identity, redirect, require_login, require_role, services


def job_handlers(svc: Any) -> Mapping[str, Callable[[Mapping[str, Any]], Awaitable[None]]]:
    """Scheduled work of this domain, registered in app.job_handlers()."""
    return proposals.job_handlers(svc.mailer, svc.settings.base_url)


def _id(request: Request) -> int:
    value: int = request.path_params["proposal_id"]
    return value


def _url(proposal_id: int) -> str:
    return f"/proposals/{proposal_id}"


# --- list, search, suggestions ----------------------------------------------------------------

async def index(request: Request) -> Response:
    filters = queries.parse_filters(request.query_params)
    page = await queries.list_proposals(filters)
    return render(request, "proposals/index.html", {"result": page, "options": await queries.options()},
                  fragment="proposals/_results.html")


async def similar(request: Request) -> Response:
    title = request.query_params.get("title", "")[:140]
    exclude = request.query_params.get("exclude", "")
    rows = await queries.similar(title, int(exclude) if exclude.isdigit() and len(exclude) < 9 else None)
    return render(request, "proposals/similar.html", {"similar": rows, "title": title},
                  fragment="proposals/_similar.html")


async def mine(request: Request) -> Response:
    who = require_login(request)
    return render(request, "proposals/mine.html", {"rows": await queries.my_proposals(who)})


# --- drafting ---------------------------------------------------------------------------------

async def _form_page(request: Request, form: forms.Form, status: int = 200, proposal_id: int | None = None) -> Response:
    return render(request, "proposals/new.html",
                  {"form": form, "options": await queries.options(), "proposal_id": proposal_id},
                  status_code=status)


async def _parse(request: Request) -> tuple[Any, forms.Form]:
    kec, kel, agencies = await queries.codes()
    return proposal_forms.parse_proposal(await form_data(request), kec, kel, agencies)


async def new(request: Request) -> Response:
    who = require_login(request)
    if not who.verified:
        raise NotAllowed(_("Only verified residents can write proposals. Verify your account first."))
    if request.method == "GET":
        return await _form_page(request, forms.Form({}))
    draft, form = await _parse(request)
    if draft is None:
        return await _form_page(request, form, 422)
    try:
        proposal_id = await proposals.create_draft(who, draft)
    except InvalidInput as exc:
        form.add_errors(exc.errors)
        return await _form_page(request, form, 422)
    flash(request, _("Draft saved. Check the preview, add photos or co-authors, then submit."), "success")
    return redirect(request, _url(proposal_id))


async def edit(request: Request) -> Response:
    who = require_login(request)
    proposal_id = _id(request)
    if request.method == "GET":
        values = await queries.edit_values(who, proposal_id)
        return await _form_page(request, proposal_forms.form_from_values(values), proposal_id=proposal_id)
    draft, form = await _parse(request)
    if draft is None:
        return await _form_page(request, form, 422, proposal_id)
    try:
        await proposals.update_draft(who, proposal_id, draft)
    except InvalidInput as exc:
        form.add_errors(exc.errors)
        return await _form_page(request, form, 422, proposal_id)
    flash(request, _("Changes saved."), "success")
    return redirect(request, _url(proposal_id))


async def submit(request: Request) -> Response:
    who = require_login(request)
    await proposals.submit(who, _id(request))
    flash(request, _("Your proposal is submitted. A moderator verifies it within 3 working days."), "success")
    return redirect(request, _url(_id(request)))


async def withdraw(request: Request) -> Response:
    who = require_login(request)
    await proposals.withdraw(who, _id(request))
    flash(request, _("Your proposal is withdrawn."), "info")
    return redirect(request, _url(_id(request)))


# --- the proposal page ------------------------------------------------------------------------

async def _detail_page(request: Request, proposal_id: int, status: int = 200,
                       form_errors: Mapping[str, forms.Form] | None = None) -> Response:
    who = identity(request)
    detail = await queries.detail(who, proposal_id)
    options = await queries.options() if who.has(Role.MODERATOR) else None
    blank = forms.Form({})
    context = {"d": detail, "options": options, "forms": {**{k: blank for k in (
        "coauthor", "photos", "comment", "flag", "appeal", "moderate", "answer", "reply", "comment_action")}, **(form_errors or {})},
        "budget": await budget_promotion.proposal_budget(who, proposal_id),  # voting/_promote.html
        "council_links": await council_queries.decisions_for("proposal", proposal_id)}  # council/_decisions_for.html
    return render(request, "proposals/detail.html", context, status_code=status)


async def detail(request: Request) -> Response:
    return await _detail_page(request, _id(request))


async def invite(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    form = forms.Form(data)
    email = form.email("email")
    if form.ok:
        svc = services(request)
        try:
            await proposals.invite_coauthor(who, _id(request), email, svc.mailer, svc.settings.base_url)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
    if not form.ok:
        return await _detail_page(request, _id(request), 422, {"coauthor": form})
    flash(request, _("Co-author added."), "success")
    return redirect(request, _url(_id(request)))


async def upload_photos(request: Request) -> Response:
    who = require_login(request)
    proposal_id = _id(request)
    form = forms.Form({})
    media = services(request).settings.media_dir
    async with request.form(max_files=3, max_fields=10) as data:
        files = [f for f in data.getlist("photos") if isinstance(f, UploadFile) and f.filename]
        alt = data.get("alt", "")
        if not files:
            form.errors["photos"] = _("Choose at least one photo.")
        for upload in files:
            content = await upload.read(photos.MAX_BYTES + 1)
            try:
                await proposals.add_photo(who, proposal_id, content, media, alt=alt if isinstance(alt, str) else "")
            except InvalidInput as exc:
                form.add_errors(exc.errors)
                break
    if not form.ok:
        return await _detail_page(request, proposal_id, 422, {"photos": form})
    flash(request, _("Photo added."), "success")
    return redirect(request, _url(proposal_id))


async def delete_photo(request: Request) -> Response:
    who = require_login(request)
    await proposals.remove_photo(who, _id(request), request.path_params["photo_id"],
                                 services(request).settings.media_dir)
    flash(request, _("Photo removed."), "info")
    return redirect(request, _url(_id(request)))


async def photo(request: Request) -> Response:
    path, content_type = await proposals.photo_file(identity(request), _id(request), request.path_params["photo_id"],
                                                    services(request).settings.media_dir)
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


async def support(request: Request) -> Response:
    who = require_login(request)
    proposal_id = _id(request)
    data = await form_data(request)
    if data.get("action") == "remove":
        await proposals.unsupport(who, proposal_id)
    else:
        await proposals.support(who, proposal_id)
    if not htmx.is_fragment_request(request):
        return redirect(request, _url(proposal_id))
    return render(request, "proposals/detail.html", {"d": await queries.detail(who, proposal_id)},
                  fragment="proposals/_support.html")


async def follow(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    await proposals.follow(who, _id(request), on=data.get("action") != "remove")
    return redirect(request, _url(_id(request)))


async def comment(request: Request) -> Response:
    who = require_login(request)
    parsed, form = proposal_forms.parse_comment(await form_data(request))
    if parsed is None:
        return await _detail_page(request, _id(request), 422, {"comment": form})
    await proposals.add_comment(who, _id(request), parsed[0], parsed[1])
    flash(request, _("Comment posted."), "success")
    return redirect(request, _url(_id(request)) + "#comments")


async def flag(request: Request) -> Response:
    who = require_login(request)
    reason, form = proposal_forms.parse_reason(await form_data(request), max_length=300)
    if reason is None:
        return await _detail_page(request, _id(request), 422, {"flag": form})
    hid = await proposals.flag(who, _id(request), reason, services(request).mailer)
    flash(request, _("Thank you. Moderators will look at your report."), "success")
    return redirect(request, "/proposals" if hid else _url(_id(request)))


async def appeal(request: Request) -> Response:
    who = require_login(request)
    text, form = proposal_forms.parse_reason(await form_data(request))
    if text is None:
        return await _detail_page(request, _id(request), 422, {"appeal": form})
    await proposals.appeal(who, _id(request), text)
    flash(request, _("Your appeal is sent to the moderators."), "success")
    return redirect(request, _url(_id(request)))


async def reply(request: Request) -> Response:
    who = require_login(request)
    text, form = proposal_forms.parse_reason(await form_data(request))
    if text is None:
        return await _detail_page(request, _id(request), 422, {"reply": form})
    await proposals.author_reply(who, _id(request), text)
    flash(request, _("Your reply is sent; the agency will answer again."), "success")
    return redirect(request, _url(_id(request)))


# --- comment reports and moderation -----------------------------------------------------------

async def _comment_error(request: Request, form: forms.Form) -> Response:
    form.values["comment_id"] = str(request.path_params["comment_id"])
    return await _detail_page(request, _id(request), 422, {"comment_action": form})


async def flag_comment(request: Request) -> Response:
    who = require_login(request)
    reason, form = proposal_forms.parse_reason(await form_data(request), max_length=300)
    if reason is None:
        return await _comment_error(request, form)
    svc = services(request)
    await comment_moderation.flag_comment(who, _id(request), request.path_params["comment_id"], reason,
                                          svc.mailer, svc.settings.base_url)
    flash(request, _("Thank you. Moderators will look at your report."), "success")
    return redirect(request, _url(_id(request)) + "#comments")


async def appeal_comment(request: Request) -> Response:
    who = require_login(request)
    text, form = proposal_forms.parse_reason(await form_data(request))
    if text is None:
        return await _comment_error(request, form)
    await comment_moderation.appeal_comment(who, _id(request), request.path_params["comment_id"], text)
    flash(request, _("Your appeal is sent to the moderators."), "success")
    return redirect(request, _url(_id(request)) + f"#comment-{request.path_params['comment_id']}")


async def moderate_comment(request: Request) -> Response:
    who = require_role(request, Role.MODERATOR)
    data = await form_data(request)
    form = forms.Form(data)
    hide = form.choice("decision", ["hide", "show"]) == "hide"
    reason = form.text("reason", max_length=300, min_length=3)
    if not form.ok:
        return await _comment_error(request, form)
    svc = services(request)
    await comment_moderation.decide_comment(who, _id(request), request.path_params["comment_id"], hide, reason,
                                            svc.mailer, svc.settings.base_url)
    flash(request, _("The comment is hidden.") if hide else _("The comment is visible."), "success")
    return redirect(request, safe_next(data.get("next"), _url(_id(request)) + "#comments"))


# --- moderators and agencies ------------------------------------------------------------------

async def moderate(request: Request) -> Response:
    who = require_role(request, Role.MODERATOR)
    proposal_id = _id(request)
    action = request.path_params["action"]
    data = await form_data(request)
    form = forms.Form(data)
    try:
        if action == "start_review":
            await proposals.start_review(who, proposal_id)
        elif action == "verify":
            await proposals.verify(who, proposal_id, form.text("agency", max_length=32))
        elif action == "reroute":
            await proposals.reroute(who, proposal_id, form.text("agency", max_length=32))
        elif action in ("return", "archive"):
            reason = form.text("reason", max_length=2000, min_length=3)
            if form.ok:
                service = proposals.return_for_clarification if action == "return" else proposals.archive
                await service(who, proposal_id, reason)
        elif action == "merge":
            keep = form.integer("keep_id", minimum=1)
            if form.ok and keep is not None:
                await proposals.merge(who, proposal_id, keep)
        elif action in ("restore", "keep_hidden"):
            note = form.text("note", required=action == "keep_hidden", max_length=300)
            if form.ok:
                await proposals.decide_hidden(who, proposal_id, action == "restore", note, services(request).mailer)
        else:
            raise NotAllowed()
    except InvalidInput as exc:
        form.add_errors(exc.errors)
    if not form.ok:
        return await _detail_page(request, proposal_id, 422, {"moderate": form})
    flash(request, _("Done."), "success")
    return redirect(request, _url(proposal_id))


async def answer(request: Request) -> Response:
    who = require_role(request, Role.OFFICER)
    proposal_id = _id(request)
    parsed, form = proposal_forms.parse_answer(await form_data(request))
    if parsed is None:
        return await _detail_page(request, proposal_id, 422, {"answer": form})
    svc = services(request)
    await proposals.answer(who, proposal_id, parsed[0], parsed[1], parsed[2], svc.mailer, svc.settings.base_url)
    flash(request, _("Your answer is published.") if parsed[0] != AnswerKind.NOT_COMPETENT
          else _("The proposal goes back to the moderators for re-routing."), "success")
    return redirect(request, "/agency/inbox")


async def moderation(request: Request) -> Response:
    require_role(request, Role.MODERATOR)
    return render(request, "moderation/index.html", {"queue": await queries.moderation_queue()})


async def inbox(request: Request) -> Response:
    who = require_role(request, Role.OFFICER)
    if who.agency_id is None:
        raise NotAllowed(_("Your account is not bound to an agency."))
    name, open_items, done = await queries.agency_inbox(who.agency_id)
    return render(request, "agency/inbox.html", {"agency_name": name, "open_items": open_items, "done": done})


async def escalations(request: Request) -> Response:
    require_role(request, Role.MODERATOR, Role.COUNCIL)
    return render(request, "moderation/escalations.html", {"rows": await queries.escalations()})


async def statistics(request: Request) -> Response:
    return render(request, "proposals/stats.html", {"stats": await stats.compute()})


routes = [
    Route("/proposals", index, name="proposals"),
    Route("/proposals/new", new, methods=["GET", "POST"], name="proposals_new"),
    Route("/proposals/similar", similar, name="proposals_similar"),
    Route("/proposals/mine", mine, name="proposals_mine"),
    Route("/proposals/stats", statistics, name="proposals_stats"),
    Route("/proposals/escalations", escalations, name="proposals_escalations"),
    Route("/proposals/{proposal_id:int}", detail, name="proposal"),
    Route("/proposals/{proposal_id:int}/edit", edit, methods=["GET", "POST"], name="proposal_edit"),
    Route("/proposals/{proposal_id:int}/submit", submit, methods=["POST"], name="proposal_submit"),
    Route("/proposals/{proposal_id:int}/withdraw", withdraw, methods=["POST"], name="proposal_withdraw"),
    Route("/proposals/{proposal_id:int}/coauthors", invite, methods=["POST"], name="proposal_coauthors"),
    Route("/proposals/{proposal_id:int}/photos", upload_photos, methods=["POST"], name="proposal_photos"),
    Route("/proposals/{proposal_id:int}/photos/{photo_id:int}", photo, name="proposal_photo"),
    Route("/proposals/{proposal_id:int}/photos/{photo_id:int}/delete", delete_photo, methods=["POST"],
          name="proposal_photo_delete"),
    Route("/proposals/{proposal_id:int}/support", support, methods=["POST"], name="proposal_support"),
    Route("/proposals/{proposal_id:int}/follow", follow, methods=["POST"], name="proposal_follow"),
    Route("/proposals/{proposal_id:int}/comments", comment, methods=["POST"], name="proposal_comment"),
    Route("/proposals/{proposal_id:int}/flag", flag, methods=["POST"], name="proposal_flag"),
    Route("/proposals/{proposal_id:int}/appeal", appeal, methods=["POST"], name="proposal_appeal"),
    Route("/proposals/{proposal_id:int}/reply", reply, methods=["POST"], name="proposal_reply"),
    Route("/proposals/{proposal_id:int}/answer", answer, methods=["POST"], name="proposal_answer"),
    Route("/proposals/{proposal_id:int}/moderate/{action}", moderate, methods=["POST"], name="proposal_moderate"),
    Route("/proposals/{proposal_id:int}/comments/{comment_id:int}/flag", flag_comment, methods=["POST"],
          name="comment_flag"),
    Route("/proposals/{proposal_id:int}/comments/{comment_id:int}/appeal", appeal_comment, methods=["POST"],
          name="comment_appeal"),
    Route("/proposals/{proposal_id:int}/comments/{comment_id:int}/moderate", moderate_comment, methods=["POST"],
          name="comment_moderate"),
    Route("/moderation", moderation, name="moderation"),
    *leaderboard_routes.routes,
    Route("/agency/inbox", inbox, name="agency_inbox"),
]
