"""Council tables: the decision register and the implementation projects it commits the city to.

Rules live in domain.py. Published decisions are immutable: the services refuse changes and the
database triggers of portal.council.guards refuse them too.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Decision(Model):
    """A resolution of the city council, numbered N/YYYY, draft until published."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=16, unique=True)
    decided_on = fields.DateField(db_index=True)
    title = fields.CharField(max_length=200)
    text = fields.TextField()
    kind = fields.CharField(max_length=24, db_index=True)
    status = fields.CharField(max_length=12, default="draft", db_index=True)
    votes_for = fields.IntField(default=0)
    votes_against = fields.IntField(default=0)
    votes_abstain = fields.IntField(default=0)
    dissenters = fields.TextField(default="")  # one name per line, only those who asked to be named
    rationale = fields.TextField(default="")
    budget_line = fields.CharField(max_length=120, default="")
    amount = fields.BigIntField(null=True)  # rupiah
    # Responsible agency for adopted items that name none (e.g. a PB project without a proposal).
    agency: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Agency", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    implement = fields.BooleanField(default=False)
    amends: fields.ForeignKeyNullableRelation[Decision] = fields.ForeignKeyField(
        "models.Decision", related_name="amendments", null=True, on_delete=fields.RESTRICT
    )
    created_by_id = fields.IntField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    published_by_id = fields.IntField(null=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "council_decision"


class DecisionLink(Model):
    """What a decision concerns: a proposal, a PB cycle, an inspection or one of its actions."""

    id = fields.IntField(primary_key=True)
    decision: fields.ForeignKeyRelation[Decision] = fields.ForeignKeyField(
        "models.Decision", related_name="links", on_delete=fields.RESTRICT
    )
    target_type = fields.CharField(max_length=16)
    target_id = fields.IntField()

    class Meta:
        table = "council_decision_link"
        unique_together = (("decision", "target_type", "target_id"),)
        indexes = (("target_type", "target_id"),)


class ImplementationProject(Model):
    """An adopted item the responsible agency carries out, with a public timeline."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    decision: fields.ForeignKeyNullableRelation[Decision] = fields.ForeignKeyField(
        "models.Decision", related_name="projects", null=True, on_delete=fields.RESTRICT
    )
    parent: fields.ForeignKeyNullableRelation[ImplementationProject] = fields.ForeignKeyField(
        "models.ImplementationProject", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    # Where it came from: "pb_project", "proposal", "action" or "" (a sub-project).
    source_type = fields.CharField(max_length=16, default="")
    source_id = fields.IntField(null=True)
    proposal_id = fields.IntField(null=True, db_index=True)  # the originating proposal, if any
    pb_cycle_id = fields.IntField(null=True, db_index=True)
    inspection_id = fields.IntField(null=True, db_index=True)
    agency: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Agency", related_name=False, on_delete=fields.RESTRICT
    )
    kecamatan_code = fields.CharField(max_length=8, default="", db_index=True)
    status = fields.CharField(max_length=12, default="planned", db_index=True)
    cancel_reason = fields.TextField(default="")
    cost = fields.BigIntField(default=0)  # rupiah, the adopted budget
    spent = fields.BigIntField(default=0)  # rupiah, reported by the agency
    progress = fields.IntField(default=0)  # own percent, used when it has no sub-projects
    under_review = fields.BooleanField(default=False, db_index=True)
    review_note = fields.TextField(default="")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "council_project"
        unique_together = (("source_type", "source_id"),)


class ProjectSource(Model):
    """A further adopted item that an existing implementation project already carries out.

    E.g. a PB winner whose proposal the council had answered before: the winner is linked to
    the proposal's project instead of getting a second one. Keyed by the source like a project,
    so adopting the same item again links nothing new.
    """

    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[ImplementationProject] = fields.ForeignKeyField(
        "models.ImplementationProject", related_name="sources", on_delete=fields.CASCADE
    )
    decision: fields.ForeignKeyRelation[Decision] = fields.ForeignKeyField(
        "models.Decision", related_name="linked_sources", on_delete=fields.RESTRICT
    )
    source_type = fields.CharField(max_length=16)
    source_id = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "council_project_source"
        unique_together = (("source_type", "source_id"),)


class Milestone(Model):
    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[ImplementationProject] = fields.ForeignKeyField(
        "models.ImplementationProject", related_name="milestones", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    due_on = fields.DateField()
    done_on = fields.DateField(null=True)

    class Meta:
        table = "council_milestone"
        ordering = ["due_on", "id"]


class ProjectUpdate(Model):
    """One entry of the public timeline: a status change, progress report, milestone or note."""

    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[ImplementationProject] = fields.ForeignKeyField(
        "models.ImplementationProject", related_name="updates", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # created | linked | status | progress | milestone | note | review
    text = fields.TextField(default="")
    from_status = fields.CharField(max_length=12, default="")
    to_status = fields.CharField(max_length=12, default="")
    author_id = fields.IntField(null=True)
    author_role = fields.CharField(max_length=12, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "council_project_update"
        ordering = ["created_at", "id"]


class UpdatePhoto(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyRelation[ProjectUpdate] = fields.ForeignKeyField(
        "models.ProjectUpdate", related_name="photos", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=64, unique=True)
    content_type = fields.CharField(max_length=20)
    width = fields.IntField()
    height = fields.IntField()
    alt = fields.CharField(max_length=200, default="")

    class Meta:
        table = "council_update_photo"


class Confirmation(Model):
    """A resident's answer to "was it really done?", one per resident and project, changeable."""

    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[ImplementationProject] = fields.ForeignKeyField(
        "models.ImplementationProject", related_name="confirmations", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    answer = fields.CharField(max_length=8)  # yes | no | unknown
    comment = fields.CharField(max_length=500, default="")
    photo_filename = fields.CharField(max_length=64, default="")
    photo_content_type = fields.CharField(max_length=20, default="")
    photo_width = fields.IntField(default=0)
    photo_height = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "council_confirmation"
        unique_together = (("project", "user"),)
