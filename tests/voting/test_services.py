"""Participatory-budgeting services on a real database: cycles, freezing, ballots, races, receipts."""

from __future__ import annotations

import asyncio
import json

import pytest

from portal.core.models import AuditEvent
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.voting import queries
from portal.voting import services as pb
from portal.voting.domain import CycleInput, Phase, ProjectInput
from portal.voting.models import PbBallot, PbCycle, PbProject, PbScope, PbTallyRow, PbVoter
from tests.voting.factories import COBLONG, COUNCIL, MODERATOR, SUKASARI, TODAY, city_scope, cycle, resident, staff, voter


def approve(*ids: int) -> list[tuple[str, str]]:
    return [(str(i), "1") for i in ids]


async def test_create_cycle_makes_city_and_kecamatan_scopes_and_audits(db) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle(kecamatan_budgets={COBLONG: 500, SUKASARI: 400})
    scopes = {s.kecamatan_code: s.budget for s in await PbScope.filter(cycle_id=cycle_id)}
    assert scopes == {None: 1000, COBLONG: 500, SUKASARI: 400}
    assert (await PbCycle.get(id=cycle_id)).total_budget == 1900
    assert await AuditEvent.filter(tag="voting:cycle:create", target_id=str(cycle_id)).exists()


async def test_unknown_rule_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        await pb.create_cycle(COUNCIL, CycleInput(title="Anggaran", description="", city_budget=5,
                                                  ballot_kind="knapsack", rule="coin-toss"))


async def test_residents_and_moderators_cannot_create_cycles(db) -> None:  # type: ignore[no-untyped-def]
    for role in ("resident", "moderator", "officer"):
        with pytest.raises(NotAllowed):
            await pb.create_cycle(staff(role), CycleInput(title="Anggaran", description="", city_budget=5,
                                                          ballot_kind="knapsack", rule="greedy"))


async def test_after_voting_opens_rules_budgets_and_projects_are_frozen_and_attempts_audited(db) -> None:  # type: ignore[no-untyped-def]
    cycle_id, ids = await cycle(phase=Phase.VOTING)
    with pytest.raises(Conflict):
        await pb.update_cycle(COUNCIL, cycle_id, CycleInput(title="Anggaran baru", description="",
                                                            city_budget=5000, ballot_kind="knapsack", rule="greedy"))
    with pytest.raises(Conflict):
        await pb.update_project(MODERATOR, ids[0], ProjectInput(title="Taman baca murah", description="", cost=1))
    with pytest.raises(Conflict):
        await pb.add_project(MODERATOR, cycle_id, ProjectInput(title="Proyek telat", description="", cost=1))
    assert (await PbCycle.get(id=cycle_id)).total_budget == 1000
    assert (await PbProject.get(id=ids[0])).cost == 600
    assert await PbProject.filter(cycle_id=cycle_id).count() == 3
    assert await AuditEvent.filter(tag="voting:cycle:frozen_refused", target_id=str(cycle_id)).count() == 3


async def test_project_from_proposal_is_idempotent(db) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle()
    cmd = ProjectInput(title="Posyandu keliling", description="", cost=250, proposal_id=42)
    first = await pb.add_project(MODERATOR, cycle_id, cmd)
    assert await pb.add_project(MODERATOR, cycle_id, cmd) == first
    assert await PbProject.filter(proposal_id=42).count() == 1


async def test_phase_moves_need_council_and_follow_the_order(db) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle()
    with pytest.raises(NotAllowed):
        await pb.move_phase(MODERATOR, cycle_id, Phase.VOTING)
    with pytest.raises(Conflict):
        await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    await pb.move_phase(COUNCIL, cycle_id, Phase.VOTING)
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    with pytest.raises(Conflict):  # no tally yet
        await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)


async def test_ballot_is_validated_on_the_server_and_replaced_not_duplicated(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, ids = await cycle(phase=Phase.VOTING)
    scope = await city_scope(cycle_id)
    other_cycle, other_ids = await cycle(phase=Phase.VOTING)
    user = await resident(app.state.services)
    code1 = await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope, raw=approve(ids[0], ids[1]), today=TODAY)
    for bad in (approve(ids[0], ids[0]), approve(ids[0], other_ids[1]), approve(ids[0], ids[1], ids[2]),
                [("1 OR 1=1", "1")]):
        with pytest.raises(InvalidInput):
            await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope, raw=bad, today=TODAY)
    stored = await PbBallot.get(scope_id=scope)
    assert json.loads(stored.choices) == [[ids[0], 1], [ids[1], 1]]
    code2 = await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope, raw=approve(ids[2]), today=TODAY)
    assert code1 != code2
    ballots = await PbBallot.filter(scope_id=scope)
    assert len(ballots) == 1 and json.loads(ballots[0].choices) == [[ids[2], 1]]
    assert ballots[0].public_key == pb.receipt_hash(code2)
    assert code2 not in json.dumps([b.__dict__ for b in ballots], default=str)  # only the hash is stored


async def test_twenty_concurrent_submissions_leave_exactly_one_ballot(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, ids = await cycle(phase=Phase.VOTING)
    scope = await city_scope(cycle_id)
    who = voter(await resident(app.state.services))
    choices = [approve(ids[0]), approve(ids[1], ids[2]), approve(ids[2])]
    results = await asyncio.gather(*(
        pb.cast_ballot(who, cycle_id=cycle_id, scope_id=scope, raw=choices[n % 3], today=TODAY) for n in range(20)
    ), return_exceptions=True)
    assert all(isinstance(r, str) for r in results), results
    ballots = await PbBallot.filter(scope_id=scope)
    assert len(ballots) == 1
    assert ballots[0].public_key in {pb.receipt_hash(c) for c in results}  # type: ignore[arg-type]
    assert await PbVoter.filter(cycle_id=cycle_id).count() == 1


async def test_assisted_and_online_voting_are_exclusive_in_either_order(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, ids = await cycle(phase=Phase.VOTING)
    scope = await city_scope(cycle_id)
    official = staff("officer", user_id=None)
    online_first = await resident(app.state.services)
    station_first = await resident(app.state.services)
    await pb.cast_ballot(voter(online_first), cycle_id=cycle_id, scope_id=scope, raw=approve(ids[0]), today=TODAY)
    with pytest.raises(Conflict):
        await pb.record_assisted_ballot(official, cycle_id=cycle_id, scope_id=scope, resident_id=online_first.id,
                                        station="Kantor Kelurahan Dago", raw=approve(ids[1]), today=TODAY)
    await pb.record_assisted_ballot(official, cycle_id=cycle_id, scope_id=scope, resident_id=station_first.id,
                                    station="Kantor Kelurahan Dago", raw=approve(ids[1]), today=TODAY)
    with pytest.raises(Conflict):
        await pb.cast_ballot(voter(station_first), cycle_id=cycle_id, scope_id=scope, raw=approve(ids[2]), today=TODAY)
    ballots = {b.voter_key: (b.channel, b.station, json.loads(b.choices)) for b in await PbBallot.filter(scope_id=scope)}
    assert ballots == {pb.voter_key(online_first.id): ("online", "", [[ids[0], 1]]),
                       pb.voter_key(station_first.id): ("assisted", "Kantor Kelurahan Dago", [[ids[1], 1]])}
    event = await AuditEvent.get(tag="voting:ballot:assisted")
    assert json.loads(event.data)["station"] == "Kantor Kelurahan Dago"
    with pytest.raises(NotAllowed):  # residents cannot record ballots for others
        await pb.record_assisted_ballot(voter(online_first), cycle_id=cycle_id, scope_id=scope,
                                        resident_id=station_first.id, station="X", raw=approve(ids[1]), today=TODAY)


async def test_kecamatan_ballot_only_for_its_residents(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle(kecamatan_budgets={SUKASARI: 500})
    kec_scope = (await PbScope.get(cycle_id=cycle_id, kecamatan_code=SUKASARI)).id
    pid = await pb.add_project(MODERATOR, cycle_id, ProjectInput(title="Jalan Gegerkalong", description="",
                                                                 cost=400, kecamatan_code=SUKASARI))
    await pb.move_phase(COUNCIL, cycle_id, Phase.VOTING)
    coblong = await resident(app.state.services)
    sukasari = await resident(app.state.services, kelurahan="32.73.01.1002")
    assert [s.kecamatan_code for s in await pb.eligible_scopes(cycle_id, sukasari.id, TODAY)] == [None, SUKASARI]
    with pytest.raises(NotAllowed):
        await pb.cast_ballot(voter(coblong), cycle_id=cycle_id, scope_id=kec_scope, raw=approve(pid), today=TODAY)
    await pb.cast_ballot(voter(sukasari), cycle_id=cycle_id, scope_id=kec_scope, raw=approve(pid), today=TODAY)
    assert await PbBallot.filter(scope_id=kec_scope).count() == 1


async def test_unverified_users_and_closed_cycles_take_no_ballots(app) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_user

    cycle_id, ids = await cycle(phase=Phase.VOTING)
    scope = await city_scope(cycle_id)
    stranger = await make_user(app.state.services, "tamu@example.id")
    with pytest.raises(NotAllowed):
        await pb.cast_ballot(voter(stranger), cycle_id=cycle_id, scope_id=scope, raw=approve(ids[0]), today=TODAY)
    user = await resident(app.state.services)
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    with pytest.raises(Conflict):
        await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope, raw=approve(ids[0]), today=TODAY)
    assert not await PbBallot.filter(scope_id=scope).exists()


async def test_tally_on_a_small_cycle_matches_the_hand_computed_result(app) -> None:  # type: ignore[no-untyped-def]
    # Budget 1000; A=600, B=300, C=200. Ballots: {A,B} x3, {B,C} x2, {C} x1.
    # Votes: A=3, B=5, C=3. Greedy by votes: B (300, 700 left), then A and C tie on 3 votes:
    # ascending id order takes A (600, 100 left), C (200) no longer fits. Funded: B, A = 900.
    cycle_id, (a, b, c) = await cycle(phase=Phase.VOTING, rule="greedy",
                                      projects=(("Taman A", 600), ("Lampu B", 300), ("Sumur C", 200)))
    scope = await city_scope(cycle_id)
    for picks in ([a, b], [a, b], [a, b], [b, c], [b, c], [c]):
        user = await resident(app.state.services)
        await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope, raw=approve(*picks), today=TODAY)
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    await pb.run_tally(COUNCIL, cycle_id)
    rows = {r.project_id: r for r in await PbTallyRow.filter(scope_id=scope, primary=True)}
    assert {p for p, r in rows.items() if r.selected} == {a, b}
    assert (rows[b].funded_order, rows[a].funded_order) == (1, 2)
    assert (rows[a].score, rows[b].score, rows[c].score) == ("3", "5", "3")
    assert rows[c].remaining_budget == "100"  # "did not fit: Rp 100 left, costs Rp 200"
    assert await PbTallyRow.filter(scope_id=scope, rule="equalshares/greedy").count() == 3
    await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    results = await queries.results(cycle_id)
    assert results is not None
    city = results.scopes[0]
    assert [p.title for p in city.projects if p.selected] == ["Lampu B", "Taman A"]
    assert city.spent == 900 and city.ballots == 6
    why = {p.title: p.explanation for p in city.projects}
    assert why["Sumur C"].startswith("Did not fit:") and "100" in why["Sumur C"] and "200" in why["Sumur C"]
    assert city.export_sha256 and len(city.export_sha256) == 64


async def test_receipt_check_shows_the_ballot_but_nothing_about_the_voter(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, ids = await cycle(phase=Phase.VOTING)
    scope = await city_scope(cycle_id)
    user = await resident(app.state.services)
    code = await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope, raw=approve(ids[1]), today=TODAY)
    assert await queries.check_receipt(cycle_id, code) is None  # not before publication
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    await pb.run_tally(COUNCIL, cycle_id)
    await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    found = await queries.check_receipt(cycle_id, code.lower().replace("-", " "))
    assert found is not None
    assert found.projects == ("Lampu jalan",)
    from dataclasses import fields

    assert [f.name for f in fields(found)] == ["receipt_hash", "ballot_name", "projects", "points"]
    shown = repr(found)
    for secret in (user.email, user.name, pb.voter_key(user.id), "online"):
        assert secret not in shown
    assert await queries.check_receipt(cycle_id, pb.new_receipt_code()) is None
