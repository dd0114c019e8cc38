"""Co-production programme register: programmes, their NEF principle assessment, their
performance indicators and the indicators' readings. Rules live in domain.py."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Programme(Model):
    """A co-production programme of the city and its six-step development template."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    type = fields.CharField(max_length=20)  # domain.ProgrammeType
    lead = fields.CharField(max_length=200, default="")  # who runs it, e.g. "Diskominfo"
    summary = fields.TextField(default="")
    # Column order in the principle matrix (the seed's Tabel 2 order for its programmes).
    position = fields.IntField(default=0)
    goal = fields.TextField(default="")
    change_management = fields.TextField(default="")
    outcomes = fields.TextField(default="[]")  # JSON list of [party, outcome]
    costs = fields.BigIntField(null=True)  # rupiah per year
    costs_note = fields.TextField(default="")
    savings = fields.BigIntField(null=True)  # rupiah per year
    savings_note = fields.TextField(default="")
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "programme"
        ordering = ["position", "id"]


class PrincipleAssessment(Model):
    """One NEF principle for one programme: yes, no or not assessed, with the evidence."""

    id = fields.IntField(primary_key=True)
    programme: fields.ForeignKeyRelation[Programme] = fields.ForeignKeyField(
        "models.Programme", related_name="assessments", on_delete=fields.CASCADE
    )
    principle = fields.CharField(max_length=16)  # domain.Principle
    answer = fields.CharField(max_length=4, default="")  # domain.Answer
    evidence = fields.TextField(default="")

    class Meta:
        table = "programme_assessment"
        unique_together = (("programme", "principle"),)


class Indicator(Model):
    """A performance indicator, optionally bound to a live figure of the portal (metric)."""

    id = fields.IntField(primary_key=True)
    programme: fields.ForeignKeyRelation[Programme] = fields.ForeignKeyField(
        "models.Programme", related_name="indicators", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=160)
    unit = fields.CharField(max_length=40, default="")
    target = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    metric = fields.CharField(max_length=40, default="")  # a key of queries.METRICS, "" = manual
    metric_param = fields.CharField(max_length=40, default="")  # e.g. an agency abbreviation
    created_at = fields.DatetimeField()

    class Meta:
        table = "programme_indicator"
        ordering = ["id"]


class IndicatorReading(Model):
    """One value of an indicator on one day (Asia/Jakarta): a snapshot or a manual entry."""

    id = fields.IntField(primary_key=True)
    indicator: fields.ForeignKeyRelation[Indicator] = fields.ForeignKeyField(
        "models.Indicator", related_name="readings", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    value = fields.DecimalField(max_digits=14, decimal_places=2)
    source = fields.CharField(max_length=8)  # "snapshot" | "manual"
    created_at = fields.DatetimeField()

    class Meta:
        table = "programme_reading"
        unique_together = (("indicator", "day"),)
