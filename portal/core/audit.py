"""Write and verify the append-only audit log.

`record` must run inside the transaction of the state change it describes, so that the change
and its audit row commit or roll back together. The chain is extended under a lock: SQLite
serialises writers already; on PostgreSQL a transaction-scoped advisory lock orders appenders.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal.core.auditchain import GENESIS, AuditRecord, canonical_json, chain_hash, first_broken
from portal.core.models import AuditEvent
from portal.core.timeutil import utcnow

_ADVISORY_LOCK_KEY = 0x57415247  # "WARG"


async def _lock_chain(conn: BaseDBAsyncClient) -> None:
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [_ADVISORY_LOCK_KEY])


async def record(
    tag: str,
    *,
    actor_id: int | None,
    target_type: str = "",
    target_id: str | int = "",
    data: Mapping[str, Any] | None = None,
    ip_hash: str = "",
    conn: BaseDBAsyncClient | None = None,
) -> AuditEvent:
    """Append one audit row for `tag` (form "domain:subject:action")."""
    if conn is None:
        async with in_transaction() as own:
            return await record(
                tag, actor_id=actor_id, target_type=target_type, target_id=target_id,
                data=data, ip_hash=ip_hash, conn=own,
            )
    await _lock_chain(conn)
    last = await AuditEvent.all().using_db(conn).order_by("-id").first()
    prev_hash = last.hash if last else GENESIS
    created_at = utcnow()
    payload = canonical_json(dict(data or {}))
    fields = {
        "created_at": created_at.isoformat(),
        "actor_id": actor_id,
        "tag": tag,
        "target_type": target_type,
        "target_id": str(target_id),
        "data": payload,
        "ip_hash": ip_hash,
    }
    digest = chain_hash(prev_hash, **fields)  # type: ignore[arg-type]
    return await AuditEvent.create(
        created_at=created_at,
        actor_id=actor_id,
        tag=tag,
        target_type=target_type,
        target_id=str(target_id),
        data=payload,
        ip_hash=ip_hash,
        prev_hash=prev_hash,
        hash=digest,
        using_db=conn,
    )


def _as_record(event: AuditEvent) -> AuditRecord:
    return AuditRecord(
        id=event.id,
        created_at=event.created_at.astimezone(UTC).isoformat(),
        actor_id=event.actor_id,
        tag=event.tag,
        target_type=event.target_type,
        target_id=event.target_id,
        data=event.data,
        ip_hash=event.ip_hash,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


async def verify(batch_size: int = 5000) -> tuple[int, int | None]:
    """Walk the whole chain in id order: (rows checked, id of the first broken row or None)."""
    checked = 0
    prev = GENESIS
    last_id = 0
    while True:
        events = await AuditEvent.filter(id__gt=last_id).order_by("id").limit(batch_size)
        if not events:
            return checked, None
        records = [_as_record(e) for e in events]
        broken = first_broken(records, start=prev)
        if broken is not None:
            return checked + sum(1 for r in records if r.id < broken), broken
        checked += len(records)
        prev = records[-1].hash
        last_id = records[-1].id
