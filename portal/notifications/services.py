"""Notification use cases: turn new audit events into notifications, mark them read, preferences,
and the one-click unsubscribe.

The fan-out reads audit events after a stored cursor and advances the cursor in the same
transaction as the rows it writes: a crash rolls both back, so nothing is lost or repeated. On
PostgreSQL the cursor row is locked for the batch, so concurrent workers take turns; audit ids
commit in order because `audit.record` holds an advisory lock until its transaction ends.

A batch costs a fixed number of queries, not a few per event: audiences, titles, preferences and
the day's existing rows are read once for the whole batch (queries.load_context), events are folded
in memory in order, and the result is written with one bulk insert and one bulk update.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts.models import User
from portal.accounts.tokens import TokenError, Tokens
from portal.core import audit
from portal.core.models import AuditEvent
from portal.core.timeutil import utcnow
from portal.errors import InvalidInput, NotFound
from portal.i18n import gettext as _
from portal.notifications import domain, queries
from portal.notifications.domain import Event, Kind, Mode
from portal.notifications.models import Notification, NotificationCursor, NotificationPreference

BATCH = 200
CURSOR_ID = 1
UNSUBSCRIBE_TOKEN = ("notifications-unsubscribe", timedelta(days=90))


# --- fan-out ----------------------------------------------------------------------------------


async def ensure_cursor(start_at: int | None = None) -> None:
    """Create the cursor once. A new installation starts after the existing history (old events
    are not replayed as a flood of notifications) unless `start_at` says otherwise."""
    if await NotificationCursor.exists(id=CURSOR_ID):
        return
    if start_at is None:
        last = await AuditEvent.all().order_by("-id").first()
        start_at = last.id if last else 0
    try:
        await NotificationCursor.create(id=CURSOR_ID, last_event_id=start_at, updated_at=utcnow())
    except IntegrityError:
        pass  # another worker created it first


def _event(row: AuditEvent) -> Event:
    try:
        data = json.loads(row.data)
    except ValueError:
        data = {}
    return Event(id=row.id, tag=row.tag, actor_id=row.actor_id, target_type=row.target_type,
                 target_id=row.target_id, data=data if isinstance(data, dict) else {}, created_at=row.created_at)


async def fan_out(*, batch: int = BATCH, max_batches: int = 50) -> int:
    """Process new audit events in batches; returns how many events were read."""
    await ensure_cursor()
    total = 0
    for _step in range(max_batches):
        done = await _fan_out_batch(batch)
        total += done
        if done < batch:
            break
    return total


async def _fan_out_batch(batch: int) -> int:
    async with in_transaction() as conn:
        query = NotificationCursor.filter(id=CURSOR_ID).using_db(conn)
        if conn.capabilities.dialect == "postgres":
            query = query.select_for_update()
        cursor = await query.first()
        if cursor is None:
            return 0
        rows = await AuditEvent.filter(id__gt=cursor.last_event_id).using_db(conn).order_by("id").limit(batch)
        await notify([_event(row) for row in rows], conn)
        if rows:
            await NotificationCursor.filter(id=CURSOR_ID).using_db(conn).update(
                last_event_id=rows[-1].id, updated_at=utcnow())
    return len(rows)


async def _preferences_of(user_ids: Iterable[int], conn: BaseDBAsyncClient) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    rows = await NotificationPreference.filter(user_id__in=sorted(user_ids)).using_db(conn).values_list(
        "user_id", "kind", "mode")
    for user_id, kind, mode in rows:
        found.setdefault(int(user_id), {})[str(kind)] = str(mode)
    return found


Key = tuple[int, str, int, date]  # resident, item type, item id, Jakarta day: one row each


@dataclass
class _Delivery:
    event: Event
    plan: domain.Plan
    users: frozenset[int]
    in_app_only: frozenset[int]
    params: dict[str, str]
    params_json: str = field(init=False)  # serialised once for all its recipients

    def __post_init__(self) -> None:
        self.params_json = json.dumps(self.params)


@dataclass
class _Batch:
    """The rows one batch touches, with their entries parsed once (written back at the end)."""

    rows: dict[Key, Notification]
    entries: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    changed: dict[Key, None] = field(default_factory=dict)  # in event order

    def entries_of(self, key: Key) -> list[dict[str, Any]]:
        if key not in self.entries:
            self.entries[key] = json.loads(self.rows[key].entries)
        return self.entries[key]


async def notify(events: list[Event], conn: BaseDBAsyncClient) -> int:
    """Write the notifications a batch of events causes; returns how many notices were written.

    Reads audiences, preferences and existing rows once for the whole batch, folds in memory in
    event order, then writes with one bulk insert and one bulk update.
    """
    planned = [(e, p) for e in events if (p := domain.plan(e)) is not None]
    if not planned:
        return 0
    context = await queries.load_context(planned, conn)
    deliveries = [_Delivery(e, p, context.audience(p, e), frozenset(context.mailed_elsewhere(p, e)),
                            context.params(p, e)) for e, p in planned]
    everyone = set().union(*(d.users for d in deliveries))
    active = {int(u) for u in await User.filter(id__in=sorted(everyone), disabled_at__isnull=True).using_db(
        conn).values_list("id", flat=True)} if everyone else set()
    preferences = await _preferences_of(active, conn)
    state = _Batch(await _existing_rows(deliveries, active, conn))
    told = 0
    for delivery in deliveries:
        told += _deliver(delivery, active, preferences, state)
    await _write(state, conn)
    return told


async def _existing_rows(deliveries: list[_Delivery], active: set[int],
                         conn: BaseDBAsyncClient) -> dict[Key, Notification]:
    """Today's rows (per event day) of the batch's residents and items, keyed for folding."""
    wanted = {(u, d.plan.item_type, d.plan.item_id, domain.jakarta_day(d.event.created_at))
              for d in deliveries for u in d.users & active}
    by_type: dict[str, set[int]] = {}
    for _u, item_type, item_id, _day in wanted:
        by_type.setdefault(item_type, set()).add(item_id)
    days = sorted({key[3] for key in wanted})
    found: dict[Key, Notification] = {}
    for item_type, ids in by_type.items():
        for row in await Notification.filter(item_type=item_type, item_id__in=sorted(ids), day__in=days).using_db(conn):
            key = (int(row.user_id), row.item_type, row.item_id, row.day)  # type: ignore[attr-defined]
            if key in wanted:
                found[key] = row
    return found


def _deliver(delivery: _Delivery, active: set[int], preferences: Mapping[int, Mapping[str, str]],
             state: _Batch) -> int:
    """Add one event to each recipient's row of the day (a new row, or folded into today's)."""
    event, plan = delivery.event, delivery.plan
    day, at = domain.jakarta_day(event.created_at), event.created_at
    told = 0
    for user_id in sorted(delivery.users & active):
        mode = domain.mode_of(plan.kind.value, preferences.get(user_id, {}))
        if mode is Mode.OFF:
            continue
        mailed = user_id in delivery.in_app_only
        entry = domain.Entry(event.id, plan.kind.value, plan.message, delivery.params, at.isoformat(), mailed)
        mail = "" if mailed else domain.email_mode(mode)
        key = (user_id, plan.item_type, plan.item_id, day)
        if key not in state.rows:
            state.rows[key] = Notification(
                user_id=user_id, kind=entry.kind, item_type=plan.item_type, item_id=plan.item_id, day=day,
                message=entry.message, params=delivery.params_json, count=1, created_at=at, updated_at=at,
                email_mode=mail, email_pending=bool(mail), pending_since=at if mail else None)
            state.entries[key] = [entry.as_json()]
        elif not _fold_into(state, key, entry, delivery.params_json, mail, at):
            continue
        state.changed[key] = None
        told += 1
    return told


def _fold_into(state: _Batch, key: Key, entry: domain.Entry, params_json: str, mail: str, at: datetime) -> bool:
    """One row per resident, item and day: a later event of the day folds into it."""
    entries, added = domain.fold(state.entries_of(key), entry)
    if not added:
        return False
    row = state.rows[key]
    mode = domain.more_urgent(row.email_mode if row.email_pending else "", mail)
    row.pending_since = (row.pending_since if row.email_pending else at) if mode else None
    row.kind, row.message, row.params = entry.kind, entry.message, params_json
    state.entries[key], row.count, row.updated_at = entries, row.count + 1, max(at, row.updated_at)
    row.read_at, row.email_mode, row.email_pending = None, mode, bool(mode)
    return True


_FOLDED = ("kind", "message", "params", "entries", "count", "updated_at", "read_at", "email_mode",
           "email_pending", "pending_since")


async def _write(state: _Batch, conn: BaseDBAsyncClient) -> None:
    for key in state.changed:
        state.rows[key].entries = json.dumps(state.entries[key])
    new = [state.rows[key] for key in state.changed if state.rows[key].id is None]
    folded = [state.rows[key] for key in state.changed if state.rows[key].id is not None]
    if new:
        await Notification.bulk_create(new, batch_size=500, using_db=conn)
    if folded:
        await Notification.bulk_update(folded, fields=_FOLDED, batch_size=200, using_db=conn)


# --- reading ----------------------------------------------------------------------------------


async def mark_read(user_id: int, notification_id: int, *, ip_hash: str = "") -> None:
    """Mark one of the resident's own notifications read (idempotent)."""
    async with in_transaction() as conn:
        if not await Notification.filter(id=notification_id, user_id=user_id).using_db(conn).exists():
            raise NotFound()
        changed = await Notification.filter(id=notification_id, user_id=user_id, read_at__isnull=True).using_db(
            conn).update(read_at=utcnow())
        if changed:
            await audit.record("notifications:notification:read", actor_id=user_id, target_type="notification",
                               target_id=notification_id, ip_hash=ip_hash, conn=conn)


async def mark_all_read(user_id: int, *, ip_hash: str = "") -> int:
    async with in_transaction() as conn:
        changed = await Notification.filter(user_id=user_id, read_at__isnull=True).using_db(conn).update(
            read_at=utcnow())
        if changed:
            await audit.record("notifications:notification:read_all", actor_id=user_id, target_type="user",
                               target_id=user_id, data={"count": changed}, ip_hash=ip_hash, conn=conn)
    return int(changed)


# --- preferences and unsubscribing ------------------------------------------------------------


def parse_preferences(form: Mapping[str, Any]) -> dict[str, Mode]:
    """Form fields "kind_<kind>" -> modes; unknown values are an input error, missing kinds unchanged."""
    chosen: dict[str, Mode] = {}
    errors: dict[str, str] = {}
    for kind in Kind:
        value = form.get(f"kind_{kind.value}")
        if value is None:
            continue
        if value not in Mode.__members__.values():
            errors[f"kind_{kind.value}"] = _("Choose one of the options.")
            continue
        chosen[kind.value] = Mode(value)
    if errors:
        raise InvalidInput(errors)
    return chosen


async def _apply_modes(user_id: int, modes: Mapping[str, Mode], conn: BaseDBAsyncClient) -> dict[str, str]:
    """Store the modes that differ from the current ones; pending mail follows the new choice."""
    current = dict(await NotificationPreference.filter(user_id=user_id).using_db(conn).values_list("kind", "mode"))
    changed: dict[str, str] = {}
    now = utcnow()
    for kind, mode in modes.items():
        if domain.mode_of(kind, current) is mode:
            continue
        updated = await NotificationPreference.filter(user_id=user_id, kind=kind).using_db(conn).update(
            mode=mode.value, updated_at=now)
        if not updated:
            await NotificationPreference.create(user_id=user_id, kind=kind, mode=mode.value, updated_at=now,
                                                using_db=conn)
        mail = domain.email_mode(mode)
        pending = Notification.filter(user_id=user_id, kind=kind, email_pending=True).using_db(conn)
        await (pending.update(email_mode=mail) if mail else pending.update(email_pending=False, pending_since=None))
        changed[kind] = mode.value
    return changed


async def set_preferences(user_id: int, modes: Mapping[str, Mode], *, ip_hash: str = "") -> dict[str, str]:
    """Save the resident's choices; returns the kinds that changed."""
    async with in_transaction() as conn:
        changed = await _apply_modes(user_id, modes, conn)
        if changed:
            await audit.record("notifications:preference:update", actor_id=user_id, target_type="user",
                               target_id=user_id, data={"modes": changed}, ip_hash=ip_hash, conn=conn)
    return changed


def unsubscribe_token(tokens: Tokens, user_id: int, kind: Kind | None) -> str:
    """The signed link part for one kind's mail, or for all mail when `kind` is None."""
    return tokens.make(UNSUBSCRIBE_TOKEN, domain.Unsubscribe(user_id, (kind,) if kind else ()).payload())


def read_unsubscribe(tokens: Tokens, token: str) -> domain.Unsubscribe:
    """The request a token carries; InvalidInput when it is forged, damaged or expired."""
    try:
        request = domain.parse_unsubscribe(tokens.read(UNSUBSCRIBE_TOKEN, token[:500]))
    except TokenError as exc:
        expired = str(exc) == "SignatureExpired"
        raise InvalidInput({"token": _("This unsubscribe link has expired. Log in to change your email settings.")
                            if expired else _("This unsubscribe link is not valid.")}) from None
    if request is None:
        raise InvalidInput({"token": _("This unsubscribe link is not valid.")})
    return request


async def unsubscribe(request: domain.Unsubscribe, *, everything: bool = False, via: str = "link",
                      ip_hash: str = "") -> tuple[Kind, ...]:
    """Stop the email of the token's kind (or of every kind); in-app notices stay. Idempotent."""
    kinds = tuple(Kind) if everything else request.kinds
    async with in_transaction() as conn:
        if not await User.filter(id=request.user_id).using_db(conn).exists():
            raise InvalidInput({"token": _("This unsubscribe link is not valid.")})
        current = dict(await NotificationPreference.filter(user_id=request.user_id).using_db(conn).values_list(
            "kind", "mode"))
        modes = {k.value: domain.after_unsubscribe(domain.mode_of(k.value, current)) for k in kinds}
        changed = await _apply_modes(request.user_id, modes, conn)
        if changed:
            await audit.record("notifications:email:unsubscribe", actor_id=request.user_id, target_type="user",
                               target_id=request.user_id, data={"kinds": sorted(changed), "via": via},
                               ip_hash=ip_hash, conn=conn)
    return kinds
