"""CSRF protection for every unsafe method: Fetch-Metadata/Origin check + session-bound token.

The token lives in the signed session cookie and is accepted from the `X-CSRF-Token` header
(htmx, set on <body>) or the `csrf_token` form field (plain forms without JavaScript). For form
bodies the middleware reads the body once and replays it to the application.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES_FOR_TOKEN = 16 * 1024 * 1024  # three 5 MB photos in one no-JS form must still be checked

Rejecter = Callable[[Request, str], Awaitable[Response]]


def ensure_token(session: dict[str, object]) -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _cross_site(headers: Headers) -> bool:
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc != headers.get("host", "")
    return False


class CSRFMiddleware:
    """Must sit inside SessionMiddleware (it reads scope["session"])."""

    def __init__(self, app: ASGIApp, reject: Rejecter, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.reject = reject
        # Path prefixes whose POSTs carry their own proof (a signed token in the URL).
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or scope["path"].startswith(self.exempt):
            if scope["type"] == "http":
                ensure_token(scope["session"])
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        expected = scope["session"].get("csrf", "")
        if _cross_site(headers):
            await self._reject(scope, receive, send, "cross-site")
            return
        supplied = headers.get("x-csrf-token")
        body = b""
        if supplied is None:
            content_type = headers.get("content-type", "")
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                body = await _read_body(receive, MAX_FORM_BYTES_FOR_TOKEN)
                supplied = await _token_from_form(scope, body)
        if not expected or not supplied or not secrets.compare_digest(str(supplied), expected):
            await self._reject(scope, _replay(body, receive), send, "token")
            return
        await self.app(scope, _replay(body, receive) if body else receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, reason: str) -> None:
        response = await self.reject(Request(scope, receive), reason)
        await response(scope, receive, send)


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            break
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _token_from_form(scope: Scope, body: bytes) -> str | None:
    request = Request(scope, _replay(body, _empty_receive))
    async with request.form(max_files=10, max_fields=200) as form:
        value = form.get("csrf_token")
    return value if isinstance(value, str) else None


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
