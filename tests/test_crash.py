"""Crash and backup safety against the real server (a uvicorn subprocess), on the test database kind.

The short version of `bench/crash.py`: a few SIGKILLs during concurrent ballots; every ballot
whose 303 reached the client must survive, the database must pass integrity_check (SQLite) and
the audit chain must verify. And a backup taken while ballots are being written restores to a
consistent database (integrity, audit chain, every ballot acknowledged before the backup began).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import crashload, harness, synthetic

TEST_DB = os.environ.get("WARGA_TEST_DATABASE_URL", "sqlite://:memory:")
ON_POSTGRES = TEST_DB.startswith("postgres")
pytestmark = pytest.mark.database  # its own server on the test database (SQLite file or PostgreSQL)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    if not ON_POSTGRES:
        yield f"sqlite://{tmp_path / 'warga.sqlite3'}"
        return
    name = f"warga_crash_{uuid.uuid4().hex[:10]}"
    url = asyncio.run(harness.create_pg_database(TEST_DB, name))
    yield url
    asyncio.run(harness.drop_pg_database(TEST_DB, name))


def test_acknowledged_ballots_survive_sigkill(tmp_path: Path, database_url: str) -> None:
    report = crashload.run(tmp_path, database_url, cycles=3, voters_per_cycle=24, concurrency=8, seed=3,
                           log=lambda _line: None)
    assert report.cycles == 3
    assert report.acknowledged, "no ballot was acknowledged before the kills: the test proved nothing"
    assert report.lost == set(), report.summary()
    assert report.integrity in ("ok", "n/a") and report.audit == "ok", report.summary()


async def _facts(database_url: str) -> tuple[int, int | None, str]:
    from tortoise import Tortoise

    from portal.core import audit
    from portal.db import tortoise_config
    from portal.voting.models import PbBallot

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        ballots = await PbBallot.all().count()
        _checked, broken = await audit.verify()
        integrity = "n/a"
        if database_url.startswith("sqlite"):
            _n, rows = await Tortoise.get_connection("default").execute_query("PRAGMA integrity_check")
            integrity = str(rows[0][0])
        return ballots, broken, integrity
    finally:
        await Tortoise.close_connections()


def test_backup_while_writing_restores_consistently(tmp_path: Path, database_url: str) -> None:
    env = harness.portal_env(tmp_path, database_url, demo=False)
    city = asyncio.run(synthetic.prepare_city(env, 60, 10, 20, demo=False))
    server = harness.portal_server(tmp_path, database_url, harness.free_port(), demo=False)
    server.start()
    report = crashload.CrashReport()
    try:
        sessions = asyncio.run(harness.login_sessions(server.url, city.resident_emails, synthetic.PASSWORD,
                                                      f"/budgets/{city.cycle_id}/ballot"))
        ids = asyncio.run(crashload.user_ids(database_url, city.resident_emails))
        voters = [(ids[e], s) for e, s in zip(city.resident_emails, sessions, strict=True)]
        first, rest = voters[:20], voters[20:]
        asyncio.run(crashload.cast_all(server, city, first, concurrency=5, report=report))
        acked_before_backup = set(report.acknowledged)
        assert len(acked_before_backup) == 20

        writer = threading.Thread(target=lambda: asyncio.run(
            crashload.cast_all(server, city, rest, concurrency=5, report=report)))
        writer.start()
        target = tmp_path / ("backup.sqlite3" if not ON_POSTGRES else "backup.dump")
        backup = subprocess.run([sys.executable, "-m", "portal", "backup", str(target)], env=env,
                                capture_output=True, text=True, timeout=300, check=False)
        writer.join()
    finally:
        server.stop()
    assert backup.returncode == 0, backup.stderr
    assert len(report.acknowledged) == 60

    if ON_POSTGRES:
        name = f"warga_restore_{uuid.uuid4().hex[:10]}"
        restored = asyncio.run(harness.create_pg_database(TEST_DB, name))
        try:
            done = subprocess.run(["pg_restore", "--no-owner", "-d", restored.replace("postgres://", "postgresql://", 1),
                                   str(target)], capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
            ballots, broken, integrity = asyncio.run(_facts(restored))
        finally:
            asyncio.run(harness.drop_pg_database(TEST_DB, name))
    else:
        ballots, broken, integrity = asyncio.run(_facts(f"sqlite://{target}"))
    assert broken is None and integrity in ("ok", "n/a")
    # Everything acknowledged before the backup began is in it; what came during may or may not be.
    assert len(acked_before_backup) <= ballots <= 60
