"""Full-text search over proposals' titles and descriptions, one API on both databases.

- SQLite: an FTS5 table `proposal_fts` with external content (the `proposal` table), kept in sync
  by triggers, tokenizer unicode61 with diacritics removed; ranked by bm25.
- PostgreSQL: a GIN expression index on to_tsvector('simple', title || ' ' || description),
  ranked by ts_rank. 'simple' because core PostgreSQL has no Indonesian stemmer and residents
  mix Indonesian, Sundanese and English words; 'simple' keeps words as typed (lower-cased).

User input never reaches either query language: it is cut into words of letters and digits,
and each word becomes a quoted prefix term (`"jalan"*` / `jalan:*`), so quotes, parentheses,
NEAR, AND/OR/NOT, colons or stars typed by a resident are plain text, never syntax.

Caveat (SQLite): tortoise reports affected rows as the connection's total_changes, which
includes the triggers' writes, so an UPDATE that sets title or description reports more than
one row. Conditional updates of those columns must test the count's truthiness, not `== 1`.

`install(conn)` creates the table, triggers and index idempotently. Migration 0004 calls it, the
start-up calls it (so a database migrated before it existed gets it), and the test fixture too.
"""

from __future__ import annotations

import re
from typing import Literal

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.proposals.models import Proposal

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

SQLITE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS proposal_fts USING fts5(
         title, description, content='proposal', content_rowid='id',
         tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS proposal_fts_ai AFTER INSERT ON proposal BEGIN
         INSERT INTO proposal_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
       END""",
    """CREATE TRIGGER IF NOT EXISTS proposal_fts_ad AFTER DELETE ON proposal BEGIN
         INSERT INTO proposal_fts(proposal_fts, rowid, title, description)
         VALUES ('delete', old.id, old.title, old.description);
       END""",
    """CREATE TRIGGER IF NOT EXISTS proposal_fts_au AFTER UPDATE OF title, description ON proposal BEGIN
         INSERT INTO proposal_fts(proposal_fts, rowid, title, description)
         VALUES ('delete', old.id, old.title, old.description);
         INSERT INTO proposal_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
       END""",
    # Index rows written before the triggers existed (idempotent: rebuilds from `proposal`).
    "INSERT INTO proposal_fts(proposal_fts) VALUES ('rebuild')",
]

_PG_DOCUMENT = "to_tsvector('simple', title || ' ' || description)"
POSTGRES = [f"CREATE INDEX IF NOT EXISTS proposal_fulltext_idx ON proposal USING GIN ({_PG_DOCUMENT})"]


async def install(conn: BaseDBAsyncClient) -> None:
    statements = POSTGRES if conn.capabilities.dialect == "postgres" else SQLITE
    for statement in statements:
        await conn.execute_script(statement)


def terms(text: str) -> list[str]:
    """The searchable words of `text`: letters and digits only, lower-cased, at most 8."""
    words = [w.lower()[:MAX_TERM_LENGTH] for w in _WORD.findall(text)]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def sqlite_query(words: list[str], mode: Literal["all", "any"]) -> str:
    return (" AND " if mode == "all" else " OR ").join(f'"{w}"*' for w in words)


def postgres_query(words: list[str], mode: Literal["all", "any"]) -> str:
    return (" & " if mode == "all" else " | ").join(f"{w}:*" for w in words)


async def search(text: str, *, mode: Literal["all", "any"] = "all", limit: int = 1000) -> list[int]:
    """Ids of proposals matching `text`, best match first. `all`: every word must occur (the list
    search); `any`: at least one (duplicate suggestions, ranked by how much matches)."""
    words = terms(text)
    if not words:
        return []
    conn = Proposal._meta.db
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(
            f"SELECT id FROM proposal WHERE {_PG_DOCUMENT} @@ to_tsquery('simple', $1) "
            f"ORDER BY ts_rank({_PG_DOCUMENT}, to_tsquery('simple', $1)) DESC, id DESC LIMIT $2",
            [postgres_query(words, mode), limit])
    else:
        rows = await conn.execute_query_dict(
            "SELECT rowid AS id FROM proposal_fts WHERE proposal_fts MATCH ? ORDER BY rank, rowid DESC LIMIT ?",
            [sqlite_query(words, mode), limit])
    return [int(r["id"]) for r in rows]
