"""Registration, e-mail confirmation, login/logout and password reset through HTTP."""

from __future__ import annotations

import re

from portal.accounts.models import User, UserSession
from portal.core.models import AuditEvent
from tests.helpers import csrf_of, login, make_user, post_form


def _link(services, path_prefix: str) -> str:  # type: ignore[no-untyped-def]
    body = services.outbox.latest(1)[0].body
    match = re.search(rf"http://testserver({path_prefix}[^\s]+)", body)
    assert match, body
    return match.group(1)


async def test_register_confirm_login_logout(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    r = await post_form(client, "/register", "/register", {
        "name": "Siti Aminah", "email": "Siti@Example.id", "password": "a long password",
        "password_confirm": "a long password"})
    assert r.status_code == 303 and r.headers["location"] == "/register/sent"
    user = await User.get(email="siti@example.id")
    assert user.email_confirmed_at is None
    confirm_path = _link(services, "/register/confirm/")
    page = await client.get(confirm_path)
    assert page.status_code == 200
    r = await client.post(confirm_path, data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    assert (await User.get(id=user.id)).email_confirmed_at is not None
    await login(client, "siti@example.id", "a long password")
    account = await client.get("/account")
    assert account.status_code == 200 and "Siti Aminah" in account.text
    r = await client.post("/logout", data={"csrf_token": csrf_of(account.text)})
    assert r.status_code == 303
    assert await UserSession.filter(user_id=user.id).count() == 0
    assert (await client.get("/account")).status_code == 303
    tags = await AuditEvent.all().order_by("id").values_list("tag", flat=True)
    assert tags == ["accounts:user:register", "accounts:user:confirm_email", "accounts:user:login"]


async def test_register_invalid_input_is_422_and_keeps_form(client) -> None:  # type: ignore[no-untyped-def]
    r = await post_form(client, "/register", "/register", {
        "name": "Budi", "email": "not-an-email", "password": "short", "password_confirm": "short"})
    assert r.status_code == 422
    assert 'value="Budi"' in r.text
    assert "Masukkan alamat e-mail yang valid." in r.text or "Enter a valid e-mail address." in r.text
    assert await User.all().count() == 0


async def test_register_existing_email_reveals_nothing(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "budi@example.id")
    data = {"name": "Other", "email": "budi@example.id", "password": "a long password",
            "password_confirm": "a long password"}
    r = await post_form(client, "/register", "/register", data)
    assert r.status_code == 303 and r.headers["location"] == "/register/sent"
    assert await User.filter(email="budi@example.id").count() == 1


async def test_login_wrong_password_same_message_as_unknown_email(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "budi@example.id")
    wrong = await post_form(client, "/login", "/login", {"email": "budi@example.id", "password": "nope nope nope"})
    unknown = await post_form(client, "/login", "/login", {"email": "nobody@example.id", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 422
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731
    assert strip(wrong.text) == strip(unknown.text)


async def test_password_reset_link_is_single_use_and_ends_sessions(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    user = await make_user(services, "budi@example.id")
    await login(client, "budi@example.id")
    r = await post_form(client, "/password/forgot", "/password/forgot", {"email": "budi@example.id"})
    assert r.status_code == 200
    reset_path = _link(services, "/password/reset/")
    page = await client.get(reset_path)
    assert page.status_code == 200
    r = await client.post(reset_path, data={"csrf_token": csrf_of(page.text), "password": "brand new secret",
                                            "password_confirm": "brand new secret"})
    assert r.status_code == 303
    assert await UserSession.filter(user_id=user.id).count() == 0
    again = await client.get(reset_path)
    assert again.status_code == 422
    await login(client, "budi@example.id", "brand new secret")


async def test_forgot_password_unknown_email_same_page(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "budi@example.id")
    known = await post_form(client, "/password/forgot", "/password/forgot", {"email": "budi@example.id"})
    unknown = await post_form(client, "/password/forgot", "/password/forgot", {"email": "x@example.id"})
    assert known.status_code == unknown.status_code == 200
    assert len(app.state.services.outbox.latest()) == 1
