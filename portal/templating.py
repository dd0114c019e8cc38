"""The single Jinja environment and the one place that decides fragment vs page."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from portal import formatting, htmx, i18n
from portal.accounts.identity import ANONYMOUS, Identity, Role

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


# Role names as shown to people; the keys are the stored values.
ROLE_LABELS = {
    "resident": i18n.lazy("resident"),
    "panelist": i18n.lazy("panelist"),
    "officer": i18n.lazy("agency officer"),
    "agency_head": i18n.lazy("agency head"),
    "moderator": i18n.lazy("moderator"),
    "council": i18n.lazy("council member"),
    "admin": i18n.lazy("administrator"),
}


def role_label(role: str) -> str:
    return i18n.gettext(ROLE_LABELS.get(str(role), str(role)))


def _context(request: Request) -> dict[str, Any]:
    identity: Identity = getattr(request.state, "identity", ANONYMOUS)
    session = request.scope.get("session", {})
    lang = i18n.current_lang.get()
    flashes = session.pop("flash", []) if "session" in request.scope else []
    return {
        "identity": identity,
        "Role": Role,
        "lang": lang,
        "csrf_token": session.get("csrf", ""),
        "flashes": flashes,
        "unread_notifications": getattr(request.state, "unread_notifications", 0),
        "current_path": request.url.path
        + (f"?{request.url.query}" if request.url.query else ""),
    }


URL_PATH_CACHE_SIZE = 20_000


@jinja2.pass_context
def url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> URL:
    """Starlette's `url_for`, remembered per app: Starlette scans every route on each call and a
    page has dozens of links, while the URL of a (host, route, parameters) triple never changes."""
    request: Request = context["request"]
    urls: dict[tuple[Any, ...], URL] | None = getattr(request.app.state, "url_paths", None)
    base = request.base_url
    key = (str(base), name, *path_params.items())
    try:
        return urls[key]  # type: ignore[index]
    except (KeyError, TypeError):  # not seen yet, no memory on this app, or an unhashable value
        pass
    url = request.app.router.url_path_for(name, **path_params).make_absolute_url(base_url=base)
    if urls is not None:
        if len(urls) >= URL_PATH_CACHE_SIZE:
            urls.clear()
        try:
            urls[key] = url
        except TypeError:
            pass
    return url


def build_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["url_for"] = url_for  # Jinja2Templates keeps it (it only sets a default)
    env.filters["rupiah"] = lambda v: formatting.rupiah(v, i18n.current_lang.get())
    env.filters["datetime"] = lambda v: formatting.jakarta_datetime(v, i18n.current_lang.get())
    env.filters["role"] = role_label
    env.filters["date"] = lambda v: formatting.jakarta_date(v, i18n.current_lang.get())
    return env


templates = Jinja2Templates(env=build_environment(), context_processors=[_context])


def render(
    request: Request,
    page: str,
    context: Mapping[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render `fragment` for partial htmx requests, else the full `page`."""
    name = fragment if fragment and htmx.is_fragment_request(request) else page
    response = templates.TemplateResponse(
        request, name, dict(context or {}), status_code=status_code, headers=dict(headers or {})
    )
    if fragment and request.method == "GET":
        response.headers["Vary"] = htmx.VARY
    return response


def flash(request: Request, message: str, category: str = "info") -> None:
    """Queue a message (already translated) for the next rendered page."""
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], {"message": message, "category": category}]
