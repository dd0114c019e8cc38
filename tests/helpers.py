"""Helpers for route tests: act like a browser (CSRF token from the page, cookies kept)."""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.web import Services

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
VALID_NIK = "3273026010900009"  # Bandung, Coblong, woman born 1990-10-20


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def post_form(client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any]) -> httpx.Response:
    """GET `page` for a fresh token, then POST `data` with it to `action`."""
    token = csrf_of((await client.get(page)).text)
    return await client.post(action, data={"csrf_token": token, **data})


async def make_user(services: Services, email: str = "siti@example.id", *, roles: tuple[str, ...] = (),
                    agency: str = "", password: str = "correct horse battery", verified: bool = False,
                    nik: str = VALID_NIK) -> User:
    user = await accounts.create_user(services.accounts, email=email, name=email.split("@")[0].title(),
                                      password=password, roles=roles, agency_abbr=agency)
    if verified:
        from datetime import date

        await accounts.verify_resident(services.accounts, user_id=user.id, raw_nik=nik,
                                       kelurahan_code="32.73.02.1004", today=date(2026, 11, 29))
    return user


async def login(client: httpx.AsyncClient, email: str, password: str = "correct horse battery") -> httpx.Response:
    response = await post_form(client, "/login", "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text[:500]
    return response
