"""Brute force and enumeration: login, registration, password reset, NIK entry and receipt
lookup are rate limited (portal/ratelimit.py) and answer the same whether an account exists."""

from __future__ import annotations

import re

import pytest

from portal.accounts.models import User
from tests.helpers import csrf_of, make_user
from tests.security import world as w


def _strip(html: str) -> str:
    """The page without per-session values (CSRF token, echoed e-mail)."""
    html = re.sub(r'value="[^"]*"', 'value=""', html)
    return re.sub(r"[\w.]+@example\.id", "EMAIL", re.sub(r'"X-CSRF-Token": "[^"]*"', "", html))


async def _post(client, page: str, action: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_of((await client.get(page)).text)
    return await client.post(action, data={"csrf_token": token, **data})


async def test_login_is_limited_per_address_across_many_accounts(client) -> None:  # type: ignore[no-untyped-def]
    statuses = [(await _post(client, "/login", "/login", {"email": f"tebak{n}@example.id", "password": "x"})).status_code
                for n in range(21)]
    assert statuses[:20] == [422] * 20 and statuses[20] == 429


async def test_login_does_not_reveal_which_accounts_exist(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "ada@example.id")
    disabled = await make_user(services, "nonaktif@example.id")
    from portal.core.timeutil import utcnow

    await User.filter(id=disabled.id).update(disabled_at=utcnow())
    answers = [await _post(client, "/login", "/login", {"email": email, "password": "wrong password"})
               for email in ("ada@example.id", "tidakada@example.id", "nonaktif@example.id")]
    assert {r.status_code for r in answers} == {422}
    assert len({_strip(r.text) for r in answers}) == 1


async def test_registration_does_not_reveal_taken_addresses(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "ada@example.id")
    form = {"name": "Rina", "password": "a long password", "password_confirm": "a long password"}
    taken = await _post(client, "/register", "/register", {**form, "email": "ada@example.id"})
    fresh = await _post(client, "/register", "/register", {**form, "email": "baru@example.id"})
    assert (taken.status_code, taken.headers.get("location")) == (fresh.status_code, fresh.headers.get("location"))
    assert await User.filter(email="ada@example.id").count() == 1


async def test_password_reset_same_answer_and_limited_per_account(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "ada@example.id")
    known = await _post(client, "/password/forgot", "/password/forgot", {"email": "ada@example.id"})
    unknown = await _post(client, "/password/forgot", "/password/forgot", {"email": "tidakada@example.id"})
    assert known.status_code == unknown.status_code == 200
    assert _strip(known.text) == _strip(unknown.text)
    assert [m.to for m in services.outbox.latest(10)] == ["ada@example.id"]
    again = [(await _post(client, "/password/forgot", "/password/forgot", {"email": "ADA@example.id "})).status_code
             for _ in range(3)]
    assert again == [200, 200, 429]


async def test_reset_link_works_once_and_forged_links_fail(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    await make_user(services, "ada@example.id")
    await _post(client, "/password/forgot", "/password/forgot", {"email": "ada@example.id"})
    link = re.search(r"/password/reset/\S+", services.outbox.latest(1)[0].body)
    assert link
    url = link.group(0)
    new = {"password": "another long password", "password_confirm": "another long password"}
    assert (await _post(client, url, url, new)).status_code == 303
    replay = await client.get(url)
    assert replay.status_code in (400, 404, 410, 422)
    forged = url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb")
    assert (await client.get(forged)).status_code in (400, 404, 410, 422)


async def test_nik_entry_is_limited_and_does_not_name_the_holder(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset())
    holder_nik = "3273026010906001"
    await make_user(app.state.services, "pemegang@example.id", verified=True, nik=holder_nik)
    async with w.logged_in(app, world):
        first = await world.request("unverified", "POST", "/account/verify",
                                    {"nik": holder_nik, "kelurahan": "32.73.02.1004"})
        assert first.status_code == 422
        assert "pemegang" not in first.text.lower()
        assert holder_nik not in first.text  # not even echoed back into the form
        statuses = [(await world.request("unverified", "POST", "/account/verify",
                                         {"nik": f"32730260109{n:05d}", "kelurahan": "32.73.02.1004"})).status_code
                    for n in range(5)]
    assert statuses[-1] == 429 and 429 not in statuses[:4]


async def test_receipt_lookup_is_rate_limited(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"budgets"}))
    url = f"/budgets/{world.ids['cycle_published']}/receipt"
    async with w.logged_in(app, world):
        statuses = [(await world.request("anonymous", "POST", url, {"code": f"AAAA-BBBB-CCCC-DDDD-{n:04d}"})).status_code
                    for n in range(40)]
    assert 429 in statuses
