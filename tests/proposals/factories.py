"""Builders for proposal tests: people as Identities, and proposals in any workflow state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from portal.accounts.identity import Identity
from portal.accounts.sessions import identity_of
from portal.proposals import services as proposals
from portal.proposals.domain import Category, ProposalDraft
from tests.helpers import make_user

NOW = datetime(2025, 3, 27, 3, 0, tzinfo=UTC)  # Thursday 10:00 WIB, before Nyepi and Lebaran


def nik(n: int) -> str:
    return f"327302601090{n:04d}"


async def person(services: Any, email: str, *, serial: int = 0, roles: tuple[str, ...] = (),
                 agency: str = "") -> Identity:
    user = await make_user(services, email, roles=roles, agency=agency, verified=serial > 0,
                           nik=nik(serial) if serial else nik(9999))
    return await identity_of(user)


async def resident(services: Any, n: int) -> Identity:
    return await person(services, f"warga{n}@example.id", serial=n)


async def moderator(services: Any) -> Identity:
    return await person(services, "mod@example.id", roles=("moderator",))


async def officer(services: Any, agency: str = "DSDABM", email: str = "") -> Identity:
    return await person(services, email or f"petugas.{agency.lower()}@example.id", roles=("officer",),
                        agency=agency)


def draft(**override: Any) -> ProposalDraft:
    values: dict[str, Any] = {
        "title": "Perbaikan jalan berlubang di Jalan Dago",
        "description": "Jalan di depan sekolah berlubang besar dan membahayakan pengendara motor.",
        "category": Category.ROADS, "kecamatan_code": "32.73.02", "kelurahan_code": "32.73.02.1004",
        "suggested_agency": "DSDABM", "estimated_cost": 25_000_000,
    }
    values.update(override)
    values["category"] = Category(values["category"])
    return ProposalDraft(**values)


async def submitted(author: Identity, now: datetime = NOW, **override: Any) -> int:
    proposal_id = await proposals.create_draft(author, draft(**override), now=now)
    await proposals.submit(author, proposal_id, now=now)
    return proposal_id


async def forwarded(author: Identity, mod: Identity, agency: str = "DSDABM", now: datetime = NOW,
                    **override: Any) -> int:
    proposal_id = await submitted(author, now, **override)
    await proposals.verify(mod, proposal_id, agency, now=now)
    return proposal_id
