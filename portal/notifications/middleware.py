"""The unread count for the navigation badge, loaded once per full page view.

Context processors are synchronous, so the count is read here (one indexed COUNT) and left in
`request.state.unread_notifications` for the base template. Static files, htmx partial requests
and visitors skip the query.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from portal.notifications import queries


class UnreadCountMiddleware:
    """Must sit inside RequestContextMiddleware (it reads the identity from the request state)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope["path"].startswith("/static/"):
            state = scope.setdefault("state", {})
            identity = state.get("identity")
            user_id = getattr(identity, "user_id", None)
            headers = dict(scope.get("headers") or [])
            partial = headers.get(b"hx-request") == b"true" and b"hx-history-restore-request" not in headers
            state["unread_notifications"] = 0 if user_id is None or partial else await queries.unread_count(user_id)
        await self.app(scope, receive, send)
