"""What the Atom feeds publish, read-only from the council and proposals tables.

Each feed has a cheap stamp (count and last change) to answer conditional requests before the
entries are loaded. Visibility follows the pages: only published decisions; only status changes
of proposals anyone may see (submitted, not hidden after reports); writing a draft is no
status change anyone else could see, so it is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tortoise.functions import Count, Max

from portal.council.domain import DecisionStatus
from portal.council.models import Decision
from portal.core.models import Kecamatan
from portal.proposals.domain import ProposalStatus
from portal.proposals.models import TimelineEntry

LIMIT = 50


@dataclass(frozen=True)
class Stamp:
    count: int
    last: datetime | None


@dataclass(frozen=True)
class DecisionItem:
    id: int
    number: str
    title: str
    text: str
    kind: str
    decided_on: date
    published_at: datetime
    votes: tuple[int, int, int]  # for, against, abstain
    amends: str  # number of the amended decision, or ""


@dataclass(frozen=True)
class StatusChange:
    id: int
    proposal_id: int
    title: str
    action: str
    to_status: str
    note: str
    created_at: datetime


async def _stamp(qs, field: str) -> Stamp:  # type: ignore[no-untyped-def]
    row = await qs.annotate(n=Count("id"), last=Max(field)).values("n", "last")
    first = row[0] if row else {"n": 0, "last": None}
    return Stamp(first["n"] or 0, first["last"])


def _published():  # type: ignore[no-untyped-def]
    return Decision.filter(status=DecisionStatus.PUBLISHED, published_at__isnull=False)


async def decisions_stamp() -> Stamp:
    return await _stamp(_published(), "published_at")


async def decisions() -> list[DecisionItem]:
    rows = await _published().order_by("-published_at", "-id").limit(LIMIT).select_related("amends")
    return [DecisionItem(d.id, d.number, d.title, d.text, d.kind, d.decided_on, d.published_at,  # type: ignore[arg-type]
                         (d.votes_for, d.votes_against, d.votes_abstain),
                         d.amends.number if d.amends else "") for d in rows]  # type: ignore[union-attr]


async def kecamatan_name(code: str) -> str | None:
    found = await Kecamatan.get_or_none(code=code)
    return found.name if found else None


def _public_changes(code: str):  # type: ignore[no-untyped-def]
    return TimelineEntry.filter(proposal__kecamatan_id=code, proposal__hidden=False).exclude(
        proposal__status=ProposalStatus.DRAFT).exclude(to_status__in=("", ProposalStatus.DRAFT))


async def kecamatan_stamp(code: str) -> Stamp:
    return await _stamp(_public_changes(code), "created_at")


async def kecamatan_changes(code: str) -> list[StatusChange]:
    rows = await _public_changes(code).order_by("-created_at", "-id").limit(LIMIT).values(
        "id", "proposal_id", "proposal__title", "action", "to_status", "note", "created_at")
    return [StatusChange(r["id"], r["proposal_id"], r["proposal__title"], r["action"], r["to_status"], r["note"],
                         r["created_at"]) for r in rows]
