"""The read-only JSON API under /api: endpoints, JSON responses and errors, CORS.

Every response under /api/ is JSON, errors included: `JsonErrors` (inside the mount) turns the
router's 404/405, refused queries (400), the rate limit (429) and unexpected failures (500)
into {"error": {...}} bodies, and `ApiGuard` (app level) answers unsafe methods and replaces any
HTML error page from further out, so no client ever has to parse HTML. CORS allows GET from any
origin: the data is public and no cookie or credential is honoured here.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.errors import DomainError, NotFound, RateLimited
from portal.opendata import queries
from portal.opendata.fields import MAX_KEY, QueryError, Resource, page, parse_query
from portal.opendata.openapi import build_document
from portal.opendata.serializers import resource_named
from portal.web import client_ip, services

log = logging.getLogger("portal.opendata")
RETRY_AFTER_SECONDS = 60
REASONS = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited",
           500: "server_error"}


def error_response(status: int, message: str, *, code: str = "", parameter: str = "",
                   headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"status": status, "code": code or REASONS.get(status, "error"), "message": message,
                      "parameter": parameter or None}}
    return Response(json.dumps(body), status_code=status, media_type="application/json", headers=headers)


def json_response(request: Request, payload: Any) -> Response:
    """JSON with a strong ETag; a matching If-None-Match gets 304 and no body."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def _rate_limit(request: Request) -> None:
    await services(request).limiter.hit("api", client_ip(request))


def _resource(request: Request) -> Resource:
    resource = resource_named(request.path_params["resource"])
    if resource is None:
        raise NotFound()
    return resource


async def list_items(request: Request) -> Response:
    await _rate_limit(request)
    resource = _resource(request)
    query = parse_query(resource, request.query_params.multi_items())
    rows = await queries.LOADERS[resource.name](query.filters, query.after, query.limit + 1, await queries.names())
    kept, cursor = page(rows, resource.key, query.limit)
    return json_response(request, {"data": [resource.to_json(r) for r in kept], "next_cursor": cursor,
                                   "limit": query.limit})


async def get_item(request: Request) -> Response:
    await _rate_limit(request)
    resource = _resource(request)
    item_id = request.path_params["id"]
    if request.query_params:
        name = next(iter(request.query_params))
        raise QueryError("unknown_parameter", f"Unknown parameter '{name}'. Allowed: none.", name)
    if not 1 <= item_id <= MAX_KEY:
        raise NotFound()
    rows = await queries.LOADERS[resource.name]({}, item_id - 1, 1, await queries.names())
    if not rows or rows[0][resource.key] != item_id:
        raise NotFound()
    return json_response(request, {"data": resource.to_json(rows[0])})


async def openapi_document(request: Request) -> Response:
    return json_response(request, build_document())


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The API router's default: unknown paths get a JSON 404, not the site's HTML page."""
    await error_response(404, "No such API path. See /api/openapi.json.")(scope, receive, send)


async def _handle(request: Request, exc: Exception) -> Response:
    return _error_for(exc)


class JsonErrors:
    """Errors raised under /api become JSON responses, not the site's HTML pages.

    Starlette's routes look their exception handlers up in the scope (the app's, which render
    HTML); this middleware puts JSON ones there for the /api subtree, and turns anything else
    that escapes into a JSON 500.
    """

    HANDLERS = ({HTTPException: _handle, DomainError: _handle, QueryError: _handle}, {})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = {**scope, "starlette.exception_handlers": self.HANDLERS}
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            await _error_for(exc)(scope, receive, send)


def _error_for(exc: Exception) -> Response:
    if isinstance(exc, QueryError):
        return error_response(400, exc.message, code=exc.code, parameter=exc.parameter)
    if isinstance(exc, RateLimited):
        return error_response(429, "Too many requests. Please wait a minute and try again.",
                              headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, NotFound):
        return error_response(404, "No such item.")
    if isinstance(exc, DomainError):
        return error_response(exc.status_code, exc.message or "The request cannot be served.")
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, exc.detail, headers=dict(exc.headers or {}))
    log.exception("unhandled error in the API")
    return error_response(500, "Something went wrong.")


class ApiGuard:
    """App-level middleware (placed before CSRF) for everything under /api/:

    - any method but GET/HEAD/OPTIONS is a JSON 405 at once: the API has no unsafe endpoints, so
      the CSRF check (whose rejection is an HTML page) has nothing to protect there;
    - an HTML error page produced further in (e.g. the site's 404 for a path the API mount
      cannot even match) is replaced by the JSON error with the same status.
    """

    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if scope["method"] not in self.SAFE:
            response = error_response(405, "The API is read-only: use GET.", headers={"Allow": "GET, HEAD"})
            await response(scope, receive, send)
            return
        html_status: int | None = None

        async def json_only(message: Message) -> None:
            nonlocal html_status
            if message["type"] == "http.response.start":
                if Headers(raw=message["headers"]).get("content-type", "").startswith("text/html"):
                    html_status = message["status"]
                    return
            elif message["type"] == "http.response.body" and html_status is not None:
                if not message.get("more_body", False):
                    status = html_status if html_status >= 400 else 404
                    message = ("No such API path. See /api/openapi.json." if status == 404
                               else "The request cannot be served.")
                    await error_response(status, message)(scope, receive, send)
                return
            await send(message)

        await self.app(scope, receive, json_only)


MIDDLEWARE = [
    Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD"],
               allow_headers=["If-None-Match"], expose_headers=["ETag", "Retry-After"], max_age=86400),
    Middleware(JsonErrors),
]
