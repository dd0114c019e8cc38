"""Injection in search, filter and sort parameters: SQL metacharacters, LIKE wildcards and
full-text operators are data. No 500, no SQL or driver text in the answer, no extra rows."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.security import sweep
from tests.security import world as w

PAYLOADS = [
    "' OR '1'='1", "\"; DROP TABLE users; --", "') UNION SELECT 1,2,3--", "%%' --", "\\'",
    "NEAR(jalan lampu)", "\"unterminated", "jalan* -lampu AND OR NOT title:x ^y {z}", "(((", "jalan\x00lampu",
    "ｊａｌａｎ", "x" * 3000,
]
# (actor, path, parameters that carry the payload)
SEARCHES = [
    ("anonymous", "/proposals", ("q", "sort", "status", "category", "kecamatan", "agency", "page")),
    ("anonymous", "/proposals/similar", ("title", "exclude")),
    ("anonymous", "/proposals/stats", ("year", "kecamatan")),
    ("anonymous", "/budgets", ("q", "sort")),
    ("anonymous", "/inspections", ("q", "agency", "state")),
    ("anonymous", "/agencies", ("sort", "year")),
    ("admin", "/admin/users", ("q", "role", "page")),
    ("admin", "/admin/outbox", ("to",)),
    ("anonymous", "/budgets/{cycle_published}/export.pb", ("kecamatan",)),
    ("anonymous", "/budgets/{cycle_published}/results", ("kecamatan", "sort")),
]


@pytest.mark.parametrize(("actor", "path", "params"), SEARCHES, ids=[s[1] for s in SEARCHES])
async def test_search_and_sort_parameters_are_data(app, actor: str, path: str, params: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"} if "budgets" not in path else {"budgets"}))
    problems = []
    async with w.logged_in(app, world):
        url = path.format(**world.ids)
        baseline = await world.clients[actor].get(url)
        assert baseline.status_code == 200, url
        for payload in PAYLOADS:
            for name in params:
                r = await world.clients[actor].get(f"{url}?{name}={quote(payload)}", headers={"HX-Request": "true"})
                if r.status_code >= 500 or sweep.leaks(r.text):
                    problems.append(f"{url}?{name}={payload[:30]!r}: {r.status_code} {sweep.leaks(r.text)}")
                elif "Draf taman bermain" in r.text:  # the owner's draft is never listed to others
                    problems.append(f"{url}?{name}={payload[:30]!r}: a draft leaked into the results")
    assert not problems, "\n".join(problems)


async def test_tautology_does_not_widen_the_result(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"}))
    async with w.logged_in(app, world):
        none = await world.clients["anonymous"].get("/proposals?q=" + quote("zzqqxx"))
        tautology = await world.clients["anonymous"].get("/proposals?q=" + quote("zzqqxx' OR '1'='1"))
        users = await world.clients["admin"].get("/admin/users?q=" + quote("zzqqxx' OR '1'='1"))
    for r in (none, tautology):
        assert r.status_code == 200
        assert "Antrian e-KTP terlalu panjang" not in r.text  # a published proposal does not match either
    assert "warga@example.id" not in users.text


async def test_post_bodies_with_sql_metacharacters_are_stored_verbatim(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"}))
    from portal.proposals.models import Comment

    body = "Robert'); DROP TABLE proposals_comment;-- dan 100% setuju_"
    async with w.logged_in(app, world):
        r = await world.request("resident", "POST", f"/proposals/{world.ids['forwarded']}/comments", {"body": body})
        assert r.status_code == 303
    assert await Comment.filter(body=body).count() == 1
