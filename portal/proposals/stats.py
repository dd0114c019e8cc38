"""Read model for /proposals/stats: counts and service-level figures, in working days (HK).

Durations: verification = HK from first submission to verification; answer = HK from
verification to the agency's (first) answer. Median and p90 use the nearest-rank method
(domain.percentile), so every figure shown is a value that actually occurred.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from portal.core.models import Agency, Kecamatan
from portal.core import city_calendar
from portal.core.workdays import working_days_between
from portal.proposals import domain
from portal.proposals.models import Proposal



@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class Duration:
    label: str
    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class OnTime:
    agency: str
    answered: int
    on_time: int

    @property
    def share(self) -> int:
        return round(100 * self.on_time / self.answered) if self.answered else 0


@dataclass(frozen=True)
class Stats:
    total: int
    by_status: list[Bar]
    by_category: list[Bar]
    by_kecamatan: list[Bar]
    by_agency: list[Bar]
    durations: list[Duration]
    on_time: list[OnTime]


def _bars(counter: Counter[str]) -> list[Bar]:
    return [Bar(k, v) for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


async def compute() -> Stats:
    calendar = await city_calendar.calendar()
    rows = await Proposal.filter(hidden=False).exclude(status=domain.ProposalStatus.DRAFT.value).values(
        "status", "category", "kecamatan_id", "agency_id", "answer_agency_id", "submitted_at", "verified_at",
        "answered_at", "answered_on_time")
    kec = dict(await Kecamatan.all().values_list("code", "name"))
    agencies = dict(await Agency.all().values_list("id", "abbreviation"))
    to_verify = [float(working_days_between(r["submitted_at"], r["verified_at"], calendar))
                 for r in rows if r["submitted_at"] and r["verified_at"]]
    to_answer = [float(working_days_between(r["verified_at"], r["answered_at"], calendar))
                 for r in rows if r["verified_at"] and r["answered_at"]]
    answered: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    for r in rows:
        if r["answered_on_time"] is not None and r["answer_agency_id"]:
            name = agencies.get(r["answer_agency_id"], "?")
            answered[name] += 1
            on_time[name] += int(bool(r["answered_on_time"]))
    return Stats(
        total=len(rows),
        by_status=_bars(Counter(r["status"] for r in rows)),
        by_category=_bars(Counter(r["category"] for r in rows)),
        by_kecamatan=_bars(Counter(kec.get(r["kecamatan_id"], "?") for r in rows)),
        by_agency=_bars(Counter(agencies.get(r["agency_id"], "?") for r in rows if r["agency_id"])),
        durations=[
            Duration("verification", len(to_verify), domain.median(to_verify), domain.percentile(to_verify, 90)),
            Duration("answer", len(to_answer), domain.median(to_answer), domain.percentile(to_answer, 90)),
        ],
        on_time=[OnTime(a, answered[a], on_time[a]) for a in sorted(answered)],
    )
