"""Crash benchmark: SIGKILL the server during concurrent ballots, restart, count lost writes.

    python bench/crash.py                       # 100 cycles on SQLite
    python bench/crash.py --db postgres --cycles 30

Prints one line per cycle and a summary; exits 1 when anything acknowledged was lost, SQLite's
integrity_check is not "ok" or the audit chain does not verify. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import crashload, harness  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=harness.PG_BASE)
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--voters", type=int, default=40, help="ballots attempted per cycle")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with harness.temporary_dir() as data_dir:
        name = f"warga_crash_{os.getpid()}"
        url = (f"sqlite://{data_dir / 'warga.sqlite3'}" if args.db == "sqlite"
               else asyncio.run(harness.create_pg_database(args.pg_url, name)))
        try:
            report = crashload.run(data_dir, url, cycles=args.cycles, voters_per_cycle=args.voters,
                                   concurrency=args.concurrency, seed=args.seed)
        finally:
            if args.db == "postgres":
                asyncio.run(harness.drop_pg_database(args.pg_url, name))
    print(report.summary())
    print(f"lost writes: {len(report.lost)}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
