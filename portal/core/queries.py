"""Read models of the shared kernel for pages."""

from __future__ import annotations

from portal.core.models import Kecamatan, Kelurahan


async def territory_counts() -> dict[str, int]:
    return {"kecamatan": await Kecamatan.all().count(), "kelurahan": await Kelurahan.all().count()}
