"""Security headers, translated error pages without tracebacks, rate limits."""

from __future__ import annotations

from tests.helpers import csrf_of, make_user
from tests.security import sweep
from tests.security import world as w


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


# --- sweeps over every route of the app -------------------------------------------------------

REQUIRED_HEADERS = {"content-security-policy": "frame-ancestors 'none'", "x-content-type-options": "nosniff",
                    "x-frame-options": "DENY", "referrer-policy": "same-origin"}


def _missing_headers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [h for h, v in REQUIRED_HEADERS.items() if v not in response.headers.get(h, "")]


async def test_every_response_carries_the_security_headers(app) -> None:  # type: ignore[no-untyped-def]
    """Pages, fragments, redirects, refusals and errors alike."""
    world = await w.build(app.state.services)
    problems = []
    async with w.logged_in(app, world):
        for route, method in sweep.CASES:
            url = sweep.url_for(route, world.ids)
            for actor, headers in ((sweep.first_allowed(route, method), {"HX-Request": "true"}), ("anonymous", {})):
                r = (await world.clients[actor].get(url, headers=headers) if method == "GET"
                     else await sweep.send(world, actor, method, url, route, token=None, headers=headers))
                if _missing_headers(r):
                    problems.append(f"{actor} {method} {url} {r.status_code}: {_missing_headers(r)}")
                cache = r.headers.get("cache-control", "")
                html = r.headers.get("content-type", "").startswith("text/html")
                if method == "GET" and html and "no-store" not in cache and "private" not in cache:
                    problems.append(f"{actor} GET {url}: personal pages must be no-store")
    assert not problems, "\n".join(problems)


async def test_hsts_when_served_over_https(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import httpx2 as httpx

    from portal.app import create_app
    from portal.settings import Settings

    settings = Settings(data_dir=tmp_path, database_url="sqlite://:memory:", secret_key="k" * 24, nik_key="n" * 24,
                        base_url="https://warga.example", cheap_password_hashing=True, run_jobs_in_process=False)
    assert settings.https
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as c:
        r = await c.get("/static/app.css")
    assert "max-age=" in r.headers.get("strict-transport-security", "")


GARBAGE: dict[str, object] = {
    "huge": "x" * 20_000, "big-number": "99999999999999999999999", "controls": "-1e309\x00\x1b[31m١٢٣\u202e",
    "list": ["1", "2", "3"],
}


async def test_malformed_input_on_every_unsafe_route_is_a_clean_4xx(app) -> None:  # type: ignore[no-untyped-def]
    """Every field of every form replaced by each kind of garbage (one world: only <500 matters)."""
    world = await w.build(app.state.services)
    problems = []
    async with w.logged_in(app, world):
        for kind, garbage in GARBAGE.items():
            for route, method in sweep.unsafe_cases():
                if route.name == "logout":
                    continue
                actor = sweep.first_allowed(route, method)
                url = sweep.url_for(route, world.ids)
                data = {k: garbage for k in [*sweep.payload(route, world.ids), "id", "page"]}
                r = await sweep.send(world, actor, method, url, route, data=data)
                if r.status_code >= 500 or sweep.leaks(r.text):
                    problems.append(f"{kind}: {actor} {method} {url}: {r.status_code} {sweep.leaks(r.text)}")
    assert not problems, "\n".join(problems)


async def test_wrong_content_types_are_a_clean_4xx(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services)
    problems = []
    async with w.logged_in(app, world):
        for route, method in sweep.unsafe_cases():
            if route.name == "logout":
                continue
            actor = sweep.first_allowed(route, method)
            url = sweep.url_for(route, world.ids)
            client = world.clients[actor]
            token = {"X-CSRF-Token": world.tokens[actor]}
            for body, ctype in ((b'{"role": "admin"}', "application/json"),
                                (b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff=%ZZ",
                                 "multipart/form-data; boundary=x")):
                r = await client.post(url, content=body, headers={**token, "Content-Type": ctype})
                if r.status_code >= 500 or sweep.leaks(r.text):
                    problems.append(f"{actor} POST {url} ({ctype}): {r.status_code}")
    assert not problems, "\n".join(problems)
