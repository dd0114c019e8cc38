"""Council tests assert English text, and run with the immutability triggers installed."""

from __future__ import annotations

import pytest


@pytest.fixture
def client(client):  # type: ignore[no-untyped-def]
    client.cookies.set("lang", "en")
    return client


@pytest.fixture(autouse=True)
def english_messages():  # type: ignore[no-untyped-def]
    """Service tests here compare English messages; gettext follows this ContextVar."""
    from portal import i18n

    token = i18n.current_lang.set("en")
    yield
    i18n.current_lang.reset(token)


@pytest.fixture
async def council_db(db):  # type: ignore[no-untyped-def]
    """The shared database plus the council's triggers (a migration installs them in production)."""
    from tortoise import connections

    from portal.council import guards

    await guards.install(connections.get("default"))
    yield
