"""Streamed CSV/JSON exports, the Pabulib ballots file, the /exports page, and privacy."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from portal.opendata import exports
from portal.opendata.serializers import PROPOSALS, RESOURCES
from portal.voting import interop
from portal.voting import services as pb
from tests.opendata.factories import inspection, proposals_world, published_cycle


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_csv_export_has_header_and_public_rows_only(client, app) -> None:  # type: ignore[no-untyped-def]
    world = await proposals_world(app.state.services, n=3)
    r = await client.get("/exports/proposals.csv")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="warga_proposals_')
    assert r.headers["access-control-allow-origin"] == "*"
    assert "content-length" not in r.headers  # streamed, not built in memory first
    assert r.text.splitlines()[0] == ",".join(PROPOSALS.csv_header()) and "\r\n" in r.text
    rows = _csv(r.text)
    assert [int(row["id"]) for row in rows] == world.public
    assert rows[0]["agency"] == "DSDABM" and rows[1]["agency"] == "" and rows[0]["lat"] == ""


async def test_json_export_is_one_document_with_field_definitions(client, app) -> None:  # type: ignore[no-untyped-def]
    world = await proposals_world(app.state.services, n=2)
    r = await client.get("/exports/proposals.json?status=submitted")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = json.loads(r.text)
    assert doc["dataset"] == "proposals" and doc["licence"] == "CC-BY-4.0" and doc["filters"] == {"status": "submitted"}
    assert [f["name"] for f in doc["fields"]] == PROPOSALS.csv_header()
    assert [p["id"] for p in doc["data"]] == world.public[1:]  # the first one was forwarded


async def test_empty_json_export_is_still_valid(client, db) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((await client.get("/exports/agency-scores.json")).text)
    assert doc["data"] == []


async def test_export_reads_in_keyset_chunks_without_losing_rows(app) -> None:  # type: ignore[no-untyped-def]
    world = await proposals_world(app.state.services, n=5)
    pieces = [p async for p in exports.csv_stream(PROPOSALS, {}, size=2)]
    assert len(pieces) == 1 + 3  # header, then 2 + 2 + 1 rows: one DB chunk per piece
    assert [int(r["id"]) for r in _csv(b"".join(pieces).decode())] == world.public
    json_pieces = [p async for p in exports.json_stream(PROPOSALS, {}, now=datetime.now(UTC), size=2)]
    assert [p["id"] for p in json.loads(b"".join(json_pieces))["data"]] == world.public


async def test_export_with_unknown_filter_is_a_400_page(client, db) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/exports/proposals.csv?limit=5")
    assert r.status_code == 400 and "limit" in r.text
    assert (await client.get("/exports/proposals.xml")).status_code == 404
    assert (await client.get("/exports/users.csv")).status_code == 404


async def test_ballots_are_the_voting_packages_pabulib_file(client, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, codes = await published_cycle(app.state.services, voters=2)
    r = await client.get(f"/exports/ballots/{cycle_id}.pb")
    assert r.status_code == 200 and r.text == await interop.export_pb(cycle_id)
    assert all(pb.receipt_hash(code) in r.text and code not in r.text for code in codes)
    assert (await client.get(f"/exports/ballots/{cycle_id + 1}.pb")).status_code == 404


async def test_ballots_of_an_unpublished_vote_are_not_exported(client, app) -> None:  # type: ignore[no-untyped-def]
    from tests.voting.factories import cycle

    cycle_id, _ = await cycle()
    assert (await client.get(f"/exports/ballots/{cycle_id}.pb")).status_code == 404


async def test_exports_page_lists_datasets_fields_licence_and_ballot_files(client, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await published_cycle(app.state.services, voters=1)
    r = await client.get("/exports")
    assert r.status_code == 200
    for resource in RESOURCES:
        assert f"/exports/{resource.name}.csv" in r.text and f"/api/v1/{resource.name}" in r.text
    for text in ("CC BY 4.0", "Number of verified residents supporting the proposal.", "/api/openapi.json",
                 f"/exports/ballots/{cycle_id}.pb", "city-wide", "may be empty"):
        assert text in r.text, text


async def test_no_personal_data_in_any_output(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    world = await proposals_world(services, n=2)
    await inspection(panel_cards=5, survey_answers=5, services=services)
    cycle_id, _ = await published_cycle(services, voters=2)
    outputs = [(await client.get(path)).text for path in (
        "/exports/proposals.csv", "/exports/proposals.json", "/exports/agency-scores.csv",
        "/exports/agency-scores.json", "/exports/budget-cycles.csv", "/exports/budget-cycles.json",
        f"/exports/ballots/{cycle_id}.pb", "/api/v1/proposals", "/api/v1/agency-scores", "/api/v1/budget-cycles",
        f"/api/v1/proposals/{world.public[0]}")]
    assert "Usulan nomor 1" in outputs[0]  # the outputs are real
    for text in outputs:
        for secret in [*world.secrets, "panelis", "Panelis", "voter_key", "Warga 1"]:
            assert secret not in text, secret
