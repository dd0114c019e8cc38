"""A raw NIK is never stored or logged: after self-service and assisted verification (and a
refused duplicate), no table, log record, mail or file holds the sixteen digits."""

from __future__ import annotations

import logging

from tests.security import world as w

SELF_NIK = "3273026010907001"
ASSISTED_NIK = "3273024507850002"  # Coblong, woman born 1985-07-05
FORMS = (SELF_NIK, ASSISTED_NIK, "3273-0260-1090-7001", "327302 601090 7001")


def _hits(text: str) -> list[str]:
    digits = "".join(ch for ch in text if ch.isdigit())
    return [n for n in (SELF_NIK, ASSISTED_NIK) if n in text or n in digits and len(digits) < 200]


async def test_raw_nik_is_nowhere_after_verification(app, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)  # includes the ORM's SQL and parameter logging
    world = await w.build(app.state.services, frozenset())
    async with w.logged_in(app, world):
        for nik in FORMS[2:]:  # malformed spacing, then the real entry
            await world.request("unverified", "POST", "/account/verify", {"nik": nik, "kelurahan": "32.73.02.1004"})
        ok = await world.request("unverified", "POST", "/account/verify",
                                 {"nik": SELF_NIK, "kelurahan": "32.73.02.1004"})
        assert ok.status_code in (303, 422)
        dup = await world.request("officer", "POST", "/account/verify", {"nik": SELF_NIK, "kelurahan": "32.73.02.1004"})
        assert dup.status_code == 422 and SELF_NIK not in dup.text
        user = world.people["officer_other"].user_id
        r = await world.request("moderator", "POST", f"/admin/users/{user}/verify",
                                {"nik": ASSISTED_NIK, "kelurahan": "32.73.02.1004"})
        assert r.status_code == 303
        pages = [await world.clients[a].get(u) for a, u in (("unverified", "/account"), ("moderator", f"/admin/users/{user}"),
                                                              ("admin", "/admin/users"), ("admin", "/admin/outbox"))]
    assert any("INSERT" in r.getMessage() or "SELECT" in r.getMessage() for r in caplog.records), "SQL is logged"
    dump = repr(await w.snapshot())
    assert SELF_NIK not in dump and ASSISTED_NIK not in dump
    assert not [r.getMessage() for r in caplog.records if _hits(r.getMessage()) or _hits(repr(r.args))]
    assert not [p.url for p in pages if _hits(p.text)]
    data_dir = app.state.services.settings.data_dir
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert SELF_NIK.encode() not in content and ASSISTED_NIK.encode() not in content, path
