"""The stack's ceilings, measured by the same load generator in the same run as the portal.

- GET /hello: a bare Starlette response (the read ceiling of uvicorn + Starlette here).
- POST /insert: one INSERT + commit through the same driver the portal uses (aiosqlite with
  the portal's pragmas: WAL, synchronous=FULL; or asyncpg for PostgreSQL), the write ceiling.

    BASELINE_DATABASE_URL=sqlite:///tmp/x.sqlite3 uvicorn bench.baseline_app:app
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

DATABASE_URL = os.environ.get("BASELINE_DATABASE_URL", "sqlite:///tmp/warga-baseline.sqlite3")
state: dict[str, Any] = {}


async def hello(request: Request) -> Response:
    return PlainTextResponse("hello")


async def insert(request: Request) -> Response:
    body = (await request.body()).decode()
    if DATABASE_URL.startswith("sqlite"):
        db = state["sqlite"]
        await db.execute("INSERT INTO item (body) VALUES (?)", (body,))
        await db.commit()
    else:
        async with state["pool"].acquire() as conn:
            await conn.execute("INSERT INTO item (body) VALUES ($1)", body)
    return Response(status_code=303, headers={"location": "/hello"})


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    if DATABASE_URL.startswith("sqlite"):
        import aiosqlite

        db = await aiosqlite.connect(DATABASE_URL.removeprefix("sqlite://"))
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000"):
            await db.execute(f"PRAGMA {pragma}")
        await db.execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, body TEXT)")
        await db.commit()
        state["sqlite"] = db
        yield
        await db.close()
    else:
        import asyncpg

        pool = await asyncpg.create_pool(DATABASE_URL, min_size=2, max_size=10)
        async with pool.acquire() as conn:
            await conn.execute("CREATE TABLE IF NOT EXISTS item (id BIGSERIAL PRIMARY KEY, body TEXT)")
        state["pool"] = pool
        yield
        await pool.close()


app = Starlette(routes=[Route("/hello", hello), Route("/healthz", healthz), Route("/insert", insert, methods=["POST"])],
                lifespan=lifespan)
