"""Every template compiles; pages extend base.html; fragments (_name.html) do not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.templating import TEMPLATE_DIR, templates

ALL = sorted(p.relative_to(TEMPLATE_DIR).as_posix() for p in TEMPLATE_DIR.rglob("*.html"))


@pytest.mark.parametrize("name", ALL)
def test_template_compiles(name: str) -> None:
    templates.env.get_template(name)


@pytest.mark.parametrize("name", [n for n in ALL if not n.startswith("_macros/") and n != "base.html"])
def test_pages_extend_base_and_fragments_do_not(name: str) -> None:
    source = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
    if Path(name).name.startswith("_"):
        assert "{% extends" not in source, f"fragment {name} must not extend a page"
    else:
        assert '{% extends "base.html" %}' in source, f"page {name} must extend base.html"


def test_vendored_htmx_is_pinned_with_licence() -> None:
    static = TEMPLATE_DIR.parent / "static" / "htmx"
    assert (static / "LICENSE").exists()
    version = (static / "VERSION").read_text().split()
    assert version[:2] == ["htmx.org", "4.0.1"]
    import hashlib

    assert hashlib.sha256((static / "htmx.min.js").read_bytes()).hexdigest() == version[2]


@pytest.mark.parametrize("name", ALL)
def test_scrolling_table_wrappers_are_keyboard_reachable(name: str) -> None:
    """axe 'scrollable-region-focusable': a sideways-scrolling region must take focus."""
    import re

    source = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
    for tag in re.findall(r"<div[^>]*class=\"table-wrap\"[^>]*>", source):
        assert 'tabindex="0"' in tag and "aria-label" in tag, f"{name}: {tag}"


@pytest.mark.parametrize("name", ALL)
def test_triggered_requests_keep_only_the_latest(name: str) -> None:
    """htmx 4 queues one request per element and drops later ones while one is in flight, so a
    live check or filter could show the state of an earlier keystroke: `hx-sync` says replace."""
    source = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
    for tag in re.findall(r"<[a-z]+\b[^>]*\bhx-trigger=[^>]*>", source, re.S):
        assert 'hx-sync="this:replace"' in tag, f"{name}: {tag[:120]}"
