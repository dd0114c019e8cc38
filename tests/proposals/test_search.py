"""Full-text search (SQLite FTS5 / PostgreSQL full text): the same behaviour on both databases,
kept in sync with edits, ranked, and never an error for odd input."""

from __future__ import annotations

import pytest

from portal.proposals import fulltext, queries
from portal.proposals import services as proposals
from tests.proposals.factories import draft, resident, submitted

ODD_QUERIES = [
    '"', "'", '"jalan', "jalan OR", "AND", "NOT jalan", "NEAR(jalan dago)", "jalan*", "*", "-jalan",
    "title:jalan", "^jalan", "(", ")", "jalan & dago | !x", "a:*", "\\", "%_", "'; DROP TABLE proposal; --",
    "ç ñ ü", "😀", "x" * 200,
]


@pytest.mark.parametrize(("text", "expected"), [
    ("Jalan Dago", ["jalan", "dago"]),  # lower-cased
    ('"jalan" OR (NEAR dago)*', ["jalan", "or", "near", "dago"]),  # operators become words
    ("title:lampu-jalan", ["title", "lampu", "jalan"]),  # column filters and hyphens split
    ("jalan jalan JALAN", ["jalan"]),  # duplicates once
    ("!!! ---", []),  # nothing searchable
    ("a b c d e f g h i j", ["a", "b", "c", "d", "e", "f", "g", "h"]),  # at most 8 terms
])
def test_terms_keep_only_words(text: str, expected: list[str]) -> None:
    assert fulltext.terms(text) == expected


def test_query_builders_quote_every_term() -> None:
    assert fulltext.sqlite_query(["jalan", "or"], "all") == '"jalan"* AND "or"*'
    assert fulltext.sqlite_query(["jalan", "dago"], "any") == '"jalan"* OR "dago"*'
    assert fulltext.postgres_query(["jalan", "dago"], "all") == "jalan:* & dago:*"
    assert fulltext.postgres_query(["jalan", "dago"], "any") == "jalan:* | dago:*"


async def _three(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    author = await resident(app.state.services, 1)
    road = await submitted(author, title="Perbaikan jalan berlubang di Jalan Dago",
                           description="Jalan berlubang besar di depan sekolah, jalan licin saat hujan.")
    lamp = await submitted(author, title="Lampu penerangan jalan di Cikutra mati",
                           description="Lampu jalan di gang sempit mati sejak sebulan, rawan kejahatan.")
    park = await submitted(author, title="Taman bermain anak di Antapani", category="public_facilities",
                           description="Warga membutuhkan taman bermain yang aman untuk anak-anak balita.")
    return road, lamp, park


async def test_list_search_needs_every_word_and_matches_prefixes(app) -> None:  # type: ignore[no-untyped-def]
    road, lamp, park = await _three(app)

    async def ids(q: str) -> list[int]:
        page = await queries.list_proposals(queries.parse_filters({"q": q}))
        return [r.id for r in page.rows]

    assert set(await ids("jalan")) == {road, lamp}
    assert await ids("jalan lampu") == [lamp]  # every word must occur
    assert await ids("berlub") == [road]  # prefix: residents type half words
    assert await ids("BALITA") == [park]  # description, any case
    assert await ids("kereta") == []


async def test_relevance_ranks_the_better_match_first(app) -> None:  # type: ignore[no-untyped-def]
    road, lamp, _park = await _three(app)
    # "jalan" occurs five times in the road proposal and three times in the lamp one.
    assert (await fulltext.search("jalan"))[:2] == [road, lamp]
    page = await queries.list_proposals(queries.parse_filters({"q": "jalan"}))
    assert page.filters.sort == "relevance" and [r.id for r in page.rows] == [road, lamp]
    newest = await queries.list_proposals(queries.parse_filters({"q": "jalan", "sort": "newest"}))
    assert [r.id for r in newest.rows] == [lamp, road]


async def test_index_follows_edits(app) -> None:  # type: ignore[no-untyped-def]
    author = await resident(app.state.services, 1)
    proposal_id = await proposals.create_draft(author, draft(title="Perbaikan trotoar rusak di Braga"))
    assert await fulltext.search("trotoar") == [proposal_id]
    await proposals.update_draft(author, proposal_id, draft(title="Perbaikan saluran air di Braga"))
    assert await fulltext.search("trotoar") == []
    assert await fulltext.search("saluran") == [proposal_id]


async def test_similar_suggestions_rank_shared_words_and_skip_stopwords(app) -> None:  # type: ignore[no-untyped-def]
    road, lamp, park = await _three(app)
    rows = await queries.similar("Lampu jalan mati di gang")
    assert [r.id for r in rows][:2] == [lamp, road]
    assert await queries.similar("yang dan untuk di ke") == []  # only function words
    assert [r.id for r in await queries.similar("taman anak", exclude_id=park)] == []


async def test_hidden_and_draft_proposals_are_not_suggested(app) -> None:  # type: ignore[no-untyped-def]
    author = await resident(app.state.services, 1)
    await proposals.create_draft(author, draft(title="Drainase tersumbat di Sukajadi"))
    assert await queries.similar("drainase tersumbat") == []


@pytest.mark.parametrize("q", ODD_QUERIES)
async def test_odd_queries_never_fail(client, app, q: str) -> None:  # type: ignore[no-untyped-def]
    await _three(app)
    response = await client.get("/proposals", params={"q": q})
    assert response.status_code == 200
    hint = await client.get("/proposals/similar", params={"title": q}, headers={"HX-Request": "true"})
    assert hint.status_code == 200


async def test_search_route_keeps_query_in_pagination_links(client, app) -> None:  # type: ignore[no-untyped-def]
    road, lamp, _park = await _three(app)
    response = await client.get("/proposals", params={"q": "jalan"})
    assert response.status_code == 200
    assert response.text.index(f"/proposals/{road}") < response.text.index(f"/proposals/{lamp}")
