"""Security headers, translated error pages without tracebacks, rate limits."""

from __future__ import annotations

from tests.helpers import csrf_of, make_user


async def test_security_headers_on_pages(client) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["cache-control"] == "no-store"


async def test_404_is_translated_page(client) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/no/such/page")
    assert r.status_code == 404
    assert "Halaman tidak ditemukan" in r.text
    assert "<main" in r.text


async def test_500_shows_no_traceback(app, client) -> None:  # type: ignore[no-untyped-def]
    from starlette.routing import Route

    async def boom(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals 3273026010900009")

    app.router.routes.append(Route("/boom", boom))
    r = await client.get("/boom")
    assert r.status_code == 500
    assert "Traceback" not in r.text and "secret internals" not in r.text and "3273026010900009" not in r.text
    assert "Terjadi kesalahan" in r.text


async def test_login_rate_limit_returns_429_translated(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "budi@example.id")
    statuses = []
    for _ in range(10):
        token = csrf_of((await client.get("/login")).text)
        r = await client.post("/login", data={"csrf_token": token, "email": "budi@example.id", "password": "wrong password"})
        statuses.append(r.status_code)
    assert statuses[:8] == [422] * 8
    assert statuses[8] == 429
    assert "Terlalu banyak percobaan" in r.text


async def test_english_after_language_switch_sticks(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_of((await client.get("/")).text)
    r = await client.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/login"})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    page = await client.get("/login")
    assert '<html lang="en">' in page.text and "Log in" in page.text
    token = csrf_of(page.text)
    r = await client.post("/lang", data={"csrf_token": token, "lang": "id", "next": "https://evil.example"})
    assert r.headers["location"] == "/"
    assert '<html lang="id">' in (await client.get("/")).text
