"""Workflow through the services: deadlines (holiday vectors), jobs, permissions, audit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.core.models import AuditEvent, Job
from portal.core.workdays import JAKARTA
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.proposals import services as proposals
from portal.proposals.domain import AnswerKind, ProposalStatus
from portal.proposals.models import Proposal, TimelineEntry
from tests.proposals.factories import NOW, draft, forwarded, moderator, officer, resident, submitted


def wib(moment: datetime | None) -> date:
    assert moment is not None
    return moment.astimezone(JAKARTA).date()


async def test_submit_verify_answer_deadlines_skip_lebaran_holidays(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod, dsdabm = await resident(svc, 1), await moderator(svc), await officer(svc)
    proposal_id = await submitted(author)
    p = await Proposal.get(id=proposal_id)
    assert p.status == "submitted" and wib(p.deadline_at) == date(2025, 4, 10)  # 27 Mar + 3 HK
    await proposals.verify(mod, proposal_id, "DSDABM", now=NOW)
    p = await Proposal.get(id=proposal_id)
    assert p.status == "forwarded" and wib(p.deadline_at) == date(2025, 4, 14)  # + 5 HK
    remind = await Job.get(kind=proposals.JOB_REMIND)
    # 2 HK before Monday 14 April is Thursday 10 April (Friday 11 is the other day), 08:00 WIB.
    assert remind.run_at == datetime(2025, 4, 10, 1, 0, tzinfo=UTC)
    await proposals.answer(dsdabm, proposal_id, AnswerKind.NOT_FEASIBLE, "Bukan jalan kota.", None,
                           svc.mailer, "http://t", now=NOW + timedelta(days=1))
    p = await Proposal.get(id=proposal_id)
    assert p.status == "answered" and p.answered_on_time is True
    # Answered on 28 Mar, itself cuti bersama: the 10 HK run as from 27 Mar, to 22 Apr.
    assert wib(p.deadline_at) == date(2025, 4, 22)
    close = await Job.get(kind=proposals.JOB_AUTO_CLOSE)
    payload = json.loads(close.payload)
    assert not await proposals.auto_close(proposal_id, payload["deadline"], now=NOW + timedelta(days=5))
    assert await proposals.auto_close(proposal_id, payload["deadline"], now=close.run_at)
    assert not await proposals.auto_close(proposal_id, payload["deadline"], now=close.run_at)  # idempotent
    assert (await Proposal.get(id=proposal_id)).status == "closed"
    actions = await TimelineEntry.filter(proposal_id=proposal_id).order_by("id").values_list("action", "actor_role")
    assert actions == [("create", "author"), ("submit", "author"), ("verify", "moderator"),
                       ("answer_not_feasible", "officer"), ("auto_close", "system")]
    tags = set(await AuditEvent.filter(target_id=str(proposal_id)).values_list("tag", flat=True))
    assert {"proposals:proposal:submit", "proposals:proposal:verify", "proposals:proposal:auto_close"} <= tags


async def test_author_reply_reopens_within_window_and_not_after(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod, dsdabm = await resident(svc, 1), await moderator(svc), await officer(svc)
    first = await forwarded(author, mod)
    await proposals.answer(dsdabm, first, AnswerKind.DIRECT, "Sudah dijadwalkan tambal.", None, svc.mailer, "")
    await proposals.author_reply(author, first, "Belum ada perbaikan sampai sekarang.")
    p = await Proposal.get(id=first)
    assert p.status == "forwarded"  # reopened: the agency owes a new answer within 5 HK
    await proposals.answer(dsdabm, first, AnswerKind.DIRECT, "Kami kirim tim minggu ini.", None, svc.mailer, "",
                           now=NOW)
    late = (await Proposal.get(id=first)).deadline_at + timedelta(minutes=1)  # type: ignore[operator]
    with pytest.raises(Conflict):
        await proposals.author_reply(author, first, "Terlambat membalas.", now=late)


async def test_late_answer_is_recorded_as_not_on_time(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod, dsdabm = await resident(svc, 1), await moderator(svc), await officer(svc)
    proposal_id = await forwarded(author, mod)
    await proposals.answer(dsdabm, proposal_id, AnswerKind.FEASIBLE, "Layak, masuk anggaran.", 30_000_000,
                           svc.mailer, "", now=datetime(2025, 4, 15, 3, tzinfo=UTC))
    p = await Proposal.get(id=proposal_id)
    assert p.status == "eligible" and p.answered_on_time is False and p.answer_cost == 30_000_000


async def test_officer_of_another_agency_cannot_answer(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    dishub = await officer(svc, "Dishub")
    proposal_id = await forwarded(author, mod, "DSDABM")
    with pytest.raises(NotAllowed):
        await proposals.answer(dishub, proposal_id, AnswerKind.DIRECT, "Bukan urusan kami tapi coba.", None,
                               svc.mailer, "")
    assert (await Proposal.get(id=proposal_id)).status == "forwarded"


async def test_not_competent_goes_back_to_moderators_for_rerouting(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    dishub, dsdabm = await officer(svc, "Dishub"), await officer(svc, "DSDABM")
    proposal_id = await forwarded(author, mod, "Dishub")
    await proposals.answer(dishub, proposal_id, AnswerKind.NOT_COMPETENT, "Jalan adalah urusan DSDABM.", None,
                           svc.mailer, "", now=NOW)
    p = await Proposal.get(id=proposal_id)
    assert p.status == "rerouting" and wib(p.deadline_at) == date(2025, 4, 10)
    await proposals.reroute(mod, proposal_id, "DSDABM", now=NOW)
    await proposals.answer(dsdabm, proposal_id, AnswerKind.FEASIBLE, "Layak dan akan dianggarkan.", 10_000_000,
                           svc.mailer, "")
    assert (await Proposal.get(id=proposal_id)).status == "eligible"


async def test_resident_cannot_edit_another_residents_proposal(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, other = await resident(svc, 1), await resident(svc, 2)
    proposal_id = await proposals.create_draft(author, draft())
    with pytest.raises(NotFound):  # a draft is invisible to others
        await proposals.update_draft(other, proposal_id, draft(title="Judul yang diganti orang lain"))
    await proposals.submit(author, proposal_id)
    with pytest.raises(NotAllowed):
        await proposals.update_draft(other, proposal_id, draft(title="Judul yang diganti orang lain"))
    with pytest.raises(NotAllowed):
        await proposals.withdraw(other, proposal_id)
    assert (await Proposal.get(id=proposal_id)).title == draft().title


async def test_editing_stops_when_verification_starts_and_withdrawal_after_decision(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod, dsdabm = await resident(svc, 1), await moderator(svc), await officer(svc)
    proposal_id = await submitted(author)
    await proposals.update_draft(author, proposal_id, draft(title="Perbaikan jalan Dago yang berlubang"))
    await proposals.start_review(mod, proposal_id)
    with pytest.raises(Conflict):
        await proposals.update_draft(author, proposal_id, draft())
    await proposals.verify(mod, proposal_id, "DSDABM")
    await proposals.answer(dsdabm, proposal_id, AnswerKind.DIRECT, "Sudah kami tangani langsung.", None,
                           svc.mailer, "")
    with pytest.raises(Conflict):
        await proposals.withdraw(author, proposal_id)


async def test_return_for_clarification_and_resubmit_restarts_the_clock(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    proposal_id = await submitted(author)
    await proposals.return_for_clarification(mod, proposal_id, "Sebutkan nomor RT/RW.")
    p = await Proposal.get(id=proposal_id)
    assert p.status == "clarification" and p.deadline_at is None and p.moderator_note
    await proposals.update_draft(author, proposal_id, draft(address="RT 02 RW 05"))
    status = await proposals.submit(author, proposal_id, now=datetime(2025, 8, 14, 3, tzinfo=UTC))
    p = await Proposal.get(id=proposal_id)
    assert status == ProposalStatus.SUBMITTED and wib(p.deadline_at) == date(2025, 8, 20)


async def test_kelurahan_must_belong_to_kecamatan_and_only_verified_residents_write(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    with pytest.raises(InvalidInput) as err:
        await proposals.create_draft(author, draft(kecamatan_code="32.73.01"))
    assert "kelurahan" in err.value.errors
    with pytest.raises(NotAllowed):
        await proposals.create_draft(await moderator(svc), draft())


async def test_coauthor_by_email_can_edit_the_draft(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, friend = await resident(svc, 1), await resident(svc, 2)
    proposal_id = await proposals.create_draft(author, draft())
    with pytest.raises(InvalidInput):
        await proposals.invite_coauthor(author, proposal_id, "nobody@example.id", svc.mailer, "")
    await proposals.invite_coauthor(author, proposal_id, "WARGA2@example.id", svc.mailer, "http://t")
    await proposals.update_draft(friend, proposal_id, draft(title="Judul baru dari rekan penulis"))
    assert (await Proposal.get(id=proposal_id)).title == "Judul baru dari rekan penulis"
    assert any(m.to == "warga2@example.id" for m in svc.outbox.latest())
    with pytest.raises(InvalidInput):  # twice is refused
        await proposals.invite_coauthor(author, proposal_id, "warga2@example.id", svc.mailer, "")


async def test_reminder_mails_the_responsible_officers_once(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    await officer(svc, "DSDABM", "a@dsdabm.example.id")
    await officer(svc, "Dishub", "b@dishub.example.id")
    proposal_id = await forwarded(author, mod, "DSDABM")
    payload = json.loads((await Job.get(kind=proposals.JOB_REMIND)).payload)
    assert await proposals.send_reminder(proposal_id, payload["deadline"], svc.mailer, "http://t") == 1
    assert await proposals.send_reminder(proposal_id, payload["deadline"], svc.mailer, "http://t") == 0
    recipients = [m.to for m in svc.outbox.latest()]
    assert "a@dsdabm.example.id" in recipients and "b@dishub.example.id" not in recipients


async def test_job_handlers_run_through_the_queue(app) -> None:  # type: ignore[no-untyped-def]
    from portal.app import job_handlers
    from portal.core import jobs

    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    await officer(svc)
    await forwarded(author, mod, now=datetime.now(UTC) - timedelta(days=30))
    assert await jobs.run_one(job_handlers(svc), "w1")
    assert await jobs.run_one(job_handlers(svc), "w1")
    # The moderators' reminder (due first) found the proposal verified already and sent nothing.
    assert (await Job.get(kind=proposals.JOB_REMIND_MODERATORS)).status == "done"
    job = await Job.get(kind=proposals.JOB_REMIND)
    assert job.status == "done"
