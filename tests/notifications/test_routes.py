"""Notification pages: own rows only, mark read (plain and htmx), preferences, logged-out unsubscribe."""

from __future__ import annotations

import time

import pytest

from portal.core.models import AuditEvent
from portal.notifications import services as notifications
from portal.notifications.domain import Kind
from portal.notifications.models import Notification, NotificationPreference
from tests.helpers import csrf_of, login, make_user, post_form
from tests.notifications.helpers import make_row

HX = {"HX-Request": "true"}


async def two_residents(app):  # type: ignore[no-untyped-def]
    svc = app.state.services
    return await make_user(svc, "siti@example.id"), await make_user(svc, "budi@example.id")


async def test_visitors_are_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/notifications")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_list_shows_only_own_notifications_with_unread_count(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, budi = await two_residents(app)
    await make_row(siti.id, 1, params={"title": "Jalan Dago", "to": "forwarded"}, count=3)
    await make_row(budi.id, 2, params={"title": "Rahasia Budi", "to": "answered"})
    await login(client, "siti@example.id")
    response = await client.get("/notifications")
    assert response.status_code == 200
    assert "“Jalan Dago” is now: Forwarded to the agency" in response.text
    assert "and 2 more updates today" in response.text
    assert "1 unread notification" in response.text
    assert "Rahasia Budi" not in response.text
    assert 'href="/proposals/1"' in response.text


async def test_htmx_list_request_gets_the_fragment(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    await make_row(siti.id)
    await login(client, "siti@example.id")
    response = await client.get("/notifications", headers=HX)
    assert response.status_code == 200
    assert 'id="notifications-list"' in response.text and "<html" not in response.text


async def test_mark_read_without_javascript(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    row = await make_row(siti.id)
    await login(client, "siti@example.id")
    response = await post_form(client, "/notifications", f"/notifications/{row.id}/read", {})
    assert response.status_code == 303 and response.headers["location"] == "/notifications"
    assert (await Notification.get(id=row.id)).read_at is not None
    assert await AuditEvent.filter(tag="notifications:notification:read", target_id=str(row.id)).count() == 1
    again = await post_form(client, "/notifications", f"/notifications/{row.id}/read", {})
    assert again.status_code == 303  # idempotent, and audited once
    assert await AuditEvent.filter(tag="notifications:notification:read").count() == 1


async def test_mark_read_with_htmx_swaps_the_row_and_the_badge(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    row = await make_row(siti.id, 1)
    await make_row(siti.id, 2)
    await login(client, "siti@example.id")
    token = csrf_of((await client.get("/notifications")).text)
    response = await client.post(f"/notifications/{row.id}/read", headers={**HX, "X-CSRF-Token": token})
    assert response.status_code == 200
    assert f'id="notification-{row.id}"' in response.text and "Mark as read" not in response.text
    assert 'id="notifications-badge"' in response.text and 'hx-swap-oob="true"' in response.text
    assert ">1<" in response.text  # one unread left
    assert 'id="notifications-unread" hx-swap-oob="true"' in response.text and "1 unread notification" in response.text


async def test_another_residents_notification_is_not_found(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, budi = await two_residents(app)
    theirs = await make_row(budi.id)
    await login(client, "siti@example.id")
    response = await post_form(client, "/notifications", f"/notifications/{theirs.id}/read", {})
    assert response.status_code == 404
    assert (await Notification.get(id=theirs.id)).read_at is None


async def test_mark_all_read_touches_only_own_rows(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, budi = await two_residents(app)
    for item in (1, 2):
        await make_row(siti.id, item)
    theirs = await make_row(budi.id, 3)
    await login(client, "siti@example.id")
    response = await post_form(client, "/notifications", "/notifications/read-all", {})
    assert response.status_code == 303
    assert await Notification.filter(user_id=siti.id, read_at__isnull=True).count() == 0
    assert (await Notification.get(id=theirs.id)).read_at is None
    assert "Marked 2 notifications as read." in (await client.get("/notifications")).text


async def test_state_changes_still_need_the_csrf_token(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    row = await make_row(siti.id)
    await login(client, "siti@example.id")
    assert (await client.post("/notifications/read-all")).status_code == 403
    assert (await client.post(f"/notifications/{row.id}/read")).status_code == 403
    assert (await Notification.get(id=row.id)).read_at is None


async def test_badge_fragment_counts_unread(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    await make_row(siti.id)
    await login(client, "siti@example.id")
    response = await client.get("/notifications/badge")
    assert response.status_code == 200 and 'id="notifications-badge"' in response.text and ">1<" in response.text


async def test_preferences_save_and_are_audited(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    await login(client, "siti@example.id")
    page = await client.get("/notifications/preferences")
    assert page.status_code == 200
    assert 'name="kind_proposal_status" value="immediate" checked' in page.text
    response = await post_form(client, "/notifications/preferences", "/notifications/preferences",
                               {"kind_proposal_status": "weekly", "kind_decision": "off"})
    assert response.status_code == 303
    saved = dict(await NotificationPreference.filter(user_id=siti.id).values_list("kind", "mode"))
    assert saved == {"proposal_status": "weekly", "decision": "off"}
    event = await AuditEvent.get(tag="notifications:preference:update")
    assert event.actor_id == siti.id
    assert 'name="kind_proposal_status" value="weekly" checked' in (await client.get("/notifications/preferences")).text


async def test_preferences_reject_unknown_modes_with_422(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    await login(client, "siti@example.id")
    response = await post_form(client, "/notifications/preferences", "/notifications/preferences",
                               {"kind_proposal_status": "hourly"})
    assert response.status_code == 422 and "Choose one of the options." in response.text
    assert await NotificationPreference.filter(user_id=siti.id).count() == 0


def token_for(app, user_id: int, kind: Kind | None) -> str:  # type: ignore[no-untyped-def]
    return notifications.unsubscribe_token(app.state.services.accounts.tokens, user_id, kind)


async def test_unsubscribe_link_works_logged_out(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    url = f"/notifications/unsubscribe/{token_for(app, siti.id, Kind.PROPOSAL_COMMENT)}"
    page = await client.get(url)
    assert page.status_code == 200 and "Stop these emails" in page.text
    client.cookies.clear()  # no session, hence no CSRF token: the signed link is the proof
    client.cookies.set("lang", "en")
    response = await client.post(url, data={"scope": "kind"})
    assert response.status_code == 200 and "Done: you will no longer get emails about" in response.text
    modes = dict(await NotificationPreference.filter(user_id=siti.id).values_list("kind", "mode"))
    assert modes == {"proposal_comment": "in_app"}
    event = await AuditEvent.get(tag="notifications:email:unsubscribe")
    assert event.actor_id == siti.id and '"via":"link"' in event.data


async def test_rfc8058_one_click_post_stops_that_kind(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    url = f"/notifications/unsubscribe/{token_for(app, siti.id, Kind.PROPOSAL_STATUS)}"
    response = await client.post(url, content=b"List-Unsubscribe=One-Click",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    modes = dict(await NotificationPreference.filter(user_id=siti.id).values_list("kind", "mode"))
    assert modes == {"proposal_status": "in_app"}
    assert '"via":"one-click"' in (await AuditEvent.get(tag="notifications:email:unsubscribe")).data
    again = await client.post(url, content=b"List-Unsubscribe=One-Click",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert again.status_code == 200  # idempotent, audited once
    assert await AuditEvent.filter(tag="notifications:email:unsubscribe").count() == 1


async def test_stop_all_turns_every_kinds_mail_off(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    await notifications.set_preferences(siti.id, {"decision": notifications.Mode.OFF})
    url = f"/notifications/unsubscribe/{token_for(app, siti.id, Kind.PROPOSAL_STATUS)}"
    response = await client.post(url, data={"scope": "all"})
    assert response.status_code == 200
    modes = dict(await NotificationPreference.filter(user_id=siti.id).values_list("kind", "mode"))
    assert modes == {k.value: ("off" if k is Kind.DECISION else "in_app") for k in Kind}


@pytest.mark.parametrize("damage", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
    lambda t: "eyJ1IjoyLCJrIjoiKiJ9" + t[t.index("."):],  # payload swapped for another user
    lambda t: "nonsense",
])
async def test_tampered_unsubscribe_links_are_refused(app, client, damage) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    url = f"/notifications/unsubscribe/{damage(token_for(app, siti.id, Kind.DECISION))}"
    for response in (await client.get(url), await client.post(url, data={"scope": "all"})):
        assert response.status_code == 400 and "This unsubscribe link is not valid." in response.text
    assert await NotificationPreference.all().count() == 0


async def test_expired_unsubscribe_link_says_so(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: 1_000_000_000.0)  # signed in 2001
        token = token_for(app, siti.id, Kind.DECISION)
    response = await client.post(f"/notifications/unsubscribe/{token}", data={"scope": "kind"})
    assert response.status_code == 400 and "This unsubscribe link has expired." in response.text
    assert await NotificationPreference.all().count() == 0


async def test_mark_all_read_with_htmx_returns_the_list(app, client) -> None:  # type: ignore[no-untyped-def]
    siti, _ = await two_residents(app)
    await make_row(siti.id)
    await login(client, "siti@example.id")
    token = csrf_of((await client.get("/notifications")).text)
    response = await client.post("/notifications/read-all", headers={**HX, "X-CSRF-Token": token})
    assert response.status_code == 200
    assert 'id="notifications-list"' in response.text and "0 unread notifications" in response.text
    assert "Mark as read" not in response.text and "<html" not in response.text


async def test_unread_count_middleware_sets_the_badge_number(app) -> None:  # type: ignore[no-untyped-def]
    from portal.accounts.identity import ANONYMOUS, Identity
    from portal.notifications.middleware import UnreadCountMiddleware

    siti, _ = await two_residents(app)
    for item in (1, 2):
        await make_row(siti.id, item)
    seen: dict[str, object] = {}

    async def page(scope, receive, send):  # type: ignore[no-untyped-def]
        seen["count"] = scope["state"].get("unread_notifications")

    middleware = UnreadCountMiddleware(page)
    for who, headers, expected in ((Identity(user_id=siti.id), [], 2), (ANONYMOUS, [], 0),
                                   (Identity(user_id=siti.id), [(b"hx-request", b"true")], 0)):
        scope = {"type": "http", "method": "GET", "path": "/", "headers": headers, "state": {"identity": who}}
        await middleware(scope, None, None)  # type: ignore[arg-type]
        assert seen["count"] == expected
