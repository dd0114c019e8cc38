"""Administration: find users, roles and agency binding, disable accounts, assisted
verification (moderators), the mail outbox and the job queue."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.accounts import forms as account_forms
from portal.accounts import queries, services as accounts
from portal.accounts.identity import Role
from portal.core import jobs_queries
from portal.core.timeutil import to_jakarta, utcnow
from portal.errors import InvalidInput, NotFound
from portal.i18n import gettext as _
from portal.templating import flash, render
from portal.web import form_data, ip_hash, redirect, require_role, services

PAGE_SIZE = 50
ROLE_FILTERS = ("", "resident", *accounts.GRANTABLE)


async def users(request: Request) -> Response:
    require_role(request, Role.ADMIN, Role.MODERATOR)
    query = request.query_params.get("q", "").strip()[:100]
    role = request.query_params.get("role", "")
    role = role if role in ROLE_FILTERS else ""
    page = max(1, min(10_000, _int(request.query_params.get("page"), 1)))
    rows, total = await queries.find_users(query, role, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render(request, "admin/users.html",
                  {"rows": rows, "total": total, "q": query, "role": role, "page": page,
                   "pages": max(1, -(-total // PAGE_SIZE)), "role_filters": ROLE_FILTERS},
                  fragment="admin/_user_rows.html")


def _int(raw: str | None, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 9 else default


async def _detail_page(request: Request, user_id: int, form: forms.Form | None = None, status: int = 200) -> Response:
    detail = await queries.user_detail(user_id, to_jakarta(utcnow()).year)
    if detail is None:
        raise NotFound()
    return render(request, "admin/user.html",
                  {"detail": detail, "grantable": accounts.GRANTABLE, "agencies": await queries.agencies(),
                   "territory": await queries.territory_options(), "form": form or forms.Form({})},
                  status_code=status)


async def user(request: Request) -> Response:
    require_role(request, Role.ADMIN, Role.MODERATOR)
    return await _detail_page(request, request.path_params["user_id"])


async def grant(request: Request) -> Response:
    admin = require_role(request, Role.ADMIN)
    user_id = request.path_params["user_id"]
    data = await form_data(request)
    try:
        await accounts.grant_role(admin, user_id=user_id, role=data.get("role", ""),
                                  agency_abbr=data.get("agency", ""))
    except InvalidInput as exc:
        form = forms.Form(data)
        form.add_errors(exc.errors)
        return await _detail_page(request, user_id, form, 422)
    flash(request, _("Role granted."), "success")
    return redirect(request, f"/admin/users/{user_id}")


async def revoke(request: Request) -> Response:
    admin = require_role(request, Role.ADMIN)
    user_id = request.path_params["user_id"]
    await accounts.revoke_role(admin, user_id=user_id, role=request.path_params["role"])
    flash(request, _("Role revoked."), "success")
    return redirect(request, f"/admin/users/{user_id}")


async def disable(request: Request) -> Response:
    admin = require_role(request, Role.ADMIN)
    user_id = request.path_params["user_id"]
    disabled = request.url.path.endswith("/disable")
    await accounts.set_disabled(admin, user_id=user_id, disabled=disabled)
    flash(request, _("Account disabled.") if disabled else _("Account enabled."), "success")
    return redirect(request, f"/admin/users/{user_id}")


async def assisted_verify(request: Request) -> Response:
    moderator = require_role(request, Role.MODERATOR)
    user_id = request.path_params["user_id"]
    data = await form_data(request)
    command, form = account_forms.parse_verification(data, await queries.kelurahan_codes())
    if command is not None:
        try:
            await accounts.verify_resident(
                services(request).accounts, user_id=user_id, raw_nik=command.nik,
                kelurahan_code=command.kelurahan_code, today=to_jakarta(utcnow()).date(),
                method="assisted", verifier=moderator, ip_hash=ip_hash(request),
            )
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("The resident is verified."), "success")
            return redirect(request, f"/admin/users/{user_id}")
    return await _detail_page(request, user_id, form, 422)


async def revoke_verification(request: Request) -> Response:
    moderator = require_role(request, Role.MODERATOR)
    user_id = request.path_params["user_id"]
    data = await form_data(request)
    form = forms.Form(data)
    reason = form.text("reason", max_length=300, min_length=3)
    if not form.ok:
        return await _detail_page(request, user_id, form, 422)
    await accounts.revoke_verification(moderator, user_id=user_id, reason=reason)
    flash(request, _("The verification was revoked."), "success")
    return redirect(request, f"/admin/users/{user_id}")


async def outbox(request: Request) -> Response:
    require_role(request, Role.ADMIN)
    to = request.query_params.get("to", "").strip()[:254]
    items = services(request).outbox.latest(100, to=to)
    return render(request, "admin/outbox.html", {"items": items, "to": to})


async def outbox_message(request: Request) -> Response:
    require_role(request, Role.ADMIN)
    item = services(request).outbox.read(request.path_params["name"])
    if item is None:
        raise NotFound()
    return render(request, "admin/outbox_message.html", {"item": item})


async def job_list(request: Request) -> Response:
    require_role(request, Role.ADMIN)
    return render(request, "admin/jobs.html", {"summary": await jobs_queries.summary(),
                                               "due": await jobs_queries.upcoming()})


routes = [
    Route("/admin/users", users, name="admin_users"),
    Route("/admin/users/{user_id:int}", user, name="admin_user"),
    Route("/admin/users/{user_id:int}/roles", grant, methods=["POST"], name="admin_grant"),
    Route("/admin/users/{user_id:int}/roles/{role}/revoke", revoke, methods=["POST"], name="admin_revoke"),
    Route("/admin/users/{user_id:int}/disable", disable, methods=["POST"], name="admin_disable"),
    Route("/admin/users/{user_id:int}/enable", disable, methods=["POST"], name="admin_enable"),
    Route("/admin/users/{user_id:int}/verify", assisted_verify, methods=["POST"], name="admin_verify"),
    Route("/admin/users/{user_id:int}/verification/revoke", revoke_verification, methods=["POST"],
          name="admin_revoke_verification"),
    Route("/admin/outbox", outbox, name="admin_outbox"),
    Route("/admin/outbox/{name}", outbox_message, name="admin_outbox_message"),
    Route("/admin/jobs", job_list, name="admin_jobs"),
]
