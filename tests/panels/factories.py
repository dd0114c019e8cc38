"""Builders for panel tests: people with the right roles and an inspection in a given state."""

from __future__ import annotations

from datetime import date

from portal.accounts.identity import Identity
from portal.accounts.models import User
from portal.accounts.sessions import identity_of
from portal.panels import services as panels
from portal.panels.models import Inspection
from portal.panels.scoring import Scale
from portal.web import Services
from tests.helpers import make_user

_serial = iter(range(100, 9999))


async def person(services: Services, email: str, *, roles: tuple[str, ...] = (), agency: str = "",
                 verified: bool = False) -> tuple[User, Identity]:
    nik = f"327302601090{next(_serial):04d}"
    user = await make_user(services, email, roles=roles, agency=agency, verified=verified, nik=nik)
    return user, await identity_of(user)


async def refresh(user: User) -> Identity:
    return await identity_of(user)


def new_inspection(**overrides: object) -> panels.NewInspection:
    values: dict[str, object] = dict(
        agency_abbr="Disdukcapil", service_name="Perekaman e-KTP Kecamatan Coblong",
        title="Inspeksi layanan e-KTP Coblong", scope="Perekaman dan pencetakan e-KTP di kantor kecamatan",
        methods=("site_visit", "mystery_shopping"), period_start=date(2026, 11, 2),
        period_end=date(2026, 12, 18), team_size=3, scale=Scale.PERMENPANRB_14_2017, fieldwork_days=30,
    )
    values.update(overrides)
    return panels.NewInspection(**values)  # type: ignore[arg-type]


APPLY = panels.NewApplication(
    motivation="Saya sering mengurus dokumen kependudukan untuk tetangga lansia.",
    kecamatan_code="32.73.02", availability="Selasa dan Kamis pagi", gender="f", share_age=True,
    works_at_agency=False, family_at_agency=False,
)


async def team(services: Services, coordinator: Identity, inspection_id: int, n: int = 3,
               prefix: str = "panelis") -> list[tuple[User, Identity]]:
    """n verified residents who apply, get drawn and finish onboarding."""
    people = [await person(services, f"{prefix}{k}@example.id", verified=True) for k in range(n)]
    for _user, who in people:
        await panels.apply(who, inspection_id, APPLY)
    await panels.draw(coordinator, inspection_id, seed="uji")
    out = []
    for user, _who in people:
        who = await refresh(user)
        await panels.onboard(who, inspection_id, "conduct")
        await panels.onboard(who, inspection_id, "training")
        out.append((user, who))
    return out


async def state_of(inspection_id: int) -> str:
    return (await Inspection.get(id=inspection_id)).state
