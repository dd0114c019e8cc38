"""Property-based conformance of the API to its own OpenAPI document (schemathesis).

For every operation schemathesis generates requests from /api/openapi.json (bounded examples)
and checks each response: no server error, a documented status code and content type, and a
body that validates against the response schema.

The app runs in-process on one event loop owned by an `asyncio.Runner`: the database context
(a ContextVar) is entered in the runner's context and stays visible to every request, the same
way the `db` fixture works for ordinary async tests.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from tortoise.contrib.test import tortoise_test_context

from portal.app import create_app
from portal.core import guards
from portal.core.demo import seed_territory_and_agencies
from portal.db import MODEL_MODULES
from portal.opendata.openapi import build_document
from portal.settings import Settings
from tests.opendata.factories import adopted, inspection, proposals_world, published_cycle

TEST_DB = os.environ.get("WARGA_TEST_DATABASE_URL", "sqlite://:memory:")
pytestmark = pytest.mark.database  # its own app on the test database (module fixture `live`)

schema = schemathesis.openapi.from_dict(build_document())


@dataclass
class Live:
    runner: asyncio.Runner
    client: httpx.AsyncClient
    app: Any

    def get(self, case: Any) -> httpx.Response:
        kwargs = case.as_transport_kwargs(base_url="http://testserver")

        async def send() -> httpx.Response:
            # Budget large enough for the run; the limit itself is covered by test_api.py.
            await self.app.state.services.limiter.reset()
            assert not kwargs.get("cookies"), "the API declares no cookie parameters"
            return await self.client.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"),
                                             headers=kwargs.get("headers"))

        return self.runner.run(send())


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url = TEST_DB if TEST_DB.startswith("sqlite") else TEST_DB.rstrip("/") + "/test_{}"
    stack = AsyncExitStack()
    app_settings = Settings(data_dir=Path(tmp_path_factory.mktemp("api")), database_url=TEST_DB,
                            secret_key="test-secret-key-0123456789", nik_key="test-nik-key-0123456789",
                            base_url="http://testserver", cheap_password_hashing=True, run_jobs_in_process=False)
    app = create_app(app_settings, manage_database=False)

    async def start() -> httpx.AsyncClient:
        ctx = await stack.enter_async_context(tortoise_test_context(MODEL_MODULES, db_url=url))
        await guards.install(ctx.connections.get("default"))
        await seed_territory_and_agencies()
        services = app.state.services
        await proposals_world(services, n=4)
        await inspection(panel_cards=5, survey_answers=6, services=services)
        await inspection(agency="DSDABM", panel_cards=2, services=services)
        await published_cycle(services, voters=3)
        await adopted(services)
        if not TEST_DB.startswith("sqlite"):
            stack.push_async_callback(_drop_databases, ctx)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://testserver"))

    with asyncio.Runner() as runner:
        try:
            yield Live(runner, runner.run(start()), app)
        finally:
            runner.run(stack.aclose())


async def _drop_databases(ctx: Any) -> None:
    # tortoise 1.1.9 leaves per-test PostgreSQL databases behind (see tests/conftest.py).
    for connection in ctx.connections.all():
        await connection.close()
        await connection.db_delete()


def test_served_document_is_the_built_one(live: Live) -> None:
    served = live.runner.run(live.client.get("/api/openapi.json"))
    assert served.status_code == 200 and served.json() == build_document()
    assert {op for path in served.json()["paths"].values() for op in path} == {"get"}


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: Any, live: Live) -> None:
    response = live.get(case)
    assert response.status_code < 500, response.text
    case.validate_response(response)
