"""Small readers shared by the notification tests."""

from __future__ import annotations

from portal.notifications.models import Notification


async def rows_of(user_id: int | None) -> list[Notification]:
    return await Notification.filter(user_id=user_id).order_by("id")


async def make_row(user_id: int, item_id: int = 1, *, message: str = "proposal.status",
                   params: dict[str, str] | None = None, count: int = 1) -> Notification:
    """A notification row as the fan-out writes it (for page tests that need no audit history)."""
    import json

    from portal.core.timeutil import utcnow
    from portal.notifications.domain import jakarta_day

    now = utcnow()
    values = params if params is not None else {"title": "Jalan Dago", "to": "forwarded"}
    entry = {"event_id": item_id, "kind": "proposal_status", "message": message, "params": values,
             "at": now.isoformat()}
    return await Notification.create(user_id=user_id, kind="proposal_status", item_type="proposal",
                                     item_id=item_id, day=jakarta_day(now), message=message,
                                     params=json.dumps(values), entries=json.dumps([entry] * count), count=count,
                                     created_at=now, updated_at=now)
