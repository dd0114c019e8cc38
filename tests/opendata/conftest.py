"""Route tests in this folder assert English text: ask for the English UI (the default is id)."""

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
