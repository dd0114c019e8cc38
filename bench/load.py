"""Load benchmark: the portal as a real server under concurrent ballots, against the stack's ceilings.

    python bench/load.py                       # SQLite, 1 uvicorn worker
    python bench/load.py --db postgres         # PostgreSQL (local server), 2 uvicorn workers

Steps: build a synthetic city (10k verified residents, 10k proposals, a knapsack cycle with 60
projects) in a fresh database; log residents in over HTTP like browsers (session cookie + CSRF
token each); then drive ballot submissions with `wrk` (Debian package) rotating through the
prepared sessions, and in the same run measure the same generator against a bare Starlette
"hello" (read ceiling) and a bare one-INSERT-and-commit endpoint on the same database driver
(write ceiling). Prints throughput, latency percentiles, errors, acknowledged ballots vs ballots
found in the database, the ratios to the ceilings, and the read paths (proposal list with filters,
a proposal page, a results page). Only loopback targets are accepted. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import harness, synthetic  # noqa: E402
from bench.harness import Request, WrkResult  # noqa: E402

PG_BASE = harness.PG_BASE


async def database_facts(database_url: str, city: synthetic.City, voters: list[int]) -> dict[str, object]:
    from tortoise import Tortoise

    from portal.core import audit
    from portal.db import tortoise_config
    from portal.voting.models import PbBallot
    from portal.voting.services import voter_key

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        keys = {voter_key(v) for v in voters}
        stored = set(await PbBallot.filter(scope_id=city.scope_id).values_list("voter_key", flat=True))
        facts: dict[str, object] = {"ballots_in_db": len(stored), "acked_missing": len(keys - stored)}
        conn = Tortoise.get_connection("default")
        if database_url.startswith("sqlite"):
            _n, rows = await conn.execute_query("PRAGMA integrity_check")
            facts["integrity"] = rows[0][0] if rows else "?"
        checked, broken = await audit.verify()
        facts["audit"] = "ok" if broken is None else f"BROKEN at {broken}"
        facts["audit_rows"] = checked
        return facts
    finally:
        await Tortoise.close_connections()


def published_cycle_id(database_url: str) -> int | None:
    async def find() -> int | None:
        from tortoise import Tortoise

        from portal.db import tortoise_config
        from portal.voting.models import PbCycle

        await Tortoise.init(config=tortoise_config(database_url))
        try:
            cycle = await PbCycle.filter(phase="published").order_by("id").first()
            return cycle.id if cycle else None
        finally:
            await Tortoise.close_connections()

    return asyncio.run(find())


def line(label: str, r: WrkResult, baseline: WrkResult | None = None) -> str:
    ratio = f"{r.rate / baseline.rate:6.1%} of ceiling" if baseline and baseline.rate else ""
    return (f"  {label:<34} {r.rate:8.0f}/s  p50 {r.p50:6.1f} ms  p95 {r.p95:6.1f} ms  p99 {r.p99:6.1f} ms  "
            f"errors {r.errors:<4} {ratio}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=PG_BASE, help="PostgreSQL server (a database is created on it)")
    parser.add_argument("--workers", type=int, default=None, help="uvicorn workers (default 1 SQLite, 2 PostgreSQL)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--read-seconds", type=float, default=8)
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--sessions", type=int, default=1000, help="residents logged in over HTTP")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--no-demo", dest="demo", action="store_false", help="skip the demo city (no results page)")
    args = parser.parse_args()
    workers = args.workers or (1 if args.db == "sqlite" else 2)
    harness.require_loopback(harness.httpx.URL(args.pg_url).host or "127.0.0.1")
    print(f"Warga load benchmark: {args.db}, {workers} worker(s), {args.connections} connections, "
          f"{os.cpu_count()} CPUs, wrk {args.seconds:.0f}s per write run")

    with harness.temporary_dir(keep=args.keep) as data_dir:
        if args.db == "sqlite":
            database_url = f"sqlite://{data_dir / 'warga.sqlite3'}"
            baseline_url = f"sqlite://{data_dir / 'baseline.sqlite3'}"
        else:
            database_url = asyncio.run(harness.create_pg_database(args.pg_url, f"warga_bench_{os.getpid()}"))
            baseline_url = asyncio.run(harness.create_pg_database(args.pg_url, f"warga_baseline_{os.getpid()}"))
        print(f"- building the synthetic city ({args.residents} residents, {args.proposals} proposals, "
              f"{args.projects} projects) ...", flush=True)
        city = asyncio.run(synthetic.prepare_city(harness.portal_env(data_dir, database_url), args.residents,
                                                  args.proposals, args.projects, demo=args.demo))

        baseline_env = {**harness.portal_env(data_dir, database_url), "BASELINE_DATABASE_URL": baseline_url}
        port = harness.free_port()
        base = harness.Server([sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", str(workers), "--no-access-log",
                               "--log-level", "warning"], baseline_env, port, data_dir / "baseline.log")
        base.start()
        try:
            hello = harness.run_wrk(base.url, [Request("GET", "/hello")], connections=args.connections,
                                    seconds=args.read_seconds)
            inserts = harness.run_wrk(base.url, [Request("POST", "/insert", body=f"ballot={n}") for n in range(100)],
                                      connections=args.connections, seconds=args.seconds)
        finally:
            base.stop()

        server = harness.portal_server(data_dir, database_url, harness.free_port(), workers, demo=args.demo)
        server.start()
        try:
            count = min(args.sessions, len(city.resident_emails))
            print(f"- logging {count} residents in over HTTP ...", flush=True)
            landing = f"/budgets/{city.cycle_id}/ballot"
            sessions = asyncio.run(harness.login_sessions(server.url, city.resident_emails[:count],
                                                          synthetic.PASSWORD, landing))
            rng = random.Random(7)
            ballots = [Request("POST", landing, s.cookie, s.csrf,
                               harness.form([("scope", city.scope_id), ("action", "vote"),
                                             *[("project", p) for p in synthetic.random_ballot(rng, city.project_costs)]]))
                       for s in sessions]
            print("- driving ballots ...", flush=True)
            cast = harness.run_wrk(server.url, ballots, connections=args.connections, seconds=args.seconds)
            reads = {}
            kecamatan = "32.73.02"
            for label, path in (
                ("proposal list (filters)", f"/proposals?category=roads&kecamatan={kecamatan}&sort=newest"),
                ("proposal list (search)", "/proposals?q=layanan+nomor+42"),
                ("proposal page", f"/proposals/{city.sample_proposal_id}"),
            ):
                reads[label] = harness.run_wrk(server.url, [Request("GET", path)], connections=args.connections,
                                               seconds=args.read_seconds)
            published = published_cycle_id(database_url)
            if published:
                reads["results page"] = harness.run_wrk(server.url, [Request("GET", f"/budgets/{published}/results")],
                                                        connections=args.connections, seconds=args.read_seconds)
        finally:
            server.stop()

        user_ids = asyncio.run(_user_ids([city.resident_emails[i] for i in sorted(cast.acknowledged())],
                                         database_url))
        facts = asyncio.run(database_facts(database_url, city, user_ids))

    print("\nCeilings (same generator, same run):")
    print(line("bare GET /hello", hello))
    print(line("bare INSERT + commit", inserts))
    print("\nPortal:")
    print(line("ballot submissions", cast, inserts))
    print(f"  ballots acknowledged (303) {cast.redirects}, voters certainly acknowledged {len(user_ids)}, "
          f"their ballots missing from the database {facts['acked_missing']}, ballots stored {facts['ballots_in_db']}")
    print(f"  4xx {cast.client_errors}, 5xx {cast.server_errors}, socket errors {cast.socket_errors}, "
          f"timeouts {cast.timeouts}")
    for label, r in reads.items():
        print(line(label, r, hello))
    if "integrity" in facts:
        print(f"\nSQLite integrity_check: {facts['integrity']}")
    print(f"Audit chain: {facts['audit']} ({facts['audit_rows']} rows)")
    target = 0.12 * inserts.rate
    print(f"\nTarget: ballots >= 12% of the INSERT ceiling ({target:.0f}/s): "
          f"{'met' if cast.rate >= target else 'NOT met'}; p99 < 200 ms: {'met' if cast.p99 < 200 else 'NOT met'}; "
          f"0 errors: {'met' if cast.errors == 0 else 'NOT met'}; 0 lost: "
          f"{'met' if facts['acked_missing'] == 0 else 'NOT met'}; proposal list p95 < 50 ms: "
          f"{'met' if reads['proposal list (filters)'].p95 < 50 else 'NOT met'}")
    return 0


async def _user_ids(emails: list[str], database_url: str) -> list[int]:
    from tortoise import Tortoise

    from portal.accounts.models import User
    from portal.db import tortoise_config

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        return list(await User.filter(email__in=emails).values_list("id", flat=True))
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    raise SystemExit(main())
