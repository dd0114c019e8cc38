"""Pure ASGI middleware: security headers, and the per-request identity and language."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import handlers, i18n
from portal.accounts import sessions
from portal.accounts.identity import ANONYMOUS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if self.https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if not static:
                    # Pages may carry personal data: never keep them in shared or back caches.
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestContextMiddleware:
    """Loads the identity from the server-side session and picks the UI language."""

    def __init__(self, app: ASGIApp, default_lang: str = "id") -> None:
        self.app = app
        self.default_lang = default_lang

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        identity = ANONYMOUS
        session_id = scope["session"].get("sid")
        if isinstance(session_id, str):
            identity = await sessions.identity_for(session_id) or ANONYMOUS
            if not identity.is_authenticated:
                scope["session"].pop("sid", None)
        scope.setdefault("state", {})["identity"] = identity
        lang = i18n.pick_language(conn.cookies.get("lang"), default=self.default_lang)
        token = i18n.current_lang.set(lang)
        try:
            if _has_nul(scope):
                await handlers.error_response(Request(scope, receive), 400)(scope, receive, send)
                return
            await self.app(scope, receive, send)
        finally:
            i18n.current_lang.reset(token)


def _has_nul(scope: Scope) -> bool:
    """A NUL in the path or query is never ours and PostgreSQL cannot store or compare it."""
    query = scope.get("query_string", b"").lower()
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query
