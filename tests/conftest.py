"""Shared fixtures: a fresh database per test (SQLite in memory, or PostgreSQL when
WARGA_TEST_DATABASE_URL is set) and an httpx client bound to the app in the same event loop."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2 as httpx
import pytest
from tortoise.contrib.test import tortoise_test_context

from portal.app import create_app
from portal.core import guards
from portal.core.demo import seed_territory_and_agencies
from portal.db import MODEL_MODULES
from portal.proposals import fulltext
from portal.settings import Settings

TEST_DB = os.environ.get("WARGA_TEST_DATABASE_URL", "sqlite://:memory:")
if os.environ.get("WARGA_REQUIRE_POSTGRES") == "1" and not TEST_DB.startswith("postgres"):
    raise pytest.UsageError("WARGA_REQUIRE_POSTGRES=1 but WARGA_TEST_DATABASE_URL is not a postgres URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """WARGA_DATABASE_TESTS_ONLY=1 keeps only the tests that touch the test database (the `db`
    fixture or the `database` marker): a second pass on PostgreSQL has nothing to add for pure
    domain tests, which the SQLite pass already ran on the same code."""
    if os.environ.get("WARGA_DATABASE_TESTS_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        uses_db = "db" in getattr(item, "fixturenames", ()) or item.get_closest_marker("database")
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
async def db() -> AsyncIterator[None]:
    url = TEST_DB if TEST_DB.startswith("sqlite") else TEST_DB.rstrip("/") + "/test_{}"
    async with tortoise_test_context(MODEL_MODULES, db_url=url) as ctx:
        conn = ctx.connections.get("default")
        await guards.install(conn)
        await fulltext.install(conn)
        await seed_territory_and_agencies()
        yield
        if not TEST_DB.startswith("sqlite"):
            # tortoise 1.1.9 leaves per-test PostgreSQL databases behind; drop them ourselves.
            for connection in ctx.connections.all():
                await connection.close()
                await connection.db_delete()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=TEST_DB,
        secret_key="test-secret-key-0123456789",
        nik_key="test-nik-key-0123456789",
        base_url="http://testserver",
        cheap_password_hashing=True,
        run_jobs_in_process=False,
    )


@pytest.fixture
def app(settings: Settings, db: None):  # type: ignore[no-untyped-def]
    return create_app(settings, manage_database=False)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                 follow_redirects=False) as c:
        yield c


