"""Translations: Babel catalogs under portal/locale, selected per request through a ContextVar.

Source strings are English; Bahasa Indonesia (the default UI language) comes from the `id`
catalog. The Jinja environment gets functions that read the ContextVar, never per-request state,
because templates are shared across concurrent requests.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from portal.settings import SUPPORTED_LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
current_lang: ContextVar[str] = ContextVar("current_lang", default="id")


def compile_catalog(lang: str) -> Path | None:
    """Compile `<lang>/LC_MESSAGES/messages.po` to .mo when the .mo is missing or stale.

    CI and packaging run `pybabel compile`; this keeps an editable install (`pip install -e .`)
    and a freshly edited catalog working without a manual build step.
    """
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not po.exists():
        return None
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source, locale=lang)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as target:
            write_mo(target, catalog)
        tmp.replace(mo)
    return mo


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    compile_catalog(lang)
    return Translations.load(str(LOCALE_DIR), [lang], domain="messages")


def gettext(message: str) -> str:
    return translations(current_lang.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_lang.get()).ngettext(singular, plural, n)


def lazy(message: str) -> str:
    """Mark a module-level string for extraction; translate it later with gettext()."""
    return message


_ = gettext


def pick_language(*candidates: str | None, default: str = "id") -> str:
    """First supported explicit choice (cookie, account preference), else the default.

    The browser's Accept-Language is deliberately ignored: the portal speaks Bahasa Indonesia
    unless the resident asks for English.
    """
    for candidate in candidates:
        if candidate in SUPPORTED_LANGUAGES:
            return candidate
    return default
