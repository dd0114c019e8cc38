"""Closures that an admin adds on top of the national holiday data (city holidays)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class CityHoliday(Model):
    """A day the city administration is closed although the national calendar says it works."""

    id = fields.IntField(primary_key=True)
    day = fields.DateField(unique=True)
    name = fields.CharField(max_length=120)
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "city_holiday"
        ordering = ["day"]
