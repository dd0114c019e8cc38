"""Scheduled work of participatory budgeting: phases that follow the cycle's dates, and the tally.

- ``voting.phases`` (periodic, every 10 minutes): moves each cycle through intake -> review ->
  voting -> tallying -> published as its dates say (`domain.due_phase`), one audited step at a
  time with no human actor (audit data ``auto: true``).
- ``voting.tally`` (queued when voting closes, by hand or by date, and by "run the tally
  again"): runs the tally outside any request, then publishes at once when the results date has
  already come.

Both are safe to run twice or on two workers at once: each phase step is a conditional UPDATE
(`services.apply_phase`), so a second worker's identical step fails with Conflict and is
skipped; a repeated tally replaces its rows, and never after publication.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, timedelta
from typing import Any

from portal.core import jobs
from portal.core.timeutil import to_jakarta, utcnow
from portal.errors import Conflict
from portal.voting import domain, services
from portal.voting.domain import Calendar, Phase
from portal.voting.models import PbCycle, PbProject, PbTallyRow

log = logging.getLogger("portal.voting")

PHASES_JOB = "voting.phases"
PERIODIC = jobs.Periodic(PHASES_JOB, timedelta(minutes=10))
ACTIVE = (Phase.PROPOSALS.value, Phase.REVIEW.value, Phase.VOTING.value, Phase.TALLYING.value)


def today_in_jakarta() -> date:
    return to_jakarta(utcnow()).date()


def _calendar(cycle: PbCycle) -> Calendar:
    return Calendar(review_from=cycle.review_from, voting_from=cycle.voting_from,
                    voting_until=cycle.voting_until, results_on=cycle.results_on)


async def advance(cycle: PbCycle, today: date) -> list[str]:
    """Take every step the dates call for; returns the phases entered."""
    entered: list[str] = []
    while True:
        goal = domain.due_phase(
            Phase(cycle.phase), _calendar(cycle), today,
            has_projects=await PbProject.filter(cycle_id=cycle.id).exists(),
            tallied=await PbTallyRow.filter(scope__cycle_id=cycle.id, primary=True).exists())
        if goal is None:
            return entered
        try:
            await services.apply_phase(cycle, goal, actor_id=None, auto=True)
        except Conflict:
            return entered  # another worker (or a council member) moved it first
        entered.append(goal.value)


async def advance_all(today: date) -> dict[int, list[str]]:
    """The periodic sweep: every active cycle, by its dates."""
    moved: dict[int, list[str]] = {}
    for cycle in await PbCycle.filter(phase__in=ACTIVE).order_by("id"):
        steps = await advance(cycle, today)
        if steps:
            moved[cycle.id] = steps
    return moved


async def tally_and_maybe_publish(cycle_id: int, today: date) -> bool:
    """The tally job. False when there was nothing to do (the cycle is past tallying)."""
    cycle = await PbCycle.get_or_none(id=cycle_id)
    if cycle is None or cycle.phase != Phase.TALLYING.value:
        return False
    try:
        await services.tally_cycle(cycle_id, actor_id=None)
    except Conflict:
        return False  # published meanwhile: published results stay as they are
    await advance(cycle, today)
    return True


async def queue_tally(cycle_id: int, run: str) -> bool:
    """Queue a tally of a cycle in tallying (the council's "run the tally again")."""
    return await jobs.enqueue(services.TALLY_JOB, services.tally_job_key(cycle_id, run), {"cycle": cycle_id})


def job_handlers() -> Mapping[str, Callable[[Mapping[str, Any]], Awaitable[None]]]:
    """Registered in portal.app.job_handlers()."""

    async def phases(_payload: Mapping[str, Any]) -> None:
        moved = await advance_all(today_in_jakarta())
        if moved:
            log.info("budget cycles moved by date: %s", moved)

    async def tally(payload: Mapping[str, Any]) -> None:
        await tally_and_maybe_publish(int(payload["cycle"]), today_in_jakarta())

    return {PHASES_JOB: phases, services.TALLY_JOB: tally}
