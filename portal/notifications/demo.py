"""Demo notifications: turn the demo city's history into in-app notifications once (idempotent).

A real installation starts its cursor after the existing history; the demo instead replays it,
so demo residents find their proposals' news on /notifications. History is not news by mail:
the replayed rows are marked as not waiting for email.
"""

from __future__ import annotations

from portal.notifications import services
from portal.notifications.models import Notification, NotificationCursor


async def load_demo() -> None:
    if await NotificationCursor.exists(id=services.CURSOR_ID):
        return
    await services.ensure_cursor(start_at=0)
    await services.fan_out(batch=1000, max_batches=10_000)  # large batches: fewer round trips
    await Notification.filter(email_pending=True).update(email_pending=False, pending_since=None)
