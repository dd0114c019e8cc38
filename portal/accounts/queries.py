"""Read models for account pages: what the templates show, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from portal.accounts.models import ResidentVerification, User, UserRole
from portal.core.models import Agency, Kecamatan, Kelurahan


@dataclass(frozen=True)
class KecamatanOption:
    code: str
    name: str
    kelurahan: tuple[tuple[str, str], ...]


async def territory_options() -> list[KecamatanOption]:
    kelurahan = await Kelurahan.all().order_by("name").values_list("code", "name", "kecamatan_id")
    by_kec: dict[str, list[tuple[str, str]]] = {}
    for code, name, kec in kelurahan:
        by_kec.setdefault(kec, []).append((code, name))
    return [
        KecamatanOption(code, name, tuple(by_kec.get(code, [])))
        for code, name in await Kecamatan.all().order_by("name").values_list("code", "name")
    ]


async def kelurahan_codes() -> list[str]:
    return list(await Kelurahan.all().values_list("code", flat=True))


@dataclass(frozen=True)
class VerificationView:
    nik_masked: str
    birth_year: int
    kelurahan: str
    kecamatan: str
    method: str
    verified_at: datetime
    can_vote: bool


async def verification_of(user_id: int, today_year: int) -> VerificationView | None:
    v = await ResidentVerification.get_or_none(user_id=user_id, revoked_at=None).select_related(
        "kelurahan__kecamatan"
    )
    if v is None:
        return None
    return VerificationView(
        nik_masked=v.nik_masked, birth_year=v.birth_year, kelurahan=v.kelurahan.name,
        kecamatan=v.kelurahan.kecamatan.name, method=v.method, verified_at=v.verified_at,
        can_vote=v.adult_on is None,
    )


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    email: str
    roles: tuple[str, ...]
    verified: bool
    disabled: bool
    confirmed: bool
    created_at: datetime


async def find_users(query: str = "", role: str = "", limit: int = 50, offset: int = 0) -> tuple[list[UserRow], int]:
    qs = User.all().distinct()
    if query:
        qs = qs.filter(Q(email__icontains=query) | Q(name__icontains=query))
    if role == "resident":
        qs = qs.filter(verification__revoked_at__isnull=True, verification__id__isnull=False)
    elif role:
        qs = qs.filter(roles__role=role)
    total = await qs.count()
    users = await qs.order_by("-id").offset(offset).limit(limit)
    return await _rows(users), total


async def _rows(users: list[User]) -> list[UserRow]:
    ids = [u.id for u in users]
    roles: dict[int, list[str]] = {}
    for uid, name in await UserRole.filter(user_id__in=ids).values_list("user_id", "role"):
        roles.setdefault(uid, []).append(name)
    verified = set(await ResidentVerification.filter(user_id__in=ids, revoked_at=None).values_list("user_id", flat=True))
    rows = [
        UserRow(u.id, u.name, u.email,
                tuple(sorted(roles.get(u.id, []) + (["resident"] if u.id in verified else []))),
                u.id in verified, u.disabled_at is not None, u.email_confirmed_at is not None, u.created_at)
        for u in users
    ]
    return rows


@dataclass(frozen=True)
class UserDetail:
    row: UserRow
    officer_agency: str
    verification: VerificationView | None


async def user_detail(user_id: int, today_year: int) -> UserDetail | None:
    user = await User.get_or_none(id=user_id)
    if user is None:
        return None
    rows = await _rows([user])
    officer = await UserRole.get_or_none(user_id=user_id, role="officer").select_related("agency")
    agency = officer.agency.abbreviation if officer and officer.agency else ""
    return UserDetail(rows[0], agency, await verification_of(user_id, today_year))


async def agencies() -> list[tuple[str, str]]:
    return list(await Agency.all().order_by("name").values_list("abbreviation", "name"))
