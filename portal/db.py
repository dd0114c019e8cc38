"""Database configuration: one Tortoise app for every domain's models, one migration set.

SQLite (the embedded default) runs in WAL mode with synchronous=FULL so that an acknowledged
write survives a crash, with foreign keys on and a busy timeout for concurrent readers.
PostgreSQL is selected by a `postgres://` URL; the same migrations apply to both.
"""

from __future__ import annotations

from typing import Any

MODEL_MODULES = [
    "portal.core.models",
    "portal.accounts.models",
    "portal.voting.models",
    "portal.panels.models",
    "portal.proposals.models",
    "portal.notifications.models",
    "portal.core.holiday_models",
    "portal.council.models",
    "portal.programmes.models",
]

SQLITE_PRAGMAS = {
    "journal_mode": "WAL",
    "synchronous": "FULL",
    "foreign_keys": "ON",
    "busy_timeout": 10000,
}


def connection_config(database_url: str) -> str | dict[str, Any]:
    if not database_url.startswith("sqlite://"):
        return database_url
    path = database_url.removeprefix("sqlite://")
    return {
        "engine": "tortoise.backends.sqlite",
        "credentials": {"file_path": path, **SQLITE_PRAGMAS},
    }


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "portal.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Used only by the `tortoise` CLI when a developer runs `makemigrations`; never at run time.
MAKEMIGRATIONS_CONFIG = tortoise_config("sqlite://:memory:")
