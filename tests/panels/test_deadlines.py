"""Reminders two working days before each deadline and escalation to the council when overdue:
the pure rule as a table, then the sweep against the database and the outbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.app import job_handlers, periodic_jobs
from portal.core.models import AuditEvent
from portal.core.workdays import WorkCalendar
from portal.panels import deadline_jobs, followup, scorecards, services as panels
from portal.panels.deadlines import AUDIENCE, Audience, Notice, due_notice
from portal.panels.domain import DEADLINE_WORKING_DAYS, InspectionState
from portal.panels.models import Action, Inspection
from tests.panels.factories import new_inspection, person, team

CAL = WorkCalendar()
GOOD = {f"U{i}": "3" for i in range(1, 10)}


@pytest.mark.parametrize(("today", "deadline", "expected"), [
    (date(2026, 12, 7), date(2026, 12, 14), None),  # Mon, deadline next Mon: 5 working days left
    (date(2026, 12, 10), date(2026, 12, 14), Notice.REMIND),  # Thu: Fri + Mon = 2 working days left
    (date(2026, 12, 9), date(2026, 12, 14), None),  # Wed: 3 working days left
    (date(2026, 12, 12), date(2026, 12, 14), Notice.REMIND),  # Saturday before: 1 working day left
    (date(2026, 12, 14), date(2026, 12, 14), Notice.REMIND),  # the deadline day itself is still on time
    (date(2026, 12, 15), date(2026, 12, 14), Notice.ESCALATE),  # the day after: overdue
    (date(2026, 12, 22), date(2026, 12, 28), Notice.REMIND),  # 24, 25 Dec (cuti bersama, Christmas) do not count
    (date(2026, 12, 21), date(2026, 12, 28), None),  # 22, 23, 28 = 3 working days left
])
def test_due_notice_counts_working_days(today: date, deadline: date, expected: Notice | None) -> None:
    assert due_notice(deadline, today, CAL) is expected


def test_every_state_with_a_deadline_has_someone_to_remind() -> None:
    assert set(DEADLINE_WORKING_DAYS) <= set(AUDIENCE)
    assert AUDIENCE[InspectionState.ACTION_PLAN_SUBMITTED] == {Audience.AGENCY_HEAD}
    assert Audience.AGENCY in AUDIENCE[InspectionState.RIGHT_OF_REPLY]


def test_sweep_is_registered_as_an_hourly_job(app) -> None:  # type: ignore[no-untyped-def]
    kinds = {p.kind: p for p in periodic_jobs(app.state.services.settings)}
    assert kinds[deadline_jobs.JOB].every == timedelta(hours=1)
    assert deadline_jobs.JOB in job_handlers(app.state.services)


async def _in_reply(app):  # type: ignore[no-untyped-def]
    services = app.state.services
    _m, mod = await person(services, "mod@example.id", roles=("moderator",))
    _o, officer = await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    await person(services, "lain@example.id", roles=("officer",), agency="Dishub")
    await person(services, "dewan@example.id", roles=("council",))
    iid = await panels.create_inspection(mod, new_inspection())
    await panels.transition(mod, iid, "recruiting")
    members = await team(services, mod, iid)
    await panels.transition(mod, iid, "fieldwork")
    for _u, who in members:
        card = await scorecards.start_scorecard(who, iid, 1)
        await scorecards.save_scorecard(who, iid, card, GOOD, observations="", submit=True)
    await scorecards.save_self_assessment(officer, iid, GOOD, notes="", submit=True)
    for target in ("consolidation", "report_draft"):
        await panels.transition(mod, iid, target)
    await followup.save_report(mod, iid, findings="Antrean panjang setiap pagi.", strengths="",
                               recommendations="Tambah loket.")
    await panels.transition(mod, iid, "right_of_reply")
    return mod, officer, iid


def _mails(app, subject: str) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(m.to for m in app.state.services.outbox.latest() if subject in m.subject)


async def test_reminder_goes_once_to_the_agency_then_escalation_to_the_council(app) -> None:  # type: ignore[no-untyped-def]
    mod, officer, iid = await _in_reply(app)
    inspection = await Inspection.get(id=iid)
    deadline = inspection.deadline
    assert deadline is not None
    mailer, base = app.state.services.mailer, "https://warga.example"
    early = await deadline_jobs.sweep(mailer, base, day=deadline - timedelta(days=10))
    assert (early.reminded, early.escalated) == (0, 0)
    first = await deadline_jobs.sweep(mailer, base, day=deadline)
    again = await deadline_jobs.sweep(mailer, base, day=deadline)
    assert (first.reminded, again.reminded) == (1, 0)
    # Only the inspected agency's officers: the officer of another agency hears nothing.
    assert _mails(app, "Reminder: an inspection step") == ["petugas@example.id"]
    assert (await Inspection.get(id=iid)).reminded_deadline == deadline
    late = await deadline_jobs.sweep(mailer, base, day=deadline + timedelta(days=1))
    later = await deadline_jobs.sweep(mailer, base, day=deadline + timedelta(days=2))
    assert (late.escalated, later.escalated) == (1, 0)
    assert _mails(app, "Escalation: an inspection") == ["dewan@example.id", "mod@example.id"]
    assert await AuditEvent.filter(tag="panels:inspection:escalate", target_id=str(iid)).count() == 1
    assert (await Inspection.get(id=iid)).escalated_at is not None


async def test_transition_resets_the_flags_and_the_page_shows_escalation(client, app) -> None:  # type: ignore[no-untyped-def]
    mod, officer, iid, = await _in_reply(app)
    deadline = (await Inspection.get(id=iid)).deadline
    assert deadline is not None
    await deadline_jobs.sweep(app.state.services.mailer, "", day=deadline + timedelta(days=3))
    page = await client.get(f"/inspections/{iid}")
    assert "escalated to the council" in page.text
    assert "Deadline missed: escalated to the council" in page.text  # public timeline
    await followup.add_action(officer, iid, followup.NewAction("U3", "Tambah loket", "Kasi", date.today() + timedelta(days=40),
                                                               "APBD", "Foto"))
    await panels.transition(officer, iid, "action_plan_submitted")
    fresh = await Inspection.get(id=iid)
    assert fresh.escalated_at is None and fresh.reminded_deadline is None


async def test_action_due_date_reminder_and_escalation(app) -> None:  # type: ignore[no-untyped-def]
    mod, officer, iid = await _in_reply(app)
    due = date.today() + timedelta(days=30)
    action_id = await followup.add_action(officer, iid, followup.NewAction(
        "U3", "Tambah satu loket perekaman", "Kasi Pelayanan", due, "APBD 2027", "Foto loket"))
    _h, head = await person(app.state.services, "kepala@example.id", roles=("officer", "agency_head"),
                            agency="Disdukcapil")
    await panels.transition(officer, iid, "action_plan_submitted")
    await panels.transition(head, iid, "action_plan_approved")
    await panels.transition(mod, iid, "follow_up")
    mailer = app.state.services.mailer
    # Neither reminder nor escalation for the state: follow-up has no state deadline of its own.
    report = await deadline_jobs.sweep(mailer, "", day=due)
    assert report.reminded == 1 and (await Action.get(id=action_id)).reminded_at is not None
    assert _mails(app, "Reminder: an action") == ["kepala@example.id", "petugas@example.id"]
    report = await deadline_jobs.sweep(mailer, "", day=due + timedelta(days=1))
    assert report.escalated == 1
    assert (await deadline_jobs.sweep(mailer, "", day=due + timedelta(days=5))).escalated == 0
    # Evidence submitted: nothing more is owed for this action.
    await followup.submit_evidence(officer, iid, action_id, text="Loket baru dibuka.")
    assert (await deadline_jobs.sweep(mailer, "", day=due + timedelta(days=6))).escalated == 0
