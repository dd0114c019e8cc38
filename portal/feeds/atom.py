"""PURE: Atom 1.0 documents (RFC 4287) and their cache validators.

Every feed carries the elements RFC 4287 requires (feed: id, title, updated, author, a
rel="self" link; entry: id, title, updated, a rel="alternate" link, summary) plus xml:lang.
Text goes through ElementTree, which escapes markup characters; characters XML 1.0 cannot
carry at all (most C0 controls) are dropped first, because escaping cannot save them and a
single one makes the whole document unparseable for feed readers.

Ids are the permanent https URLs of the items (RFC 4287 §4.2.6 allows any IRI that never
changes), so a reader that follows the link lands on the same resource the id names.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
# The date of an empty feed: RFC 4287 needs an atom:updated even when nothing happened yet.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    link: str
    summary: str
    published: datetime | None = None
    author: str = ""
    category: str = ""


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    self_link: str
    alternate_link: str
    author: str
    lang: str
    entries: tuple[Entry, ...]

    @property
    def updated(self) -> datetime:
        return max((e.updated for e in self.entries), default=NEVER)


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, name, {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _author(parent: ET.Element, name: str) -> None:
    _sub(_sub(parent, "author"), "name", name)


def render(feed: Feed) -> bytes:
    """The feed as UTF-8 XML with an XML declaration."""
    # Unprefixed names under a default xmlns: ElementTree's default_namespace option refuses
    # unqualified attributes (rel, href), which Atom uses everywhere.
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: clean(feed.lang)})
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title, type="text")
    _sub(root, "subtitle", feed.subtitle, type="text")
    _sub(root, "updated", _stamp(feed.updated))
    _author(root, feed.author)
    _sub(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    _sub(root, "link", rel="alternate", type="text/html", href=feed.alternate_link)
    _sub(root, "generator", "Warga")
    for e in feed.entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", e.id)
        _sub(entry, "title", e.title, type="text")
        _sub(entry, "updated", _stamp(e.updated))
        if e.published is not None:
            _sub(entry, "published", _stamp(e.published))
        if e.author:
            _author(entry, e.author)
        if e.category:
            _sub(entry, "category", term=e.category)
        _sub(entry, "link", rel="alternate", type="text/html", href=e.link)
        _sub(entry, "summary", e.summary, type="text")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def etag(*parts: object) -> str:
    """A strong validator from whatever determines the document (a count, a last change, the language)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified(if_none_match: str | None, if_modified_since: str | None, tag: str, last: datetime) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since counts only without it."""
    if if_none_match is not None:
        candidates = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return tag in candidates or "*" in candidates
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return last.replace(microsecond=0) <= since
    return False
