"""Proposals (usulan warga): the proposal, its authors, photos, supports, follows, comments,
flags and appeals (on proposals and on comments), leaderboard opt-outs, and its timeline.
Rules live in domain.py; these are tables only."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Proposal(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=140)
    description = fields.TextField()
    category = fields.CharField(max_length=24, db_index=True)
    kecamatan: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Kecamatan", related_name=False, on_delete=fields.RESTRICT
    )
    kelurahan: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Kelurahan", related_name=False, on_delete=fields.RESTRICT
    )
    address = fields.CharField(max_length=200, default="")
    lat = fields.FloatField(null=True)
    lon = fields.FloatField(null=True)
    suggested_agency: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Agency", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # The agency the moderator forwarded the proposal to.
    agency: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Agency", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    estimated_cost = fields.BigIntField(null=True)  # rupiah, the resident's estimate
    status = fields.CharField(max_length=16, default="draft", db_index=True)
    status_changed_at = fields.DatetimeField()
    deadline_at = fields.DatetimeField(null=True, db_index=True)
    # Set when the reminder for `deadline_at` went out (idempotent reminder job).
    reminded_deadline_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    submitted_at = fields.DatetimeField(null=True)
    verified_at = fields.DatetimeField(null=True)
    answered_at = fields.DatetimeField(null=True)
    answered_on_time = fields.BooleanField(null=True)
    answer_kind = fields.CharField(max_length=24, default="")
    answer_text = fields.TextField(default="")
    answer_cost = fields.BigIntField(null=True)  # rupiah, the agency's estimate
    answer_agency: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Agency", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    moderator_note = fields.TextField(default="")  # last reason given by a moderator
    support_count = fields.IntField(default=0)
    comment_count = fields.IntField(default=0)
    hidden = fields.BooleanField(default=False, db_index=True)
    hidden_reason = fields.CharField(max_length=300, default="")
    merged_into: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Proposal", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "proposal"


class ProposalAuthor(Model):
    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="authors", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    is_owner = fields.BooleanField(default=False)
    added_at = fields.DatetimeField()

    class Meta:
        table = "proposal_author"
        unique_together = (("proposal", "user"),)


class ProposalPhoto(Model):
    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="photos", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=64, unique=True)  # generated, never the upload's name
    content_type = fields.CharField(max_length=20)
    width = fields.IntField()
    height = fields.IntField()
    size = fields.IntField()
    alt = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "proposal_photo"


class Support(Model):
    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="supports", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "proposal_support"
        unique_together = (("proposal", "user"),)


class Follow(Model):
    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="follows", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "proposal_follow"
        unique_together = (("proposal", "user"),)


class Comment(Model):
    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="comments", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    # One level of replies: a reply's parent is always a top-level comment.
    parent: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Comment", related_name=False, null=True, on_delete=fields.CASCADE
    )
    body = fields.TextField()
    created_at = fields.DatetimeField()
    # Hidden after FLAG_THRESHOLD residents' reports, or by a moderator; db_default for migration.
    hidden = fields.BooleanField(default=False, db_default=False)
    hidden_reason = fields.CharField(max_length=300, default="", db_default="")

    class Meta:
        table = "proposal_comment"


class CommentFlag(Model):
    id = fields.IntField(primary_key=True)
    comment: fields.ForeignKeyRelation[Comment] = fields.ForeignKeyField(
        "models.Comment", related_name="flags", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    reason = fields.CharField(max_length=300)
    created_at = fields.DatetimeField()
    resolved = fields.BooleanField(default=False)

    class Meta:
        table = "proposal_comment_flag"
        unique_together = (("comment", "user"),)


class CommentAppeal(Model):
    """The comment author's single appeal against hiding, unique per comment."""

    id = fields.IntField(primary_key=True)
    comment: fields.OneToOneRelation[Comment] = fields.OneToOneField(
        "models.Comment", related_name="appeal", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    text = fields.TextField()
    created_at = fields.DatetimeField()
    decision = fields.CharField(max_length=12, default="")  # "" pending | "restored" | "upheld"
    decided_at = fields.DatetimeField(null=True)
    decided_by_id = fields.IntField(null=True)

    class Meta:
        table = "proposal_comment_appeal"


class Flag(Model):
    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="flags", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    reason = fields.CharField(max_length=300)
    created_at = fields.DatetimeField()
    resolved = fields.BooleanField(default=False)

    class Meta:
        table = "proposal_flag"
        unique_together = (("proposal", "user"),)


class Appeal(Model):
    """The author's single appeal against hiding, unique per proposal."""

    id = fields.IntField(primary_key=True)
    proposal: fields.OneToOneRelation[Proposal] = fields.OneToOneField(
        "models.Proposal", related_name="appeal", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    text = fields.TextField()
    created_at = fields.DatetimeField()
    decision = fields.CharField(max_length=12, default="")  # "" pending | "restored" | "upheld"
    decided_at = fields.DatetimeField(null=True)
    decided_by_id = fields.IntField(null=True)

    class Meta:
        table = "proposal_appeal"


class TimelineEntry(Model):
    """One step of the public status history (the audit log holds the full trail)."""

    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="timeline", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    action = fields.CharField(max_length=24)
    from_status = fields.CharField(max_length=16, default="")
    to_status = fields.CharField(max_length=16, default="")
    actor_id = fields.IntField(null=True)
    actor_role = fields.CharField(max_length=12)
    note = fields.TextField(default="")
    deadline_at = fields.DatetimeField(null=True)

    class Meta:
        table = "proposal_timeline"


class LeaderboardOptOut(Model):
    """A resident who chose not to appear on the public leaderboard (their badges stay private)."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation = fields.OneToOneField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "proposal_leaderboard_optout"
