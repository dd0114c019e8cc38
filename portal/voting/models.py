"""Participatory budgeting tables: cycles, their ballot scopes, projects, ballots and results.

A cycle has one ballot scope per budget: the city-wide one (``kecamatan_code`` NULL) and,
optionally, one per kecamatan. A resident votes in the city-wide scope and in the scope of the
kecamatan where they are verified. Money is integer rupiah.

Anonymity: a ballot row keeps its ``voter_key`` only so that a resident can replace their
ballot and cannot vote twice; published data (results, the Pabulib export, receipt checks) key
ballots by ``public_key`` (the SHA-256 of the receipt code) and never show the voter key.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from portal.voting.tally import RESERVE_PCT


class PbCycle(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    phase = fields.CharField(max_length=12, default="draft", db_index=True)
    total_budget = fields.BigIntField()  # rupiah: the city-wide budget plus every kecamatan budget
    ballot_kind = fields.CharField(max_length=12)
    min_spend_pct = fields.IntField(default=0)
    min_projects = fields.IntField(default=0)
    max_projects = fields.IntField(null=True)
    k = fields.IntField(null=True)
    points = fields.IntField(null=True)
    max_points_per_project = fields.IntField(null=True)
    rule = fields.CharField(max_length=40)  # a key of tally.RULES
    tie_break = fields.CharField(max_length=12, default="")  # "" = the rule's own default
    # Pabulib META min_project_score_threshold (exact number as text), for greedy-threshold.
    min_score = fields.CharField(max_length=40, default="")
    # greedy-custom: whole % of the stopping project's cost that must be left for the city
    # reserve to fund it; other rules ignore it and keep the default (Poznań's 80).
    reserve_pct = fields.IntField(default=RESERVE_PCT)
    proposals_from = fields.DateField(null=True)
    review_from = fields.DateField(null=True)
    voting_from = fields.DateField(null=True)
    voting_until = fields.DateField(null=True)
    results_on = fields.DateField(null=True)
    imported_from = fields.CharField(max_length=200, default="")  # Pabulib file name, if imported
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "pb_cycle"
        ordering = ["-id"]


class PbScope(Model):
    """One ballot: the city-wide budget or one kecamatan's."""

    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[PbCycle] = fields.ForeignKeyField(
        "models.PbCycle", related_name="scopes", on_delete=fields.CASCADE
    )
    kecamatan_code = fields.CharField(max_length=8, null=True)
    budget = fields.BigIntField()
    export_sha256 = fields.CharField(max_length=64, default="")  # frozen at publication
    export_text = fields.TextField(default="")

    class Meta:
        table = "pb_scope"
        unique_together = (("cycle", "kecamatan_code"),)


class PbProject(Model):
    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[PbCycle] = fields.ForeignKeyField(
        "models.PbCycle", related_name="projects", on_delete=fields.CASCADE
    )
    scope: fields.ForeignKeyRelation[PbScope] = fields.ForeignKeyField(
        "models.PbScope", related_name="projects", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=64, default="")  # Pabulib project_id when imported
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    cost = fields.BigIntField()
    # The proposal it was promoted from (portal.voting.promote). A plain id rather than a foreign
    # key so the voting tables stand alone (imports, tests); unique per cycle, which is what makes
    # promotion idempotent under concurrent clicks.
    proposal_id = fields.IntField(null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pb_project"
        ordering = ["id"]
        unique_together = (("cycle", "proposal_id"),)


class PbVoter(Model):
    """Who took part in a cycle and how: one row per voter per cycle.

    The unique row is the lock that serialises a voter's concurrent submissions and keeps
    online and assisted voting exclusive. ``kecamatan_code`` feeds the turnout figures.
    """

    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[PbCycle] = fields.ForeignKeyField(
        "models.PbCycle", related_name="voters", on_delete=fields.CASCADE
    )
    voter_key = fields.CharField(max_length=80)
    channel = fields.CharField(max_length=10)  # "online" | "assisted" | "imported"
    kecamatan_code = fields.CharField(max_length=8, default="")

    class Meta:
        table = "pb_voter"
        unique_together = (("cycle", "voter_key"),)


class PbBallot(Model):
    id = fields.IntField(primary_key=True)
    scope: fields.ForeignKeyRelation[PbScope] = fields.ForeignKeyField(
        "models.PbScope", related_name="ballots", on_delete=fields.CASCADE
    )
    voter_key = fields.CharField(max_length=80)
    public_key = fields.CharField(max_length=80)  # SHA-256 of the receipt code (hex)
    # Canonical JSON list of [project id, points] (ranked order for ranked ballots).
    choices = fields.TextField()
    channel = fields.CharField(max_length=10)
    station = fields.CharField(max_length=120, default="")
    recorded_by_id = fields.IntField(null=True)
    cast_at = fields.DatetimeField()

    class Meta:
        table = "pb_ballot"
        unique_together = (("scope", "voter_key"), ("scope", "public_key"))


class PbTallyRow(Model):
    """One project's outcome under one rule (the cycle's rule and each compared rule)."""

    id = fields.IntField(primary_key=True)
    scope: fields.ForeignKeyRelation[PbScope] = fields.ForeignKeyField(
        "models.PbScope", related_name="tally_rows", on_delete=fields.CASCADE
    )
    project: fields.ForeignKeyRelation[PbProject] = fields.ForeignKeyField(
        "models.PbProject", related_name="tally_rows", on_delete=fields.CASCADE
    )
    rule = fields.CharField(max_length=40)
    primary = fields.BooleanField(default=False)
    selected = fields.BooleanField()
    funded_order = fields.IntField(null=True)  # 1-based position in the rule's funding order
    score = fields.TextField()  # exact number as text ("12", "7/2"); fractions can be long
    note = fields.CharField(max_length=300, default="")  # English, as the CLI prints it
    reason = fields.CharField(max_length=16, default="")  # tally.REASONS: pages translate this
    remaining_budget = fields.TextField(default="")
    round = fields.IntField(null=True)
    supporters_could_pay = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pb_tally_row"
        unique_together = (("scope", "rule", "project"),)
