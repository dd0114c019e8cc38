"""Builders for participatory-budgeting tests: cycles in a given phase, residents, projects."""

from __future__ import annotations

from datetime import date
from itertools import count

from portal.accounts import services as accounts
from portal.accounts.identity import Identity
from portal.accounts.models import User
from portal.voting import services as pb
from portal.voting.domain import CycleInput, Phase, ProjectInput
from portal.voting.models import PbCycle, PbScope
from portal.web import Services

TODAY = date(2026, 11, 29)
COUNCIL = Identity(user_id=None, name="Dewan", roles=frozenset({"council"}))
MODERATOR = Identity(user_id=None, name="Moderator", roles=frozenset({"moderator"}))
OFFICER = Identity(user_id=None, name="Petugas", roles=frozenset({"officer"}))
_serial = count(1)
COBLONG = "32.73.02"
SUKASARI = "32.73.01"


def staff(role: str, user_id: int | None = None) -> Identity:
    return Identity(user_id=user_id, name=role, roles=frozenset({role}))


async def resident(services: Services, *, kelurahan: str = "32.73.02.1004", email: str = "") -> User:
    n = next(_serial)
    user = await accounts.create_user(services.accounts, email=email or f"warga{n}@example.id",
                                      name=f"Warga {n}", password="correct horse battery")
    await accounts.verify_resident(services.accounts, user_id=user.id, raw_nik=f"327302601090{n:04d}",
                                   kelurahan_code=kelurahan, today=TODAY, method="assisted")
    return user


def voter(user: User) -> Identity:
    return Identity(user_id=user.id, name=user.name, roles=frozenset({"resident"}), verified=True)


async def cycle(
    *, phase: Phase = Phase.REVIEW, kind: str = "knapsack", budget: int = 1000, rule: str = "greedy",
    projects: tuple[tuple[str, int], ...] = (("Taman baca", 600), ("Lampu jalan", 300), ("Sumur resapan", 200)),
    kecamatan_budgets: dict[str, int] | None = None, **params: int,
) -> tuple[int, list[int]]:
    """A cycle with city-wide projects, moved to `phase` (projects are added during review)."""
    cycle_id = await pb.create_cycle(COUNCIL, CycleInput(
        title="Anggaran partisipatif 2027", description="", city_budget=budget, ballot_kind=kind, rule=rule,
        kecamatan_budgets=kecamatan_budgets or {}, **params))
    await pb.move_phase(COUNCIL, cycle_id, Phase.PROPOSALS)
    await pb.move_phase(COUNCIL, cycle_id, Phase.REVIEW)
    ids = [await pb.add_project(MODERATOR, cycle_id, ProjectInput(title=t, description="", cost=c))
           for t, c in projects]
    for step in (Phase.VOTING, Phase.TALLYING, Phase.PUBLISHED):
        if list(Phase).index(phase) < list(Phase).index(step):
            break
        if step is Phase.PUBLISHED:
            await pb.run_tally(COUNCIL, cycle_id)
        await pb.move_phase(COUNCIL, cycle_id, step)
    return cycle_id, ids


async def city_scope(cycle_id: int) -> int:
    return (await PbScope.get(cycle_id=cycle_id, kecamatan_code=None)).id


async def set_phase(cycle_id: int, phase: Phase) -> None:
    await PbCycle.filter(id=cycle_id).update(phase=phase.value)


async def proposal(services: Services, *, status: str = "eligible", cost: int | None = 350,
                   kelurahan: str = "32.73.02.1004", title: str = "Taman baca di Dago") -> int:
    """A proposal row in `status` with the agency's estimate (built directly: the proposal
    workflow itself is tested in tests/proposals)."""
    from portal.core.timeutil import utcnow
    from portal.proposals.models import Proposal

    author = await resident(services)
    now = utcnow()
    row = await Proposal.create(
        title=title, description="Ruang baca anak di taman kelurahan.", category="education",
        kecamatan_id=kelurahan.rsplit(".", 1)[0], kelurahan_id=kelurahan, created_by_id=author.id,
        status=status, status_changed_at=now, created_at=now, updated_at=now, answer_cost=cost,
        answer_kind="feasible" if cost else "")
    return row.id
