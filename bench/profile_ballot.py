"""Profile the ballot write path in-process (pyinstrument), to see what dominates a ballot.

    pip install pyinstrument && python bench/profile_ballot.py [--ballots 400]

Builds a small synthetic city in a temporary SQLite file, logs residents in through the ASGI
app (no network), casts ballots one after another under the profiler and prints the time per
ballot, the number of SQL statements per ballot and the profile tree.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx2 as httpx  # noqa: E402

from bench import harness, synthetic  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


async def profile(data_dir: Path, ballots: int) -> None:
    from pyinstrument import Profiler
    from tortoise import Tortoise

    from portal.app import create_app
    from portal.db import tortoise_config
    from portal.settings import Settings

    database_url = f"sqlite://{data_dir / 'warga.sqlite3'}"
    env = harness.portal_env(data_dir, database_url, demo=False)
    city = await synthetic.prepare_city(env, ballots, 10, 60, demo=False)
    settings = Settings.from_env(env)
    await Tortoise.init(config=tortoise_config(database_url))
    app = create_app(settings, manage_database=False)
    clients = []
    for n, email in enumerate(city.resident_emails):
        # A few logins per client address, as in bench/load.py: the login rate limit stays on.
        address = f"127.0.{n // (harness.LOGINS_PER_ADDRESS * 250)}.{2 + (n // harness.LOGINS_PER_ADDRESS) % 250}"
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")
        token = CSRF_RE.search((await client.get("/login")).text)
        assert token
        done = await client.post("/login", data={"csrf_token": token.group(1), "email": email,
                                                 "password": synthetic.PASSWORD})
        assert done.status_code == 303, done.status_code
        clients.append(client)
    path = f"/budgets/{city.cycle_id}/ballot"
    rng = random.Random(1)
    statements = _count_statements()
    profiler = Profiler(async_mode="enabled")
    started = time.perf_counter()
    with profiler:
        for client in clients:
            token = client.cookies  # the session cookie carries the CSRF secret
            page = await client.get(path)
            csrf = CSRF_RE.search(page.text)
            assert csrf and token
            statements.reset()
            body = [("csrf_token", csrf.group(1)), ("scope", str(city.scope_id)), ("action", "vote"),
                    *[("project", str(p)) for p in synthetic.random_ballot(rng, city.project_costs)]]
            response = await client.post(path, content=harness.form(body),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert response.status_code == 303, response.status_code
            statements.record()
    elapsed = time.perf_counter() - started
    print(f"{len(clients)} ballot page views + ballots in {elapsed:.2f} s "
          f"({1000 * elapsed / len(clients):.1f} ms per view+ballot), "
          f"{statements.mean():.1f} SQL statements per ballot POST")
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    for client in clients:
        await client.aclose()
    await Tortoise.close_connections()


class _count_statements:
    """Counts SQL statements sent through Tortoise's SQLite client (per ballot POST)."""

    def __init__(self) -> None:
        from tortoise.backends.sqlite.client import SqliteClient

        self.counts: list[int] = []
        self.current = 0
        for name in ("execute_query", "execute_insert", "execute_many", "execute_query_dict", "execute_script"):
            original = getattr(SqliteClient, name)

            def wrapped(*args, __original=original, **kwargs):  # type: ignore[no-untyped-def]
                self.current += 1
                return __original(*args, **kwargs)

            setattr(SqliteClient, name, wrapped)

    def reset(self) -> None:
        self.current = 0

    def record(self) -> None:
        self.counts.append(self.current)

    def mean(self) -> float:
        return sum(self.counts) / len(self.counts) if self.counts else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=300)
    args = parser.parse_args()
    with harness.temporary_dir() as data_dir:
        asyncio.run(profile(data_dir, args.ballots))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
