"""Home page, health check and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal import forms, i18n
from portal.accounts import services as accounts
from portal.core import health, queries
from portal.settings import SUPPORTED_LANGUAGES
from portal.templating import render
from portal.web import form_data, identity, redirect, services

LANG_COOKIE_SECONDS = 365 * 24 * 3600


async def home(request: Request) -> Response:
    return render(request, "core/home.html", {"stats": await queries.territory_counts()})


async def healthz(request: Request) -> Response:
    return JSONResponse(await health.status(services(request).settings.database_kind),
                        headers={"Cache-Control": "no-store"})


async def switch_language(request: Request) -> Response:
    data = await form_data(request)
    lang = data.get("lang", "")
    target = forms.safe_next(data.get("next"))
    if lang not in SUPPORTED_LANGUAGES:
        lang = i18n.current_lang.get()
    who = identity(request)
    if who.is_authenticated and who.user_id is not None:
        await accounts.set_language(who.user_id, lang)
    response = redirect(request, target)
    response.set_cookie("lang", lang, max_age=LANG_COOKIE_SECONDS, httponly=True, samesite="lax",
                        secure=services(request).settings.https)
    return response


routes = [
    Route("/", home, name="home"),
    Route("/healthz", healthz, name="healthz"),
    Route("/lang", switch_language, methods=["POST"], name="lang"),
]
