"""`python -m portal` (also the `warga` console script): one sub-command per operator task.

Each domain that has commands exposes `add_commands(subparsers)`; the handlers they register
take the parsed arguments and return an exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from portal.settings import ConfigError, Settings
from portal.panels import skm_cli
from portal.voting import pb_cli


def _with_db(body: Callable[[Settings], Awaitable[int]]) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        # Imported here: `pb tally` and `skm compute` need no database and should start fast.
        from tortoise import Tortoise

        from portal.db import tortoise_config

        settings = Settings.from_env()

        async def run() -> int:
            await Tortoise.init(config=tortoise_config(settings.database_url))
            try:
                return await body(settings)
            finally:
                await Tortoise.close_connections()

        return asyncio.run(run())

    return handler


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = Settings.from_env()
    from portal.app import create_app

    uvicorn.run(create_app(settings), host=args.host, port=args.port, workers=1,
                proxy_headers=True, lifespan="on", log_level="info")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from portal.bootstrap import run_migrations

    asyncio.run(run_migrations(Settings.from_env()))
    print("migrations applied")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from portal.bootstrap import prepare_database

    asyncio.run(prepare_database(Settings.from_env()))
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()
    if len(password) < 10:
        print("password: use at least 10 characters", file=sys.stderr)
        return 2

    async def body(settings: Settings) -> int:
        from portal.accounts import services as accounts
        from portal.app import build_services
        from portal.errors import DomainError

        try:
            user = await accounts.create_user(
                build_services(settings).accounts, email=args.email, name=args.name,
                password=password, roles=tuple(args.role or ()), agency_abbr=args.agency or "",
            )
        except DomainError as exc:
            print(f"error: {exc.message or exc}", file=sys.stderr)
            return 2
        print(f"created user {user.id} <{user.email}>")
        return 0

    return _with_db(body)(args)


def cmd_users_role(args: argparse.Namespace) -> int:
    async def body(settings: Settings) -> int:
        from portal.accounts import services as accounts
        from portal.accounts.models import User
        from portal.errors import DomainError

        user = await User.get_or_none(email=args.email.strip().lower())
        if user is None:
            print(f"error: no user {args.email}", file=sys.stderr)
            return 2
        try:
            if args.users_command == "grant":
                await accounts.grant_role(None, user_id=user.id, role=args.role, agency_abbr=args.agency or "")
            else:
                await accounts.revoke_role(None, user_id=user.id, role=args.role)
        except DomainError as exc:
            print(f"error: {exc.message or exc}", file=sys.stderr)
            return 2
        print(f"{args.users_command} {args.role} for {user.email}")
        return 0

    return _with_db(body)(args)


def cmd_backup(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    target = Path(args.path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if settings.database_kind == "sqlite":
        source_path = settings.database_url.removeprefix("sqlite://")
        # The online backup API copies a consistent snapshot while the portal keeps writing.
        with sqlite3.connect(source_path) as source, sqlite3.connect(target) as dest:
            source.backup(dest)
        dest_check = sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone()[0]
        print(f"backup written to {target} (integrity_check: {dest_check})")
        return 0 if dest_check == "ok" else 1
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        print("error: pg_dump not found", file=sys.stderr)
        return 2
    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    result = subprocess.run([pg_dump, "--format=custom", f"--file={target}", url], check=False)
    if result.returncode == 0:
        print(f"backup written to {target} (pg_dump custom format; restore with pg_restore)")
    return result.returncode


def cmd_audit_verify(args: argparse.Namespace) -> int:
    async def body(settings: Settings) -> int:
        from portal.core import audit

        checked, broken = await audit.verify()
        if broken is None:
            print(f"audit chain ok: {checked} rows verified")
            return 0
        print(f"audit chain BROKEN at row {broken} ({checked} rows verified before it)")
        return 1

    return _with_db(body)(args)


def cmd_worker(args: argparse.Namespace) -> int:
    async def body(settings: Settings) -> int:
        from portal.app import build_services, job_handlers, periodic_jobs
        from portal.core import jobs

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        import signal

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if args.once:
            handlers = job_handlers(build_services(settings))
            await jobs.schedule_periodic(periodic_jobs(settings))
            count = 0
            while await jobs.run_one(handlers, "cli-once"):
                count += 1
            print(f"ran {count} jobs")
            return 0
        await jobs.work(job_handlers(build_services(settings)), stop,
                        periodics=periodic_jobs(settings))
        return 0

    return _with_db(body)(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m portal", description="Warga portal operations")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the portal (uvicorn, one process)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=cmd_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(handler=cmd_migrate)
    sub.add_parser("demo", help="load the demo city (idempotent)").set_defaults(handler=cmd_demo)

    users = sub.add_parser("users", help="manage accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create = users_sub.add_parser("create", help="create a confirmed account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", action="append", choices=["panelist", "officer", "agency_head", "moderator", "council", "admin"])
    create.add_argument("--agency", help="agency abbreviation (officers)")
    create.add_argument("--password-stdin", action="store_true")
    create.set_defaults(handler=cmd_users_create)
    for verb in ("grant", "revoke"):
        p = users_sub.add_parser(verb, help=f"{verb} a role")
        p.add_argument("--email", required=True)
        p.add_argument("--role", required=True, choices=["panelist", "officer", "agency_head", "moderator", "council", "admin"])
        p.add_argument("--agency")
        p.set_defaults(handler=cmd_users_role)

    backup = sub.add_parser("backup", help="consistent backup (SQLite online backup / pg_dump)")
    backup.add_argument("path")
    backup.set_defaults(handler=cmd_backup)

    audit = sub.add_parser("audit", help="audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="verify the hash chain").set_defaults(handler=cmd_audit_verify)

    worker = sub.add_parser("worker", help="run background jobs")
    worker.add_argument("--once", action="store_true", help="run due jobs and exit")
    worker.set_defaults(handler=cmd_worker)

    pb_cli.add_commands(sub)
    skm_cli.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except ConfigError as error:
        raise SystemExit(f"warga: {error}") from None
    return result
