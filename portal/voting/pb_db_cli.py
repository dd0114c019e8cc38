"""``python -m portal pb import FILE.pb`` and ``pb export CYCLE OUT.pb``: the Pabulib commands
that need the database. Register them with `add_db_commands(pb_subparsers)` next to
`pb_cli.add_commands` (which owns the ``pb`` parser and ``pb tally``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

EXIT_USAGE = 2


def _run(body: Callable[[], Awaitable[int]]) -> int:
    from tortoise import Tortoise

    from portal.db import tortoise_config
    from portal.settings import Settings

    settings = Settings.from_env()

    async def run() -> int:
        await Tortoise.init(config=tortoise_config(settings.database_url))
        try:
            return await body()
        finally:
            await Tortoise.close_connections()

    return asyncio.run(run())


def add_db_commands(pb_subparsers: Any) -> None:
    """Add ``import`` and ``export`` to the sub-parsers of the ``pb`` command."""
    imp = pb_subparsers.add_parser("import", help="import a .pb file as a closed cycle (then tally it in the portal)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--tally", action="store_true", help="also run the tally with the file's rule")
    imp.set_defaults(handler=run_import)
    exp = pb_subparsers.add_parser("export", help="write a cycle's anonymised ballots as a .pb file")
    exp.add_argument("cycle", type=int)
    exp.add_argument("out", type=Path)
    exp.add_argument("--kecamatan", default="", help="kecamatan code of a kecamatan ballot (default: city-wide)")
    exp.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"pb import: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE

    async def body() -> int:
        from portal.accounts.identity import Identity
        from portal.errors import DomainError
        from portal.voting import interop, services

        try:
            cycle_id = await interop.import_pb(text, name=args.file.name)
            if args.tally:
                await services.run_tally(Identity(user_id=None, name="cli", roles=frozenset({"admin"})), cycle_id)
        except DomainError as exc:
            print(f"pb import: {exc.message or exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"imported {args.file.name} as cycle {cycle_id}")
        return 0

    return _run(body)


def run_export(args: argparse.Namespace) -> int:
    async def body() -> int:
        from portal.errors import NotFound
        from portal.voting import interop

        try:
            text = await interop.export_pb(args.cycle, args.kecamatan)
        except NotFound:
            print(f"pb export: no cycle {args.cycle} (or no such ballot)", file=sys.stderr)
            return EXIT_USAGE
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out} sha256={hashlib.sha256(text.encode()).hexdigest()}")
        return 0

    return _run(body)
