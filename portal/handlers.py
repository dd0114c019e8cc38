"""Exception handlers: translated error pages (or inline fragments for htmx), never a traceback."""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import htmx
from portal.errors import DomainError, InvalidInput, RateLimited
from portal.i18n import gettext as _
from portal.i18n import lazy
from portal.templating import render
from portal.web import LoginRequired

log = logging.getLogger("portal.errors")

TITLES = {
    400: lazy("Bad request"),
    403: lazy("You are not allowed to do this"),
    404: lazy("Page not found"),
    405: lazy("Method not allowed"),
    409: lazy("This cannot be done now"),
    413: lazy("The upload is too large"),
    422: lazy("Please check your input"),
    429: lazy("Too many attempts"),
    500: lazy("Something went wrong"),
}


def error_response(request: Request, status: int, message: str = "") -> Response:
    title = _(TITLES.get(status, TITLES[400 if status < 500 else 500]))
    context = {"status": status, "title": title, "message": message}
    return render(request, "errors/page.html", context, fragment="errors/_inline.html", status_code=status)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(request, exc.status_code)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    message = exc.message
    if isinstance(exc, InvalidInput) and not message:
        message = next(iter(exc.errors.values()), "")
    if isinstance(exc, RateLimited):
        message = _("Too many attempts. Please wait a while and try again.")
    return error_response(request, exc.status_code, _(message) if message else "")


async def login_required(request: Request, exc: Exception) -> Response:
    target = f"/login?next={quote(request.url.path)}"
    if htmx.is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    try:
        return error_response(request, 500)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        return Response(_("Something went wrong"), status_code=500, media_type="text/plain")


async def csrf_rejected(request: Request, reason: str) -> Response:
    return error_response(
        request, 403, _("Your form expired or came from another site. Reload the page and try again.")
    )
