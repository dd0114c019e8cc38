"""Stored and reflected XSS: markup typed into any text field, query parameter or file name
comes back inert (escaped) on every page that shows it, in the mail outbox and admin views."""

from __future__ import annotations

import re
from urllib.parse import quote

from portal.proposals.models import Proposal, ProposalPhoto
from tests.security import sweep
from tests.security import world as w
from tests.security.policy import CYCLE, INSPECTION, PROPOSAL

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>"
# What must never appear raw: each would run if the payload were not escaped.
LIVE = ("<script>alert(1)", "<img src=x onerror", "<svg onload")


def live_markup(html: str) -> list[str]:
    return [m for m in LIVE if m in html]


async def test_stored_text_is_escaped_on_every_page_and_mail(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"}))
    async with w.logged_in(app, world):
        owner = "owner"
        title = "Jalan " + XSS
        r = await world.request(owner, "POST", "/proposals/new", {
            **PROPOSAL, "title": title[:140], "description": "Deskripsi panjang " + XSS,
            "address": XSS[:200]})
        assert r.status_code == 303, r.text[:300]
        proposal = await Proposal.filter(title=title[:140]).first()
        assert proposal is not None, "the payload was stored as typed (escaping happens on output)"
        pid = proposal.id
        photo = await world.clients[owner].post(
            f"/proposals/{pid}/photos", data={"alt": XSS}, files={"photos": (XSS + ".png", w.png(), "image/png")},
            headers={"X-CSRF-Token": world.tokens[owner]})
        assert photo.status_code == 303
        stored = await ProposalPhoto.get(proposal_id=pid)
        assert "<" not in stored.filename and "script" not in stored.filename  # the upload's name is never kept
        r = await world.request(owner, "POST", f"/proposals/{pid}/coauthors", {"email": "warga@example.id"})
        assert r.status_code == 303
        await world.request(owner, "POST", f"/proposals/{pid}/submit", {})
        await world.request("moderator", "POST", f"/proposals/{pid}/moderate/verify", {"agency": "Disdukcapil"})
        r = await world.request("resident", "POST", f"/proposals/{pid}/comments", {"body": "Komentar " + XSS})
        assert r.status_code == 303
        await world.request("council", "POST", "/budgets/new", {**CYCLE, "title": "Siklus " + XSS[:150],
                                                                 "description": XSS})
        await world.request("moderator", "POST", "/inspections/new", {**INSPECTION, "title": "Inspeksi " + XSS[:150],
                                                                      "scope": "Ruang lingkup " + XSS})
        pages = {
            "anonymous": ["/proposals", f"/proposals/{pid}", "/budgets", "/inspections", "/proposals/stats"],
            "owner": [f"/proposals/{pid}", "/proposals/mine", f"/proposals/{pid}/edit"],
            "moderator": ["/moderation", f"/proposals/{pid}", "/inspections", "/admin/users"],
            "council": ["/budgets", "/budgets/1"],
            "officer": ["/agency/inbox"],
            "admin": ["/admin/users", "/admin/outbox"],
        }
        outbox = await world.clients["admin"].get("/admin/outbox")
        pages["admin"] += sorted(set(re.findall(r'href="(/admin/outbox/[^"]+)"', outbox.text)))[:20]
        problems = []
        seen_escaped = 0
        for actor, urls in pages.items():
            for url in urls:
                response = await world.clients[actor].get(url)
                if live_markup(response.text):
                    problems.append(f"{actor} {url}: {live_markup(response.text)}")
                seen_escaped += "&lt;script&gt;alert(1)" in response.text
    assert not problems, "\n".join(problems)
    assert seen_escaped >= 8, "the payload should be visible (escaped) on the pages that show it"


async def test_registration_name_is_inert_in_admin_views_and_mail(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset())
    async with w.logged_in(app, world):
        r = await world.request("anonymous", "POST", "/register", {
            "name": XSS[:120], "email": "xss@example.id", "password": "a long password",
            "password_confirm": "a long password"})
        assert r.status_code == 303
        users = await world.clients["admin"].get("/admin/users?q=xss")
        assert "&lt;script&gt;" in users.text and not live_markup(users.text)
        detail = re.search(r'href="(/admin/users/\d+)"[^>]*>[^<]*&lt;script', users.text)
        page = await world.clients["admin"].get(detail.group(1) if detail else "/admin/users")
        assert not live_markup(page.text)
        outbox = await world.clients["admin"].get("/admin/outbox")
        for href in re.findall(r'href="(/admin/outbox/[^"]+)"', outbox.text):
            message = await world.clients["admin"].get(href)
            assert not live_markup(message.text), href
    for item in app.state.services.outbox.latest(50):
        assert "text/html" not in (app.state.services.settings.outbox_dir / item.name).read_text()


async def test_reflected_query_parameters_are_escaped_on_every_page(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services)
    query = "&".join(f"{name}={quote(XSS)}" for name in (
        "q", "next", "title", "status", "category", "kecamatan", "sort", "page", "to", "role", "agency", "lang",
        "resident", "exclude", "format"))
    problems = []
    async with w.logged_in(app, world):
        for route, method in [(r, m) for r, m in sweep.CASES if m == "GET" and r.name != "static"]:
            actor = sweep.first_allowed(route, method)
            url = sweep.url_for(route, world.ids) + "?" + query
            response = await world.clients[actor].get(url, headers={"HX-Request": "true"})
            plain = await world.clients[actor].get(url)
            for r in (response, plain):
                if r.status_code >= 500 or live_markup(r.text) or sweep.leaks(r.text):
                    problems.append(f"{actor} GET {url[:80]}: {r.status_code} {live_markup(r.text)}")
                if XSS in r.headers.get("location", "") or "evil" in r.headers.get("hx-redirect", ""):
                    problems.append(f"{actor} GET {url[:80]}: payload in a redirect header")
    assert not problems, "\n".join(problems)
