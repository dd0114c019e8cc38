"""Notification mail: immediate mails grouped per item and day, and the daily and weekly digests.

A mail is written to the outbox inside the transaction that marks its rows as mailed (and the SMTP
job is enqueued in that transaction too): if the transaction fails after the file was written the
rows stay pending and the next run mails them again, so a crash may repeat a mail but never loses
one. Every mail carries a signed one-click unsubscribe link (RFC 8058 headers).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from tortoise.transactions import in_transaction

from portal import i18n
from portal.accounts.models import User
from portal.accounts.tokens import Tokens
from portal.core.jobs import Periodic
from portal.core.mail import Mailer
from portal.core.timeutil import utcnow
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.notifications import domain, messages
from portal.notifications.domain import Kind, Mode
from portal.notifications.models import Notification
from portal.notifications.services import fan_out, unsubscribe_token
from portal.settings import SUPPORTED_LANGUAGES

BATCH = 500


@dataclass(frozen=True)
class MailDeps:
    mailer: Mailer
    tokens: Tokens
    base_url: str
    default_lang: str = "id"


@contextmanager
def _language(lang: str) -> Iterator[None]:
    token = i18n.current_lang.set(lang)
    try:
        yield
    finally:
        i18n.current_lang.reset(token)


def _lang_of(user: User, deps: MailDeps) -> str:
    return user.lang if user.lang in SUPPORTED_LANGUAGES else deps.default_lang


def _reported(row: Notification) -> tuple[str, int]:
    """The row's sentence for mail and how many events it covers, leaving out events the
    resident was already mailed about by their own domain (e.g. the agency's answer)."""
    entry, count = domain.for_mail(json.loads(row.entries), row.count)
    if entry is None:  # nothing of its own to say: the row's latest event
        return messages.render(row.message, json.loads(row.params)), row.count
    return messages.render(str(entry.get("message", "")), entry.get("params") or {}), count


def _line(row: Notification) -> str:
    text, count = _reported(row)
    return f"{text} ({messages.more_label(count)})" if count > 1 else text


def _footer(deps: MailDeps, token: str, kind: str | None) -> str:
    what = (_("You receive this email because of your notification settings for: %(kind)s.")
            % {"kind": messages.kind_label(kind)}) if kind else _(
        "You receive this email because you chose email digests of your notifications.")
    return "\n".join(["-- ", what,
                      _("Change your settings: %(url)s") % {"url": f"{deps.base_url}/notifications/preferences"},
                      _("Stop these emails with one click: %(url)s") % {
                          "url": f"{deps.base_url}/notifications/unsubscribe/{token}"}])


def _headers(deps: MailDeps, token: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{deps.base_url}/notifications/unsubscribe/{token}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


async def _mail(deps: MailDeps, user: User, subject: str, lines: list[str], kind: Kind | None,
                conn: Any) -> None:
    token = unsubscribe_token(deps.tokens, user.id, kind)
    greeting = _("Hello %(name)s,") % {"name": user.name}
    body = "\n".join([greeting, "", *lines, "", _footer(deps, token, kind.value if kind else None)])
    await deps.mailer.send(user.email, subject, body, headers=_headers(deps, token), conn=conn)


async def _recipient(user_id: int, conn: Any) -> User | None:
    user = await User.get_or_none(id=user_id).using_db(conn)
    return user if user is not None and user.disabled_at is None and user.email else None


# --- immediate mail ---------------------------------------------------------------------------


async def send_immediate(deps: MailDeps, *, now: datetime | None = None) -> int:
    """Mail every item whose grouping window has passed, one mail per resident and item, at most
    one per item and Jakarta day (a blocked item waits for the next day). Returns mails sent."""
    now = now or utcnow()
    due = await Notification.filter(email_pending=True, email_mode=Mode.IMMEDIATE.value,
                                    pending_since__lte=now - domain.GROUP_WINDOW).order_by(
        "user_id", "item_type", "item_id", "id").limit(BATCH)
    sent = 0
    for (user_id, item_type, item_id), _rows in groupby(due, key=lambda n: (n.user_id, n.item_type, n.item_id)):  # type: ignore[attr-defined]
        sent += await _send_item(deps, int(user_id), str(item_type), int(item_id), now)
    return sent


async def _send_item(deps: MailDeps, user_id: int, item_type: str, item_id: int, now: datetime) -> int:
    async with in_transaction() as conn:
        item = Notification.filter(user_id=user_id, item_type=item_type, item_id=item_id).using_db(conn)
        last = await item.filter(emailed_at__isnull=False).order_by("-emailed_at").first()
        if not domain.mail_allowed(last.emailed_at if last else None, now):
            return 0
        rows = await item.filter(email_pending=True, email_mode=Mode.IMMEDIATE.value).order_by("day", "id")
        user = await _recipient(user_id, conn)
        claimed = await Notification.filter(id__in=[r.id for r in rows], email_pending=True).using_db(conn).update(
            email_pending=False, pending_since=None, emailed_at=now)
        if not rows or claimed != len(rows) or user is None:
            return 0  # another worker took them, or nobody to mail (rows are cleared either way)
        with _language(_lang_of(user, deps)):
            newest = rows[-1]
            subject = _("Warga: %(subject)s") % {"subject": _reported(newest)[0][:150]}
            lines = [_line(r) for r in rows]
            lines += ["", _("See it on Warga: %(url)s") % {
                "url": deps.base_url + domain.item_path(item_type, item_id)}]
            await _mail(deps, user, subject, lines, Kind(newest.kind), conn)
    return 1


# --- digests ----------------------------------------------------------------------------------


async def send_digests(deps: MailDeps, slot: datetime, *, now: datetime | None = None) -> int:
    """The daily run: each resident's pending daily rows (and weekly ones on Mondays) in one mail."""
    now = now or utcnow()
    modes = [m.value for m in domain.digest_modes(slot)]
    user_ids = sorted({int(u) for u in await Notification.filter(
        email_pending=True, email_mode__in=modes).values_list("user_id", flat=True)})
    sent = 0
    for user_id in user_ids:
        sent += await _send_digest(deps, user_id, modes, now)
    return sent


async def _send_digest(deps: MailDeps, user_id: int, modes: list[str], now: datetime) -> int:
    async with in_transaction() as conn:
        rows = await Notification.filter(user_id=user_id, email_pending=True, email_mode__in=modes).using_db(
            conn).order_by("-updated_at", "-id").limit(100)
        user = await _recipient(user_id, conn)
        claimed = await Notification.filter(id__in=[r.id for r in rows], email_pending=True).using_db(conn).update(
            email_pending=False, pending_since=None, emailed_at=now)
        if not rows or claimed != len(rows) or user is None:
            return 0
        with _language(_lang_of(user, deps)):
            weekly = any(r.email_mode == Mode.WEEKLY.value for r in rows)
            subject = (ngettext("Your weekly Warga digest: %(n)d update", "Your weekly Warga digest: %(n)d updates",
                                len(rows)) if weekly else
                       ngettext("Your daily Warga digest: %(n)d update", "Your daily Warga digest: %(n)d updates",
                                len(rows))) % {"n": len(rows)}
            lines: list[str] = []
            for row in rows:
                lines += [f"- {_line(row)}", f"  {deps.base_url}{domain.item_path(row.item_type, row.item_id)}"]
            lines += ["", _("All your notifications: %(url)s") % {"url": f"{deps.base_url}/notifications"}]
            await _mail(deps, user, subject, lines, None, conn)
    return 1


JOB_FAN_OUT = "notifications.fan_out"
JOB_DIGEST = "notifications.digest"


def periodic(fan_out_every: timedelta) -> tuple[Periodic, Periodic]:
    """Fan-out (plus due immediate mail) every `fan_out_every` (Settings.notify_every_seconds,
    two minutes by default); the digest daily at 00:00 UTC = 07:00 WIB."""
    return Periodic(JOB_FAN_OUT, fan_out_every), Periodic(JOB_DIGEST, timedelta(days=1))


def job_handlers(deps: MailDeps) -> dict[str, Callable[[Mapping[str, Any]], Awaitable[None]]]:
    async def run_fan_out(payload: Mapping[str, Any]) -> None:
        await fan_out()
        await send_immediate(deps)

    async def run_digests(payload: Mapping[str, Any]) -> None:
        await send_digests(deps, datetime.fromisoformat(str(payload["slot"])))

    return {JOB_FAN_OUT: run_fan_out, JOB_DIGEST: run_digests}
