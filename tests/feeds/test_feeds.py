"""Atom feeds: valid RFC 4287 documents (parsed with xml.etree), escaping, visibility, caching."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import httpx2 as httpx

from portal.council.models import Decision
from portal.proposals.models import Proposal
from tests.helpers import make_user
from tests.proposals import factories

NS = {"a": "http://www.w3.org/2005/Atom"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
COBLONG = "32.73.02"


def check_atom(body: bytes) -> ET.Element:
    """Parse and check what RFC 4287 requires of a feed and of each entry."""
    root = ET.fromstring(body)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.get(XML_LANG) in ("id", "en")
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"a:{name}", NS)) == 1, name
    assert root.find("a:author/a:name", NS) is not None and root.find("a:author/a:name", NS).text  # type: ignore[union-attr]
    assert root.find("a:link[@rel='self']", NS) is not None
    datetime.fromisoformat(root.findtext("a:updated", namespaces=NS).replace("Z", "+00:00"))  # type: ignore[union-attr]
    ids = set()
    for entry in root.findall("a:entry", NS):
        for name in ("id", "title", "updated", "summary"):
            assert len(entry.findall(f"a:{name}", NS)) == 1, name
        link = entry.find("a:link[@rel='alternate']", NS)
        assert link is not None and link.get("href", "").startswith("http://testserver/")
        assert entry.findtext("a:id", namespaces=NS) not in ids  # ids are unique
        ids.add(entry.findtext("a:id", namespaces=NS))
    return root


async def publish_decision(number: str, title: str, when: datetime, **extra: object) -> Decision:
    return await Decision.create(number=number, decided_on=when.date(), title=title, text="Isi keputusan.",
                                 kind="answer_proposal", status="published", votes_for=30, votes_against=5,
                                 votes_abstain=2, created_by_id=1, created_at=when, updated_at=when,
                                 published_at=when, **extra)


async def test_decisions_feed_lists_published_decisions_escaped_and_newest_first(client: httpx.AsyncClient) -> None:
    t0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    first = await publish_decision("1/2026", "Taman <b>baca</b> & perpustakaan \x07", t0)
    await publish_decision("2/2026", "Koreksi", t0 + timedelta(days=2), amends=first)
    await Decision.create(number="3/2026", decided_on=date(2026, 11, 5), title="Masih draf", text="x",
                          kind="other", created_by_id=1, created_at=t0, updated_at=t0)
    response = await client.get("/feeds/decisions.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert "&lt;b&gt;baca&lt;/b&gt; &amp; perpustakaan" in response.text  # escaped, control char dropped
    root = check_atom(response.content)
    entries = root.findall("a:entry", NS)
    assert [e.findtext("a:title", namespaces=NS) for e in entries] == [
        "2/2026: Koreksi", "1/2026: Taman <b>baca</b> & perpustakaan "]  # draft left out
    assert root.findtext("a:updated", namespaces=NS) == "2026-11-03T03:00:00Z"
    assert entries[0].find("a:link", NS).get("href") == f"http://testserver/decisions/{first.id + 1}"  # type: ignore[union-attr]
    assert "Amends decision 1/2026." in entries[0].findtext("a:summary", namespaces=NS)  # type: ignore[operator]
    assert "30 for, 5 against, 2 abstaining" in entries[1].findtext("a:summary", namespaces=NS)  # type: ignore[operator]
    assert root.get(XML_LANG) == "en"


async def test_empty_decisions_feed_is_still_valid(client: httpx.AsyncClient) -> None:
    response = await client.get("/feeds/decisions.atom")
    root = check_atom(response.content)
    assert root.findall("a:entry", NS) == []
    assert root.findtext("a:updated", namespaces=NS) == "1970-01-01T00:00:00Z"


async def test_feed_language_follows_the_interface_language(client: httpx.AsyncClient) -> None:
    client.cookies.set("lang", "id")
    root = check_atom((await client.get("/feeds/decisions.atom")).content)
    assert root.get(XML_LANG) == "id"


async def test_conditional_requests_get_304_until_something_changes(client: httpx.AsyncClient) -> None:
    t0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    await publish_decision("1/2026", "Satu", t0)
    first = await client.get("/feeds/decisions.atom")
    tag, modified = first.headers["etag"], first.headers["last-modified"]
    assert modified == "Sun, 01 Nov 2026 03:00:00 GMT"
    assert "max-age" in first.headers["cache-control"]
    same = await client.get("/feeds/decisions.atom", headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == tag
    assert (await client.get("/feeds/decisions.atom", headers={"If-Modified-Since": modified})).status_code == 304
    assert (await client.get("/feeds/decisions.atom", headers={"If-Modified-Since": "garbage"})).status_code == 200
    await publish_decision("2/2026", "Dua", t0 + timedelta(hours=1))
    changed = await client.get("/feeds/decisions.atom", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    # an If-None-Match that does not match wins over a matching If-Modified-Since
    stale = await client.get("/feeds/decisions.atom", headers={"If-None-Match": '"other"',
                                                               "If-Modified-Since": "Tue, 01 Dec 2026 00:00:00 GMT"})
    assert stale.status_code == 200


async def test_kecamatan_feed_shows_public_status_changes_of_that_kecamatan_only(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await factories.resident(svc, 1)
    mod = await factories.moderator(svc)
    forwarded = await factories.forwarded(author, mod, title="Jalan <rusak> & berlubang di Dago")
    await factories.submitted(author, title="Trotoar di Kecamatan lain", kecamatan_code="32.73.01",
                              kelurahan_code=await other_kelurahan("32.73.01"))
    hidden = await factories.submitted(author, title="Usulan yang disembunyikan")
    await Proposal.filter(id=hidden).update(hidden=True)
    from portal.proposals import services as proposals
    await proposals.create_draft(author, factories.draft(title="Masih draf di Coblong"))
    response = await client.get(f"/feeds/kecamatan/{COBLONG}.atom")
    assert response.status_code == 200
    root = check_atom(response.content)
    assert "Coblong" in root.findtext("a:title", namespaces=NS)  # type: ignore[operator]
    titles = [e.findtext("a:title", namespaces=NS) for e in root.findall("a:entry", NS)]
    assert titles and all(t.startswith("Jalan <rusak> & berlubang di Dago: ") for t in titles), titles  # type: ignore[union-attr]
    assert "Jalan <rusak> & berlubang di Dago: Verified and forwarded" in titles
    assert not any(t.endswith("Draft created") for t in titles)  # type: ignore[union-attr]
    assert [e.find("a:category", NS).get("term") for e in root.findall("a:entry", NS)] == [  # type: ignore[union-attr]
        "forwarded", "submitted"]  # newest first
    assert "&lt;rusak&gt;" in response.text
    link = root.find("a:entry/a:link", NS).get("href")  # type: ignore[union-attr]
    assert link == f"http://testserver/proposals/{forwarded}"
    alternate = root.find("a:link[@rel='alternate']", NS).get("href")  # type: ignore[union-attr]
    assert alternate == f"http://testserver/proposals?kecamatan={COBLONG}"


async def other_kelurahan(kecamatan: str) -> str:
    from portal.core.models import Kelurahan

    return (await Kelurahan.filter(kecamatan_id=kecamatan).first()).code  # type: ignore[union-attr]


async def test_unknown_kecamatan_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/feeds/kecamatan/99.99.99.atom")).status_code == 404
    assert (await client.get("/feeds/kecamatan/" + "x" * 300 + ".atom")).status_code == 404


async def test_kecamatan_feed_etag_changes_with_a_new_status_change(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "x@example.id")
    url = f"/feeds/kecamatan/{COBLONG}.atom"
    empty = await client.get(url)
    author = await factories.resident(app.state.services, 1)
    await factories.submitted(author)
    assert (await client.get(url, headers={"If-None-Match": empty.headers["etag"]})).status_code == 200
