"""Participatory-budgeting pages: status codes, rows written, rendered text, fragment vs page."""

from __future__ import annotations

import hashlib
import re

from portal.core.models import AuditEvent
from portal.voting import services as pb
from portal.voting.domain import Phase
from portal.voting.models import PbBallot, PbCycle, PbProject
from tests.helpers import csrf_of, login, make_user, post_form
from tests.voting.factories import COUNCIL, city_scope, cycle

HX = {"HX-Request": "true"}


async def _resident(app, n: int = 1):  # type: ignore[no-untyped-def]
    return await make_user(app.state.services, f"warga{n}@example.id", verified=True, nik=f"327302601090{n:04d}")


async def test_council_creates_a_cycle_and_moderator_adds_a_project(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "dewan@example.id", roles=("council",))
    await make_user(services, "mod@example.id", roles=("moderator",))
    await login(client, "dewan@example.id")
    r = await post_form(client, "/budgets/new", "/budgets/new", {
        "title": "PB Kota Bandung 2027", "description": "Anggaran partisipatif", "city_budget": "1.000.000",
        "ballot_kind": "knapsack", "rule": "greedy", "tie_break": "", "budget-32.73.02": "500000",
        "min_spend_pct": "50"})
    assert r.status_code == 303, r.text[:2000]
    cycle_id = (await PbCycle.get(title="PB Kota Bandung 2027")).id
    assert r.headers["location"] == f"/budgets/{cycle_id}"
    bad = await post_form(client, "/budgets/new", "/budgets/new", {
        "title": "PB", "city_budget": "-5", "ballot_kind": "knapsack", "rule": "coin-toss"})
    assert bad.status_code == 422 and 'value="PB"' in bad.text
    for phase in ("proposals", "review"):
        r = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/phase", {"phase": phase})
        assert r.status_code == 303
    await login(client, "mod@example.id")
    r = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/projects",
                        {"title": "Taman baca Coblong", "cost": "400000", "kecamatan_code": "32.73.02"})
    assert r.status_code == 303
    project = await PbProject.get(title="Taman baca Coblong").select_related("scope")
    assert project.scope.kecamatan_code == "32.73.02"
    r = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/projects", {"title": "X", "cost": "abc"})
    assert r.status_code == 422 and "Add a project" in r.text
    r = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/phase", {"phase": "voting"})
    assert r.status_code == 403
    page = await client.get(f"/budgets/{cycle_id}")
    assert page.status_code == 200 and "Taman baca Coblong" in page.text


async def test_editing_a_frozen_cycle_is_refused_with_409_and_audited(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "dewan@example.id", roles=("council",))
    cycle_id, _ = await cycle(phase=Phase.VOTING)
    await login(client, "dewan@example.id")
    r = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/edit", {
        "title": "PB yang diubah", "city_budget": "5000", "ballot_kind": "knapsack", "rule": "greedy"})
    assert r.status_code == 409
    assert (await PbCycle.get(id=cycle_id)).title != "PB yang diubah"
    assert await AuditEvent.filter(tag="voting:cycle:frozen_refused").exists()


async def test_resident_votes_with_live_total_check_and_tamper_refusal(client, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, (a, b, c) = await cycle(phase=Phase.VOTING)  # 600, 300, 200 of 1000
    await _resident(app)
    await login(client, "warga1@example.id")
    page = await client.get(f"/budgets/{cycle_id}/ballot")
    assert page.status_code == 200 and "Taman baca" in page.text and "Cast ballot" in page.text
    token = csrf_of(page.text)
    scope = str(await city_scope(cycle_id))
    # htmx preview: a fragment (no page chrome) that disables what no longer fits
    r = await client.post(f"/budgets/{cycle_id}/ballot/preview", headers=HX,
                          data={"csrf_token": token, "scope": scope, "project": [str(a), str(b)]})
    assert r.status_code == 200 and r.text.lstrip().startswith(f'<form id="ballot-{scope}"')
    assert "<html" not in r.text and re.search(rf'value="{c}"\s+disabled', r.text)
    # without JS: "check" shows the server-computed total and stores nothing
    r = await client.post(f"/budgets/{cycle_id}/ballot",
                          data={"csrf_token": token, "scope": scope, "project": [str(a), str(c)], "action": "check"})
    assert r.status_code == 200 and "<html" in r.text and "800" in r.text
    assert not await PbBallot.exists()
    r = await client.post(f"/budgets/{cycle_id}/ballot",
                          data={"csrf_token": token, "scope": scope, "project": [str(a), str(c)], "action": "vote"})
    assert r.status_code == 303 and r.headers["location"] == f"/budgets/{cycle_id}/ballot/done"
    done = await client.get(r.headers["location"])
    code = re.search(r'class="pb-receipt mono">([A-Z0-9-]+)<', done.text).group(1)  # type: ignore[union-attr]
    assert (await PbBallot.get()).public_key == pb.receipt_hash(code)
    again = await client.get(f"/budgets/{cycle_id}/ballot/done")
    assert code not in again.text  # shown once
    before = (await PbBallot.get()).choices
    for tampered in ([str(a), str(b), str(c)], [str(a), str(a)], ["99999"], ["1;DROP"]):
        r = await client.post(f"/budgets/{cycle_id}/ballot",
                              data={"csrf_token": token, "scope": scope, "project": tampered, "action": "vote"})
        assert r.status_code == 422, tampered
    assert (await PbBallot.get()).choices == before and await PbBallot.all().count() == 1


async def test_ballot_order_is_stable_per_voter(client, app) -> None:  # type: ignore[no-untyped-def]
    projects = tuple((f"Proyek nomor {i}", 10) for i in range(12))
    cycle_id, _ = await cycle(phase=Phase.VOTING, projects=projects)
    await _resident(app, 1)
    await _resident(app, 2)
    orders = []
    for n in (1, 2, 1):
        await login(client, f"warga{n}@example.id")
        text = (await client.get(f"/budgets/{cycle_id}/ballot")).text
        orders.append(re.findall(r"Proyek nomor (\d+)", text))
    assert orders[0] == orders[2] and orders[0] != orders[1]


async def test_results_receipt_and_export_after_publication(client, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, (a, b, c) = await cycle(phase=Phase.VOTING)
    resident = await _resident(app)
    scope = await city_scope(cycle_id)
    from portal.accounts.identity import Identity
    from tests.voting.factories import TODAY

    who = Identity(user_id=resident.id, roles=frozenset({"resident"}))
    code = await pb.cast_ballot(who, cycle_id=cycle_id, scope_id=scope, raw=[(str(b), "1")], today=TODAY)
    assert (await client.get(f"/budgets/{cycle_id}/results")).status_code == 404
    assert (await client.get(f"/budgets/{cycle_id}/export.pb")).status_code == 404
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    await pb.run_tally(COUNCIL, cycle_id)
    await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    page = await client.get(f"/budgets/{cycle_id}/results")
    assert page.status_code == 200
    for text in ("Lampu jalan", "greedy", "equalshares/greedy", "<svg", "Turnout", "1 of 1 verified residents"):
        assert text in page.text, text
    export = await client.get(f"/budgets/{cycle_id}/export.pb")
    assert export.status_code == 200 and export.text.startswith("META")
    digest = hashlib.sha256(export.content).hexdigest()
    assert digest in page.text
    assert pb.receipt_hash(code) in export.text and "warga1" not in export.text
    await login(client, "warga1@example.id")
    r = await post_form(client, f"/budgets/{cycle_id}/receipt", f"/budgets/{cycle_id}/receipt", {"code": code})
    assert r.status_code == 200 and "is in the published ballot set" in r.text and "Lampu jalan" in r.text
    token = csrf_of(r.text)
    frag = await client.post(f"/budgets/{cycle_id}/receipt", headers=HX, data={"csrf_token": token, "code": "nope"})
    assert frag.status_code == 422 and frag.text.lstrip().startswith("{#") is False
    assert frag.text.lstrip().startswith('<div id="receipt-result"')


async def test_draft_cycles_are_hidden_from_residents(client, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle(phase=Phase.REVIEW)
    await PbCycle.filter(id=cycle_id).update(phase="draft")
    assert (await client.get(f"/budgets/{cycle_id}")).status_code == 404
    listing = await client.get("/budgets")
    assert listing.status_code == 200 and "Anggaran partisipatif 2027" not in listing.text
    assert (await client.get(f"/budgets/{cycle_id}/ballot")).status_code == 303  # login first


async def test_official_records_assisted_ballot_and_resident_cannot_then_vote_online(client, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, (a, b, c) = await cycle(phase=Phase.VOTING)
    await make_user(app.state.services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    await _resident(app)
    scope = str(await city_scope(cycle_id))
    await login(client, "petugas@example.id")
    page = await client.get(f"/budgets/{cycle_id}/assisted", params={"resident": "warga1@example.id",
                                                                       "station": "Kelurahan Dago"})
    assert page.status_code == 200 and "Taman baca" in page.text
    r = await client.post(f"/budgets/{cycle_id}/assisted", data={
        "csrf_token": csrf_of(page.text), "resident": "warga1@example.id", "station": "Kelurahan Dago",
        "scope": scope, "project": [str(c)], "action": "vote"})
    assert r.status_code == 303
    ballot = await PbBallot.get()
    assert (ballot.channel, ballot.station) == ("assisted", "Kelurahan Dago")
    await login(client, "warga1@example.id")
    page = await client.get(f"/budgets/{cycle_id}/ballot")
    assert "You voted at a voting station" in page.text
    r = await client.post(f"/budgets/{cycle_id}/ballot", data={
        "csrf_token": csrf_of(page.text), "scope": scope, "project": [str(a)], "action": "vote"})
    assert r.status_code == 409
    assert (await PbBallot.get()).choices == ballot.choices


async def test_two_sessions_racing_leave_one_ballot(app, client) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    import httpx2 as httpx

    cycle_id, (a, b, c) = await cycle(phase=Phase.VOTING)
    await _resident(app)
    scope = str(await city_scope(cycle_id))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        tokens = []
        for session in (client, other):
            await login(session, "warga1@example.id")
            tokens.append(csrf_of((await session.get(f"/budgets/{cycle_id}/ballot")).text))
        picks = ([str(a)], [str(b), str(c)])
        responses = await asyncio.gather(*(
            session.post(f"/budgets/{cycle_id}/ballot",
                         data={"csrf_token": token, "scope": scope, "project": picks[n % 2], "action": "vote"})
            for n in range(10) for session, token in ((client, tokens[0]), (other, tokens[1]))
        ))
    assert [r.status_code for r in responses] == [303] * 20
    assert await PbBallot.all().count() == 1


async def test_council_edits_cycle_and_moderator_edits_project_before_voting(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "dewan@example.id", roles=("council",))
    await make_user(app.state.services, "mod@example.id", roles=("moderator",))
    cycle_id, (a, _b, _c) = await cycle(phase=Phase.REVIEW)
    await login(client, "dewan@example.id")
    form = await client.get(f"/budgets/{cycle_id}/edit")
    assert form.status_code == 200 and 'value="Anggaran partisipatif 2027"' in form.text and 'value="1000"' in form.text
    r = await post_form(client, f"/budgets/{cycle_id}/edit", f"/budgets/{cycle_id}/edit", {
        "title": "Anggaran partisipatif 2027 (revisi)", "city_budget": "2000", "ballot_kind": "k-approval",
        "k": "2", "rule": "equalshares/greedy", "tie_break": "min-cost"})
    assert r.status_code == 303
    c = await PbCycle.get(id=cycle_id)
    assert (c.title, c.total_budget, c.ballot_kind, c.k, c.tie_break) == (
        "Anggaran partisipatif 2027 (revisi)", 2000, "k-approval", 2, "min-cost")
    r = await post_form(client, f"/budgets/{cycle_id}/edit", f"/budgets/{cycle_id}/edit", {
        "title": "Anggaran partisipatif 2027", "city_budget": "2000", "ballot_kind": "k-approval", "rule": "greedy"})
    assert r.status_code == 422 and (await PbCycle.get(id=cycle_id)).rule == "equalshares/greedy"  # k missing
    await login(client, "mod@example.id")
    page = f"/budgets/{cycle_id}/projects/{a}/edit"
    assert (await client.get(page)).status_code == 200
    r = await post_form(client, page, page, {"title": "Taman baca keliling", "cost": "650", "kecamatan_code": ""})
    assert r.status_code == 303 and (await PbProject.get(id=a)).cost == 650
    assert await AuditEvent.filter(tag="voting:project:update", target_id=str(a)).exists()
