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
    await install_fulltext(settings)


async def install_fulltext(settings: Settings) -> None:
    """Proposal search index (idempotent): also covers databases migrated before it existed."""
    from portal.proposals import fulltext

    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        await fulltext.install(Tortoise.get_connection("default"))
    finally:
        await Tortoise.close_connections()


async def prepare_database(settings: Settings, *, seed_demo: bool = True, out: TextIO = sys.stdout) -> None:
    """Apply migrations; on first start also load the demo city and print its accounts once."""
    await run_migrations(settings)
    if not seed_demo:
        return
    from portal.core import demo_accounts
    from portal.panels import demo as panels_demo
    from portal.proposals import demo as proposals_demo
    from portal.voting import demo as voting_demo
    from portal.council import demo as council_demo
    from portal.programmes import demo as programmes_demo
    from portal.notifications import demo as notifications_demo

    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        # Accounts first: every domain's demo builds on the demo residents and officers.
        await demo_accounts.load_demo(settings, out=out)
        await proposals_demo.load_demo(settings)
        await panels_demo.load_demo()
        await voting_demo.load_demo()
        await council_demo.load_demo()
        await programmes_demo.load_demo()
        await notifications_demo.load_demo()  # last: replays the other demos' audit history
    finally:
        await Tortoise.close_connections()
