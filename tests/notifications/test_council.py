"""Council decisions and implementation projects reach the people of what they concern."""

from __future__ import annotations

import json
from datetime import date

import pytest

from portal.accounts.models import User
from portal.core.timeutil import utcnow
from portal.council import confirmations, implementation
from portal.council import services as council
from portal.notifications import mailing
from portal.notifications import services as notifications
from portal.proposals import services as proposals
from portal.notifications.models import Notification
from tests.council.factories import answer_proposal, councillor, officer, proposal_with_people
from tests.notifications.test_mail import LATER, body, deps, mails
from tests.proposals.factories import resident


@pytest.fixture
async def cursor(db):  # type: ignore[no-untyped-def]
    await notifications.ensure_cursor(start_at=0)


async def test_decision_and_implementation_status_reach_author_and_supporters(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    proposal_id, author, supporters = await proposal_with_people(svc, supporters=2)
    dewan = await councillor(svc)
    decision_id = await council.create_draft(dewan, answer_proposal(proposal_id))
    projects = await council.publish(dewan, decision_id)
    assert len(projects) == 1
    petugas = await officer(svc)
    await implementation.change_status(petugas, projects[0], "procurement")
    await notifications.fan_out()

    people = {author.user_id, *(s.user_id for s in supporters)}
    decision_rows = await Notification.filter(item_type="decision", item_id=decision_id)
    assert {r.user_id for r in decision_rows} == people  # type: ignore[attr-defined]
    assert decision_rows[0].message == "decision.published"
    project_rows = await Notification.filter(item_type="implementation", item_id=projects[0])
    assert {r.user_id for r in project_rows} == people  # type: ignore[attr-defined]
    # Created and moved to procurement on the same day: one row, the latest status shown.
    assert all(r.count == 2 and json.loads(r.params)["to"] == "procurement" for r in project_rows)
    assert not await Notification.filter(user_id__in=[dewan.user_id, petugas.user_id]).exists()


async def _in_progress_project(svc):  # type: ignore[no-untyped-def]
    """A council-answered proposal whose project DSDABM has started (notifications so far consumed)."""
    proposal_id, author, supporters = await proposal_with_people(svc, supporters=2)
    dewan = await councillor(svc)
    [project_id] = await council.publish(dewan, await council.create_draft(dewan, answer_proposal(proposal_id)))
    petugas = await officer(svc)
    await implementation.change_status(petugas, project_id, "in_progress")
    await notifications.fan_out()
    await Notification.all().delete()  # each test starts from a quiet day
    return project_id, proposal_id, author, supporters, dewan, petugas


async def test_progress_milestones_and_updates_fold_into_one_row_per_resident_and_day(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    project_id, _pid, author, supporters, _dewan, petugas = await _in_progress_project(svc)
    for percent in (10, 25, 40):  # a busy officer reports three times in one day
        await implementation.report_progress(petugas, project_id, progress=percent, spent=percent * 1000)
    milestone = await implementation.add_milestone(petugas, project_id, title="Pengecoran", due_on=date(2026, 12, 1))
    await implementation.complete_milestone(petugas, project_id, milestone, done_on=date(2026, 11, 30))
    await implementation.add_update(petugas, project_id, text="Sisi utara selesai.", images=[], alt="",
                                    media_dir=svc.settings.media_dir)
    await notifications.fan_out()

    rows = await Notification.filter(item_type="implementation", item_id=project_id)
    assert {r.user_id for r in rows} == {author.user_id, *(s.user_id for s in supporters)}  # type: ignore[attr-defined]
    assert petugas.user_id not in {r.user_id for r in rows}  # type: ignore[attr-defined]
    for row in rows:  # six events, one row each: the storm limit
        assert row.count == 6 and row.message == "implementation.update"
        assert [(e["message"], e["params"].get("progress"), e["params"].get("milestone"))
                for e in json.loads(row.entries)] == [
            ("implementation.progress", "10", None), ("implementation.progress", "25", None),
            ("implementation.progress", "40", None), ("implementation.milestone_added", None, "Pengecoran"),
            ("implementation.milestone_done", None, "Pengecoran"), ("implementation.update", None, None)]
    await User.filter(id=author.user_id).update(lang="en")
    before = len(mails(app, author.email))
    assert await mailing.send_immediate(deps(app), now=utcnow() + LATER) == 3  # one per resident for the day
    [mail] = mails(app, author.email)[before:]
    assert "(and 5 more updates today)" in body(mail)


async def test_a_no_opens_a_review_for_the_others_and_the_council(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    media = svc.settings.media_dir
    project_id, _pid, author, (first, second), dewan, petugas = await _in_progress_project(svc)
    follower = await resident(svc, 77)
    await proposals.follow(follower, _pid, True)
    await implementation.change_status(petugas, project_id, "done")
    await notifications.fan_out()
    done = {r.user_id: r for r in await Notification.filter(item_type="implementation", item_id=project_id)}  # type: ignore[attr-defined]
    # The residents asked "was it really done?" got that mail (council.confirmations): in-app only here.
    assert {u: r.email_pending for u, r in done.items()} == {
        author.user_id: False, first.user_id: False, second.user_id: False, follower.user_id: True}
    assert json.loads(done[author.user_id].entries)[-1]["mailed"] is True

    await confirmations.answer(first, project_id, "no", comment="Masih berlubang", media_dir=media)
    await notifications.fan_out()
    opened = await Notification.filter(item_type="implementation", item_id=project_id,
                                       message="implementation.review_opened")
    assert {r.user_id for r in opened} == {author.user_id, second.user_id, follower.user_id,  # type: ignore[attr-defined]
                                           dewan.user_id}  # not the resident who said no
    assert all(r.email_pending for r in opened)  # a review is news for everyone, by mail

    await implementation.close_review(dewan, project_id, outcome="reopen", note="Perbaiki sisi utara.")
    await notifications.fan_out()
    row = await Notification.get(user_id=first.user_id, item_type="implementation", item_id=project_id)
    assert [e["message"] for e in json.loads(row.entries)][-2:] == ["implementation.review_reopened",
                                                                   "implementation.status"]
    assert json.loads(row.params)["to"] == "in_progress"
