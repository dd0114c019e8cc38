"""Start-up work shared by `python server.py` and the CLI: migrate, seed, first-run accounts."""

from __future__ import annotations

import sys
from typing import TextIO

from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate

from portal.db import tortoise_config
from portal.settings import Settings


async def run_migrations(settings: Settings) -> None:
    await migrate(config=tortoise_config(settings.database_url))
    await Tortoise.close_connections()


async def prepare_database(settings: Settings, *, seed_demo: bool = True, out: TextIO = sys.stdout) -> None:
    """Apply migrations; on first start also load the demo city and print its accounts once."""
    await run_migrations(settings)
    if not seed_demo:
        return
    from portal.core import demo_accounts

    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        await demo_accounts.load_demo(settings, out=out)
    finally:
        await Tortoise.close_connections()
