"""Notification tables: the fan-out cursor, grouped notifications and per-kind preferences."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class NotificationCursor(Model):
    """The single row (id 1) remembering the last audit event turned into notifications.

    It advances in the same transaction as the notifications it produced, so a crash neither
    loses nor repeats events.
    """

    id = fields.IntField(primary_key=True)
    last_event_id = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification_cursor"


class Notification(Model):
    """One resident's grouped notice about one item on one day (Asia/Jakarta).

    Only the message key and its parameters are stored: the text is rendered in the reader's
    language. `entries` keeps the latest events of the day as JSON.
    """

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=24)  # of the latest event
    item_type = fields.CharField(max_length=24)
    item_id = fields.IntField()
    day = fields.DateField()
    message = fields.CharField(max_length=40)  # of the latest event
    params = fields.TextField(default="{}")  # JSON, of the latest event
    entries = fields.TextField(default="[]")  # JSON list, newest last
    count = fields.IntField(default=1)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    read_at = fields.DatetimeField(null=True)
    email_mode = fields.CharField(max_length=12, default="")  # "" | immediate | daily | weekly
    email_pending = fields.BooleanField(default=False, db_index=True)
    pending_since = fields.DatetimeField(null=True)
    emailed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
        unique_together = (("user", "item_type", "item_id", "day"),)
        indexes = (("user_id", "read_at"),)  # the column: migrations do not map FK names in indexes


class NotificationPreference(Model):
    """A resident's choice for one kind (no row = the kind's default)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=24)
    mode = fields.CharField(max_length=12)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "notification_preference"
        unique_together = (("user", "kind"),)
