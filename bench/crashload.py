"""Kill the server mid-write, restart it, and check that nothing acknowledged was lost.

Used by `bench/crash.py` (many cycles, prints the count) and by `tests/test_crash.py` (a few
cycles in CI, on SQLite and on PostgreSQL). Each cycle: residents cast ballots concurrently
against the real server (uvicorn subprocess); at a random moment the whole server process group
gets SIGKILL (no shutdown code runs); the server is restarted on the same database. A ballot
counts as acknowledged when its 303 reached the client. Afterwards every acknowledged ballot
must be in the database, SQLite's integrity_check must say "ok" and the audit chain must verify.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

from bench import harness, synthetic


@dataclass
class CrashReport:
    cycles: int = 0
    attempted: int = 0
    acknowledged: set[int] = field(default_factory=set)  # user ids
    lost: set[int] = field(default_factory=set)
    integrity: str = "n/a"
    audit: str = "?"

    @property
    def ok(self) -> bool:
        return not self.lost and self.integrity in ("ok", "n/a") and self.audit == "ok"

    def summary(self) -> str:
        return (f"{self.cycles} kill/restart cycles, {self.attempted} ballots sent, "
                f"{len(self.acknowledged)} acknowledged, {len(self.lost)} lost, "
                f"integrity_check {self.integrity}, audit chain {self.audit}")


async def _cast(client: httpx.AsyncClient, path: str, session: harness.Session, body: str) -> bool:
    try:
        response = await client.post(path, content=body, headers={
            "Cookie": session.cookie, "X-CSRF-Token": session.csrf,
            "Content-Type": "application/x-www-form-urlencoded"})
    except httpx.HTTPError:
        return False  # the server died under this request: not acknowledged
    return response.status_code == 303


async def cast_all(server: harness.Server, city: synthetic.City, voters: list[tuple[int, harness.Session]], *,
                   concurrency: int, report: CrashReport, rng: random.Random | None = None) -> None:
    """Each voter casts one ballot; acknowledged ones are added to `report.acknowledged`."""
    rng = rng or random.Random(0)
    path = f"/budgets/{city.cycle_id}/ballot"
    queue = list(voters)

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            user_id, session = queue.pop()
            body = harness.form([("scope", city.scope_id), ("action", "vote"),
                                 *[("project", p) for p in synthetic.random_ballot(rng, city.project_costs)]])
            report.attempted += 1
            if await _cast(client, path, session, body):
                report.acknowledged.add(user_id)

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))


async def _one_cycle(server: harness.Server, city: synthetic.City, voters: list[tuple[int, harness.Session]],
                     rng: random.Random, concurrency: int, report: CrashReport, kill_window: tuple[float, float]) -> None:
    acked_before = len(report.acknowledged)
    writes = asyncio.create_task(cast_all(server, city, voters, concurrency=concurrency, report=report, rng=rng))
    # Kill while writes are flowing: after the first acknowledgement of this cycle (however slow
    # the machine), plus a random delay.
    for _ in range(600):
        if len(report.acknowledged) > acked_before or writes.done():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(rng.uniform(*kill_window))
    server.kill()
    await writes


async def _verify(database_url: str, report: CrashReport) -> None:
    from tortoise import Tortoise

    from portal.core import audit
    from portal.db import tortoise_config
    from portal.voting.models import PbBallot
    from portal.voting.services import voter_key

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        stored = set(await PbBallot.all().values_list("voter_key", flat=True))
        report.lost = {u for u in report.acknowledged if voter_key(u) not in stored}
        if database_url.startswith("sqlite"):
            _n, rows = await Tortoise.get_connection("default").execute_query("PRAGMA integrity_check")
            report.integrity = str(rows[0][0]) if rows else "?"
        _checked, broken = await audit.verify()
        report.audit = "ok" if broken is None else f"broken at row {broken}"
    finally:
        await Tortoise.close_connections()


async def user_ids(database_url: str, emails: list[str]) -> dict[str, int]:
    from tortoise import Tortoise

    from portal.accounts.models import User
    from portal.db import tortoise_config

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        return dict(await User.filter(email__in=emails).values_list("email", "id"))
    finally:
        await Tortoise.close_connections()


def run(data_dir: Path, database_url: str, *, cycles: int, voters_per_cycle: int = 40, concurrency: int = 10,
        seed: int = 1, kill_window: tuple[float, float] = (0.0, 0.6),
        log: Callable[[str], None] = print) -> CrashReport:
    rng = random.Random(seed)
    residents = cycles * voters_per_cycle
    env = harness.portal_env(data_dir, database_url, demo=False)
    city = asyncio.run(synthetic.prepare_city(env, residents, 10, 20, demo=False))
    server = harness.portal_server(data_dir, database_url, harness.free_port(), demo=False)
    server.start()
    try:
        log(f"logging {residents} residents in ...")
        sessions = asyncio.run(harness.login_sessions(server.url, city.resident_emails, synthetic.PASSWORD,
                                                      f"/budgets/{city.cycle_id}/ballot"))
        ids = asyncio.run(user_ids(database_url, city.resident_emails))
        voters = [(ids[email], s) for email, s in zip(city.resident_emails, sessions, strict=True)]
        report = CrashReport()
        for cycle in range(cycles):
            if cycle:
                server.start()
            batch = voters[cycle * voters_per_cycle:(cycle + 1) * voters_per_cycle]
            before = len(report.acknowledged)
            asyncio.run(_one_cycle(server, city, batch, rng, concurrency, report, kill_window))
            report.cycles += 1
            log(f"cycle {cycle + 1}: killed; {len(report.acknowledged) - before} of {len(batch)} acknowledged")
        server.start()  # recovery must work after the last kill too
    finally:
        server.stop()
    asyncio.run(_verify(database_url, report))
    return report
