"""Database and migration state for /healthz and the `migrate` command."""

from __future__ import annotations

import re
from importlib import resources

from tortoise import Tortoise

MIGRATION_NAME = re.compile(r"^(\d{4}_\w+)\.py$")


def migrations_on_disk() -> list[str]:
    files = resources.files("portal.migrations").iterdir()
    return sorted(m.group(1) for f in files if (m := MIGRATION_NAME.match(f.name)))


async def applied_migrations() -> list[str]:
    conn = Tortoise.get_connection("default")
    try:
        rows = await conn.execute_query_dict("SELECT name FROM tortoise_migrations WHERE app = 'models'")
    except Exception:  # noqa: BLE001 - no table yet means nothing applied
        return []
    return sorted(str(r["name"]) for r in rows)


async def status(database_kind: str) -> dict[str, object]:
    on_disk = migrations_on_disk()
    applied = set(await applied_migrations())
    pending = [m for m in on_disk if m not in applied]
    return {
        "status": "ok" if not pending else "migrations-pending",
        "database": database_kind,
        "migrations": {"applied": len(applied), "pending": pending, "latest": on_disk[-1] if on_disk else None},
    }
