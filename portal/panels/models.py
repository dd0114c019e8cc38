"""Co-assessment tables: services, inspections, panel applications and members, scorecards,
the agency's self-assessment, satisfaction survey responses and the action plan.

Answers are stored raw (JSON object keyed by unsur code, values 1-4 or null) so any result can
be recomputed (DOMAIN.md §1.4). Rules live in domain.py / scoring.py, not here.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Service(Model):
    """A public service of an agency, whose code is the public survey link (/survey/{code})."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=60, unique=True)
    name = fields.CharField(max_length=200)
    agency: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Agency", related_name=None, on_delete=fields.RESTRICT
    )
    scale = fields.CharField(max_length=24, default="permenpanrb_14_2017")

    class Meta:
        table = "panels_service"


class Inspection(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "models.Service", related_name="inspections", on_delete=fields.RESTRICT
    )
    agency: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Agency", related_name=None, on_delete=fields.RESTRICT
    )
    scope = fields.TextField()
    methods = fields.CharField(max_length=200)  # comma-separated method keys
    period_start = fields.DateField()
    period_end = fields.DateField()
    team_size = fields.IntField(default=4)
    scale = fields.CharField(max_length=24, default="permenpanrb_14_2017")
    fieldwork_days = fields.IntField(default=30)
    # Service users per period (for the Krejcie & Morgan survey target), if the agency knows it.
    population = fields.IntField(null=True)
    state = fields.CharField(max_length=24, default="draft", db_index=True)
    state_entered_at = fields.DatetimeField()
    deadline = fields.DateField(null=True)
    draw_seed = fields.CharField(max_length=80, default="")
    drawn_at = fields.DatetimeField(null=True)
    report_findings = fields.TextField(default="")
    report_strengths = fields.TextField(default="")
    report_recommendations = fields.TextField(default="")
    reply_text = fields.TextField(default="")
    replied_at = fields.DatetimeField(null=True)
    reply_deadline = fields.DateField(null=True)
    minutes = fields.TextField(default="")
    approved_by_id = fields.IntField(null=True)
    approved_at = fields.DatetimeField(null=True)
    created_by_id = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)
    # Deadline sweep (deadline_jobs.py): the deadline a reminder went out for, and when the
    # current state's deadline was escalated to the council. Both reset on every transition.
    reminded_deadline = fields.DateField(null=True)
    escalated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "panels_inspection"


class Application(Model):
    id = fields.IntField(primary_key=True)
    inspection: fields.ForeignKeyRelation[Inspection] = fields.ForeignKeyField(
        "models.Inspection", related_name="applications", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=None, on_delete=fields.CASCADE
    )
    motivation = fields.TextField()
    kecamatan_code = fields.CharField(max_length=8)
    availability = fields.CharField(max_length=300)
    gender = fields.CharField(max_length=1, default="")  # "f" | "m" | "" (not said)
    age_group = fields.CharField(max_length=8, default="")
    declared_no_conflict = fields.BooleanField(default=True)
    # applied | selected | reserve | rejected | withdrawn (domain.APPLICATION_MOVES)
    status = fields.CharField(max_length=12, default="applied")
    reserve_rank = fields.IntField(null=True)  # place on the reserve list, from the draw
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "panels_application"
        unique_together = (("inspection", "user"),)


class PanelMember(Model):
    """Membership of one inspection's panel: the panelist role *for that inspection*."""

    id = fields.IntField(primary_key=True)
    inspection: fields.ForeignKeyRelation[Inspection] = fields.ForeignKeyField(
        "models.Inspection", related_name="members", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=None, on_delete=fields.CASCADE
    )
    number = fields.IntField()  # "Panelist 3": the only name the agency ever sees
    selected_by = fields.CharField(max_length=12)  # "draw" | "coordinator"
    conduct_confirmed_at = fields.DatetimeField(null=True)
    training_done_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "panels_member"
        unique_together = (("inspection", "user"), ("inspection", "number"))


class Scorecard(Model):
    id = fields.IntField(primary_key=True)
    inspection: fields.ForeignKeyRelation[Inspection] = fields.ForeignKeyField(
        "models.Inspection", related_name="scorecards", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation[PanelMember] = fields.ForeignKeyField(
        "models.PanelMember", related_name="scorecards", on_delete=fields.CASCADE
    )
    phase = fields.CharField(max_length=10)  # "fieldwork" | "review"
    visit = fields.IntField()
    answers = fields.TextField(default="{}")
    servqual = fields.TextField(default="")  # JSON {"e": {...}, "p": {...}} or ""
    observations = fields.TextField(default="")
    status = fields.CharField(max_length=10, default="draft")  # draft | submitted
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    submitted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "panels_scorecard"
        unique_together = (("inspection", "member", "phase", "visit"),)


class ScorecardPhoto(Model):
    """Evidence photo on a scorecard, re-encoded like proposal photos (no metadata survives)."""

    id = fields.IntField(primary_key=True)
    scorecard: fields.ForeignKeyRelation[Scorecard] = fields.ForeignKeyField(
        "models.Scorecard", related_name="photos", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=64, unique=True)  # generated, never the upload's name
    content_type = fields.CharField(max_length=20)
    width = fields.IntField()
    height = fields.IntField()
    size = fields.IntField()
    alt = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "panels_scorecard_photo"


class SelfAssessment(Model):
    id = fields.IntField(primary_key=True)
    inspection: fields.OneToOneRelation[Inspection] = fields.OneToOneField(
        "models.Inspection", related_name="self_assessment", on_delete=fields.CASCADE
    )
    answers = fields.TextField(default="{}")
    notes = fields.TextField(default="")
    status = fields.CharField(max_length=10, default="draft")
    submitted_by_id = fields.IntField(null=True)
    submitted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "panels_self_assessment"


class SurveyPeriod(Model):
    """A satisfaction survey window for one service, opened independently of any inspection."""

    id = fields.IntField(primary_key=True)
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "models.Service", related_name="periods", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    opens_on = fields.DateField()
    closes_on = fields.DateField()
    scale = fields.CharField(max_length=24)
    population = fields.IntField(null=True)  # service users in the period, for the K&M target
    created_by_id = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)  # closed early by hand

    class Meta:
        table = "panels_survey_period"


class SurveyResponse(Model):
    """One SKM respondent: online (one per verified resident per period) or imported from CSV."""

    id = fields.IntField(primary_key=True)
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "models.Service", related_name="responses", on_delete=fields.CASCADE
    )
    inspection: fields.ForeignKeyNullableRelation[Inspection] = fields.ForeignKeyField(
        "models.Inspection", related_name="survey_responses", null=True, on_delete=fields.SET_NULL
    )
    # "2026-S2" (implicit half-year) or "P<id>" for an explicit SurveyPeriod.
    period = fields.CharField(max_length=8, db_index=True)
    survey_period: fields.ForeignKeyNullableRelation[SurveyPeriod] = fields.ForeignKeyField(
        "models.SurveyPeriod", related_name="responses", null=True, on_delete=fields.CASCADE
    )
    scale = fields.CharField(max_length=24)
    source = fields.CharField(max_length=8)  # "online" | "csv"
    batch = fields.CharField(max_length=32, default="")
    user: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name=None, null=True, on_delete=fields.SET_NULL
    )
    answers = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "panels_survey_response"
        # NULL users (CSV rows) are distinct, so only online answers are limited to one.
        unique_together = (("service", "period", "user"),)


class Action(Model):
    id = fields.IntField(primary_key=True)
    inspection: fields.ForeignKeyRelation[Inspection] = fields.ForeignKeyField(
        "models.Inspection", related_name="actions", on_delete=fields.CASCADE
    )
    unsur = fields.CharField(max_length=4)
    description = fields.TextField()
    owner = fields.CharField(max_length=200)
    due_date = fields.DateField()
    budget_source = fields.CharField(max_length=200)
    evidence_expected = fields.CharField(max_length=300)
    evidence_text = fields.TextField(default="")
    evidence_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)  # the due-date reminder went out
    escalated_at = fields.DatetimeField(null=True)  # overdue without evidence: told the council
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "panels_action"


class ActionVerdict(Model):
    """A panelist confirms or disputes the evidence of one action."""

    id = fields.IntField(primary_key=True)
    action: fields.ForeignKeyRelation[Action] = fields.ForeignKeyField(
        "models.Action", related_name="verdicts", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation[PanelMember] = fields.ForeignKeyField(
        "models.PanelMember", related_name=None, on_delete=fields.CASCADE
    )
    verdict = fields.CharField(max_length=10)  # "confirm" | "dispute"
    note = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "panels_action_verdict"
        unique_together = (("action", "member"),)
