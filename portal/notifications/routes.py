"""Notification pages: the list with mark-read widgets, the nav badge, preferences, and the
one-click unsubscribe that works without logging in. Thin: parse -> one service call -> render."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms, htmx
from portal.errors import InvalidInput
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.notifications import mailing, messages, queries
from portal.notifications import services as notifications
from portal.settings import Settings
from portal.templating import flash, render
from portal.web import form_data, ip_hash, redirect, require_login, services

# The signed token is the proof for these POSTs: mail providers send RFC 8058 one-click requests
# from their servers, without our session cookie or CSRF token.
CSRF_EXEMPT = ("/notifications/unsubscribe/",)
UNSUBSCRIBE_PREFIX = CSRF_EXEMPT[0]


def mail_deps(svc: Any) -> mailing.MailDeps:
    return mailing.MailDeps(mailer=svc.mailer, tokens=svc.accounts.tokens, base_url=svc.settings.base_url,
                            default_lang=svc.settings.default_lang)


def job_handlers(svc: Any) -> Mapping[str, Callable[[Mapping[str, Any]], Awaitable[None]]]:
    """Scheduled work of this package, registered in app.job_handlers()."""
    return mailing.job_handlers(mail_deps(svc))


def periodic_jobs(settings: Settings) -> list[Any]:
    return list(mailing.periodic(timedelta(seconds=settings.notify_every_seconds)))


def _helpers() -> dict[str, Any]:
    return {"render_message": messages.render, "more_label": messages.more_label,
            "kind_label": messages.kind_label, "mode_label": messages.mode_label}


async def index(request: Request) -> Response:
    who = require_login(request)
    number = request.query_params.get("page", "1")
    unread_only = request.query_params.get("show") == "unread"
    page = await queries.list_for(who.user_id or 0, int(number) if number.isdigit() and len(number) < 6 else 1,
                                  unread_only)
    return render(request, "notifications/index.html", {"page": page, "unread_only": unread_only, **_helpers()},
                  fragment="notifications/_list.html")


async def badge(request: Request) -> Response:
    who = require_login(request)
    return render(request, "notifications/_badge.html", {"unread": await queries.unread_count(who.user_id)})


async def read(request: Request) -> Response:
    who = require_login(request)
    notification_id: int = request.path_params["notification_id"]
    await notifications.mark_read(who.user_id or 0, notification_id, ip_hash=ip_hash(request))
    if not htmx.is_htmx(request):
        return redirect(request, request.url_for("notifications").path)
    row = await queries.one(who.user_id or 0, notification_id)
    return render(request, "notifications/_row_update.html",
                  {"row": row, "unread": await queries.unread_count(who.user_id), **_helpers()})


async def read_all(request: Request) -> Response:
    who = require_login(request)
    count = await notifications.mark_all_read(who.user_id or 0, ip_hash=ip_hash(request))
    if htmx.is_htmx(request):
        page = await queries.list_for(who.user_id or 0)
        return render(request, "notifications/_list.html", {"page": page, "unread_only": False, **_helpers()})
    flash(request, ngettext("Marked %(n)d notification as read.", "Marked %(n)d notifications as read.", count)
          % {"n": count})
    return redirect(request, request.url_for("notifications").path)


async def preferences(request: Request) -> Response:
    who = require_login(request)
    user_id = who.user_id or 0
    form = forms.Form({})
    status = 200
    if request.method == "POST":
        data = await form_data(request)
        try:
            await notifications.set_preferences(user_id, notifications.parse_preferences(data),
                                                ip_hash=ip_hash(request))
        except InvalidInput as exc:
            form, status = forms.Form(data, dict(data), {k: _(v) for k, v in exc.errors.items()}), 422
        else:
            flash(request, _("Your notification settings are saved."))
            return redirect(request, request.url_for("notifications.preferences").path)
    current = await queries.preferences(user_id)
    chosen = {k: form.values.get(f"kind_{k}", v.value) for k, v in current.items()}
    return render(request, "notifications/preferences.html",
                  {"form": form, "chosen": chosen, "modes": list(messages.MODE_LABELS), **_helpers()},
                  status_code=status)


async def unsubscribe(request: Request) -> Response:
    """GET: confirm page. POST: the page's button, or an RFC 8058 one-click request."""
    token = request.path_params["token"]
    try:
        wanted = notifications.read_unsubscribe(services(request).accounts.tokens, token)
    except InvalidInput as exc:
        return render(request, "notifications/unsubscribe.html",
                      {"error": next(iter(exc.errors.values())), "token": token, "done": False, "kind": ""},
                      status_code=400)
    kind = wanted.kinds[0].value if len(wanted.kinds) == 1 else ""
    context = {"error": "", "token": token, "done": False, "kind": kind, "everything": False, **_helpers()}
    if request.method == "POST":
        data = await form_data(request)
        one_click = data.get("List-Unsubscribe") == "One-Click"
        everything = data.get("scope") == "all"
        await notifications.unsubscribe(wanted, everything=everything, via="one-click" if one_click else "link",
                                        ip_hash=ip_hash(request))
        context.update(done=True, everything=everything or not kind)
    return render(request, "notifications/unsubscribe.html", context)


routes = [
    Route("/notifications", index, name="notifications"),
    Route("/notifications/badge", badge, name="notifications.badge"),
    Route("/notifications/read-all", read_all, methods=["POST"], name="notifications.read_all"),
    Route("/notifications/{notification_id:int}/read", read, methods=["POST"], name="notifications.read"),
    Route("/notifications/preferences", preferences, methods=["GET", "POST"], name="notifications.preferences"),
    Route(UNSUBSCRIBE_PREFIX + "{token}", unsubscribe, methods=["GET", "POST"], name="notifications.unsubscribe"),
]
