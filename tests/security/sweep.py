"""Driving routes from the policy table: URLs with real ids, valid payloads, refusal checks."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from portal.app import create_app
from portal.settings import Settings
from tests.security import world as w
from tests.security.policy import DEFAULT_PARAMS, LITERAL_PARAMS, POLICY, TOKEN, AppRoute, app_routes

DENIED = {401, 403, 404}


def _routes() -> list[AppRoute]:
    settings = Settings(data_dir=Path(tempfile.gettempdir()), database_url="sqlite://:memory:",
                        secret_key="route-listing-0123456789", nik_key="route-listing-0123456789",
                        base_url="http://testserver")
    return list(app_routes(create_app(settings, manage_database=False).routes))


ROUTES = _routes()
CASES = [(route, method) for route in ROUTES if route.name in POLICY
         for method in sorted(route.methods & POLICY[route.name].methods)]


def url_for(route: AppRoute, ids: dict[str, Any]) -> str:
    rule = POLICY[route.name]

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        key = rule.params.get(name, DEFAULT_PARAMS.get(name))
        return str(ids[key] if key else LITERAL_PARAMS[name])

    return PARAM.sub(value, route.path)


PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def param_names(path: str) -> list[str]:
    return [m.group(1) for m in PARAM.finditer(path)]


def payload(route: AppRoute, ids: dict[str, Any]) -> dict[str, Any]:
    return {k: v.format(**ids) if isinstance(v, str) else v for k, v in POLICY[route.name].data.items()}


def refused(response: Any, route: AppRoute | None = None, method: str = "GET") -> bool:
    if response.status_code in DENIED:
        return True
    if route is not None and response.status_code in POLICY[route.name].also_refused:
        return True
    if route is not None and POLICY[route.name].access[method] == {TOKEN}:
        return response.status_code in (400, 410, 422)  # "this link is invalid or expired"
    return response.status_code in (302, 303) and response.headers["location"].startswith("/login")


SESSION = object()  # send the actor's own CSRF token


async def send(world: w.World, actor: str, method: str, url: str, route: AppRoute, *, token: Any = SESSION,
               headers: dict[str, str] | None = None, data: dict[str, Any] | None = None) -> Any:
    """One request as `actor` with the route's valid payload; `token=None` sends no CSRF token."""
    client = world.clients[actor]
    if method == "GET":
        return await client.get(url, headers=headers)
    sent = dict(headers or {})
    token = world.tokens[actor] if token is SESSION else token
    if token is not None:
        sent["X-CSRF-Token"] = token
    body = payload(route, world.ids) if data is None else data
    files = ({"photos": ("foto.png", w.png(), "image/png")} if POLICY[route.name].files else None)
    return await client.request(method, url, data=body, files=files, headers=sent)


def unsafe_cases() -> list[tuple[AppRoute, str]]:
    return [(r, m) for r, m in CASES if m != "GET"]


def first_allowed(route: AppRoute, method: str) -> str:
    """The actor who would succeed (so a refusal can only come from the check under test)."""
    allowed = POLICY[route.name].allowed(method)
    for actor in ("owner", "officer", "moderator", "council", "admin", "resident", "unverified", "anonymous"):
        if actor in allowed:
            return actor
    return "owner"  # TOKEN routes: nobody is allowed without the mailed token


def leaks(text: str) -> list[str]:
    """Internals that must never reach a response body."""
    markers = ("Traceback (most recent call last)", "File \"/", "sqlite3.", "aiosqlite", "asyncpg",
               "OperationalError", "IntegrityError", "ProgrammingError", "tortoise.exceptions", "SELECT \"",
               "syntax error at or near", "near \"")
    return [m for m in markers if m in text]
