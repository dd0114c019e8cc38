"""Pure hash chain for the audit log.

Each row's hash is SHA-256 over the previous row's hash and the row's canonical content, so
altering, inserting or deleting any row breaks every hash after it. `first_broken` names the
first row whose stored hash does not match the recomputed chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    id: int
    created_at: str  # ISO 8601 UTC, as stored
    actor_id: int | None
    tag: str
    target_type: str
    target_id: str
    data: str  # canonical JSON
    ip_hash: str
    prev_hash: str
    hash: str


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(
    prev_hash: str,
    *,
    created_at: str,
    actor_id: int | None,
    tag: str,
    target_type: str,
    target_id: str,
    data: str,
    ip_hash: str,
) -> str:
    content = canonical_json(
        {
            "prev": prev_hash,
            "at": created_at,
            "actor": actor_id,
            "tag": tag,
            "target": [target_type, target_id],
            "data": data,
            "ip": ip_hash,
        }
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def first_broken(records: Iterable[AuditRecord], start: str = GENESIS) -> int | None:
    """Id of the first record that breaks the chain, or None when the whole chain verifies.

    `start` is the hash the first record must point back to (GENESIS for the whole log).
    """
    expected_prev = start
    for record in records:
        recomputed = chain_hash(
            record.prev_hash,
            created_at=record.created_at,
            actor_id=record.actor_id,
            tag=record.tag,
            target_type=record.target_type,
            target_id=record.target_id,
            data=record.data,
            ip_hash=record.ip_hash,
        )
        if record.prev_hash != expected_prev or recomputed != record.hash:
            return record.id
        expected_prev = record.hash
    return None
