"""Application assembly: create_app(settings) mounts every domain's routes, middleware,
exception handlers and the lifespan (database, migrations, demo city, in-process jobs)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from tortoise.contrib.starlette import RegisterTortoise

from portal import handlers
from portal.accounts import admin_routes, passwords
from portal.accounts import routes as account_routes
from portal.accounts.services import AccountDeps
from portal.accounts.tokens import Tokens
from portal.core import jobs
from portal.core import routes as core_routes
from portal.core import holiday_routes
from portal.proposals import routes as proposal_routes
from portal.panels import routes as panel_routes
from portal.voting import routes as voting_routes
from portal.notifications import routes as notification_routes
from portal.council import routes as council_routes
from portal.opendata import api as opendata_api
from portal.opendata import routes as opendata_routes
from portal.programmes import routes as programme_routes
from portal.feeds import routes as feed_routes
from portal.core.mail import Mailer, Outbox
from portal.csrf import CSRFMiddleware
from portal.db import tortoise_config
from portal.errors import DomainError
from portal.middleware import RequestContextMiddleware, SecurityHeadersMiddleware
from portal.notifications.middleware import UnreadCountMiddleware
from portal.ratelimit import RateLimiter
from portal.settings import Settings
from portal.web import LoginRequired, Services

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SESSION_MAX_AGE = 14 * 24 * 3600


def build_services(settings: Settings) -> Services:
    hasher = passwords.make_hasher(cheap=settings.cheap_password_hashing)
    outbox = Outbox(settings.outbox_dir, settings.mail_from)
    mailer = Mailer(outbox, settings.smtp_url)
    return Services(
        settings=settings, hasher=hasher, outbox=outbox, mailer=mailer,
        limiter=RateLimiter(settings.ratelimit_storage),
        accounts=AccountDeps(hasher=hasher, tokens=Tokens(settings.secret_key), mailer=mailer,
                             nik_key=settings.nik_key.encode(), nik_key_id=settings.nik_key_id,
                             base_url=settings.base_url),
    )


def job_handlers(services: Services) -> Mapping[str, jobs.Handler]:
    async def send_mail(payload: Mapping[str, object]) -> None:
        await asyncio.to_thread(services.outbox.send_smtp, str(payload["name"]), services.settings.smtp_url)

    return {"mail.smtp": send_mail, **proposal_routes.job_handlers(services), **voting_routes.job_handlers(),
            **programme_routes.job_handlers(),
            **council_routes.job_handlers(services),
            **notification_routes.job_handlers(services),
            **panel_routes.job_handlers(services)}


def periodic_jobs(settings: Settings) -> list[jobs.Periodic]:
    """Recurring sweeps of every domain (each kind also needs a handler in job_handlers)."""
    return [*voting_routes.PERIODIC_JOBS, *programme_routes.PERIODIC_JOBS,
            *notification_routes.periodic_jobs(settings), *panel_routes.periodic_jobs()]


def create_app(settings: Settings, *, manage_database: bool = True) -> Starlette:
    """`manage_database=False` leaves Tortoise set-up to the caller (tests own their database)."""
    services = build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        from portal.bootstrap import prepare_database

        await prepare_database(settings, seed_demo=settings.seed_demo)
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url),
                                    generate_schemas=False):
            stop = asyncio.Event()
            worker = (asyncio.create_task(jobs.work(job_handlers(services), stop,
                                                       periodics=periodic_jobs(settings)))
                      if settings.run_jobs_in_process else None)
            try:
                yield
            finally:
                stop.set()
                if worker is not None:
                    await worker

    app = Starlette(
        debug=False,
        routes=[
            *core_routes.routes,
            *account_routes.routes,
            *admin_routes.routes,
            *holiday_routes.routes,
            *proposal_routes.routes,
            *panel_routes.routes,
            *voting_routes.routes,
            *notification_routes.routes,
            *council_routes.routes,
            *opendata_routes.routes,
            *programme_routes.routes,
            *feed_routes.routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeadersMiddleware, https=settings.https),
            Middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="warga_session",
                       max_age=SESSION_MAX_AGE, same_site="lax", https_only=settings.https),
            # Outside the request context: its early HTML errors (e.g. a NUL in the query) become JSON under /api/.
            Middleware(opendata_api.ApiGuard),
            Middleware(RequestContextMiddleware, default_lang=settings.default_lang),
            Middleware(UnreadCountMiddleware),
            Middleware(CSRFMiddleware, reject=handlers.csrf_rejected, exempt=notification_routes.CSRF_EXEMPT),
        ],
        exception_handlers={
            HTTPException: handlers.http_exception,
            DomainError: handlers.domain_error,
            LoginRequired: handlers.login_required,
            500: handlers.server_error,
        },
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.url_paths = {}  # templating.url_for's memory of route paths
    return app
