"""PURE: points, badges and leaderboard ranking for residents' participation.

Modelled on Bandung's Ngabandungan app, but transparent: every badge states its rule, the
points table is public, and the numbers are recomputed from the record (never stored, so
they cannot drift or be edited).

Anti-farming rules (applied when the activity is counted, see :class:`Activity`):
- only proposals that reached the city count: drafts, withdrawn, archived (refused), merged
  duplicates and hidden proposals earn nothing, and neither do supports or comments on them;
- supports by a proposal's own authors are not counted as supports received;
- a comment earns once per proposal (not per comment), only on other residents' proposals, and
  a hidden comment earns nothing;
- a support given counts once per proposal (the database allows one) and never on one's own.

Ranking: standard competition ranking ("1224"): equal points share a rank, the next rank skips.
Within a rank the order is by name, then id, so the list is stable between page loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Generic, TypeVar


@dataclass(frozen=True)
class Activity:
    """What one resident did, already filtered by the anti-farming rules."""

    proposals: int = 0  # counted proposals they (co-)authored
    verified: int = 0  # of those, verified by a moderator
    feasible: int = 0  # of those, found feasible by the agency
    supports_received: int = 0  # from residents who are not authors of the proposal
    commented_on: int = 0  # other residents' proposals they commented on
    supported: int = 0  # other residents' proposals they support

    def __add__(self, other: Activity) -> Activity:
        return Activity(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


# Points per unit of each Activity field.
POINTS: dict[str, int] = {
    "proposals": 10,
    "verified": 20,
    "feasible": 30,
    "supports_received": 1,
    "commented_on": 2,
    "supported": 1,
}


def points(activity: Activity) -> int:
    return sum(getattr(activity, name) * per for name, per in POINTS.items())


@dataclass(frozen=True)
class Badge:
    key: str
    metric: str  # an Activity field
    threshold: int


BADGES: tuple[Badge, ...] = (
    Badge("first_proposal", "proposals", 1),
    Badge("proposal_verified", "verified", 1),
    Badge("proposal_feasible", "feasible", 1),
    Badge("supports_10", "supports_received", 10),
    Badge("supports_100", "supports_received", 100),
    Badge("first_comment", "commented_on", 1),
    Badge("conversation_10", "commented_on", 10),
    Badge("supporter_10", "supported", 10),
)


@dataclass(frozen=True)
class BadgeProgress:
    badge: Badge
    value: int  # capped at the threshold

    @property
    def earned(self) -> bool:
        return self.value >= self.badge.threshold


def progress(activity: Activity) -> list[BadgeProgress]:
    return [BadgeProgress(b, min(getattr(activity, b.metric), b.threshold)) for b in BADGES]


def earned(activity: Activity) -> list[Badge]:
    return [p.badge for p in progress(activity) if p.earned]


K = TypeVar("K")


@dataclass(frozen=True)
class Ranked(Generic[K]):
    rank: int
    key: K
    name: str
    points: int


def rank(entries: Sequence[tuple[K, str, int]]) -> list[Ranked[K]]:
    """(key, name, points) -> ranked rows, best first; entries with 0 points are left out.
    Equal points share a rank; within it, by name (case-insensitive), then key."""
    kept = sorted((e for e in entries if e[2] > 0), key=lambda e: (-e[2], e[1].casefold(), str(e[0])))
    out: list[Ranked[K]] = []
    for position, (key, name, pts) in enumerate(kept, start=1):
        shared = out[-1].rank if out and out[-1].points == pts else position
        out.append(Ranked(shared, key, name, pts))
    return out
