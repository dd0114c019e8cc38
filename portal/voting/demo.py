"""Demo data for participatory budgeting in Kota Bandung (idempotent).

- A finished knapsack cycle (city-wide plus a Kecamatan Coblong ballot) with a few hundred
  ballots from synthetic verified residents, tallied with the Method of Equal Shares and
  published, so the results page, explanations, receipts and export have real content.
- A cumulative-ballot cycle open for voting.

Synthetic residents are bulk-inserted with an unusable password hash ("!demo": no login is
possible) and a placeholder NIK digest ("demo:<n>", never a real HMAC), which keeps loading
fast: hashing hundreds of passwords with argon2 would take minutes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity
from portal.accounts.models import ResidentVerification, User
from portal.core.models import Kelurahan
from portal.core.timeutil import utcnow
from portal.voting import services
from portal.voting.domain import CycleInput, Phase, ProjectInput
from portal.voting.models import PbCycle, PbScope

SYNTHETIC_VOTERS = 320
EMAIL = "pb-warga-{n:04d}@warga.demo"
FINISHED_TITLE = "Anggaran Partisipatif Kota Bandung 2026"
OPEN_TITLE = "Anggaran Partisipatif Kota Bandung 2027: Ruang Publik"
COBLONG = "32.73.02"
STAFF = Identity(user_id=None, name="Demo", roles=frozenset({"council", "moderator", "admin"}))

CITY_PROJECTS = (
    ("Taman baca di 10 taman kota", "Rak buku dan pojok baca di taman tematik, dikelola karang taruna.", 450_000_000),
    ("Lampu jalan tenaga surya di gang padat", "200 titik lampu di gang tanpa penerangan.", 900_000_000),
    ("Sumur resapan di kawasan rawan banjir", "Sumur resapan di Gedebage dan Rancasari.", 1_200_000_000),
    ("Trotoar ramah difabel Jalan Dago", "Ubin pemandu dan ramp di 1,5 km trotoar.", 1_500_000_000),
    ("Bank sampah kelurahan", "Timbangan, gerobak dan pelatihan untuk 15 bank sampah.", 350_000_000),
    ("Posyandu keliling", "Satu mobil posyandu dan peralatan untuk wilayah timur.", 600_000_000),
    ("Halte bus dengan peneduh dan informasi rute", "20 halte Trans Metro Bandung diperbaiki.", 800_000_000),
    ("Pelatihan UMKM digital untuk ibu rumah tangga", "Kelas pemasaran daring di 30 kecamatan.", 300_000_000),
    ("Ruang bermain anak di RW padat", "Lima ruang bermain kecil di lahan fasos.", 700_000_000),
    ("Sensor kualitas udara di sekolah", "50 sensor dengan data terbuka.", 250_000_000),
)
COBLONG_PROJECTS = (
    ("Perbaikan saluran air Jalan Tubagus Ismail", "Saluran tertutup sepanjang 400 m.", 300_000_000),
    ("Pojok literasi Kelurahan Lebak Siliwangi", "Perpustakaan kecil di balai RW.", 120_000_000),
    ("Penghijauan bantaran Sungai Cikapundung", "Pohon peneduh dan jalur pejalan kaki.", 250_000_000),
)
OPEN_PROJECTS = (
    ("Alun-alun kecil di setiap kecamatan", "Ruang terbuka kecil dengan bangku dan pohon.", 2_000_000_000),
    ("Jalur sepeda terlindung Jalan Riau", "Pembatas fisik dan marka.", 1_200_000_000),
    ("Toilet umum bersih di pasar tradisional", "Renovasi toilet di 8 pasar.", 800_000_000),
    ("Lapangan olahraga serbaguna", "Tiga lapangan di lahan fasos.", 900_000_000),
    ("Mural dan galeri jalanan", "Karya seniman lokal di terowongan dan jembatan.", 150_000_000),
)


async def _synthetic_residents() -> list[int]:
    """Create (once) the synthetic verified residents; return their user ids."""
    emails = [EMAIL.format(n=n) for n in range(1, SYNTHETIC_VOTERS + 1)]
    existing = set(await User.filter(email__in=emails).values_list("email", flat=True))
    kelurahan = list(await Kelurahan.all().order_by("code").values_list("code", flat=True))
    rng = random.Random(2026)
    now = utcnow()
    async with in_transaction() as conn:
        await User.bulk_create([
            User(email=e, name=f"Warga Sintetis {e[9:13]}", password_hash="!demo", email_confirmed_at=now)
            for e in emails if e not in existing
        ], batch_size=500, using_db=conn)
        users = dict(await User.filter(email__in=emails).using_db(conn).values_list("email", "id"))
        verified = set(await ResidentVerification.filter(user_id__in=list(users.values())).using_db(conn)
                       .values_list("user_id", flat=True))
        rows = []
        for n, email in enumerate(emails, start=1):
            uid = users[email]
            if uid in verified:
                continue
            # A third live in Coblong so that its kecamatan ballot gets a real turnout.
            kel = "32.73.02.1004" if n % 3 == 0 else rng.choice(kelurahan)
            rows.append(ResidentVerification(
                user_id=uid, nik_digest=f"demo:pb:{n}", nik_masked=f"3273********{n:04d}",
                birth_year=rng.randint(1950, 2005), kelurahan_id=kel, method="assisted", verified_at=now))
        await ResidentVerification.bulk_create(rows, batch_size=500, using_db=conn)
    return [users[e] for e in emails]


async def _cycle(cmd: CycleInput, projects: dict[str, tuple[tuple[str, str, int], ...]]) -> int:
    cycle_id = await services.create_cycle(STAFF, cmd)
    await services.move_phase(STAFF, cycle_id, Phase.PROPOSALS)
    await services.move_phase(STAFF, cycle_id, Phase.REVIEW)
    for kecamatan, items in projects.items():
        for title, description, cost in items:
            await services.add_project(STAFF, cycle_id, ProjectInput(title=title, description=description, cost=cost,
                                                                     kecamatan_code=kecamatan))
    await services.move_phase(STAFF, cycle_id, Phase.VOTING)
    return cycle_id


def _knapsack_pick(rng: random.Random, projects: list[tuple[int, int]], budget: int) -> list[tuple[str, str]]:
    """A plausible voter: favourites first (weighted), then whatever still fits."""
    order = sorted(projects, key=lambda p: rng.random() * (1.5 if p[0] % 3 == 0 else 1.0))
    picks, spent = [], 0
    for pid, cost in order[: rng.randint(2, 6)]:
        if spent + cost <= budget:
            picks.append((str(pid), "1"))
            spent += cost
    return picks


async def load_demo() -> None:
    """Load the participatory-budgeting demo (idempotent)."""
    today = date.today()
    if not await PbCycle.exists(title=FINISHED_TITLE):
        voters = await _synthetic_residents()
        cycle_id = await _cycle(CycleInput(
            title=FINISHED_TITLE,
            description="Warga memilih proyek untuk Rp 5 miliar anggaran kota dan Rp 500 juta anggaran Kecamatan Coblong.",
            city_budget=5_000_000_000, kecamatan_budgets={COBLONG: 500_000_000}, ballot_kind="knapsack",
            rule="equalshares/greedy", min_spend_pct=0, max_projects=6,
            voting_from=today - timedelta(days=60), voting_until=today - timedelta(days=30),
            results_on=today - timedelta(days=20)),
            {"": CITY_PROJECTS, COBLONG: COBLONG_PROJECTS})
        rng = random.Random(5)
        scopes = {s.kecamatan_code: s for s in await PbScope.filter(cycle_id=cycle_id)}
        by_scope = {code: list(await s.projects.all().values_list("id", "cost")) for code, s in scopes.items()}
        for uid in voters:
            for scope in await services.eligible_scopes(cycle_id, uid, today):
                raw = _knapsack_pick(rng, by_scope[scope.kecamatan_code], scope.budget)
                if raw and rng.random() < (0.9 if scope.kecamatan_code is None else 0.7):
                    await services.cast_ballot(Identity(user_id=uid, roles=frozenset({"resident"})),
                                               cycle_id=cycle_id, scope_id=scope.id, raw=raw, today=today)
        await services.move_phase(STAFF, cycle_id, Phase.TALLYING)
        await services.run_tally(STAFF, cycle_id)
        await services.move_phase(STAFF, cycle_id, Phase.PUBLISHED)
    if not await PbCycle.exists(title=OPEN_TITLE):
        await _cycle(CycleInput(
            title=OPEN_TITLE,
            description="Bagikan 10 poin ke proyek ruang publik yang paling Anda inginkan (maksimal 5 poin per proyek).",
            city_budget=3_000_000_000, ballot_kind="cumulative", rule="greedy", points=10,
            max_points_per_project=5, voting_from=today - timedelta(days=3), voting_until=today + timedelta(days=25)),
            {"": OPEN_PROJECTS})
