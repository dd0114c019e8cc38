"""The demo city: Kota Bandung's territory and agencies, and one account per role.

Idempotent: territory and agencies are upserted; demo accounts are created only when missing,
and only then is their generated password returned (to be printed once).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from importlib import resources

from tortoise.transactions import in_transaction

from portal.core.agencies import BANDUNG_AGENCIES
from portal.core.models import Agency, Kecamatan, Kelurahan


@dataclass(frozen=True)
class Wilayah:
    kecamatan: tuple[tuple[str, str], ...]
    kelurahan: tuple[tuple[str, str, str], ...]  # (code, name, kecamatan code)


def load_wilayah() -> Wilayah:
    raw = json.loads(resources.files("portal.core").joinpath("data/bandung_wilayah.json").read_text("utf-8"))
    kecamatan = tuple((k["kode_kecamatan"], k["kecamatan"]) for k in raw["kecamatan"])
    kelurahan = tuple(
        (kel["kode"], kel["nama"], k["kode_kecamatan"]) for k in raw["kecamatan"] for kel in k["kelurahan"]
    )
    return Wilayah(kecamatan, kelurahan)


async def seed_territory_and_agencies() -> None:
    wilayah = load_wilayah()
    async with in_transaction():
        known_kec = set(await Kecamatan.all().values_list("code", flat=True))
        await Kecamatan.bulk_create(
            [Kecamatan(code=c, name=n) for c, n in wilayah.kecamatan if c not in known_kec]
        )
        known_kel = set(await Kelurahan.all().values_list("code", flat=True))
        await Kelurahan.bulk_create(
            [Kelurahan(code=c, name=n, kecamatan_id=k) for c, n, k in wilayah.kelurahan if c not in known_kel]
        )
        known_agencies = set(await Agency.all().values_list("abbreviation", flat=True))
        await Agency.bulk_create(
            [Agency(abbreviation=a, name=n) for a, n in BANDUNG_AGENCIES if a not in known_agencies]
        )


def generate_password() -> str:
    return secrets.token_urlsafe(12)
