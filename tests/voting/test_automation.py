"""Phases by date and the tally as a background job."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest

from portal.app import job_handlers, periodic_jobs
from portal.core import jobs
from portal.core.models import AuditEvent, Job
from portal.voting import automation, services as pb
from portal.voting.domain import Calendar, Phase, due_phase
from portal.voting.models import PbCycle, PbTallyRow
from tests.voting.factories import COUNCIL, city_scope, cycle, resident, voter

D = date(2027, 3, 1)
DATES = Calendar(review_from=date(2027, 3, 1), voting_from=date(2027, 3, 10), voting_until=date(2027, 3, 20),
                 results_on=date(2027, 3, 25))


@pytest.mark.parametrize("phase, dates, today, projects, tallied, expected", [
    (Phase.DRAFT, DATES, date(2027, 4, 1), True, True, None),  # a draft never moves by itself
    (Phase.PROPOSALS, DATES, date(2027, 2, 28), True, False, None),  # intake still open
    (Phase.PROPOSALS, DATES, date(2027, 3, 1), True, False, Phase.REVIEW),  # review starts on its day
    (Phase.PROPOSALS, Calendar(voting_from=D), D, True, False, Phase.REVIEW),  # no review date: voting ends intake
    (Phase.PROPOSALS, Calendar(), date(2030, 1, 1), True, False, None),  # no dates: by hand only
    (Phase.REVIEW, DATES, date(2027, 3, 9), True, False, None),
    (Phase.REVIEW, DATES, date(2027, 3, 10), True, False, Phase.VOTING),  # voting opens on its first day
    (Phase.REVIEW, DATES, date(2027, 3, 10), False, False, None),  # an empty ballot never opens
    (Phase.VOTING, DATES, date(2027, 3, 20), True, False, None),  # the last day is still a voting day
    (Phase.VOTING, DATES, date(2027, 3, 21), True, False, Phase.TALLYING),
    (Phase.TALLYING, DATES, date(2027, 3, 25), True, False, None),  # no tally yet
    (Phase.TALLYING, DATES, date(2027, 3, 24), True, True, None),  # before the results date
    (Phase.TALLYING, DATES, date(2027, 3, 25), True, True, Phase.PUBLISHED),
    (Phase.TALLYING, Calendar(voting_until=D), date(2030, 1, 1), True, True, None),  # council publishes
    (Phase.PUBLISHED, DATES, date(2030, 1, 1), True, True, None),
])
def test_due_phase(phase, dates, today, projects, tallied, expected) -> None:  # type: ignore[no-untyped-def]
    assert due_phase(phase, dates, today, has_projects=projects, tallied=tallied) == expected


async def _dated_cycle(**dates: date) -> int:
    cycle_id, _ = await cycle(phase=Phase.REVIEW)
    await pb.move_phase(COUNCIL, cycle_id, Phase.PROPOSALS)  # back to intake, then let the dates move it
    await PbCycle.filter(id=cycle_id).update(**dates)
    return cycle_id


async def test_dates_move_a_cycle_step_by_step_with_audit(db) -> None:  # type: ignore[no-untyped-def]
    cycle_id = await _dated_cycle(review_from=date(2027, 3, 1), voting_from=date(2027, 3, 10),
                                  voting_until=date(2027, 3, 20))
    assert await automation.advance_all(date(2027, 2, 1)) == {}
    assert await automation.advance_all(date(2027, 3, 12)) == {cycle_id: ["review", "voting"]}
    assert (await PbCycle.get(id=cycle_id)).phase == "voting"
    moves = [json.loads(e.data) for e in await AuditEvent.filter(tag="voting:cycle:phase", target_id=str(cycle_id),
                                                                 actor_id=None).order_by("id")]
    assert [(m["to"], m.get("auto")) for m in moves if m.get("auto")] == [("review", True), ("voting", True)]
    assert await automation.advance_all(date(2027, 3, 12)) == {}  # idempotent


async def test_closing_by_date_queues_one_tally_job_that_tallies_and_publishes(db, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id = await _dated_cycle(voting_from=date(2027, 3, 10), voting_until=date(2027, 3, 20),
                                  results_on=date(2027, 3, 21))
    await automation.advance_all(date(2027, 3, 10))
    user = await resident(app.state.services)
    project_ids = [p for p in (await PbCycle.get(id=cycle_id).prefetch_related("projects")).projects]
    await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=await city_scope(cycle_id),
                         raw=[(str(project_ids[0].id), "1")], today=date(2027, 3, 10))
    assert await automation.advance_all(date(2027, 3, 21)) == {cycle_id: ["tallying"]}
    assert not await PbTallyRow.filter(scope__cycle_id=cycle_id).exists()  # not inside the sweep
    queued = await Job.filter(kind="voting.tally")
    assert [json.loads(j.payload) for j in queued] == [{"cycle": cycle_id}]
    assert await automation.tally_and_maybe_publish(cycle_id, date(2027, 3, 21))
    cycle_row = await PbCycle.get(id=cycle_id)
    assert cycle_row.phase == "published" and cycle_row.published_at is not None
    assert await PbTallyRow.filter(scope__cycle_id=cycle_id, primary=True, selected=True).count() == 1
    assert await AuditEvent.filter(tag="voting:tally:run", target_id=str(cycle_id), actor_id=None).exists()
    # A second run of the job (a retry) changes nothing once published.
    assert not await automation.tally_and_maybe_publish(cycle_id, date(2027, 3, 21))


async def test_concurrent_sweeps_move_each_step_once(db) -> None:  # type: ignore[no-untyped-def]
    cycle_id = await _dated_cycle(review_from=date(2027, 3, 1), voting_from=date(2027, 3, 10))
    await asyncio.gather(*(automation.advance_all(date(2027, 3, 11)) for _ in range(6)))
    assert (await PbCycle.get(id=cycle_id)).phase == "voting"
    tos = [d["to"] for e in await AuditEvent.filter(tag="voting:cycle:phase", target_id=str(cycle_id))
           if (d := json.loads(e.data)).get("auto")]
    assert sorted(tos) == ["review", "voting"]


async def _closed_cycle(app) -> int:  # type: ignore[no-untyped-def]
    cycle_id, project_ids = await cycle(phase=Phase.VOTING)
    user = await resident(app.state.services)
    await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=await city_scope(cycle_id),
                         raw=[(str(project_ids[1]), "1")], today=date(2027, 3, 10))
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    return cycle_id


async def test_jobs_are_registered_and_run_through_the_worker(db, app) -> None:  # type: ignore[no-untyped-def]
    assert automation.PERIODIC in periodic_jobs(app.state.services.settings)
    handlers = job_handlers(app.state.services)
    assert {"voting.phases", "voting.tally"} <= set(handlers)
    cycle_id = await _closed_cycle(app)
    assert await jobs.run_one(handlers, "test-worker")  # the job queued when voting closed
    assert await PbTallyRow.filter(scope__cycle_id=cycle_id, primary=True).exists()
    assert (await Job.get(key=f"voting.tally:{cycle_id}:close")).status == "done"
    assert (await PbCycle.get(id=cycle_id)).phase == "tallying"  # no results date: the council publishes


async def test_run_the_tally_again_queues_a_job_instead_of_tallying_in_the_request(client, app) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import login, make_user, post_form

    await make_user(app.state.services, "dewan@example.id", roles=("council",))
    cycle_id = await _closed_cycle(app)
    await login(client, "dewan@example.id")
    page = await client.get(f"/budgets/{cycle_id}")
    assert "The tally is being computed in the background" in page.text
    r = await post_form(client, f"/budgets/{cycle_id}", f"/budgets/{cycle_id}/tally", {})
    assert r.status_code == 303 and r.headers["location"] == f"/budgets/{cycle_id}"
    assert not await PbTallyRow.filter(scope__cycle_id=cycle_id).exists()
    assert await Job.filter(kind="voting.tally").count() == 2
    handlers = job_handlers(app.state.services)
    while await jobs.run_one(handlers, "test-worker"):
        pass
    assert await PbTallyRow.filter(scope__cycle_id=cycle_id, primary=True).exists()
    page = await client.get(f"/budgets/{cycle_id}")
    assert "The tally is done" in page.text
