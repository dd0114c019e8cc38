"""Read models for proposal pages: plain dataclasses the templates render.

Search goes through portal.proposals.fulltext (SQLite FTS5 / PostgreSQL full text, one API):
the list needs every word (prefix match) and can sort by relevance; the duplicate hints need
any of the meaningful words of the title and are ranked by the search engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portal.accounts.identity import Identity, Role
from portal.accounts.models import User
from portal.accounts.queries import KecamatanOption, territory_options
from portal.core.models import Agency, Kecamatan, Kelurahan
from portal.core.timeutil import utcnow
from portal.core import city_calendar
from portal.core.workdays import working_days_between
from portal.errors import NotFound
from portal.proposals import domain, fulltext, services
from portal.proposals.domain import Action, Category, ProposalStatus
from portal.proposals.models import (
    Appeal, Comment, CommentAppeal, CommentFlag, Flag, Follow, Proposal, ProposalAuthor, ProposalPhoto,
    Support, TimelineEntry,
)

PAGE_SIZE = 20
SORTS = ("relevance", "newest", "supported", "commented", "deadline")
S = ProposalStatus


@dataclass(frozen=True)
class ListFilters:
    q: str = ""
    category: str = ""
    kecamatan: str = ""
    status: str = ""
    agency: str = ""
    overdue: bool = False
    sort: str = "newest"
    page: int = 1
    sort_param: str = ""  # the sort the visitor chose; "" = best match when searching, else newest

    def query_string(self, **override: Any) -> str:
        from urllib.parse import urlencode

        values = {"q": self.q, "category": self.category, "kecamatan": self.kecamatan, "status": self.status,
                  "agency": self.agency, "overdue": "1" if self.overdue else "", "sort": self.sort_param,
                  "page": self.page, **override}
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1) or k == "page" and v != 1})


def parse_filters(params: Any) -> ListFilters:
    """Query parameters -> filters; unknown values are ignored, never an error."""
    def pick(name: str, allowed: Sequence[str]) -> str:
        value = str(params.get(name, "") or "")
        return value if value in allowed else ""

    page_raw = str(params.get("page", "") or "")
    page = int(page_raw) if page_raw.isdigit() and len(page_raw) < 6 else 1
    q = " ".join(str(params.get("q", "") or "").split())[:100]
    sort_param = pick("sort", SORTS)
    sort = sort_param or "relevance"
    if sort == "relevance" and not q:
        sort = "newest"
    return ListFilters(
        q=q,
        category=pick("category", [c.value for c in Category]),
        kecamatan=str(params.get("kecamatan", "") or "")[:8],
        status=pick("status", [s.value for s in domain.PUBLIC_STATUSES]),
        agency=str(params.get("agency", "") or "")[:32],
        overdue=params.get("overdue", "") in ("1", "on", "true"),
        sort=sort,
        page=max(1, page),
        sort_param=sort_param,
    )


@dataclass(frozen=True)
class Row:
    id: int
    title: str
    category: str
    kecamatan: str
    kelurahan: str
    status: str
    agency: str
    support_count: int
    comment_count: int
    created_at: datetime
    deadline_at: datetime | None
    overdue: bool
    days_left: int | None


@dataclass(frozen=True)
class ListPage:
    rows: list[Row]
    total: int
    page: int
    pages: int
    filters: ListFilters


def _public() -> Any:
    return Proposal.filter(hidden=False).exclude(status=S.DRAFT.value)


async def _rows(proposals: list[Proposal], now: datetime) -> list[Row]:
    kec = dict(await Kecamatan.all().values_list("code", "name"))
    kel_codes = {p.kelurahan_id for p in proposals}  # type: ignore[attr-defined]
    kel = dict(await Kelurahan.filter(code__in=list(kel_codes)).values_list("code", "name"))
    agencies = dict(await Agency.all().values_list("id", "abbreviation"))
    calendar = await city_calendar.calendar()
    rows = []
    for p in proposals:
        status = ProposalStatus(p.status)
        days_left = (working_days_between(now, p.deadline_at, calendar)
                     if p.deadline_at is not None and status in domain.DEADLINE_DAYS.keys() | domain.KEEPS_DEADLINE
                     else None)
        rows.append(Row(
            id=p.id, title=p.title, category=p.category, kecamatan=kec.get(p.kecamatan_id, ""),  # type: ignore[attr-defined]
            kelurahan=kel.get(p.kelurahan_id, ""), status=p.status,  # type: ignore[attr-defined]
            agency=agencies.get(p.agency_id, "") if p.agency_id else "",  # type: ignore[attr-defined]
            support_count=p.support_count, comment_count=p.comment_count, created_at=p.created_at,
            deadline_at=p.deadline_at, overdue=domain.is_overdue(status, p.deadline_at, now),
            days_left=days_left,
        ))
    return rows


async def list_proposals(filters: ListFilters, now: datetime | None = None) -> ListPage:
    now = now or utcnow()
    qs = _public()
    ranked: list[int] = []
    if filters.q:
        ranked = await fulltext.search(filters.q, mode="all")
        qs = qs.filter(id__in=ranked)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.kecamatan:
        qs = qs.filter(kecamatan_id=filters.kecamatan)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.agency:
        qs = qs.filter(agency__abbreviation=filters.agency)
    if filters.overdue:
        qs = qs.filter(status__in=[s.value for s in domain.CITY_OWES], deadline_at__lt=now)
    if filters.sort == "deadline":
        qs = qs.filter(deadline_at__isnull=False)
    total = await qs.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    offset = (page - 1) * PAGE_SIZE
    if filters.sort == "relevance":
        position = {pid: i for i, pid in enumerate(ranked)}
        matching = sorted(await qs.values_list("id", flat=True), key=lambda pid: position[pid])
        chosen = matching[offset:offset + PAGE_SIZE]
        by_id = {p.id: p for p in await Proposal.filter(id__in=chosen)}
        proposals = [by_id[pid] for pid in chosen]
    else:
        order = {"newest": ["-created_at", "-id"], "supported": ["-support_count", "-id"],
                 "commented": ["-comment_count", "-id"], "deadline": ["deadline_at", "id"]}[filters.sort]
        proposals = await qs.order_by(*order).offset(offset).limit(PAGE_SIZE)
    return ListPage(await _rows(proposals, now), total, page, pages, filters)


# Words too common to tell two proposals apart (Indonesian and English function words).
STOPWORDS = frozenset("""dan yang untuk dari dengan pada ini itu atau agar di ke oleh para serta juga
akan bagi dalam tidak ada kami kita mohon tolong the and for with from this that""".split())


async def similar(title: str, exclude_id: int | None = None, limit: int = 5) -> list[Row]:
    """Public proposals sharing meaningful words with `title`, best match first (duplicate hints
    while a resident types)."""
    words = [w for w in fulltext.terms(title) if len(w) >= 3 and w not in STOPWORDS]
    if not words:
        return []
    ranked = await fulltext.search(" ".join(words), mode="any", limit=200)
    qs = _public().filter(id__in=ranked)
    if exclude_id:
        qs = qs.exclude(id=exclude_id)
    position = {pid: i for i, pid in enumerate(ranked)}
    found = sorted(await qs, key=lambda p: position[p.id])
    return await _rows(found[:limit], utcnow())


@dataclass(frozen=True)
class Options:
    categories: tuple[str, ...]
    territory: list[KecamatanOption]
    agencies: list[tuple[str, str]]
    statuses: tuple[str, ...]


async def options() -> Options:
    agencies = list(await Agency.all().order_by("abbreviation").values_list("abbreviation", "name"))
    return Options(tuple(c.value for c in Category), await territory_options(), agencies,
                   tuple(s.value for s in S if s in domain.PUBLIC_STATUSES))


async def codes() -> tuple[list[str], list[str], list[str]]:
    kec = list(await Kecamatan.all().values_list("code", flat=True))
    kel = list(await Kelurahan.all().values_list("code", flat=True))
    agencies = list(await Agency.all().values_list("abbreviation", flat=True))
    return kec, kel, agencies


# --- the proposal page ------------------------------------------------------------------------

@dataclass(frozen=True)
class PhotoView:
    id: int
    alt: str
    width: int
    height: int


@dataclass(frozen=True)
class TimelineView:
    created_at: datetime
    action: str
    to_status: str
    actor_role: str
    note: str
    deadline_at: datetime | None


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    body_html: str  # "" when hidden and the viewer is neither its author nor a moderator
    created_at: datetime
    replies: list[CommentView] = field(default_factory=list)
    hidden: bool = False
    hidden_reason: str = ""
    is_own: bool = False
    can_flag: bool = False  # a verified resident, not the author, not reported yet
    flag_reasons: tuple[str, ...] = ()  # open reports: for moderators, and for the author once hidden
    appeal: str = ""  # "" none | "pending" | "restored" | "upheld"


@dataclass(frozen=True)
class Detail:
    id: int
    title: str
    description_html: str
    category: str
    status: str
    kecamatan: str
    kelurahan: str
    address: str
    lat: float | None
    lon: float | None
    suggested_agency: str
    agency: str
    agency_name: str
    estimated_cost: int | None
    authors: list[str]
    photos: list[PhotoView]
    support_count: int
    comment_count: int
    created_at: datetime
    submitted_at: datetime | None
    deadline_at: datetime | None
    days_left: int | None
    overdue: bool
    owed_by: str
    answer_kind: str
    answer_html: str
    answer_cost: int | None
    answered_at: datetime | None
    moderator_note: str
    hidden: bool
    hidden_reason: str
    merged_into: int | None
    timeline: list[TimelineView]
    comments: list[CommentView]
    # for the viewer
    is_author: bool
    is_supporter: bool
    is_follower: bool
    has_flagged: bool
    can_edit: bool
    can_participate: bool
    actions: frozenset[str]
    appeal: str  # "" none | "pending" | "restored" | "upheld"
    flag_reasons: list[str]


async def detail(who: Identity, proposal_id: int, now: datetime | None = None) -> Detail:
    now = now or utcnow()
    proposal = await Proposal.get_or_none(id=proposal_id).select_related(
        "kecamatan", "kelurahan", "agency", "suggested_agency")
    if proposal is None:
        raise NotFound()
    author_rows = await ProposalAuthor.filter(proposal_id=proposal_id).order_by("-is_owner", "id").values_list(
        "user_id", "user__name")
    authors = {uid for uid, _ in author_rows}
    if not services.can_see(who, proposal, authors):
        raise NotFound()
    uid = who.user_id
    status = ProposalStatus(proposal.status)
    actors = services.actors_of(who, proposal, authors)
    actions = {a.value for a in domain.allowed_actions(status, actors)}
    if proposal.hidden and who.has(Role.MODERATOR):
        actions.add("decide_hidden")
    if status == S.ANSWERED and proposal.deadline_at is not None and now > proposal.deadline_at:
        actions.discard(Action.AUTHOR_REPLY.value)
    appeal = await Appeal.get_or_none(proposal_id=proposal_id)
    flags_visible = who.has(Role.MODERATOR) or (uid in authors and proposal.hidden)
    deadline_status = status in domain.DEADLINE_DAYS.keys() | domain.KEEPS_DEADLINE
    return Detail(
        id=proposal.id, title=proposal.title, description_html=domain.render_text(proposal.description),
        category=proposal.category, status=proposal.status, kecamatan=proposal.kecamatan.name,
        kelurahan=proposal.kelurahan.name, address=proposal.address, lat=proposal.lat, lon=proposal.lon,
        suggested_agency=proposal.suggested_agency.abbreviation if proposal.suggested_agency else "",
        agency=proposal.agency.abbreviation if proposal.agency else "",
        agency_name=proposal.agency.name if proposal.agency else "",
        estimated_cost=proposal.estimated_cost, authors=[name for _, name in author_rows],
        photos=[PhotoView(p.id, p.alt, p.width, p.height)
                for p in await ProposalPhoto.filter(proposal_id=proposal_id).order_by("id")],
        support_count=proposal.support_count, comment_count=proposal.comment_count,
        created_at=proposal.created_at, submitted_at=proposal.submitted_at,
        deadline_at=proposal.deadline_at if deadline_status else None,
        days_left=working_days_between(now, proposal.deadline_at, await city_calendar.calendar())
        if deadline_status and proposal.deadline_at else None,
        overdue=domain.is_overdue(status, proposal.deadline_at, now),
        owed_by=domain.OWED_BY[status].value if status in domain.OWED_BY else "",
        answer_kind=proposal.answer_kind, answer_html=domain.render_text(proposal.answer_text),
        answer_cost=proposal.answer_cost, answered_at=proposal.answered_at,
        moderator_note=proposal.moderator_note, hidden=proposal.hidden, hidden_reason=proposal.hidden_reason,
        merged_into=proposal.merged_into_id,  # type: ignore[attr-defined]
        timeline=[TimelineView(t.created_at, t.action, t.to_status, t.actor_role, t.note, t.deadline_at)
                  for t in await TimelineEntry.filter(proposal_id=proposal_id).order_by("created_at", "id")],
        comments=await _comments(who, proposal_id),
        is_author=uid in authors,
        is_supporter=uid is not None and await Support.exists(proposal_id=proposal_id, user_id=uid),
        is_follower=uid is not None and await Follow.exists(proposal_id=proposal_id, user_id=uid),
        has_flagged=uid is not None and await Flag.exists(proposal_id=proposal_id, user_id=uid),
        can_edit=domain.can_edit(status) and not proposal.hidden and domain.Actor.AUTHOR in actors,
        can_participate=who.verified and not proposal.hidden and status in domain.OPEN_FOR_SUPPORT,
        actions=frozenset(actions),
        appeal=(appeal.decision or "pending") if appeal else "",
        flag_reasons=list(await Flag.filter(proposal_id=proposal_id, resolved=False).values_list("reason", flat=True))
        if flags_visible else [],
    )


async def _comments(who: Identity, proposal_id: int) -> list[CommentView]:
    rows = await Comment.filter(proposal_id=proposal_id).order_by("created_at", "id").values_list(
        "id", "parent_id", "author_id", "author__name", "body", "created_at", "hidden", "hidden_reason")
    ids = [r[0] for r in rows]
    flags: dict[int, list[str]] = {}
    mine: set[int] = set()
    for cid, uid, reason in await CommentFlag.filter(comment_id__in=ids, resolved=False).values_list(
            "comment_id", "user_id", "reason"):
        flags.setdefault(cid, []).append(reason)
    if who.user_id is not None:
        mine = set(await CommentFlag.filter(comment_id__in=ids, user_id=who.user_id).values_list(
            "comment_id", flat=True))
    appeals = dict(await CommentAppeal.filter(comment_id__in=ids).values_list("comment_id", "decision"))
    moderator = who.has(Role.MODERATOR)
    top: dict[int, CommentView] = {}
    for cid, parent, author_id, author, body, created, hidden, hidden_reason in rows:
        own = who.user_id is not None and author_id == who.user_id
        view = CommentView(
            cid, author, domain.render_text(body) if not hidden or own or moderator else "", created, [],
            hidden=hidden, hidden_reason=hidden_reason if own or moderator else "", is_own=own,
            can_flag=who.verified and not own and not hidden and cid not in mine,
            flag_reasons=tuple(flags.get(cid, ())) if moderator or (own and hidden) else (),
            appeal=(appeals[cid] or "pending") if cid in appeals else "",
        )
        if parent is None:
            top[cid] = view
        elif parent in top:
            top[parent].replies.append(view)
    return list(top.values())


async def edit_values(who: Identity, proposal_id: int) -> dict[str, Any]:
    proposal = await Proposal.get_or_none(id=proposal_id).select_related("suggested_agency")
    if proposal is None or not services.can_see(who, proposal, await services.author_ids(proposal_id)):
        raise NotFound()
    return {"title": proposal.title, "description": proposal.description, "category": proposal.category,
            "kecamatan": proposal.kecamatan_id, "kelurahan": proposal.kelurahan_id,  # type: ignore[attr-defined]
            "address": proposal.address, "lat": proposal.lat, "lon": proposal.lon,
            "suggested_agency": proposal.suggested_agency.abbreviation if proposal.suggested_agency else "",
            "estimated_cost": proposal.estimated_cost}


async def my_proposals(who: Identity) -> list[Row]:
    if who.user_id is None:
        return []
    ids = await ProposalAuthor.filter(user_id=who.user_id).values_list("proposal_id", flat=True)
    return await _rows(await Proposal.filter(id__in=list(ids)).order_by("-id"), utcnow())


# --- staff pages ------------------------------------------------------------------------------

@dataclass(frozen=True)
class HiddenItem:
    id: int
    title: str
    reasons: list[str]
    appeal: str
    appeal_text: str


@dataclass(frozen=True)
class FlaggedComment:
    id: int
    proposal_id: int
    proposal_title: str
    author: str
    body_html: str
    hidden: bool
    reasons: list[str]
    appeal: str
    appeal_text: str


@dataclass(frozen=True)
class Queue:
    waiting: list[Row]
    rerouting: list[Row]
    hidden: list[HiddenItem]
    comments: list[FlaggedComment] = field(default_factory=list)


async def flagged_comments() -> list[FlaggedComment]:
    """Comments with open reports or a pending appeal, oldest first."""
    flagged = set(await CommentFlag.filter(resolved=False).values_list("comment_id", flat=True))
    appealed = dict(await CommentAppeal.filter(decision="").values_list("comment_id", "text"))
    ids = sorted(flagged | appealed.keys())
    reasons: dict[int, list[str]] = {}
    for cid, reason in await CommentFlag.filter(comment_id__in=ids, resolved=False).order_by("id").values_list(
            "comment_id", "reason"):
        reasons.setdefault(cid, []).append(reason)
    rows = await Comment.filter(id__in=ids).order_by("id").values_list(
        "id", "proposal_id", "proposal__title", "author__name", "body", "hidden")
    return [FlaggedComment(cid, pid, title, author, domain.render_text(body), hidden, reasons.get(cid, []),
                           "pending" if cid in appealed else "", appealed.get(cid, ""))
            for cid, pid, title, author, body, hidden in rows]


async def moderation_queue(now: datetime | None = None) -> Queue:
    now = now or utcnow()
    waiting = await Proposal.filter(status__in=[S.SUBMITTED.value, S.IN_REVIEW.value], hidden=False).order_by(
        "deadline_at", "id")
    rerouting = await Proposal.filter(status=S.REROUTING.value).order_by("deadline_at", "id")
    hidden_items = []
    for p in await Proposal.filter(hidden=True).order_by("id"):
        appeal = await Appeal.get_or_none(proposal_id=p.id)
        reasons = list(await Flag.filter(proposal_id=p.id, resolved=False).values_list("reason", flat=True))
        if not reasons and not (appeal and not appeal.decision):
            continue  # already decided: stays hidden, nothing to do
        hidden_items.append(HiddenItem(p.id, p.title, reasons, (appeal.decision or "pending") if appeal else "",
                                       appeal.text if appeal else ""))
    return Queue(await _rows(waiting, now), await _rows(rerouting, now), hidden_items, await flagged_comments())


async def agency_inbox(agency_id: int, now: datetime | None = None) -> tuple[str, list[Row], list[Row]]:
    now = now or utcnow()
    agency = await Agency.get(id=agency_id)
    open_items = await Proposal.filter(agency_id=agency_id, status=S.FORWARDED.value, hidden=False).order_by(
        "deadline_at", "id")
    done = await Proposal.filter(answer_agency_id=agency_id).exclude(status=S.FORWARDED.value).order_by(
        "-answered_at", "-id").limit(20)
    return agency.name, await _rows(open_items, now), await _rows(done, now)


async def escalations(now: datetime | None = None) -> list[Row]:
    now = now or utcnow()
    items = await Proposal.filter(status__in=[s.value for s in domain.CITY_OWES], deadline_at__lt=now,
                                  hidden=False).order_by("deadline_at", "id")
    return await _rows(items, now)


async def user_names(ids: Sequence[int]) -> dict[int, str]:
    return dict(await User.filter(id__in=list(ids)).values_list("id", "name"))
