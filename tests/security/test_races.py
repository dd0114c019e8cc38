"""Races through HTTP, two browser sessions of one resident firing at once (SQLite serialises;
run on PostgreSQL too: WARGA_TEST_DATABASE_URL). Complements the service-level race tests in
tests/voting/test_services.py and tests/proposals/test_participation.py and the 20-ballot
HTTP test in tests/voting/test_routes.py."""

from __future__ import annotations

import asyncio
import json

import httpx2 as httpx

from portal.proposals.models import Proposal, Support
from portal.voting.models import PbBallot, PbProject, PbVoter
from tests.helpers import csrf_of, login
from tests.security import world as w


async def _two_sessions(app, email: str) -> list[tuple[httpx.AsyncClient, str]]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    sessions = []
    for _ in range(2):
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        await login(client, email)
        sessions.append((client, csrf_of((await client.get("/account")).text)))
    return sessions


async def test_twenty_parallel_supports_over_http_count_once(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"}))
    pid = world.ids["forwarded"]
    sessions = await _two_sessions(app, "warga@example.id")
    try:
        responses = await asyncio.gather(*(
            client.post(f"/proposals/{pid}/support", data={"csrf_token": token})
            for n in range(10) for client, token in sessions))
    finally:
        for client, _token in sessions:
            await client.aclose()
    assert all(r.status_code in (200, 303) for r in responses), [r.status_code for r in responses]
    assert await Support.filter(proposal_id=pid).count() == 1
    assert (await Proposal.get(id=pid)).support_count == 1


async def test_concurrent_ballot_edits_never_store_more_than_the_budget(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"budgets"}))
    cycle, scope = world.ids["cycle"], str(world.ids["scope"])
    big, mid, small = world.ids["cycle_projects"]  # 600, 300, 200 of a 1000 budget
    choices = [[big, mid], [big, small], [mid, small], [big, mid, small]]  # the last is over budget
    sessions = await _two_sessions(app, "warga@example.id")
    try:
        responses = await asyncio.gather(*(
            client.post(f"/budgets/{cycle}/ballot", data={"csrf_token": token, "scope": scope, "action": "vote",
                                                          "project": [str(p) for p in choices[n % 4]]})
            for n in range(20) for client, token in [sessions[n % 2]]))
    finally:
        for client, _token in sessions:
            await client.aclose()
    statuses = [r.status_code for r in responses]
    assert statuses.count(422) == 5 and statuses.count(303) == 15, statuses  # over budget: refused each time
    ballots = await PbBallot.filter(scope_id=int(scope))
    assert len(ballots) == 1 and await PbVoter.filter(cycle_id=cycle).count() == 1
    chosen = sorted(project for project, _value in json.loads(ballots[0].choices))
    cost = sum(p.cost for p in await PbProject.filter(id__in=chosen))
    assert cost <= 1000 and chosen in [sorted(c) for c in choices[:3]]


async def test_online_and_assisted_ballots_at_once_leave_one(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"budgets"}))
    cycle, scope = world.ids["cycle"], str(world.ids["scope"])
    first = str(world.ids["first_project"])
    sessions = await _two_sessions(app, "warga@example.id")
    async with w.logged_in(app, world):
        try:
            online = [sessions[n % 2][0].post(f"/budgets/{cycle}/ballot", data={
                "csrf_token": sessions[n % 2][1], "scope": scope, "action": "vote", "project": first})
                for n in range(6)]
            station = [world.request("moderator", "POST", f"/budgets/{cycle}/assisted", {
                "resident": "warga@example.id", "station": "Kantor Kelurahan Dago", "scope": scope,
                "project": first, "action": "vote"}) for _ in range(6)]
            responses = await asyncio.gather(*online, *station)
        finally:
            for client, _token in sessions:
                await client.aclose()
    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]
    ballots = await PbBallot.filter(scope_id=int(scope))
    assert len(ballots) == 1
    assert await PbVoter.filter(cycle_id=cycle).count() == 1
