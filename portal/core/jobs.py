"""Background jobs stored in the database.

- Idempotent enqueue: a job's `key` is unique, so enqueueing the same work twice is a no-op.
- Exactly-once runs across workers and crashes: a worker claims a due job by a conditional
  UPDATE that only succeeds while the job is pending or its lease has expired (on PostgreSQL the
  candidate is picked with FOR UPDATE SKIP LOCKED so workers do not queue on each other). A
  worker that dies leaves its lease to expire and the job is picked up again; handlers must
  therefore be idempotent, which every handler in the portal is.
- Failures retry with exponential back-off until `max_attempts`, then the job is `failed`.
- Periodic work (sweeps for deadlines, digests, phase changes) is a `Periodic` kind: each time
  slot of its interval gets one job whose key names the slot, so any number of workers
  scheduling the same slot still produce one run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from portal.core.models import Job
from portal.core.timeutil import utcnow

log = logging.getLogger("portal.jobs")

Handler = Callable[[Mapping[str, Any]], Awaitable[None]]
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Periodic:
    """A job kind run once per `every` (the handler gets the slot's start as `slot`)."""

    kind: str
    every: timedelta

    def slot(self, now: datetime) -> datetime:
        seconds = int(self.every.total_seconds())
        return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)


async def schedule_periodic(periodics: Iterable[Periodic], now: datetime | None = None) -> int:
    """Enqueue the current slot of each periodic kind; returns how many were new."""
    now = now or utcnow()
    created = 0
    for periodic in periodics:
        slot = periodic.slot(now)
        created += await enqueue(periodic.kind, key=f"periodic:{periodic.kind}:{slot.isoformat()}",
                                 payload={"slot": slot.isoformat()}, run_at=slot)
    return created


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 15 * 2 ** max(0, attempts - 1)))


async def enqueue(
    kind: str,
    key: str,
    payload: Mapping[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> bool:
    """Schedule a job once; False when a job with this key already exists."""
    try:
        async with in_transaction() if conn is None else nullcontext(conn) as db:
            await Job.create(
                kind=kind, key=key, payload=json.dumps(dict(payload or {})),
                run_at=run_at or utcnow(), using_db=db,
            )
    except IntegrityError:
        return False
    return True


def _claimable(now: datetime) -> Q:
    return Q(status="pending", run_at__lte=now) | Q(status="running", lease_until__lt=now)


async def claim(worker_id: str) -> Job | None:
    """Lease one due job to `worker_id`, or None when nothing is due."""
    now = utcnow()
    async with in_transaction() as conn:
        query = Job.filter(_claimable(now)).order_by("run_at", "id").using_db(conn)
        if conn.capabilities.dialect == "postgres":
            query = query.select_for_update(skip_locked=True)
        candidate = await query.first()
        if candidate is None:
            return None
        updated = await Job.filter(Q(id=candidate.id) & _claimable(now)).using_db(conn).update(
            status="running", lease_until=now + LEASE, locked_by=worker_id,
            attempts=candidate.attempts + 1,
        )
    if updated != 1:
        return None
    return await Job.get(id=candidate.id)


async def finish(job: Job) -> None:
    await Job.filter(id=job.id, locked_by=job.locked_by).update(
        status="done", finished_at=utcnow(), lease_until=None
    )


async def fail(job: Job, error: str) -> None:
    if job.attempts >= job.max_attempts:
        await Job.filter(id=job.id).update(status="failed", last_error=error[:2000],
                                           finished_at=utcnow(), lease_until=None)
        return
    await Job.filter(id=job.id).update(
        status="pending", last_error=error[:2000], lease_until=None,
        run_at=utcnow() + backoff(job.attempts),
    )


async def run_one(handlers: Mapping[str, Handler], worker_id: str) -> bool:
    """Run at most one due job; True when one was run (successfully or not)."""
    job = await claim(worker_id)
    if job is None:
        return False
    handler = handlers.get(job.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        await handler(json.loads(job.payload))
    except Exception as exc:  # noqa: BLE001 - any handler failure is retried, and logged
        log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
        await fail(job, f"{type(exc).__name__}: {exc}")
    else:
        await finish(job)
    return True


async def work(
    handlers: Mapping[str, Handler], stop: asyncio.Event, poll_seconds: float = 2.0,
    periodics: Iterable[Periodic] = (),
) -> None:
    """Loop until `stop` is set: schedule periodic slots, run due jobs, sleep when idle."""
    worker_id = secrets.token_hex(8)
    periodics = tuple(periodics)
    scheduled: dict[str, datetime] = {}
    while not stop.is_set():
        try:
            now = utcnow()
            # Only touch the database when a kind has entered a new slot.
            due = [p for p in periodics if scheduled.get(p.kind) != p.slot(now)]
            if due:
                await schedule_periodic(due, now)
                scheduled.update({p.kind: p.slot(now) for p in due})
            ran = await run_one(handlers, worker_id)
        except Exception:  # noqa: BLE001 - a DB hiccup must not kill the worker loop
            log.exception("job worker error")
            ran = False
        if not ran:
            try:
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
            except TimeoutError:
                pass
