"""Admin UI: find users, grant/revoke roles, bind officers to agencies; access control."""

from __future__ import annotations

import pytest

from portal.accounts.models import UserRole
from portal.core.models import AuditEvent
from tests.helpers import csrf_of, login, make_user, post_form


async def test_admin_finds_users_and_grants_officer_role_with_agency(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "admin@example.id", roles=("admin",))
    target = await make_user(services, "petugas@example.id")
    await login(client, "admin@example.id")
    found = await client.get("/admin/users", params={"q": "petugas"})
    assert found.status_code == 200 and "petugas@example.id" in found.text and "admin@example.id" not in found.text
    fragment = await client.get("/admin/users", params={"q": "petugas"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="user-rows">')
    assert "HX-Request" in fragment.headers["vary"]
    page = f"/admin/users/{target.id}"
    r = await post_form(client, page, f"{page}/roles", {"role": "officer", "agency": ""})
    assert r.status_code == 422
    assert not await UserRole.filter(user_id=target.id).exists()
    r = await post_form(client, page, f"{page}/roles", {"role": "officer", "agency": "Disdukcapil"})
    assert r.status_code == 303
    role = await UserRole.get(user_id=target.id, role="officer").select_related("agency")
    assert role.agency.abbreviation == "Disdukcapil"
    r = await post_form(client, page, f"{page}/roles/officer/revoke", {})
    assert r.status_code == 303
    assert not await UserRole.filter(user_id=target.id).exists()
    tags = set(await AuditEvent.filter(target_id=str(target.id)).values_list("tag", flat=True))
    assert {"accounts:role:grant", "accounts:role:revoke"} <= tags


async def test_unknown_role_is_refused(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "admin@example.id", roles=("admin",))
    target = await make_user(services, "x@example.id")
    await login(client, "admin@example.id")
    r = await post_form(client, f"/admin/users/{target.id}", f"/admin/users/{target.id}/roles", {"role": "superuser"})
    assert r.status_code == 422


@pytest.mark.parametrize("role", [None, "moderator", "council", "officer", "panelist"])
async def test_non_admins_cannot_grant_roles(client, app, role) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "actor@example.id", roles=(role,) if role else (),
                    agency="Dishub" if role == "officer" else "")
    target = await make_user(services, "target@example.id")
    await login(client, "actor@example.id")
    token = csrf_of((await client.get("/account")).text)
    r = await client.post(f"/admin/users/{target.id}/roles", data={"csrf_token": token, "role": "admin"})
    assert r.status_code == 403
    assert not await UserRole.filter(user_id=target.id).exists()


async def test_admin_pages_need_login(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/admin/users", "/admin/outbox", "/admin/jobs", "/admin/users/1"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path


async def test_resident_gets_403_on_admin_pages(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "warga@example.id", verified=True)
    await login(client, "warga@example.id")
    for path in ("/admin/users", "/admin/outbox", "/admin/jobs"):
        assert (await client.get(path)).status_code == 403, path


async def test_moderator_sees_users_but_not_outbox(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "mod@example.id", roles=("moderator",))
    await login(client, "mod@example.id")
    assert (await client.get("/admin/users")).status_code == 200
    assert (await client.get("/admin/outbox")).status_code == 403


async def test_admin_reads_outbox(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "admin@example.id", roles=("admin",))
    name = services.outbox.write("warga@example.id", "Halo", "Isi pesan https://example.id/x")
    await login(client, "admin@example.id")
    listing = await client.get("/admin/outbox")
    assert "warga@example.id" in listing.text and "Halo" in listing.text
    message = await client.get(f"/admin/outbox/{name}")
    assert message.status_code == 200 and "Isi pesan" in message.text
    assert (await client.get("/admin/outbox/..%2Fsecret_key")).status_code == 404


async def test_admin_cannot_disable_self(client, app) -> None:  # type: ignore[no-untyped-def]
    admin = await make_user(app.state.services, "admin@example.id", roles=("admin",))
    await login(client, "admin@example.id")
    r = await post_form(client, "/account", f"/admin/users/{admin.id}/disable", {})
    assert r.status_code == 409
