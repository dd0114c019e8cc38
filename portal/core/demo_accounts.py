"""Load the demo city and, on first start only, one account per role (passwords printed once)."""

from __future__ import annotations

import secrets
import sys
from datetime import date
from typing import TextIO

from portal.accounts import services as accounts
from portal.accounts.identity import Role
from portal.accounts.models import User
from portal.core.demo import seed_territory_and_agencies
from portal.settings import Settings

DEMO_DOMAIN = "warga.demo"
# (local part, display name, roles, agency)
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("admin", "Admin Warga", (Role.ADMIN,), ""),
    ("moderator", "Moderator Warga", (Role.MODERATOR,), ""),
    ("council", "Anggota Dewan", (Role.COUNCIL,), ""),
    ("officer", "Petugas Disdukcapil", (Role.OFFICER,), "Disdukcapil"),
    ("panelist", "Panelis Warga", (Role.PANELIST,), ""),
    ("resident", "Warga Coblong", (), ""),
)


def _demo_nik(serial: int) -> str:
    # Kota Bandung, Kecamatan Coblong, a woman born 20 Oct 1990; serials are synthetic.
    return f"327302601090{serial:04d}"


async def load_demo(settings: Settings, out: TextIO = sys.stdout) -> None:
    from portal.app import build_services

    await seed_territory_and_agencies()
    deps = build_services(settings).accounts
    created: list[tuple[str, str]] = []
    for local, name, roles, agency in DEMO_ACCOUNTS:
        email = f"{local}@{DEMO_DOMAIN}"
        if await User.exists(email=email):
            continue
        password = secrets.token_urlsafe(12)
        user = await accounts.create_user(deps, email=email, name=name, password=password,
                                          roles=roles, agency_abbr=agency)
        if local in ("resident", "panelist"):
            await accounts.verify_resident(
                deps, user_id=user.id, raw_nik=_demo_nik(user.id), kelurahan_code="32.73.02.1004",
                today=date.today(), method="assisted",
            )
        created.append((email, password))
    if created:
        print("\nWarga demo accounts (shown once; change them or use `python -m portal users`):", file=out)
        for email, password in created:
            print(f"  {email:<28} {password}", file=out)
        print(file=out, flush=True)
