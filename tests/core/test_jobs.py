"""Background jobs: idempotent enqueue, exactly-once runs across workers, retry with back-off."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from portal.core import jobs
from portal.core.models import Job
from portal.core.timeutil import utcnow


async def test_enqueue_is_idempotent_by_key(db) -> None:  # type: ignore[no-untyped-def]
    assert await jobs.enqueue("x", key="once", payload={"a": 1}) is True
    assert await jobs.enqueue("x", key="once", payload={"a": 2}) is False
    assert await Job.all().count() == 1


async def test_each_job_runs_exactly_once_with_concurrent_workers(db) -> None:  # type: ignore[no-untyped-def]
    runs: list[int] = []

    async def handler(payload):  # type: ignore[no-untyped-def]
        runs.append(payload["n"])
        await asyncio.sleep(0)

    for n in range(30):
        await jobs.enqueue("count", key=f"k{n}", payload={"n": n})

    async def worker(name: str) -> None:
        while await jobs.run_one({"count": handler}, name):
            pass

    await asyncio.gather(*(worker(f"w{i}") for i in range(5)))
    assert sorted(runs) == list(range(30))
    assert await Job.filter(status="done").count() == 30


async def test_failure_retries_with_backoff_then_fails(db) -> None:  # type: ignore[no-untyped-def]
    async def broken(payload):  # type: ignore[no-untyped-def]
        raise ValueError("smtp down")

    await jobs.enqueue("mail", key="m1")
    await Job.filter(key="m1").update(max_attempts=2)
    assert await jobs.run_one({"mail": broken}, "w") is True
    job = await Job.get(key="m1")
    assert job.status == "pending" and job.attempts == 1 and "smtp down" in job.last_error
    assert job.run_at > utcnow() + timedelta(seconds=10)
    assert await jobs.run_one({"mail": broken}, "w") is False  # not due yet
    await Job.filter(key="m1").update(run_at=utcnow())
    await jobs.run_one({"mail": broken}, "w")
    assert (await Job.get(key="m1")).status == "failed"


async def test_expired_lease_is_taken_over_after_a_crash(db) -> None:  # type: ignore[no-untyped-def]
    await jobs.enqueue("x", key="crash")
    claimed = await jobs.claim("dead-worker")
    assert claimed is not None
    assert await jobs.claim("other") is None  # leased
    await Job.filter(id=claimed.id).update(lease_until=utcnow() - timedelta(seconds=1))
    again = await jobs.claim("other")
    assert again is not None and again.locked_by == "other" and again.attempts == 2


def test_backoff_grows_and_is_capped() -> None:
    assert [jobs.backoff(n).total_seconds() for n in (1, 2, 3)] == [15, 30, 60]
    assert jobs.backoff(50).total_seconds() == 3600


async def test_periodic_slot_is_scheduled_once_across_workers(db) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    sweep = jobs.Periodic("sweep", timedelta(hours=1))
    now = datetime(2026, 11, 30, 10, 42, tzinfo=UTC)
    results = await asyncio.gather(*(jobs.schedule_periodic([sweep], now) for _ in range(5)))
    assert sum(results) == 1
    job = await Job.get(kind="sweep")
    assert job.run_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert '"slot": "2026-11-30T10:00:00+00:00"' in job.payload
    # The next hour is a new slot, hence a new job.
    assert await jobs.schedule_periodic([sweep], now + timedelta(hours=1)) == 1
    assert await Job.filter(kind="sweep").count() == 2
