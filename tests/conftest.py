"""Shared fixtures: a fresh database per test (SQLite in memory, or PostgreSQL when
WARGA_TEST_DATABASE_URL is set) and an httpx client bound to the app in the same event loop."""

from __future__ import annotations

import asyncio
import os
import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from tortoise.backends.base.config_generator import generate_config
from tortoise.context import TortoiseContext
from tortoise.contrib.test import tortoise_test_context
from tortoise.warnings import TortoiseLoopSwitchWarning

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


async def _prepare(ctx: TortoiseContext) -> None:
    """What every test database holds besides the schema: guards, search index, Bandung."""
    conn = ctx.connections.get("default")
    await guards.install(conn)
    await fulltext.install(conn)
    await seed_territory_and_agencies()


# PostgreSQL: creating the schema, guards and seed costs about 0.7 s per test, copying a database
# that already holds them (CREATE DATABASE ... TEMPLATE) a fraction of that. Each test process
# builds its own template once; every test gets a fresh copy, dropped afterwards.
_PG_TEMPLATE = f"warga_template_{os.getpid()}"
_pg_template_built = False


async def _pg_admin(sql: str) -> None:
    """Run CREATE/DROP DATABASE, waiting while another session is still in the database it
    names (one of ours closing; an autovacuum worker is stopped by PostgreSQL itself)."""
    import asyncpg

    conn = await asyncpg.connect(TEST_DB)  # the role's own database, which .ci/run creates
    try:
        for _ in range(100):
            try:
                await conn.execute(sql)
                return
            except asyncpg.ObjectInUseError:
                await asyncio.sleep(0.1)
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_config(database: str) -> dict[str, Any]:
    url = f"{TEST_DB.rstrip('/')}/{database}"
    return generate_config(url, app_modules={"models": MODEL_MODULES})


async def _build_pg_template() -> None:
    global _pg_template_built
    await _pg_admin(f'DROP DATABASE IF EXISTS "{_PG_TEMPLATE}"')
    await _pg_admin(f'CREATE DATABASE "{_PG_TEMPLATE}"')
    async with TortoiseContext() as ctx:
        await ctx.init(config=_pg_config(_PG_TEMPLATE))
        await ctx.generate_schemas(safe=False)
        await _prepare(ctx)
    _pg_template_built = True


@asynccontextmanager
async def _pg_copy() -> AsyncIterator[None]:
    if not _pg_template_built:
        await _build_pg_template()
    name = f"test_{uuid.uuid4().hex}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{_PG_TEMPLATE}"')
    try:
        with warnings.catch_warnings():  # as tortoise_test_context does
            warnings.filterwarnings("ignore", category=TortoiseLoopSwitchWarning)
            async with TortoiseContext() as ctx:
                await ctx.init(config=_pg_config(name))
                yield
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _pg_template_built:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{_PG_TEMPLATE}"'))


@pytest.fixture
async def db() -> AsyncIterator[None]:
    if TEST_DB.startswith("sqlite"):
        async with tortoise_test_context(MODEL_MODULES, db_url=TEST_DB) as ctx:
            await _prepare(ctx)
            yield
    else:
        async with _pg_copy():
            yield


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


