"""Small helpers shared by every domain's routes: services, identity, guards, redirects."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import htmx
from portal.accounts.identity import ANONYMOUS, Identity
from portal.accounts.services import AccountDeps
from portal.core.mail import Mailer, Outbox
from portal.errors import NotAllowed
from portal.ratelimit import RateLimiter
from portal.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    hasher: PasswordHasher
    outbox: Outbox
    mailer: Mailer
    limiter: RateLimiter
    accounts: AccountDeps


def services(request: Request) -> Services:
    result: Services = request.app.state.services
    return result


def identity(request: Request) -> Identity:
    found: Identity = getattr(request.state, "identity", ANONYMOUS)
    return found


class LoginRequired(Exception):
    """Raised by guards; the handler redirects to the login page with `next`."""


def require_login(request: Request) -> Identity:
    who = identity(request)
    if not who.is_authenticated:
        raise LoginRequired()
    return who


def require_role(request: Request, *roles: str) -> Identity:
    who = require_login(request)
    if not who.has(*roles):
        raise NotAllowed()
    return who


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def ip_hash(request: Request) -> str:
    """Keyed hash of the client address for the audit log: linkable, not readable."""
    key = services(request).settings.secret_key.encode()
    return hmac.new(key, client_ip(request).encode(), hashlib.sha256).hexdigest()[:32]


def redirect(request: Request, url: str) -> Response:
    """Post/redirect/get: 303 for plain forms, HX-Redirect for htmx (fetch would follow a 3xx)."""
    if htmx.is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def form_data(request: Request) -> dict[str, Any]:
    async with request.form(max_files=0, max_fields=100) as form:
        # PostgreSQL text cannot hold NUL (a 500 there); no field of ours needs one.
        return {k: v.replace("\x00", "") for k, v in form.items() if isinstance(v, str)}
