"""Accounts: users, their roles, server-side sessions and resident verification.

The NIK itself is never stored: only its keyed HMAC (unique, so one NIK = one account), a mask
taken at entry time, the birth year and the kelurahan of domicile.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)  # stored lower-cased
    name = fields.CharField(max_length=120)
    password_hash = fields.CharField(max_length=200)
    email_confirmed_at = fields.DatetimeField(null=True)
    disabled_at = fields.DatetimeField(null=True)
    # Bumped on logout-everywhere events (password change, disable): older sessions die.
    session_version = fields.IntField(default=1)
    lang = fields.CharField(max_length=5, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user"


class UserRole(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="roles", on_delete=fields.CASCADE
    )
    role = fields.CharField(max_length=20)
    # Only for agency officers: the agency they act for.
    agency: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Agency", related_name=None, null=True, on_delete=fields.RESTRICT
    )
    granted_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user_role"
        unique_together = (("user", "role"),)


class UserSession(Model):
    """A login. The cookie carries only the id, and deleting the row logs that browser out."""

    id = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_version = fields.IntField()
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "user_session"


class ResidentVerification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="verification", on_delete=fields.CASCADE
    )
    # "k1:<hex>"; NULL once revoked so the NIK may be claimed again by its rightful owner.
    nik_digest = fields.CharField(max_length=80, unique=True, null=True)
    nik_masked = fields.CharField(max_length=24)
    birth_year = fields.IntField()
    # Set only for residents under 17 at verification: the day they may start to vote.
    adult_on = fields.DateField(null=True)
    kelurahan: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Kelurahan", related_name=None, on_delete=fields.RESTRICT
    )
    method = fields.CharField(max_length=12)  # "online" | "assisted"
    verified_by_id = fields.IntField(null=True)
    verified_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=300, default="")

    class Meta:
        table = "resident_verification"
