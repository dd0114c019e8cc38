"""Resident verification by NIK: only a keyed digest is stored, one NIK per account."""

from __future__ import annotations

import logging

from tortoise import Tortoise

from portal.accounts.models import ResidentVerification
from portal.core.models import AuditEvent
from tests.helpers import VALID_NIK, login, make_user, post_form


async def _all_text_in_database() -> str:
    conn = Tortoise.get_connection("default")
    chunks: list[str] = []
    for table in ("user", "resident_verification", "audit_event", "user_session", "job"):
        rows = await conn.execute_query_dict(f'SELECT * FROM "{table}"')
        chunks.extend(str(v) for row in rows for v in row.values())
    return "\n".join(chunks)


async def test_verify_stores_only_digest_mask_and_birth_year(client, app, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    user = await make_user(app.state.services, "siti@example.id")
    await login(client, "siti@example.id")
    r = await post_form(client, "/account/verify", "/account/verify",
                        {"nik": "3273 0260 1090 0009", "kelurahan": "32.73.02.1004"})
    assert r.status_code == 303, r.text[:400]
    v = await ResidentVerification.get(user_id=user.id)
    assert v.nik_digest.startswith("k1:") and len(v.nik_digest) == 3 + 64
    assert v.nik_masked == "3273 •••• •••• 0009"
    assert v.birth_year == 1990 and v.kelurahan_id == "32.73.02.1004"  # type: ignore[attr-defined]
    page = await client.get("/account")
    assert "3273 •••• •••• 0009" in page.text
    everything = await _all_text_in_database() + caplog.text + page.text
    assert VALID_NIK not in everything
    assert await AuditEvent.filter(tag="accounts:resident:verify").count() == 1


async def test_same_nik_on_second_account_is_refused_without_details(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "first@example.id", verified=True)
    await make_user(app.state.services, "second@example.id")
    await login(client, "second@example.id")
    r = await post_form(client, "/account/verify", "/account/verify",
                        {"nik": VALID_NIK, "kelurahan": "32.73.02.1004"})
    assert r.status_code == 422
    assert "first@example.id" not in r.text and "First" not in r.text
    assert VALID_NIK not in r.text
    assert await ResidentVerification.all().count() == 1


async def test_invalid_nik_gets_field_error_and_is_not_echoed(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "siti@example.id")
    await login(client, "siti@example.id")
    bad = "3273013102990001"  # 31 February
    r = await post_form(client, "/account/verify", "/account/verify", {"nik": bad, "kelurahan": "32.73.02.1004"})
    assert r.status_code == 422
    assert bad not in r.text
    assert 'aria-invalid="true"' in r.text
    assert await ResidentVerification.all().count() == 0


async def test_unconfirmed_email_cannot_verify_online(client, app) -> None:  # type: ignore[no-untyped-def]
    from portal.accounts import services as accounts
    from portal.accounts.models import User

    await accounts.register(app.state.services.accounts, email="new@example.id", name="New",
                            password="a long password")
    user = await User.get(email="new@example.id")
    await login(client, "new@example.id", "a long password")
    r = await post_form(client, "/account/verify", "/account/verify", {"nik": VALID_NIK, "kelurahan": "32.73.02.1004"})
    assert r.status_code == 409
    assert not await ResidentVerification.filter(user_id=user.id).exists()


async def test_moderator_assisted_verification_and_revocation(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "mod@example.id", roles=("moderator",))
    target = await make_user(services, "warga@example.id")
    await login(client, "mod@example.id")
    page = f"/admin/users/{target.id}"
    r = await post_form(client, page, f"{page}/verify", {"nik": VALID_NIK, "kelurahan": "32.73.05.1001"})
    assert r.status_code == 303, r.text[:400]
    v = await ResidentVerification.get(user_id=target.id)
    assert v.method == "assisted" and v.kelurahan_id == "32.73.05.1001"  # type: ignore[attr-defined]
    r = await post_form(client, page, f"{page}/verification/revoke", {"reason": "KTP did not match"})
    assert r.status_code == 303
    v = await ResidentVerification.get(user_id=target.id)
    assert v.revoked_at is not None and v.nik_digest is None
    assert await AuditEvent.filter(tag="accounts:resident:revoke", target_id=str(target.id)).exists()


async def test_resident_cannot_use_assisted_verification(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "warga@example.id", verified=True)
    other = await make_user(services, "other@example.id")
    await login(client, "warga@example.id")
    page = await client.get("/account")
    from tests.helpers import csrf_of

    r = await client.post(f"/admin/users/{other.id}/verify",
                          data={"csrf_token": csrf_of(page.text), "nik": "3273026010900010", "kelurahan": "32.73.02.1004"})
    assert r.status_code == 403
    assert not await ResidentVerification.filter(user_id=other.id).exists()
