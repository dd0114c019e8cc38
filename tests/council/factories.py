"""Builders for council tests: council members and officers, a proposal with its people, a
published participatory-budget cycle with winners, and decision drafts."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from portal.accounts.identity import Identity
from portal.accounts.models import User
from portal.accounts.sessions import identity_of
from portal.council import services as council
from portal.council.domain import DecisionDraft, DecisionKind, LinkType, Votes
from portal.proposals import services as proposals
from portal.voting import services as pb
from portal.voting.domain import CycleInput, Phase, ProjectInput
from portal.voting.models import PbScope
from tests.proposals.factories import forwarded, moderator, person, resident

TODAY = date(2026, 11, 29)
_numbers = count(1)
_people = count(200)


async def councillor(services: Any, email: str = "dewan@example.id") -> Identity:
    return await person(services, email, roles=("council",))


async def officer(services: Any, agency: str = "DSDABM", email: str = "") -> Identity:
    return await person(services, email or f"petugas.{agency.lower()}@example.id", roles=("officer",), agency=agency)


async def proposal_with_people(services: Any, supporters: int = 1) -> tuple[int, Identity, list[Identity]]:
    """A forwarded proposal (agency DSDABM): its author and `supporters` supporting residents."""
    author = await resident(services, next(_people))
    existing = await User.get_or_none(email="mod@example.id")
    mod = await identity_of(existing) if existing else await moderator(services)
    proposal_id = await forwarded(author, mod)
    people = []
    for _ in range(supporters):
        who = await resident(services, next(_people))
        await proposals.support(who, proposal_id)
        people.append(who)
    return proposal_id, author, people


async def published_cycle(services: Any, *, proposal_id: int | None = None) -> tuple[int, list[int]]:
    """A knapsack cycle (budget 1000) whose results are published: "Taman baca" (600, from
    `proposal_id`) and "Lampu jalan" (300) win, "Sumur resapan" (400) does not fit."""
    staff = Identity(user_id=None, name="Dewan", roles=frozenset({"council", "moderator"}))
    cycle_id = await pb.create_cycle(staff, CycleInput(
        title="Anggaran partisipatif 2027", description="", city_budget=1000, ballot_kind="knapsack",
        rule="greedy"))
    await pb.move_phase(staff, cycle_id, Phase.PROPOSALS)
    await pb.move_phase(staff, cycle_id, Phase.REVIEW)
    ids = [await pb.add_project(staff, cycle_id, ProjectInput(title=t, description="", cost=c, proposal_id=p))
           for t, c, p in (("Taman baca", 600, proposal_id), ("Lampu jalan", 300, None), ("Sumur resapan", 400, None))]
    await pb.move_phase(staff, cycle_id, Phase.VOTING)
    scope = (await PbScope.get(cycle_id=cycle_id, kecamatan_code=None)).id
    for n, picks in enumerate(([ids[0], ids[1]], [ids[0]], [ids[1]], [ids[2]])):
        voter = await resident(services, next(_people))
        await pb.cast_ballot(voter, cycle_id=cycle_id, scope_id=scope, raw=[(str(i), "1") for i in picks],
                             today=TODAY)
    await pb.move_phase(staff, cycle_id, Phase.TALLYING)
    await pb.run_tally(staff, cycle_id)
    await pb.move_phase(staff, cycle_id, Phase.PUBLISHED)
    return cycle_id, ids


def draft(**override: Any) -> DecisionDraft:
    values: dict[str, Any] = {
        "number": f"{next(_numbers)}/2026", "decided_on": date(2026, 12, 1),
        "title": "Jawaban atas usulan perbaikan jalan", "text": "Dewan menyetujui usulan.",
        "kind": DecisionKind.OTHER, "votes": Votes(30, 5, 2, ("Budi Santoso",)), "rationale": "Mendesak.",
        "budget_line": "1.03.01", "amount": 25_000_000,
    }
    values.update(override)
    return DecisionDraft(**values)


async def published(who: Identity, **override: Any) -> int:
    decision_id = await council.create_draft(who, draft(**override))
    await council.publish(who, decision_id)
    return decision_id


def answer_proposal(proposal_id: int, **override: Any) -> DecisionDraft:
    return draft(kind=DecisionKind.ANSWER_PROPOSAL, links=((LinkType.PROPOSAL, proposal_id),), implement=True,
                 **override)
