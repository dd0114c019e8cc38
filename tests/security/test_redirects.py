"""Open redirects: no `next` (or any other parameter) sends the browser to another site,
neither as a 3xx Location nor as an htmx HX-Redirect / HX-Location header."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest

from tests.helpers import csrf_of

from tests.security import sweep
from tests.security import world as w

EVIL = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "https:evil.example",
        "javascript:alert(1)", "/\t/evil.example", " //evil.example", "///evil.example", "http://testserver@evil.example",
        "data:text/html,<script>alert(1)</script>"]


def off_site(location: str) -> bool:
    if not location:
        return False
    parts = urlsplit(location.strip())
    if parts.scheme and parts.scheme not in ("http", "https"):
        return True
    if parts.netloc and parts.netloc != "testserver":
        return True
    return location.startswith(("//", "/\\", "\\")) or "evil.example" in location


def targets(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [response.headers.get(h, "") for h in ("location", "hx-redirect", "hx-location")]


@pytest.mark.parametrize("evil", EVIL)
async def test_login_and_language_switch_stay_on_site(app, evil: str) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset())
    async with w.logged_in(app, world):
        page = await world.clients["anonymous"].get("/login?next=" + quote(evil))
        assert re.search(r'name="next" value="/account"', page.text), "the login form carries only local targets"
        for headers in ({}, {"HX-Request": "true"}):
            client = world.clients["anonymous"]
            client.cookies.clear()
            token = csrf_of((await client.get("/login")).text)
            r = await client.post("/login", data={"csrf_token": token, "email": "warga@example.id",
                                                  "password": "correct horse battery", "next": evil}, headers=headers)
            assert r.status_code in (200, 303) and not any(off_site(t) for t in targets(r)), (evil, targets(r))
            assert "/account" in targets(r)
            r = await world.request("resident", "POST", "/lang", {"lang": "en", "next": evil}, headers)
            assert r.status_code in (200, 303) and not any(off_site(t) for t in targets(r)), (evil, targets(r))


async def test_no_route_redirects_off_site(app) -> None:  # type: ignore[no-untyped-def]
    """Every route, as the actor who may use it, with `next`/`return`/`redirect` set to another site."""
    world = await w.build(app.state.services)
    evil = "https://evil.example/steal"
    extra = {"next": evil, "return_to": evil, "redirect": evil, "url": evil, "back": evil}
    problems = []
    async with w.logged_in(app, world):
        for route, method in sweep.CASES:
            if route.name in ("logout", "static"):
                continue
            actor = sweep.first_allowed(route, method)
            url = sweep.url_for(route, world.ids)
            if method == "GET":
                r = await world.clients[actor].get(url + "?" + "&".join(f"{k}={quote(v)}" for k, v in extra.items()))
            else:
                r = await sweep.send(world, actor, method, url, route,
                                     data={**sweep.payload(route, world.ids), **extra})
            if any(off_site(t) for t in targets(r)):
                problems.append(f"{actor} {method} {url}: {targets(r)}")
    assert not problems, "\n".join(problems)
