"""Every unsafe request needs the session's CSRF token and a same-origin context."""

from __future__ import annotations

from portal.accounts.models import User
from tests.helpers import csrf_of


REGISTRATION = {"name": "Siti", "email": "siti@example.id", "password": "a long password",
                "password_confirm": "a long password"}


async def test_post_without_token_is_403_and_changes_nothing(client) -> None:  # type: ignore[no-untyped-def]
    await client.get("/register")
    r = await client.post("/register", data=REGISTRATION)
    assert r.status_code == 403
    assert await User.all().count() == 0


async def test_post_with_wrong_token_is_403(client) -> None:  # type: ignore[no-untyped-def]
    await client.get("/register")
    r = await client.post("/register", data={**REGISTRATION, "csrf_token": "forged"})
    assert r.status_code == 403
    assert await User.all().count() == 0


async def test_token_from_another_session_is_refused(client, app) -> None:  # type: ignore[no-untyped-def]
    import httpx2 as httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        foreign = csrf_of((await other.get("/register")).text)
    await client.get("/register")
    r = await client.post("/register", data={**REGISTRATION, "csrf_token": foreign})
    assert r.status_code == 403


async def test_cross_site_fetch_metadata_is_refused_even_with_token(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_of((await client.get("/register")).text)
    r = await client.post("/register", data={**REGISTRATION, "csrf_token": token},
                          headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = await client.post("/register", data={**REGISTRATION, "csrf_token": token},
                          headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert await User.all().count() == 0


async def test_header_token_is_accepted(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_of((await client.get("/register")).text)
    r = await client.post("/register", data=REGISTRATION, headers={"X-CSRF-Token": token})
    assert r.status_code == 303
    assert await User.filter(email="siti@example.id").exists()


async def test_get_never_changes_state(client) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/logout")
    assert r.status_code == 405
    r = await client.get("/lang?lang=en")
    assert r.status_code == 405
