"""The JSON API: pagination, allow-listed filters, JSON errors, CORS, ETag, rate limit."""

from __future__ import annotations

import pytest

from portal.opendata.fields import MAX_LIMIT
from tests.opendata.factories import inspection, proposals_world, published_cycle


async def test_list_pages_with_cursor_in_id_order_and_skips_private_proposals(client, app) -> None:  # type: ignore[no-untyped-def]
    world = await proposals_world(app.state.services, n=3)
    first = await client.get("/api/v1/proposals?limit=2")
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    body = first.json()
    assert [p["id"] for p in body["data"]] == world.public[:2] and body["limit"] == 2
    second = (await client.get(f"/api/v1/proposals?limit=2&cursor={body['next_cursor']}")).json()
    assert [p["id"] for p in second["data"]] == world.public[2:] and second["next_cursor"] is None
    seen = {p["id"] for p in body["data"] + second["data"]}
    assert world.draft_id not in seen and world.hidden_id not in seen


async def test_proposal_item_has_the_published_fields_only(client, app) -> None:  # type: ignore[no-untyped-def]
    world = await proposals_world(app.state.services, n=1)
    r = await client.get(f"/api/v1/proposals/{world.forwarded_id}")
    assert r.status_code == 200
    item = r.json()["data"]
    assert item["status"] == "forwarded" and item["agency"] == "DSDABM" and item["kecamatan"] == "Coblong"
    assert item["kecamatan_code"] == "32.73.02" and item["estimated_cost"] == 25_000_000
    assert item["created_at"] == "2026-11-02T03:00:00Z" and item["answer_kind"] is None
    assert not {"created_by", "authors", "moderator_note", "hidden", "hidden_reason"} & item.keys()
    refused = await client.get(f"/api/v1/proposals/{world.forwarded_id}?status=forwarded")  # no filters on items
    assert refused.status_code == 400 and refused.json()["error"]["parameter"] == "status"


@pytest.mark.parametrize("which", ["draft_id", "hidden_id"])
async def test_private_proposal_item_is_a_json_404(client, app, which) -> None:  # type: ignore[no-untyped-def]
    world = await proposals_world(app.state.services, n=1)
    r = await client.get(f"/api/v1/proposals/{getattr(world, which)}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("query", "code", "parameter"), [
    ("colour=red", "unknown_parameter", "colour"),  # not in the allow-list
    ("status=draft", "invalid_filter", "status"),  # drafts are never public
    ("kecamatan=Coblong", "invalid_filter", "kecamatan"),  # a code, not a name
    ("limit=0", "invalid_limit", "limit"),
    (f"limit={MAX_LIMIT + 1}", "invalid_limit", "limit"),
    ("cursor=abc", "invalid_cursor", "cursor"),
    ("status=submitted&status=closed", "repeated_parameter", "status"),
])
async def test_refused_query_is_a_json_400_naming_the_parameter(client, db, query, code, parameter) -> None:  # type: ignore[no-untyped-def]
    r = await client.get(f"/api/v1/proposals?{query}")
    assert r.status_code == 400 and r.headers["content-type"] == "application/json"
    assert r.json()["error"] == {"status": 400, "code": code, "message": r.json()["error"]["message"],
                                 "parameter": parameter}


async def test_filters_narrow_the_list(client, app) -> None:  # type: ignore[no-untyped-def]
    world = await proposals_world(app.state.services, n=3)
    by_status = (await client.get("/api/v1/proposals?status=forwarded")).json()["data"]
    assert [p["id"] for p in by_status] == [world.forwarded_id]
    by_agency = (await client.get("/api/v1/proposals?agency=DSDABM")).json()["data"]
    assert [p["id"] for p in by_agency] == [world.forwarded_id]
    assert (await client.get("/api/v1/proposals?agency=NOSUCH")).json()["data"] == []
    drainage = (await client.get("/api/v1/proposals?category=drainage&kecamatan=32.73.02")).json()["data"]
    assert [p["id"] for p in drainage] == [world.public[1]]


@pytest.mark.parametrize("path", [
    "/api/v1/nothing", "/api/v1/proposals/999999", "/api/v2/proposals", "/api/x",
    "/api/v1/decisions/%0A",  # the mount cannot match a newline: the site's HTML 404 is turned into JSON
])
async def test_unknown_paths_are_json_404s(client, db, path) -> None:  # type: ignore[no-untyped-def]
    r = await client.get(path)
    assert r.status_code == 404 and r.json()["error"]["status"] == 404
    assert "<html" not in r.text


async def test_other_methods_are_a_json_405_and_head_works(client, db) -> None:  # type: ignore[no-untyped-def]
    r = await client.options("/api/v1/proposals")  # not a CORS preflight: no Origin
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    head = await client.head("/api/v1/proposals")
    assert head.status_code == 200 and head.content == b""


async def test_cors_allows_get_from_any_origin(client, db) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/api/v1/proposals", headers={"Origin": "https://data.example.org"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    pre = await client.options("/api/v1/proposals", headers={
        "Origin": "https://data.example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert pre.status_code == 200 and "GET" in pre.headers["access-control-allow-methods"]


async def test_etag_gives_304_when_unchanged(client, app) -> None:  # type: ignore[no-untyped-def]
    await proposals_world(app.state.services, n=1)
    first = await client.get("/api/v1/proposals")
    again = await client.get("/api/v1/proposals", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_rate_limit_is_a_json_429_with_retry_after(client, app) -> None:  # type: ignore[no-untyped-def]
    limiter = app.state.services.limiter
    for _ in range(300):
        await limiter.hit("api", "127.0.0.1")
    r = await client.get("/api/v1/proposals")
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert r.json()["error"]["code"] == "rate_limited"


async def test_agency_scores_suppress_small_cells(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    big = await inspection(panel_cards=5, survey_answers=4, services=services)
    small = await inspection(agency="DSDABM", panel_cards=4, services=services)
    hidden = await inspection(agency="Dinkes", state="fieldwork", panel_cards=5, services=services)
    rows = {r["id"]: r for r in (await client.get("/api/v1/agency-scores")).json()["data"]}
    assert hidden not in rows
    assert rows[big]["panel_respondents"] == 5 and rows[big]["panel_ikm"] == 75.0
    assert rows[big]["panel_grade"] == "C"
    assert rows[big]["survey_respondents"] is None and rows[big]["survey_ikm"] is None  # 4 < 5
    assert rows[small]["panel_respondents"] is None and rows[small]["panel_ikm"] is None
    only = (await client.get("/api/v1/agency-scores?agency=DSDABM")).json()["data"]
    assert [r["id"] for r in only] == [small]


async def test_budget_cycles_lists_published_votes_with_ballots_link(client, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _codes = await published_cycle(app.state.services, voters=2)
    data = (await client.get("/api/v1/budget-cycles")).json()["data"]
    assert [(c["id"], c["voters"], c["ballots_url"]) for c in data] == [(cycle_id, 2, f"/exports/ballots/{cycle_id}.pb")]


async def test_nul_in_the_query_is_a_json_400_not_the_html_error_page(client, db) -> None:  # type: ignore[no-untyped-def]
    # Found by schemathesis: the site-wide NUL guard answers before the API, with an HTML page.
    response = await client.get("/api/v1/proposals?kecamatan=%00x")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert "error" in response.json()
