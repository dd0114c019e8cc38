"""A synthetic city for load and crash runs: verified residents, proposals and a PB cycle in voting.

Rows are bulk-inserted through the ORM (so model defaults and constraints apply) instead of
going through the services one by one: the point is to measure the portal under a large city,
not to wait for the city to be built. Every resident shares one password hash, computed once
with the production Argon2 parameters so that logging in costs what it costs in production.
"""

from __future__ import annotations

import io
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from portal.accounts.models import ResidentVerification, User
from portal.accounts.passwords import make_hasher
from portal.core.models import Kelurahan
from portal.core.timeutil import utcnow
from portal.proposals.models import Proposal
from portal.voting.models import PbCycle, PbProject, PbScope

PASSWORD = "bench password 2026"
CITY_BUDGET = 30_000_000_000  # rupiah
PUBLIC_STATUSES = ("submitted", "in_review", "forwarded", "answered", "eligible", "closed")
CATEGORIES = ("roads", "drainage", "waste", "transport", "health", "education", "environment",
              "public_facilities", "social_services", "administration", "other")
BATCH = 1000


@dataclass(frozen=True)
class City:
    resident_emails: list[str]
    cycle_id: int
    scope_id: int
    project_costs: dict[int, int]  # project id -> cost
    sample_proposal_id: int


def email_of(index: int) -> str:
    return f"bench{index:06d}@warga.test"


async def build(residents: int, proposals: int, projects: int, seed: int = 2026) -> City:
    rng = random.Random(seed)
    password_hash = make_hasher().hash(PASSWORD)
    kelurahan = await Kelurahan.all().values_list("code", "kecamatan_id")
    now = utcnow()
    first_user = (await User.all().order_by("-id").first())
    base = first_user.id if first_user else 0
    emails = [email_of(i) for i in range(residents)]
    for start in range(0, residents, BATCH):
        chunk = emails[start:start + BATCH]
        await User.bulk_create([
            User(email=e, name=f"Warga {start + n}", password_hash=password_hash, email_confirmed_at=now)
            for n, e in enumerate(chunk)])
    users = dict(await User.filter(email__in=emails).values_list("email", "id"))
    homes: dict[int, tuple[str, str]] = {}
    verifications = []
    for n, email in enumerate(emails):
        code, kecamatan = rng.choice(kelurahan)
        homes[users[email]] = (code, kecamatan)
        verifications.append(ResidentVerification(
            user_id=users[email], nik_digest=f"bench:{base}:{n}", nik_masked="3273********" + f"{n % 10000:04d}",
            birth_year=1990, kelurahan_id=code, method="online", verified_at=now))
    for start in range(0, len(verifications), BATCH):
        await ResidentVerification.bulk_create(verifications[start:start + BATCH])

    authors = list(homes.items())
    rows = []
    for n in range(proposals):
        author, (code, kecamatan) = rng.choice(authors)
        created = now - timedelta(minutes=n)
        rows.append(Proposal(
            title=f"Perbaikan layanan nomor {n} di kelurahan {code}",
            description="Usulan warga untuk memperbaiki layanan publik.\n\nDetail usulan " + str(n),
            category=rng.choice(CATEGORIES), kecamatan_id=kecamatan, kelurahan_id=code,
            status=rng.choice(PUBLIC_STATUSES), status_changed_at=created, created_by_id=author,
            created_at=created, updated_at=created, submitted_at=created,
            support_count=rng.randrange(0, 200)))
        if len(rows) == BATCH:
            await Proposal.bulk_create(rows)
            rows = []
    if rows:
        await Proposal.bulk_create(rows)
    sample = await Proposal.filter(status="forwarded").order_by("id").first()

    today = now.date()
    cycle = await PbCycle.create(
        title="Anggaran partisipatif (uji beban)", phase="voting", total_budget=CITY_BUDGET,
        ballot_kind="knapsack", rule="equalshares/add1", voting_from=today - timedelta(days=1),
        voting_until=today + timedelta(days=14))
    scope = await PbScope.create(cycle=cycle, kecamatan_code=None, budget=CITY_BUDGET)
    await PbProject.bulk_create([
        PbProject(cycle=cycle, scope=scope, title=f"Proyek {n + 1}", description="",
                  cost=rng.randrange(200, 3000) * 1_000_000) for n in range(projects)])
    costs = dict(await PbProject.filter(scope_id=scope.id).values_list("id", "cost"))
    return City(resident_emails=emails, cycle_id=cycle.id, scope_id=scope.id, project_costs=costs,
                sample_proposal_id=sample.id if sample else 1)


def random_ballot(rng: random.Random, costs: dict[int, int], budget: int = CITY_BUDGET) -> list[int]:
    """A knapsack ballot that fits the budget: projects in random order while they fit."""
    chosen, spent, wanted = [], 0, rng.randrange(3, 12)
    for pid in rng.sample(sorted(costs), k=len(costs)):
        if spent + costs[pid] <= budget and len(chosen) < wanted:
            chosen.append(pid)
            spent += costs[pid]
    return chosen


async def prepare_city(env: Mapping[str, str], residents: int, proposals: int, projects: int,
                       demo: bool = True) -> City:
    """Migrate the database named in `env` (optionally with the demo city, whose published
    cycle gives the load run a results page), then add the synthetic city."""
    from tortoise import Tortoise

    from portal.bootstrap import prepare_database
    from portal.core.demo import seed_territory_and_agencies
    from portal.db import tortoise_config
    from portal.settings import Settings

    settings = Settings.from_env(env)
    await prepare_database(settings, seed_demo=demo, out=io.StringIO())
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        if not await Kelurahan.exists():
            await seed_territory_and_agencies()
        return await build(residents, proposals, projects)
    finally:
        await Tortoise.close_connections()
