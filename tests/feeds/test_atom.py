"""PURE: the Atom writer and the conditional-request rule."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.feeds import atom

T = datetime(2026, 11, 1, 3, 0, 30, 123456, tzinfo=UTC)
TAG = atom.etag("decisions", "id", 3, T.isoformat())


@pytest.mark.parametrize(("inm", "ims", "expected"), [
    (TAG, None, True),  # the same representation
    (f'"x", {TAG}', None, True),  # one of several
    (f"W/{TAG}", None, True),  # weak comparison is enough for GET
    ("*", None, True),
    ('"x"', None, False),  # another representation
    ('"x"', "Sun, 01 Nov 2026 03:00:30 GMT", False),  # If-None-Match wins over If-Modified-Since
    (None, "Sun, 01 Nov 2026 03:00:30 GMT", True),  # not modified since (sub-second part ignored)
    (None, "Sun, 01 Nov 2026 03:00:29 GMT", False),  # modified since
    (None, "not a date", False),
    (None, "", False),
    (None, None, False),
])
def test_not_modified(inm: str | None, ims: str | None, expected: bool) -> None:
    assert atom.not_modified(inm, ims, TAG, T) is expected


def test_etag_depends_on_every_part() -> None:
    assert atom.etag("decisions", "id", 3, T.isoformat()) == TAG
    assert atom.etag("decisions", "en", 3, T.isoformat()) != TAG
    assert atom.etag("decisions", "id", 4, T.isoformat()) != TAG


def test_render_escapes_text_and_drops_characters_xml_cannot_carry() -> None:
    entry = atom.Entry("http://x/1", "a < b & \x00c\x1b", T, "http://x/1?a=1&b=2", "</summary><x>")
    body = atom.render(atom.Feed("http://x/f", "T", "S", "http://x/f", "http://x/", "W", "id", (entry,)))
    root = ET.fromstring(body)
    ns = {"a": atom.ATOM}
    assert root.findtext("a:entry/a:title", namespaces=ns) == "a < b & c"
    assert root.findtext("a:entry/a:summary", namespaces=ns) == "</summary><x>"
    assert root.find("a:entry/a:link", ns).get("href") == "http://x/1?a=1&b=2"  # type: ignore[union-attr]
    assert root.findtext("a:entry/a:updated", namespaces=ns) == "2026-11-01T03:00:30Z"
    assert root.findtext("a:updated", namespaces=ns) == "2026-11-01T03:00:30Z"
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")


def test_http_date_is_imf_fixdate() -> None:
    assert atom.http_date(T) == "Sun, 01 Nov 2026 03:00:30 GMT"


@given(st.text(max_size=80), st.text(max_size=200))
def test_any_text_gives_a_parseable_feed_that_keeps_the_text(title: str, summary: str) -> None:
    entry = atom.Entry("http://x/1", title, T, "http://x/1", summary)
    root = ET.fromstring(atom.render(atom.Feed("http://x/f", title, "", "http://x/f", "http://x/", "W", "id", (entry,))))
    ns = {"a": atom.ATOM}
    # XML parsers normalise line ends (RFC: CR and CRLF become LF), so compare like a reader sees it.
    expected = atom.clean(title).replace("\r\n", "\n").replace("\r", "\n")
    assert (root.findtext("a:entry/a:title", namespaces=ns) or "") == expected
    assert (root.findtext("a:title", namespaces=ns) or "") == expected
