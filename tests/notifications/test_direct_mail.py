"""Events the proposals package already mails to the authors: notifications stay in-app for them,
so nobody receives two mails about one event; supporters and followers still get theirs."""

from __future__ import annotations

import json

import pytest

from portal.accounts.models import User
from portal.core.timeutil import utcnow
from portal.notifications import mailing
from portal.notifications import services as notifications
from portal.proposals import services as proposals
from portal.proposals.domain import AnswerKind
from tests.notifications.helpers import rows_of
from tests.notifications.test_mail import LATER, body, deps, mails
from tests.proposals.factories import draft, moderator, officer, resident, submitted

ANSWER_SUBJECT = "The agency answered your proposal"
ANSWER_LINE = "is now: Eligible for participatory budget"  # a feasible answer


@pytest.fixture
async def cursor(db):  # type: ignore[no-untyped-def]
    await notifications.ensure_cursor(start_at=0)


async def people(svc):  # type: ignore[no-untyped-def]
    """A forwarded proposal with an author, a supporter and a follower, all reading English."""
    author, fan, follower, mod = (await resident(svc, 1), await resident(svc, 2), await resident(svc, 3),
                                  await moderator(svc))
    proposal_id = await submitted(author)
    await proposals.support(fan, proposal_id)
    await proposals.follow(follower, proposal_id, True)
    await proposals.verify(mod, proposal_id, "DSDABM")
    await User.filter(id__in=[author.user_id, fan.user_id, follower.user_id]).update(lang="en")
    return proposal_id, author, fan, follower, mod


async def answer(svc, proposal_id: int) -> None:  # type: ignore[no-untyped-def]
    await proposals.answer(await officer(svc), proposal_id, AnswerKind.FEASIBLE, "Dikerjakan bulan depan.",
                           25_000_000, svc.mailer, "http://testserver")


def about_the_answer(app, to: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m["Subject"]) for m in mails(app, to)
            if str(m["Subject"]) == ANSWER_SUBJECT or ANSWER_LINE in body(m)]


async def test_an_agency_answer_mails_each_author_once(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    proposal_id, author, fan, follower, _mod = await people(svc)
    await notifications.fan_out()
    await mailing.send_immediate(deps(app), now=utcnow() + LATER)  # the "forwarded" news went out
    await answer(svc, proposal_id)
    await notifications.fan_out()
    # The author's notice is in the app, not waiting for mail: the answer mail already went out.
    row = [r for r in await rows_of(author.user_id) if r.message == "proposal.status"][0]
    assert json.loads(row.params)["to"] == "eligible" and json.loads(row.entries)[-1]["mailed"] is True
    for later in (LATER, LATER * 200):  # today, and tomorrow when the daily mail limit is over
        await mailing.send_immediate(deps(app), now=utcnow() + later)
    assert about_the_answer(app, author.email) == [ANSWER_SUBJECT]
    # Supporters and followers got no direct mail: they hear of the answer from notifications.
    assert len(about_the_answer(app, fan.email)) == 1 and len(about_the_answer(app, follower.email)) == 1


async def test_a_pending_mail_of_the_day_does_not_repeat_the_answer(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    proposal_id, author, fan, _follower, _mod = await people(svc)
    await answer(svc, proposal_id)  # within the grouping window of the "forwarded" notice
    await notifications.fan_out()
    [row] = await rows_of(author.user_id)
    assert row.count == 3 and row.email_pending  # support + forwarded still to be mailed, answer folded in
    assert await mailing.send_immediate(deps(app), now=utcnow() + LATER) == 3
    [grouped] = [m for m in mails(app, author.email) if str(m["Subject"]) != ANSWER_SUBJECT]
    # The author's grouped mail reports the forwarding (and the support), not the answer again.
    assert "is now: Forwarded to the agency (and 1 more update today)" in body(grouped)
    assert about_the_answer(app, author.email) == [ANSWER_SUBJECT]
    assert ANSWER_LINE in body(mails(app, fan.email)[-1])  # the supporter hears of the answer


async def test_hiding_and_restoring_mail_the_authors_once_followers_by_notification(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    proposal_id, author, _fan, follower, mod = await people(svc)
    await notifications.fan_out()
    await mailing.send_immediate(deps(app), now=utcnow() + LATER)
    before = len(mails(app, author.email))
    for n in range(10, 13):  # three residents' reports hide it; proposals mails the author why
        await proposals.flag(await resident(svc, n), proposal_id, "Iklan", svc.mailer)
    await proposals.decide_hidden(mod, proposal_id, True, "Bukan iklan.", svc.mailer)
    await notifications.fan_out()
    messages = {r.user_id: [e["message"] for e in json.loads(r.entries)]  # type: ignore[attr-defined]
                for r in await rows_of(author.user_id) + await rows_of(follower.user_id)}
    assert messages[author.user_id][-2:] == ["proposal.hidden", "proposal.restored"]
    assert messages[follower.user_id][-1] == "proposal.restored"  # while hidden only authors were told
    for later in (LATER, LATER * 200):
        await mailing.send_immediate(deps(app), now=utcnow() + later)
    assert [str(m["Subject"]) for m in mails(app, author.email)[before:]] == [
        "Your proposal is hidden pending review", "A moderator reviewed your proposal"]
    assert any("is visible again" in body(m) for m in mails(app, follower.email))


async def test_a_coauthor_invitation_is_one_mail_and_an_in_app_notice(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, partner = await resident(svc, 1), await resident(svc, 2)
    draft_id = await proposals.create_draft(author, draft())
    await proposals.invite_coauthor(author, draft_id, partner.email, svc.mailer, "http://testserver")
    await notifications.fan_out()
    [row] = await rows_of(partner.user_id)
    assert row.message == "proposal.coauthor" and not row.email_pending
    await mailing.send_immediate(deps(app), now=utcnow() + LATER)
    assert len(mails(app, partner.email)) == 1  # the invitation itself
