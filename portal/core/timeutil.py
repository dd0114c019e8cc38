"""The portal's clock: everything is stored in UTC and shown in Asia/Jakarta."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_jakarta(moment: datetime) -> datetime:
    return moment.astimezone(JAKARTA)
