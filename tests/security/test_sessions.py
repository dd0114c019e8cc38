"""Server-side sessions: rotation, revocation, replay, idle timeout, disabled accounts."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts.models import UserSession
from tests.helpers import csrf_of, login, make_user, post_form


async def test_login_rotates_session_cookie(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "budi@example.id")
    await client.get("/login")
    before = client.cookies.get("warga_session")
    await login(client, "budi@example.id")
    assert client.cookies.get("warga_session") != before


async def test_replayed_cookie_after_logout_is_anonymous(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "budi@example.id")
    await login(client, "budi@example.id")
    stolen = client.cookies.get("warga_session")
    page = await client.get("/account")
    await client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    client.cookies.set("warga_session", stolen)
    r = await client.get("/account")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_password_change_ends_other_sessions(client, app) -> None:  # type: ignore[no-untyped-def]
    import httpx2 as httpx

    await make_user(app.state.services, "budi@example.id")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await login(other, "budi@example.id")
        await login(client, "budi@example.id")
        r = await post_form(client, "/account", "/account/password", {
            "current_password": "correct horse battery", "new_password": "another good one",
            "new_password_confirm": "another good one"})
        assert r.status_code == 303
        assert (await other.get("/account")).status_code == 303  # the other device is out
        assert (await client.get("/account")).status_code == 200  # this one got a fresh session


async def test_idle_session_expires(client, app) -> None:  # type: ignore[no-untyped-def]
    user = await make_user(app.state.services, "budi@example.id")
    await login(client, "budi@example.id")
    session = await UserSession.get(user_id=user.id)
    await UserSession.filter(id=session.id).update(last_seen_at=session.last_seen_at - timedelta(hours=3))
    assert (await client.get("/account")).status_code == 303
    assert not await UserSession.filter(id=session.id).exists()


async def test_absolute_lifetime(client, app) -> None:  # type: ignore[no-untyped-def]
    user = await make_user(app.state.services, "budi@example.id")
    await login(client, "budi@example.id")
    session = await UserSession.get(user_id=user.id)
    await UserSession.filter(id=session.id).update(created_at=session.created_at - timedelta(days=15))
    assert (await client.get("/account")).status_code == 303


async def test_disabled_account_is_logged_out_and_cannot_log_in(client, app) -> None:  # type: ignore[no-untyped-def]
    import httpx2 as httpx

    services = app.state.services
    await make_user(services, "admin@example.id", roles=("admin",))
    target = await make_user(services, "budi@example.id")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as victim:
        await login(victim, "budi@example.id")
        await login(client, "admin@example.id")
        page = f"/admin/users/{target.id}"
        r = await post_form(client, page, f"{page}/disable", {})
        assert r.status_code == 303
        assert (await victim.get("/account")).status_code == 303
        r = await post_form(victim, "/login", "/login", {"email": "budi@example.id", "password": "correct horse battery"})
        assert r.status_code == 422


async def test_session_cookie_flags(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "budi@example.id")
    r = await login(client, "budi@example.id")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


async def test_next_parameter_only_allows_local_paths(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "budi@example.id")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        token = csrf_of((await client.get("/login")).text)
        r = await client.post("/login", data={"csrf_token": token, "email": "budi@example.id",
                                              "password": "correct horse battery", "next": evil})
        assert r.status_code == 303 and r.headers["location"] == "/account", evil
        client.cookies.clear()


async def test_fixation_a_planted_pre_login_cookie_stays_anonymous(client, app) -> None:  # type: ignore[no-untyped-def]
    import httpx2 as httpx

    await make_user(app.state.services, "budi@example.id")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as attacker:
        await attacker.get("/login")
        planted = attacker.cookies.get("warga_session")
        client.cookies.clear()
        client.cookies.set("warga_session", planted)  # the victim browses with the attacker's cookie
        token = csrf_of((await client.get("/login")).text)
        response = await client.post("/login", data={"csrf_token": token, "email": "budi@example.id",
                                                     "password": "correct horse battery"})
        assert response.status_code == 303
        issued = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        assert issued != planted
        r = await attacker.get("/account")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_csrf_token_rotates_at_login(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "budi@example.id")
    before = csrf_of((await client.get("/login")).text)
    await login(client, "budi@example.id")
    after = csrf_of((await client.get("/account")).text)
    assert before != after
    r = await client.post("/logout", data={"csrf_token": before})
    assert r.status_code == 403  # the pre-login token is dead


async def test_tampered_or_foreign_cookies_are_anonymous_not_errors(client, app) -> None:  # type: ignore[no-untyped-def]
    import base64
    import json

    import itsdangerous

    await make_user(app.state.services, "budi@example.id")
    await login(client, "budi@example.id")
    good = client.cookies.get("warga_session")
    payload = base64.b64encode(json.dumps({"sid": "x" * 43, "csrf": "y"}).encode()).decode()
    foreign = itsdangerous.TimestampSigner("another-secret-key").sign(payload).decode()
    for cookie in (good[:-4] + "AAAA", good.split(".")[0] + ".x.y", foreign, "", "%00" * 10, "a" * 5000):
        client.cookies.clear()
        client.cookies.set("warga_session", cookie)
        r = await client.get("/account")
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), cookie[:20]


async def test_htmx_request_with_expired_session_gets_hx_redirect(client, app) -> None:  # type: ignore[no-untyped-def]
    user = await make_user(app.state.services, "budi@example.id")
    await login(client, "budi@example.id")
    await UserSession.filter(user_id=user.id).delete()  # revoked server-side (e.g. from another device)
    r = await client.get("/proposals/mine", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["hx-redirect"].startswith("/login")
