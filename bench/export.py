"""Benchmark: the streamed open-data exports at 100k proposals (not a test).

    python bench/export.py [--rows 100000] [--database-url postgres://warga:warga@127.0.0.1:5432]

Builds a synthetic city (bench/synthetic.py) in a throwaway database (a temporary SQLite file,
or a fresh PostgreSQL database when --database-url is given), then downloads
/exports/proposals.csv and /exports/proposals.json through the real application (full
middleware stack, StreamingResponse) with an ASGI `send` that drops each chunk, as a client
reading the stream would. Each export runs twice:

- a timing pass: rows/s by wall clock and by CPU time of this process (PostgreSQL's own work
  is not in the CPU figure; on a shared machine the CPU figure is the comparable one);
- a memory pass under tracemalloc: the peak of Python allocations while streaming. It should
  stay flat as the row count grows (keyset chunks of exports.CHUNK rows), so the run also
  measures a 10x smaller export for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tortoise.contrib.test import tortoise_test_context  # noqa: E402

from bench.synthetic import build  # noqa: E402
from portal.app import create_app  # noqa: E402
from portal.core import guards  # noqa: E402
from portal.core.demo import seed_territory_and_agencies  # noqa: E402
from portal.db import MODEL_MODULES  # noqa: E402
from portal.proposals.models import Proposal  # noqa: E402
from portal.settings import Settings  # noqa: E402


async def download(app: Any, path: str, query: str = "") -> tuple[int, int]:
    """GET `path` through the ASGI app; returns (status, bytes received), keeping no body."""
    never = asyncio.Event()
    state = {"status": 0, "bytes": 0, "sent": False}

    async def receive() -> dict[str, Any]:
        if not state["sent"]:
            state["sent"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()  # the client never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
        elif message["type"] == "http.response.body":
            state["bytes"] += len(message.get("body", b""))

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
        "headers": [(b"host", b"bench.local")], "client": ("127.0.0.1", 50000), "server": ("bench.local", 80),
    }
    await app(scope, receive, send)
    return int(state["status"]), int(state["bytes"])


async def measure(app: Any, path: str, query: str, rows: int, label: str) -> None:
    await app.state.services.limiter.reset()
    started, cpu_started = time.perf_counter(), time.process_time()
    status, size = await download(app, path, query)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert status == 200, status
    tracemalloc.start()
    tracemalloc.reset_peak()
    await download(app, path, query)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<22} {rows:>7} rows {size / 1e6:6.1f} MB  wall {seconds:6.2f} s {rows / seconds:>7,.0f} rows/s"
          f"  cpu {cpu:6.2f} s {rows / cpu:>7,.0f} rows/s  peak {peak / 1e6:5.2f} MB", flush=True)


async def main(rows: int, database_url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url.rstrip("/") + "/bench_export_{}" if database_url else f"sqlite://{tmp}/bench.sqlite3"
        settings = Settings(data_dir=Path(tmp), database_url=url, secret_key="bench-secret-key-0123456789",
                            nik_key="bench-nik-key-0123456789", base_url="http://bench.local",
                            run_jobs_in_process=False)
        async with tortoise_test_context(MODEL_MODULES, db_url=url) as ctx:
            try:
                await guards.install(ctx.connections.get("default"))
                await seed_territory_and_agencies()
                app = create_app(settings, manage_database=False)
                print(f"building {rows} proposals ...", flush=True)
                started = time.perf_counter()
                await build(residents=50, proposals=rows, projects=1)
                print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
                # One category is about 1/11 of the rows: the same export, an order of magnitude smaller.
                roads = await Proposal.filter(category="roads").count()
                for fmt in ("csv", "json"):
                    await measure(app, f"/exports/proposals.{fmt}", "category=roads", roads, f"proposals.{fmt} roads")
                    await measure(app, f"/exports/proposals.{fmt}", "", rows, f"proposals.{fmt}")
            finally:
                if database_url:
                    for connection in ctx.connections.all():
                        await connection.close()
                        await connection.db_delete()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="postgres://user:pass@host:port (a database is created)")
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.database_url))
