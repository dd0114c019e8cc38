"""Shared kernel tables: the city's territory, its agencies, the audit log and the job queue."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Kecamatan(Model):
    code = fields.CharField(max_length=8, primary_key=True)  # Kepmendagri, e.g. "32.73.02"
    name = fields.CharField(max_length=80)

    class Meta:
        table = "kecamatan"
        ordering = ["name"]


class Kelurahan(Model):
    code = fields.CharField(max_length=13, primary_key=True)  # e.g. "32.73.02.1004"
    name = fields.CharField(max_length=80)
    kecamatan: fields.ForeignKeyRelation[Kecamatan] = fields.ForeignKeyField(
        "models.Kecamatan", related_name="kelurahan", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "kelurahan"
        ordering = ["name"]


class Agency(Model):
    """A perangkat daerah (SKPD/OPD). Names change with each SOTK Perda, hence validity dates."""

    id = fields.IntField(primary_key=True)
    abbreviation = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    notes = fields.CharField(max_length=300, default="")
    valid_from = fields.DateField(null=True)
    valid_to = fields.DateField(null=True)
    successor: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name=None, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "agency"
        ordering = ["name"]


class AuditEvent(Model):
    """Append-only, hash-chained record of every state change (see portal.core.auditchain).

    No code path updates or deletes these rows, and database triggers refuse it as well.
    """

    id = fields.BigIntField(primary_key=True)
    created_at = fields.DatetimeField()
    actor_id = fields.IntField(null=True)
    tag = fields.CharField(max_length=80, db_index=True)
    target_type = fields.CharField(max_length=40, default="")
    target_id = fields.CharField(max_length=64, default="", db_index=True)
    data = fields.TextField(default="{}")  # canonical JSON
    ip_hash = fields.CharField(max_length=64, default="")
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "audit_event"


class Job(Model):
    """A background job: a unique key makes enqueueing idempotent, leases make each run exclusive."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=60, db_index=True)
    key = fields.CharField(max_length=200, unique=True)
    payload = fields.TextField(default="{}")
    run_at = fields.DatetimeField(db_index=True)
    status = fields.CharField(max_length=12, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField(default=8)
    lease_until = fields.DatetimeField(null=True)
    locked_by = fields.CharField(max_length=64, default="")
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "job"
