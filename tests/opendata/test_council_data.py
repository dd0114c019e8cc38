"""Decisions and implementation projects in the API and the exports (helper H4's council tables)."""

from __future__ import annotations

import csv
import io

from portal.council import implementation
from tests.council.factories import officer
from tests.opendata.factories import adopted


async def test_decisions_are_published_ones_with_links_and_votes(client, app) -> None:  # type: ignore[no-untyped-def]
    published, unpublished, proposal_id = await adopted(app.state.services)
    data = (await client.get("/api/v1/decisions")).json()["data"]
    assert [d["id"] for d in data] == [published]
    d = data[0]
    assert d["kind"] == "answer_proposal" and d["proposal_ids"] == [proposal_id] and d["budget_cycle_ids"] == []
    assert (d["votes_for"], d["votes_against"], d["votes_abstain"]) == (30, 5, 2)
    assert d["dissenters"] == ["Budi Santoso"] and d["amount"] == 25_000_000 and d["decided_on"] == "2026-12-01"
    assert (await client.get(f"/api/v1/decisions/{unpublished}")).status_code == 404
    assert (await client.get("/api/v1/decisions?year=2025")).json()["data"] == []
    assert (await client.get("/api/v1/decisions?kind=adopt_pb")).json()["data"] == []


async def test_implementation_projects_carry_status_progress_and_verdict(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    published, _unpublished, proposal_id = await adopted(services)
    data = (await client.get("/api/v1/implementation-projects")).json()["data"]
    assert len(data) == 1
    project = data[0]
    assert project["decision"] == published and project["proposal"] == proposal_id
    assert project["agency"] == "DSDABM" and project["status"] == "planned" and project["verdict"] == "unconfirmed"
    worker = await officer(services)
    await implementation.change_status(worker, project["id"], "procurement")
    again = (await client.get(f"/api/v1/implementation-projects/{project['id']}")).json()["data"]
    assert again["status"] == "procurement"
    assert (await client.get("/api/v1/implementation-projects?status=done")).json()["data"] == []
    assert (await client.get("/api/v1/implementation-projects?agency=DSDABM")).json()["data"][0]["id"] == project["id"]


async def test_decision_csv_flattens_lists(client, app) -> None:  # type: ignore[no-untyped-def]
    _published, _unpublished, proposal_id = await adopted(app.state.services)
    rows = list(csv.DictReader(io.StringIO((await client.get("/exports/decisions.csv")).text)))
    assert len(rows) == 1 and rows[0]["proposal_ids"] == str(proposal_id) and rows[0]["dissenters"] == "Budi Santoso"
    assert rows[0]["inspection_ids"] == "" and rows[0]["budget_line"] == "1.03.01"
