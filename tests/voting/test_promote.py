"""Promoting an eligible proposal into a budget cycle: idempotent, linked both ways, audited."""

from __future__ import annotations

import asyncio
import json

import pytest

from portal.core.models import AuditEvent
from portal.errors import Conflict, NotAllowed
from portal.voting import promote
from portal.voting.domain import Phase
from portal.voting.models import PbProject, PbScope
from tests.helpers import login, make_user, post_form
from tests.voting.factories import COBLONG, MODERATOR, SUKASARI, cycle, proposal, staff


async def test_promote_uses_the_agency_estimate_and_is_audited(db, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle()
    proposal_id = await proposal(app.state.services, cost=420)
    project_id = await promote.promote(MODERATOR, proposal_id=proposal_id, cycle_id=cycle_id)
    project = await PbProject.get(id=project_id).select_related("scope")
    assert (project.cost, project.proposal_id, project.title) == (420, proposal_id, "Taman baca di Dago")
    assert project.scope.kecamatan_code is None  # the cycle has no kecamatan ballot
    event = await AuditEvent.get(tag="voting:project:promote", target_id=str(project_id))
    data = json.loads(event.data)
    assert data["proposal"] == proposal_id and data["cost"] == 420


async def test_promote_twice_leaves_one_project_and_one_audit_row(db, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle()
    proposal_id = await proposal(app.state.services)
    first = await promote.promote(MODERATOR, proposal_id=proposal_id, cycle_id=cycle_id)
    assert await promote.promote(staff("council"), proposal_id=proposal_id, cycle_id=cycle_id) == first
    assert await PbProject.filter(proposal_id=proposal_id).count() == 1
    assert await AuditEvent.filter(tag="voting:project:promote").count() == 1


async def test_concurrent_promotions_leave_exactly_one_project(db, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle()
    proposal_id = await proposal(app.state.services)
    ids = await asyncio.gather(*(promote.promote(MODERATOR, proposal_id=proposal_id, cycle_id=cycle_id)
                                 for _ in range(10)))
    assert len(set(ids)) == 1
    assert await PbProject.filter(cycle_id=cycle_id, proposal_id=proposal_id).count() == 1


async def test_promote_goes_to_the_kecamatan_ballot_when_the_cycle_has_one(db, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle(kecamatan_budgets={COBLONG: 500, SUKASARI: 500})
    proposal_id = await proposal(app.state.services)  # kelurahan in Coblong
    project = await PbProject.get(id=await promote.promote(MODERATOR, proposal_id=proposal_id, cycle_id=cycle_id))
    assert (await PbScope.get(id=project.scope_id)).kecamatan_code == COBLONG  # type: ignore[attr-defined]


@pytest.mark.parametrize("status, cost", [
    ("forwarded", 350),  # not answered yet
    ("closed", 350),  # closed without being eligible
    ("eligible", None),  # eligible but without the agency's estimate (data from before the rule)
])
async def test_only_eligible_proposals_with_an_estimate_can_be_promoted(db, app, status, cost) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle()
    proposal_id = await proposal(app.state.services, status=status, cost=cost)
    with pytest.raises(Conflict):
        await promote.promote(MODERATOR, proposal_id=proposal_id, cycle_id=cycle_id)
    assert not await PbProject.filter(proposal_id=proposal_id).exists()


async def test_promote_into_a_voting_cycle_is_refused_and_audited(db, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle(phase=Phase.VOTING)
    proposal_id = await proposal(app.state.services)
    with pytest.raises(Conflict):
        await promote.promote(MODERATOR, proposal_id=proposal_id, cycle_id=cycle_id)
    assert await AuditEvent.filter(tag="voting:cycle:frozen_refused", target_id=str(cycle_id)).exists()
    assert not await PbProject.filter(proposal_id=proposal_id).exists()


@pytest.mark.parametrize("role", ["resident", "officer", "panelist"])
async def test_residents_and_officers_cannot_promote(db, app, role) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle()
    proposal_id = await proposal(app.state.services)
    with pytest.raises(NotAllowed):
        await promote.promote(staff(role, user_id=1), proposal_id=proposal_id, cycle_id=cycle_id)


async def test_proposal_budget_lists_links_and_targets(db, app) -> None:  # type: ignore[no-untyped-def]
    open_id, _ = await cycle()
    other_id, _ = await cycle()
    proposal_id = await proposal(app.state.services)
    mod = staff("moderator", user_id=1)
    before = await promote.proposal_budget(mod, proposal_id)
    assert {t.cycle_id for t in before.targets} == {open_id, other_id} and not before.links
    await promote.promote(mod, proposal_id=proposal_id, cycle_id=open_id)
    after = await promote.proposal_budget(mod, proposal_id)
    assert [link.cycle_id for link in after.links] == [open_id]
    assert [t.cycle_id for t in after.targets] == [other_id]
    resident_view = await promote.proposal_budget(staff("resident", user_id=2), proposal_id)
    assert resident_view.links == after.links and resident_view.targets == ()
    assert [e.id for e in await promote.eligible_for(open_id)] == []
    assert [e.id for e in await promote.eligible_for(other_id)] == [proposal_id]


async def test_promote_button_on_the_proposal_page_and_links_both_ways(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "mod@example.id", roles=("moderator",))
    cycle_id, _ = await cycle()
    proposal_id = await proposal(services, cost=125_000_000)
    await login(client, "mod@example.id")
    page = await client.get(f"/proposals/{proposal_id}")
    assert page.status_code == 200 and "Add to Anggaran partisipatif 2027" in page.text
    r = await post_form(client, f"/proposals/{proposal_id}", f"/budgets/{cycle_id}/promote",
                        {"proposal_id": str(proposal_id), "next": f"/proposals/{proposal_id}"})
    assert r.status_code == 303 and r.headers["location"] == f"/proposals/{proposal_id}"
    project = await PbProject.get(proposal_id=proposal_id)
    assert project.cost == 125_000_000
    page = await client.get(f"/proposals/{proposal_id}")
    assert "In budget cycle" in page.text and f"/budgets/{cycle_id}" in page.text
    assert "Add to Anggaran" not in page.text
    cycle_page = await client.get(f"/budgets/{cycle_id}")
    assert f"from proposal #{proposal_id}" in cycle_page.text
    again = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/promote",
                            {"proposal_id": str(proposal_id)})
    assert again.status_code == 303 and await PbProject.filter(proposal_id=proposal_id).count() == 1
    bad = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/promote", {"proposal_id": "x"})
    assert bad.status_code == 422


async def test_cycle_page_lists_eligible_proposals_for_moderators_only(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "mod@example.id", roles=("moderator",))
    await make_user(services, "warga@example.id")
    cycle_id, _ = await cycle()
    proposal_id = await proposal(services, title="Sumur resapan di Lebakgede")
    await login(client, "warga@example.id")
    assert "Sumur resapan di Lebakgede" not in (await client.get(f"/budgets/{cycle_id}")).text
    r = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/promote",
                        {"proposal_id": str(proposal_id)})
    assert r.status_code == 403
    await login(client, "mod@example.id")
    page = await client.get(f"/budgets/{cycle_id}")
    assert "Eligible proposals" in page.text and "Sumur resapan di Lebakgede" in page.text
    r = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/promote",
                        {"proposal_id": str(proposal_id)})
    assert r.status_code == 303 and r.headers["location"] == f"/budgets/{cycle_id}"
    assert await PbProject.filter(cycle_id=cycle_id, proposal_id=proposal_id).exists()
