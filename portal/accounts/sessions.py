"""Server-side sessions: the signed cookie carries only a random session id.

A session ends on logout, after 2 hours idle, after 14 days in all, and whenever the user's
`session_version` moves on (password change, account disabled): a replayed old cookie is then
simply anonymous.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from tortoise.expressions import F

from portal.accounts.identity import Identity
from portal.accounts.models import ResidentVerification, User, UserRole, UserSession
from portal.core.timeutil import utcnow

IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_LIFETIME = timedelta(days=14)
# Refreshing last_seen on every request would turn each page view into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


async def start(user: User) -> str:
    now = utcnow()
    session = await UserSession.create(
        id=secrets.token_urlsafe(32), user=user, user_version=user.session_version,
        created_at=now, last_seen_at=now,
    )
    return session.id


async def end(session_id: str) -> None:
    await UserSession.filter(id=session_id).delete()


async def end_all(user_id: int) -> None:
    await User.filter(id=user_id).update(session_version=F("session_version") + 1)
    await UserSession.filter(user_id=user_id).delete()


async def identity_for(session_id: str) -> Identity | None:
    """The identity behind a live session, or None (and the session is removed if stale)."""
    session = await UserSession.get_or_none(id=session_id).select_related("user")
    if session is None:
        return None
    user = session.user
    now = utcnow()
    if (
        user.disabled_at is not None
        or session.user_version != user.session_version
        or now - session.last_seen_at > IDLE_TIMEOUT
        or now - session.created_at > ABSOLUTE_LIFETIME
    ):
        await session.delete()
        return None
    if now - session.last_seen_at > TOUCH_INTERVAL:
        await UserSession.filter(id=session.id).update(last_seen_at=now)
    return await identity_of(user, session_id=session.id)


async def identity_of(user: User, session_id: str = "") -> Identity:
    roles = await UserRole.filter(user_id=user.id).values_list("role", "agency_id")
    verification = await ResidentVerification.get_or_none(
        user_id=user.id, revoked_at=None
    ).select_related("kelurahan")
    role_names = {name for name, _ in roles}
    agency_id = next((agency for name, agency in roles if name == "officer"), None)
    if verification is not None:
        role_names.add("resident")
    return Identity(
        user_id=user.id,
        name=user.name,
        email=user.email,
        roles=frozenset(role_names),
        agency_id=agency_id,
        verified=verification is not None,
        kelurahan_code=verification.kelurahan.code if verification else "",
        kecamatan_code=verification.kelurahan.kecamatan_id if verification else "",  # type: ignore[attr-defined]
        email_confirmed=user.email_confirmed_at is not None,
        session_id=session_id,
    )
