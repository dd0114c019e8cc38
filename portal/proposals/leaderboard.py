"""Leaderboard and badges read from the record (gamification.py holds the rules), and the
resident's choice to stay off the public list.

Who is listed: verified residents (their kecamatan is the one of their verified domicile) who
did not opt out. An opted-out resident's points still count in their kecamatan's total, which
is shown only as a sum, so nobody can be picked out by name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity
from portal.accounts.models import ResidentVerification
from portal.core import audit
from portal.core.models import Kecamatan
from portal.core.timeutil import utcnow
from portal.errors import NotAllowed
from portal.i18n import gettext as _
from portal.proposals import gamification
from portal.proposals.domain import ProposalStatus
from portal.proposals.gamification import Activity, BadgeProgress, Ranked
from portal.proposals.models import Comment, LeaderboardOptOut, Proposal, ProposalAuthor, Support

S = ProposalStatus
# Proposals that reached the city and still stand (see gamification's anti-farming rules).
COUNTED = [s.value for s in S if s not in (S.DRAFT, S.WITHDRAWN, S.ARCHIVED, S.MERGED)]
TOP = 20


async def activities() -> dict[int, Activity]:
    """Every user's counted activity, by user id."""
    proposals = await Proposal.filter(hidden=False, status__in=COUNTED).values_list(
        "id", "verified_at", "status", "answer_kind")
    ids = [p[0] for p in proposals]
    authors: dict[int, set[int]] = defaultdict(set)
    for pid, uid in await ProposalAuthor.filter(proposal_id__in=ids).values_list("proposal_id", "user_id"):
        authors[pid].add(uid)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for pid, verified_at, status, answer_kind in proposals:
        for uid in authors[pid]:
            counts[uid]["proposals"] += 1
            counts[uid]["verified"] += verified_at is not None
            counts[uid]["feasible"] += status == S.ELIGIBLE or answer_kind == "feasible"
    for pid, uid in await Support.filter(proposal_id__in=ids).values_list("proposal_id", "user_id"):
        if uid in authors[pid]:
            continue  # supporting one's own proposal earns nothing
        counts[uid]["supported"] += 1
        for author in authors[pid]:
            counts[author]["supports_received"] += 1
    commented = set(await Comment.filter(proposal_id__in=ids, hidden=False).values_list("author_id", "proposal_id"))
    for uid, pid in commented:
        if uid not in authors[pid]:
            counts[uid]["commented_on"] += 1
    return {uid: Activity(**values) for uid, values in counts.items()}


async def _residents() -> dict[int, tuple[str, str]]:
    """Verified residents: user id -> (name, kecamatan code)."""
    rows = await ResidentVerification.filter(revoked_at__isnull=True, user__disabled_at__isnull=True).values_list(
        "user_id", "user__name", "kelurahan__kecamatan_id")
    return {uid: (name, kec) for uid, name, kec in rows}


@dataclass(frozen=True)
class Contributor:
    rank: int
    name: str
    points: int
    badges: list[str]  # badge keys earned


@dataclass(frozen=True)
class KecamatanScore:
    rank: int
    code: str
    name: str
    points: int
    contributors: int  # residents with points, opted-out ones included (a count only)


@dataclass(frozen=True)
class Mine:
    points: int
    rank: int | None  # in their kecamatan; None when not listed (opted out or no points)
    opted_out: bool
    kecamatan: str
    badges: list[BadgeProgress]


@dataclass(frozen=True)
class Board:
    kecamatan_code: str
    kecamatan_name: str
    contributors: list[Contributor]
    kecamatan: list[KecamatanScore]
    kecamatan_options: list[tuple[str, str]]
    mine: Mine | None


async def board(who: Identity, kecamatan_code: str = "") -> Board:
    acts = await activities()
    residents = await _residents()
    hidden = set(await LeaderboardOptOut.all().values_list("user_id", flat=True))
    names = dict(await Kecamatan.all().values_list("code", "name"))
    chosen = kecamatan_code if kecamatan_code in names else (who.kecamatan_code if who.kecamatan_code in names else "")
    totals: dict[str, int] = defaultdict(int)
    active: dict[str, int] = defaultdict(int)
    for uid, (_name, kec) in residents.items():
        pts = gamification.points(acts.get(uid, Activity()))
        totals[kec] += pts
        active[kec] += pts > 0
    kec_ranked: list[Ranked[str]] = gamification.rank([(code, names[code], totals[code]) for code in names])
    if not chosen and kec_ranked:
        chosen = kec_ranked[0].key
    listed = gamification.rank([(uid, name, gamification.points(acts.get(uid, Activity())))
                                for uid, (name, kec) in residents.items() if kec == chosen and uid not in hidden])
    mine = None
    if who.user_id is not None and who.user_id in residents:
        activity = acts.get(who.user_id, Activity())
        my_rank = next((r.rank for r in listed if r.key == who.user_id), None)
        mine = Mine(gamification.points(activity), my_rank, who.user_id in hidden,
                    names.get(residents[who.user_id][1], ""), gamification.progress(activity))
    return Board(
        kecamatan_code=chosen, kecamatan_name=names.get(chosen, ""),
        contributors=[Contributor(r.rank, r.name, r.points,
                                  [b.key for b in gamification.earned(acts.get(r.key, Activity()))])
                      for r in listed[:TOP]],
        kecamatan=[KecamatanScore(r.rank, r.key, r.name, r.points, active[r.key]) for r in kec_ranked],
        kecamatan_options=sorted(names.items(), key=lambda kv: kv[1]),
        mine=mine,
    )


async def set_listed(who: Identity, listed: bool, *, now: datetime | None = None) -> None:
    """Opt out of (or back into) the public leaderboard; audited."""
    if who.user_id is None or not who.verified:
        raise NotAllowed(_("Only verified residents appear on the leaderboard."))
    async with in_transaction() as conn:
        if listed:
            changed = await LeaderboardOptOut.filter(user_id=who.user_id).using_db(conn).delete()
        else:
            try:
                async with in_transaction() as inner:
                    await LeaderboardOptOut.create(user_id=who.user_id, created_at=now or utcnow(), using_db=inner)
                changed = 1
            except IntegrityError:
                changed = 0
        if changed:
            await audit.record("proposals:leaderboard:opt_in" if listed else "proposals:leaderboard:opt_out",
                               actor_id=who.user_id, target_type="user", target_id=who.user_id, conn=conn)

