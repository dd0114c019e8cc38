"""Read model of the job queue for the admin page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count

from portal.core.models import Job


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    status: str
    run_at: datetime
    attempts: int
    last_error: str


async def summary() -> dict[str, int]:
    rows = await Job.all().group_by("status").annotate(n=Count("id")).values_list("status", "n")
    return {status: n for status, n in rows}


async def upcoming(limit: int = 100) -> list[JobRow]:
    jobs = await Job.filter(status__in=["pending", "running", "failed"]).order_by("run_at").limit(limit)
    return [JobRow(j.id, j.kind, j.status, j.run_at, j.attempts, j.last_error) for j in jobs]
