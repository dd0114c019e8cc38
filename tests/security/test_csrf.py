"""Every unsafe request needs the session's CSRF token and a same-origin context."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from tests.helpers import csrf_of
from tests.security import sweep
from tests.security import world as w
from tests.security.policy import POLICY


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


# --- every unsafe route of the app, as the actor who would otherwise succeed ------------------

ATTACKS = {
    "missing": {"token": None},
    "wrong": {"token": "forged-token-0123456789abcdef"},
    "cross-origin": {"headers": {"Origin": "https://evil.example"}},
    "cross-site-fetch": {"headers": {"Sec-Fetch-Site": "cross-site"}},
    "null-origin-no-token": {"token": None, "headers": {"Origin": "null"}},
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
async def test_every_unsafe_route_refuses_forged_requests(app, attack: str) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services)
    problems = []
    async with w.logged_in(app, world):
        before = await w.snapshot()
        for route, method in sweep.unsafe_cases():
            actor = sweep.first_allowed(route, method)
            url = sweep.url_for(route, world.ids)
            response = await sweep.send(world, actor, method, url, route, **ATTACKS[attack])
            if POLICY[route.name].csrf_exempt and sweep.refused(response, route, method):
                continue
            if response.status_code != 403:
                problems.append(f"{actor} {method} {url} ({route.name}): {response.status_code}, expected 403")
        changes = w.diff(before, await w.snapshot())
    assert not problems, "\n".join(problems)
    assert not changes, changes
    assert sweep.unsafe_cases(), "the sweep found no unsafe route"


def test_csrf_exemptions_are_only_token_routes(app) -> None:  # type: ignore[no-untyped-def]
    """Whatever path prefixes the app exempts from CSRF, every route under them is TOKEN-only."""
    from portal.csrf import CSRFMiddleware

    exempt = next(m.kwargs.get("exempt", ()) for m in app.user_middleware if m.cls is CSRFMiddleware)
    under = [r for r in sweep.ROUTES if r.path.startswith(tuple(exempt))]
    assert all(POLICY[r.name].csrf_exempt for r in under), [r.name for r in under]
    assert all(set().union(*POLICY[r.name].access.values()) == {"token"} for r in under)
    assert {r.name for r in sweep.ROUTES if POLICY.get(r.name) and POLICY[r.name].csrf_exempt} == {r.name for r in under}
