"""The audit log: hash chain verification, tamper detection, append-only in the database."""

from __future__ import annotations

import pytest
from tortoise import Tortoise
from tortoise.exceptions import OperationalError, TransactionManagementError

from portal.core import audit
from portal.core.auditchain import GENESIS, AuditRecord, chain_hash, first_broken
from portal.core.models import AuditEvent


def _chain(n: int) -> list[AuditRecord]:
    records, prev = [], GENESIS
    for i in range(1, n + 1):
        fields = dict(created_at=f"2026-11-29T00:00:0{i}+00:00", actor_id=i, tag="t:x:y",
                      target_type="user", target_id=str(i), data="{}", ip_hash="")
        digest = chain_hash(prev, **fields)  # type: ignore[arg-type]
        records.append(AuditRecord(id=i, prev_hash=prev, hash=digest, **fields))  # type: ignore[arg-type]
        prev = digest
    return records


@pytest.mark.parametrize(
    ("mutate", "broken"),
    [
        (lambda rs: rs, None),  # untouched chain verifies
        (lambda rs: [rs[0], AuditRecord(**{**rs[1].__dict__, "tag": "forged"}), rs[2]], 2),  # edited row
        (lambda rs: [rs[0], rs[2]], 3),  # deleted row: the next one no longer links
        (lambda rs: [rs[1], rs[2]], 2),  # deleted first row
        (lambda rs: [rs[0], rs[2], rs[1]], 3),  # reordered rows
    ],
)
def test_first_broken_table(mutate, broken) -> None:  # type: ignore[no-untyped-def]
    assert first_broken(mutate(_chain(3))) == broken


async def test_record_and_verify_roundtrip(db) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        await audit.record("test:thing:do", actor_id=i, target_type="thing", target_id=i, data={"n": i})
    assert await audit.verify(batch_size=2) == (5, None)


async def test_database_refuses_update_and_delete(db) -> None:  # type: ignore[no-untyped-def]
    event = await audit.record("test:thing:do", actor_id=1)
    with pytest.raises((OperationalError, TransactionManagementError, Exception)):
        await AuditEvent.filter(id=event.id).update(tag="forged")
    with pytest.raises(Exception):
        await AuditEvent.filter(id=event.id).delete()
    assert (await AuditEvent.get(id=event.id)).tag == "test:thing:do"


async def test_tampering_below_the_orm_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        await audit.record("test:thing:do", actor_id=i)
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "sqlite":
        await conn.execute_script("DROP TRIGGER audit_event_no_update")
    else:
        await conn.execute_script("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    second = (await AuditEvent.all().order_by("id"))[1]
    await conn.execute_script(f"UPDATE audit_event SET data = '{{\"x\":1}}' WHERE id = {second.id}")
    checked, broken = await audit.verify()
    assert broken == second.id and checked == 1
