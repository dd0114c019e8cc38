"""Read side of notifications: who is in an audience, item titles, a resident's list and counts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.accounts.identity import Role
from portal.accounts.models import UserRole
from portal.council import confirmations
from portal.council.models import Decision, ImplementationProject, Milestone
from portal.notifications import domain
from portal.notifications.domain import Audience, Event, Plan
from portal.notifications.models import Notification, NotificationPreference
from portal.panels.models import Action, Application, Inspection, PanelMember
from portal.proposals.models import Follow, Proposal, ProposalAuthor, Support
from portal.voting.models import PbCycle, PbProject, PbVoter

PAGE_SIZE = 30

# --- audiences, read once per batch of events ----------------------------------------------------
#
# The fan-out reads a batch of audit events and needs, for each, its audience and item title.
# `load_context` answers all of them with a fixed number of queries per batch (one per table),
# instead of a handful per event; `Context.audience` then works in memory.


class _Joined:
    """Who belongs to what and since when (e.g. supporters per proposal)."""

    def __init__(self, rows: Iterable[tuple[Any, Any, datetime | None]]) -> None:
        self._by_key: dict[int, list[tuple[int, datetime | None]]] = {}
        for key, user_id, since in rows:
            self._by_key.setdefault(int(key), []).append((int(user_id), since))

    def users(self, key: int, as_of: datetime | None = None) -> set[int]:
        """People count only from the moment they joined: the audience is read after the event."""
        return {u for u, since in self._by_key.get(key, ()) if as_of is None or since is None or since <= as_of}


async def _joined(model: Any, key: str, since: str, ids: Iterable[int], conn: BaseDBAsyncClient) -> _Joined:
    wanted = sorted(set(ids))
    if not wanted:
        return _Joined(())
    return _Joined(await model.filter(**{f"{key}__in": wanted}).using_db(conn).values_list(key, "user_id", since))


_PROPOSAL_TABLES = {Audience.PROPOSAL_AUTHORS: (ProposalAuthor, "added_at"),
                    Audience.PROPOSAL_SUPPORTERS: (Support, "created_at"),
                    Audience.PROPOSAL_FOLLOWERS: (Follow, "created_at")}


@dataclass
class Context:
    """Everything the audiences and titles of one batch of events need, loaded up front."""

    proposal_people: dict[Audience, _Joined]
    proposal_state: dict[int, tuple[bool, str]]  # hidden, status
    members: _Joined  # panel members per inspection
    applicants: _Joined  # applications per inspection
    member_users: dict[int, int]  # PanelMember id -> user
    voters: dict[int, set[int]]  # per PB cycle
    cycle_proposals: dict[int, set[int]]
    projects: dict[int, ImplementationProject]
    action_inspection: dict[int, int]
    asked: dict[int, set[int]]  # implementation project -> residents asked "was it done?"
    council: set[int]
    titles: dict[tuple[str, int], str]
    milestones: dict[int, str]

    def _proposal(self, proposal_ids: Iterable[int], audiences: Iterable[Audience] = domain.PROPOSAL_PEOPLE,
                  as_of: datetime | None = None) -> set[int]:
        found: set[int] = set()
        for aud in audiences:
            for proposal_id in proposal_ids:
                found |= self.proposal_people[aud].users(proposal_id, as_of)
        return found

    def _inspection(self, inspection_id: int, *, applicants: bool, as_of: datetime | None = None) -> set[int]:
        found = self.members.users(inspection_id, as_of)
        return found | self.applicants.users(inspection_id, as_of) if applicants else found

    def _linked(self, kind: str, item_id: int) -> set[int]:
        """Everyone concerned by one item a decision points at."""
        if kind == "proposal":
            return self._proposal([item_id])
        if kind == "pb_cycle":
            return self.voters.get(item_id, set()) | self._proposal(self.cycle_proposals.get(item_id, ()))
        if kind == "inspection":
            return self._inspection(item_id, applicants=False)
        if kind == "action" and item_id in self.action_inspection:
            return self._inspection(self.action_inspection[item_id], applicants=False)
        return set()

    def _implementation(self, project_id: int) -> set[int]:
        # Voters of a whole cycle hear about the decision, not about each of its projects.
        project = self.projects.get(project_id)
        if project is None:
            return set()
        found = self._proposal([project.proposal_id]) if project.proposal_id else set()
        if project.inspection_id:
            found |= self._inspection(project.inspection_id, applicants=False)
        return found

    def members_of(self, aud: Audience, plan: Plan, event: Event) -> set[int]:
        """The people of one audience of `plan` (the actor included)."""
        item, at = plan.item_id, event.created_at
        if aud in _PROPOSAL_TABLES:
            return self._proposal([item], (aud,), at)
        if aud is Audience.EVENT_USER:
            return set(domain.direct_recipients(aud, event))
        if aud is Audience.CYCLE_VOTERS:
            return set(self.voters.get(item, set()))
        if aud is Audience.CYCLE_PROPOSAL_PEOPLE:
            return self._proposal(self.cycle_proposals.get(item, ()))
        if aud is Audience.INSPECTION_MEMBERS:
            return self._inspection(item, applicants=False, as_of=at)
        if aud is Audience.INSPECTION_APPLICANTS:
            return self.applicants.users(item, at)
        if aud is Audience.PANEL_MEMBER:
            member = self.member_users.get(_target_id(event))
            return {member} if member is not None else set()
        if aud is Audience.DECISION_CONCERNED:
            return set().union(*(self._linked(k, i) for k, i in domain.linked_items(event.data)))
        if aud is Audience.IMPLEMENTATION_CONCERNED:
            return self._implementation(item)
        if aud is Audience.CONFIRMATION_ASKED:
            return set(self.asked.get(item, set()))
        if aud is Audience.COUNCIL_MEMBERS:
            return set(self.council)
        return set()

    def _authors_only(self, plan: Plan) -> bool:
        """A hidden or draft proposal is visible to its authors only, so only they hear about it."""
        if plan.item_type != "proposal" or plan.item_id not in self.proposal_state:
            return False
        hidden, status = self.proposal_state[plan.item_id]
        return hidden or status == "draft"

    def audience(self, plan: Plan, event: Event) -> frozenset[int]:
        """Every recipient of `plan` except the actor."""
        members: set[int] = set()
        for aud in plan.audiences:
            members |= self.members_of(aud, plan, event)
        if members and self._authors_only(plan):
            members &= self._proposal([plan.item_id], (Audience.PROPOSAL_AUTHORS,))
        return domain.recipients(members, event.actor_id)

    def mailed_elsewhere(self, plan: Plan, event: Event) -> set[int]:
        """Recipients the event's own domain already mailed (they get the notice in-app only)."""
        return set().union(*(self.members_of(aud, plan, event) for aud in plan.mailed_elsewhere))

    def title(self, plan: Plan) -> str:
        """The item's title (people's own words, never translated)."""
        return self.titles.get((plan.item_type, plan.item_id), "")

    def params(self, plan: Plan, event: Event) -> dict[str, str]:
        """The plan's message parameters completed from the database (title, a milestone's name)."""
        found = {**plan.params, "title": self.title(plan)}
        milestone = domain.as_id(event.data.get("milestone_id"))
        if "milestone" not in found and milestone in self.milestones:
            found["milestone"] = self.milestones[milestone]
        return found


def _target_id(event: Event) -> int:
    return int(event.target_id) if event.target_id.isdigit() else 0


async def _pairs(model: Any, ids: Iterable[int], key: str, value: str, conn: BaseDBAsyncClient,
                 **where: Any) -> list[tuple[Any, Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(await model.filter(**{f"{key}__in": wanted}, **where).using_db(conn).values_list(key, value))


def _grouped(pairs: Iterable[tuple[Any, Any]]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for key, value in pairs:
        found.setdefault(int(key), set()).add(int(value))
    return found


async def _titles(wanted: dict[str, set[int]], conn: BaseDBAsyncClient) -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    tables: dict[str, Any] = {"proposal": Proposal, "pb_cycle": PbCycle, "inspection": Inspection,
                              "implementation": ImplementationProject}
    for item_type, ids in wanted.items():
        if item_type == "decision":
            for item_id, number, title in await _pairs_of(Decision, ids, conn, "number", "title"):
                found[("decision", int(item_id))] = f"{number} {title}"
        elif item_type in tables:
            for item_id, title in await _pairs_of(tables[item_type], ids, conn, "title"):
                found[(item_type, int(item_id))] = str(title)
    return found


async def _pairs_of(model: Any, ids: Iterable[int], conn: BaseDBAsyncClient, *columns: str) -> list[tuple[Any, ...]]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(await model.filter(id__in=wanted).using_db(conn).values_list("id", *columns))


async def load_context(batch: Iterable[tuple[Event, Plan]], conn: BaseDBAsyncClient) -> Context:
    """Read what the audiences and titles of `batch` need: two rounds of one query per table."""
    batch = list(batch)
    items: dict[str, set[int]] = {}
    for _event, plan in batch:
        items.setdefault(plan.item_type, set()).add(plan.item_id)
    links: dict[str, set[int]] = {}
    for event, plan in batch:
        if Audience.DECISION_CONCERNED in plan.audiences:
            for kind, item_id in domain.linked_items(event.data):
                links.setdefault(kind, set()).add(item_id)
    needs = {aud for _event, plan in batch for aud in (*plan.audiences, *plan.mailed_elsewhere)}
    cycles = items.get("pb_cycle", set()) | links.get("pb_cycle", set())
    # Round one: what the items point at.
    projects = {p.id: p for p in await ImplementationProject.filter(
        id__in=sorted(items.get("implementation", set()))).using_db(conn)} if "implementation" in items else {}
    cycle_proposals = _grouped(await _pairs(PbProject, cycles, "cycle_id", "proposal_id", conn,
                                            proposal_id__isnull=False))
    action_inspection = {int(a): int(i) for a, i in await _pairs_of(Action, links.get("action", ()), conn,
                                                                        "inspection_id")}
    # Round two: the people.
    proposals = (items.get("proposal", set()) | links.get("proposal", set())
                 | {p for ps in cycle_proposals.values() for p in ps}
                 | {int(p.proposal_id) for p in projects.values() if p.proposal_id})
    inspections = (items.get("inspection", set()) | links.get("inspection", set()) | set(action_inspection.values())
                   | {int(p.inspection_id) for p in projects.values() if p.inspection_id})
    voters: dict[int, set[int]] = {}
    # Only ballots cast through the portal name a user ("user:<id>"); imported ones are anonymous.
    for cycle_id, key in await _pairs(PbVoter, cycles, "cycle_id", "voter_key", conn, voter_key__startswith="user:"):
        if str(key)[5:].isdigit():
            voters.setdefault(int(cycle_id), set()).add(int(str(key)[5:]))
    member_rows = (await PanelMember.filter(inspection_id__in=sorted(inspections)).using_db(conn).values_list(
        "id", "inspection_id", "user_id", "created_at")) if inspections else []
    asked = {p.id: await confirmations.asked_user_ids(p, conn) for p in projects.values()
             if Audience.CONFIRMATION_ASKED in needs}
    council = {int(u) for u in await UserRole.filter(role=Role.COUNCIL.value).using_db(conn).values_list(
        "user_id", flat=True)} if Audience.COUNCIL_MEMBERS in needs else set()
    milestone_ids = {m for event, _plan in batch if (m := domain.as_id(event.data.get("milestone_id"))) is not None}
    return Context(
        proposal_people={aud: await _joined(table, "proposal_id", since, proposals, conn)
                         for aud, (table, since) in _PROPOSAL_TABLES.items()},
        proposal_state={int(i): (bool(h), str(st)) for i, h, st in await _pairs_of(
            Proposal, items.get("proposal", set()), conn, "hidden", "status")},
        members=_Joined((i, u, at) for _m, i, u, at in member_rows),
        applicants=await _joined(Application, "inspection_id", "created_at", inspections, conn),
        member_users={int(m): int(u) for m, _i, u, _at in member_rows},
        voters=voters, cycle_proposals=cycle_proposals, projects=projects, action_inspection=action_inspection,
        asked=asked, council=council, titles=await _titles(items, conn),
        milestones={int(i): str(t) for i, t in await _pairs_of(Milestone, milestone_ids, conn, "title")},
    )


# --- what a resident sees ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    item_type: str
    item_id: int
    day: date
    message: str
    params: dict[str, str]
    entries: list[dict[str, Any]]
    count: int
    updated_at: datetime
    unread: bool

    @property
    def path(self) -> str:
        return domain.item_path(self.item_type, self.item_id)


def as_row(n: Notification) -> Row:
    return Row(id=n.id, kind=n.kind, item_type=n.item_type, item_id=n.item_id, day=n.day, message=n.message,
               params=json.loads(n.params), entries=json.loads(n.entries), count=n.count,
               updated_at=n.updated_at, unread=n.read_at is None)


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    unread: int
    page: int
    has_next: bool


async def unread_count(user_id: int | None) -> int:
    """The number for the navigation badge (0 for visitors)."""
    if user_id is None:
        return 0
    return await Notification.filter(user_id=user_id, read_at__isnull=True).count()


async def list_for(user_id: int, page: int = 1, unread_only: bool = False) -> Page:
    page = max(1, min(page, 10_000))
    query = Notification.filter(user_id=user_id)
    if unread_only:
        query = query.filter(read_at__isnull=True)
    found = await query.order_by("-updated_at", "-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    return Page(rows=[as_row(n) for n in found[:PAGE_SIZE]], unread=await unread_count(user_id), page=page,
                has_next=len(found) > PAGE_SIZE)


async def one(user_id: int, notification_id: int) -> Row | None:
    """A resident's own notification (another resident's is simply not found)."""
    found = await Notification.get_or_none(id=notification_id, user_id=user_id)
    return as_row(found) if found else None


async def preferences(user_id: int) -> dict[str, domain.Mode]:
    """Every kind with the resident's current mode (defaults filled in)."""
    stored = dict(await NotificationPreference.filter(user_id=user_id).values_list("kind", "mode"))
    return {kind.value: domain.mode_of(kind.value, stored) for kind in domain.Kind}
