"""Notification mail: grouping window, one mail per item per day, digests, headers, language."""

from __future__ import annotations

import dataclasses
import email.policy
from datetime import UTC, datetime, time, timedelta
from email.parser import BytesParser
from email.message import EmailMessage

import pytest

from portal.accounts.models import User
from portal.core.timeutil import utcnow
from portal.notifications import mailing
from portal.notifications import services as notifications
from portal.notifications.domain import JAKARTA, Mode, jakarta_day
from portal.notifications.models import Notification
from portal.proposals import services as proposals
from tests.notifications.helpers import rows_of
from tests.proposals.factories import moderator, resident, submitted

LATER = timedelta(minutes=11)  # past the grouping window


@pytest.fixture
async def cursor(db):  # type: ignore[no-untyped-def]
    await notifications.ensure_cursor(start_at=0)


def deps(app) -> mailing.MailDeps:  # type: ignore[no-untyped-def]
    svc = app.state.services
    return mailing.MailDeps(mailer=svc.mailer, tokens=svc.accounts.tokens, base_url="http://testserver")


def mails(app, to: str = "") -> list[EmailMessage]:  # type: ignore[no-untyped-def]
    outbox = app.state.services.outbox
    found = []
    for path in sorted(outbox.directory.glob("*.eml")) if outbox.directory.exists() else []:
        message = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
        if to in str(message["To"]):
            found.append(message)
    return found


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def forwarded_with_fans(svc):  # type: ignore[no-untyped-def]
    author, fan, mod = await resident(svc, 1), await resident(svc, 2), await moderator(svc)
    proposal_id = await submitted(author)
    await proposals.support(fan, proposal_id)
    await proposals.verify(mod, proposal_id, "DSDABM")
    await notifications.fan_out()
    return author, fan, mod, proposal_id


async def test_immediate_mail_waits_for_the_window_then_groups_the_item(app, cursor) -> None:  # type: ignore[no-untyped-def]
    author, fan, _mod, proposal_id = await forwarded_with_fans(app.state.services)
    assert await mailing.send_immediate(deps(app)) == 0  # still inside the grouping window
    assert await mailing.send_immediate(deps(app), now=utcnow() + LATER) == 2  # author and supporter
    to_author = mails(app, "warga1@")
    assert len(to_author) == 1
    text = body(to_author[0])
    # One mail for the item, rendered in the site language (Indonesian) for an account without one.
    assert "Diteruskan ke perangkat daerah" in text and f"/proposals/{proposal_id}" in text
    assert not (await rows_of(author.user_id))[0].email_pending


async def test_only_one_immediate_mail_per_item_per_day(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, fan, mod, proposal_id = await forwarded_with_fans(svc)
    first = utcnow() + LATER
    if jakarta_day(first + LATER) != jakarta_day(first):
        # Run just before midnight in Jakarta, the second try would fall on the next day (and
        # rightly mail again): send the first one just after that midnight instead.
        first = datetime.combine(jakarta_day(first + LATER), time(0, 1), JAKARTA).astimezone(UTC)
    await mailing.send_immediate(deps(app), now=first)
    officer_comment = await resident(svc, 3)
    await proposals.follow(fan, proposal_id, True)
    await proposals.add_comment(officer_comment, proposal_id, "Sudah disurvei minggu lalu.")
    await notifications.set_preferences(fan.user_id, {"proposal_comment": Mode.IMMEDIATE})
    await notifications.fan_out()
    row = (await rows_of(fan.user_id))[0]
    assert row.email_pending and row.count == 2  # folded into today's row, waiting again
    assert await mailing.send_immediate(deps(app), now=first + LATER) == 0  # already mailed today
    assert len(mails(app, "warga2@")) == 1
    assert await mailing.send_immediate(deps(app), now=first + timedelta(days=1)) == 1  # the next day
    assert len(mails(app, "warga2@")) == 2
    assert await mailing.send_immediate(deps(app), now=first + timedelta(days=2)) == 0  # nothing left


async def test_mail_carries_rfc8058_one_click_unsubscribe(app, cursor) -> None:  # type: ignore[no-untyped-def]
    await forwarded_with_fans(app.state.services)
    await mailing.send_immediate(deps(app), now=utcnow() + LATER)
    message = mails(app, "warga1@")[0]
    link = str(message["List-Unsubscribe"])
    assert link.startswith("<http://testserver/notifications/unsubscribe/") and link.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link[1:-1] in body(message)  # the same link is visible in the text


async def test_mail_uses_the_account_language(app, cursor) -> None:  # type: ignore[no-untyped-def]
    author, *_ = await forwarded_with_fans(app.state.services)
    await User.filter(id=author.user_id).update(lang="en")
    await mailing.send_immediate(deps(app), now=utcnow() + LATER)
    assert "is now: Forwarded to the agency" in body(mails(app, "warga1@")[0])
    assert "Diteruskan ke perangkat daerah" in body(mails(app, "warga2@")[0])


async def test_disabled_accounts_get_no_mail(app, cursor) -> None:  # type: ignore[no-untyped-def]
    author, _fan, _mod, _pid = await forwarded_with_fans(app.state.services)
    await User.filter(id=author.user_id).update(disabled_at=utcnow())
    assert await mailing.send_immediate(deps(app), now=utcnow() + LATER) == 1  # only the supporter
    assert mails(app, "warga1@") == []
    assert not (await rows_of(author.user_id))[0].email_pending


async def test_daily_digest_groups_each_residents_items_in_one_mail(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, commenter = await resident(svc, 1), await resident(svc, 2)
    first, second = await submitted(author), await submitted(author, title="Lampu jalan mati di Cikutra")
    for proposal_id in (first, second):
        await proposals.add_comment(commenter, proposal_id, "Di sini juga rusak.")
        await proposals.support(commenter, proposal_id)  # weekly kind: folds into the daily row
    await notifications.fan_out()
    assert await mailing.send_immediate(deps(app), now=utcnow() + LATER) == 0  # comments are daily
    tuesday = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert await mailing.send_digests(deps(app), tuesday) == 1
    digest = mails(app, "warga1@")
    assert len(digest) == 1
    text = body(digest[0])
    assert f"/proposals/{first}" in text and f"/proposals/{second}" in text
    assert digest[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert await mailing.send_digests(deps(app), tuesday) == 0  # a re-run sends nothing twice


async def test_weekly_rows_wait_for_monday(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, fan = await resident(svc, 1), await resident(svc, 2)
    await User.filter(id=author.user_id).update(lang="en")
    await proposals.support(fan, await submitted(author))
    await notifications.fan_out()
    assert (await rows_of(author.user_id))[0].email_mode == "weekly"
    assert await mailing.send_digests(deps(app), datetime(2026, 12, 1, 0, 0, tzinfo=UTC)) == 0  # Tuesday
    assert await mailing.send_digests(deps(app), datetime(2026, 12, 7, 0, 0, tzinfo=UTC)) == 1  # Monday
    assert str(mails(app, "warga1@")[0]["Subject"]) == "Your weekly Warga digest: 1 update"


async def test_changing_a_preference_moves_pending_mail(app, cursor) -> None:  # type: ignore[no-untyped-def]
    author, *_ = await forwarded_with_fans(app.state.services)
    await notifications.set_preferences(author.user_id, {"proposal_status": Mode.IN_APP})
    row = (await rows_of(author.user_id))[0]
    assert not row.email_pending  # no mail any more, but still listed in the app
    assert await Notification.filter(user_id=author.user_id).count() == 1
    assert await mailing.send_immediate(deps(app), now=utcnow() + LATER) == 1  # only the supporter's


async def test_registered_jobs_fan_out_mail_and_digest(app, cursor) -> None:  # type: ignore[no-untyped-def]
    from portal.app import job_handlers, periodic_jobs

    every = {p.kind: p.every for p in periodic_jobs(app.state.services.settings)}
    assert every["notifications.fan_out"] == timedelta(minutes=2)  # Settings.notify_every_seconds
    assert every["notifications.digest"] == timedelta(days=1)
    quicker = dataclasses.replace(app.state.services.settings, notify_every_seconds=5)
    every = {p.kind: p.every for p in periodic_jobs(quicker)}
    assert every["notifications.fan_out"] == timedelta(seconds=5)
    handlers = job_handlers(app.state.services)
    svc = app.state.services
    author, commenter = await resident(svc, 1), await resident(svc, 2)
    await proposals.add_comment(commenter, await submitted(author), "Setuju.")
    await handlers["notifications.fan_out"]({"slot": utcnow().isoformat()})
    assert [r.message for r in await rows_of(author.user_id)] == ["proposal.comment"]
    await handlers["notifications.digest"]({"slot": "2026-12-01T00:00:00+00:00"})
    assert len(mails(app, "warga1@")) == 1
