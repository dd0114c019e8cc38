"""Panel use cases on a real database: the whole inspection cycle, recruitment rules,
scorecard ownership and uniqueness, visibility of identities and self-assessment."""

from __future__ import annotations

import pytest

from portal.accounts.models import UserRole
from portal.core.models import AuditEvent
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.panels import followup, queries, scorecards, services as panels, surveys
from portal.panels.models import Application, Inspection, PanelMember, Scorecard, SurveyResponse
from tests.panels.factories import APPLY, new_inspection, person, refresh, state_of, team

GOOD = {f"U{i}": "3" for i in range(1, 10)}


async def _fieldwork(app):  # type: ignore[no-untyped-def]
    services = app.state.services
    _m, mod = await person(services, "mod@example.id", roles=("moderator",))
    _o, officer = await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    iid = await panels.create_inspection(mod, new_inspection())
    await panels.transition(mod, iid, "recruiting")
    members = await team(services, mod, iid)
    await panels.transition(mod, iid, "fieldwork")
    return mod, officer, iid, members


async def test_full_cycle_with_audit(app) -> None:  # type: ignore[no-untyped-def]
    mod, officer, iid, members = await _fieldwork(app)
    for visit in (1, 2):
        for _user, who in members:
            card = await scorecards.start_scorecard(who, iid, visit)
            await scorecards.save_scorecard(who, iid, card, GOOD | {"U3": "2"}, observations="Antrian panjang", submit=True)
    await scorecards.save_self_assessment(officer, iid, {f"U{i}": "4" for i in range(1, 10)}, notes="", submit=True)
    await panels.transition(mod, iid, "consolidation")
    await panels.transition(mod, iid, "report_draft")
    await followup.save_report(mod, iid, findings="Waktu tunggu rata-rata dua jam.", strengths="",
                               recommendations="Tambah loket perekaman.")
    await panels.transition(mod, iid, "right_of_reply")
    inspection = await Inspection.get(id=iid)
    assert inspection.reply_deadline is not None
    await followup.reply(officer, iid, text="Satu loket sedang diperbaiki saat kunjungan.", minutes="")
    from datetime import date, timedelta

    action = followup.NewAction("U3", "Tambah satu loket perekaman", "Kepala Seksi", date.today() + timedelta(days=30),
                                "APBD 2027", "Foto loket baru")
    action_id = await followup.add_action(officer, iid, action)
    await panels.transition(officer, iid, "action_plan_submitted")
    with pytest.raises(NotAllowed):  # an officer is not the agency head
        await panels.transition(officer, iid, "action_plan_approved")
    _h, head = await person(app.state.services, "kepala@example.id", roles=("officer", "agency_head"),
                            agency="Disdukcapil")
    await panels.transition(head, iid, "action_plan_approved")
    assert (await Inspection.get(id=iid)).approved_by_id == head.user_id
    await panels.transition(mod, iid, "follow_up")
    await followup.submit_evidence(officer, iid, action_id, text="Loket baru dibuka 1 Desember.")
    await followup.give_verdict(members[0][1], iid, action_id, verdict="confirm", note="")
    await followup.give_verdict(members[0][1], iid, action_id, verdict="dispute", note="Belum buka")
    await panels.transition(mod, iid, "review")
    card = await scorecards.start_scorecard(members[0][1], iid, 1)
    await scorecards.save_scorecard(members[0][1], iid, card, {f"U{i}": "4" for i in range(1, 10)},
                                    observations="", submit=True)
    await panels.transition(mod, iid, "closed")
    view = await queries.inspection_detail(iid, mod)
    assert view.panel is not None and view.panel.respondents == 6
    assert view.panel.lines[2].weakest and view.panel.lines[2].gap is not None
    assert view.review is not None and view.review_delta is not None and view.review_delta > 0
    assert view.actions[0].disputed == 1 and view.actions[0].confirmed == 0
    tags = [t for t in await AuditEvent.filter(target_type="inspection", target_id=str(iid)).values_list("tag", flat=True)]
    assert tags.count("panels:inspection:transition") == 10
    assert len(view.timeline) >= 11  # + opened, drawn, self-assessment, reply ...


async def test_guard_refuses_fieldwork_without_team(app) -> None:  # type: ignore[no-untyped-def]
    _m, mod = await person(app.state.services, "mod@example.id", roles=("moderator",))
    iid = await panels.create_inspection(mod, new_inspection())
    await panels.transition(mod, iid, "recruiting")
    with pytest.raises(Conflict):
        await panels.transition(mod, iid, "fieldwork")
    assert await state_of(iid) == "recruiting"


async def test_only_coordinators_open_inspections(app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    _o, officer = await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    _r, resident = await person(services, "warga@example.id", verified=True)
    for who in (officer, resident):
        with pytest.raises(NotAllowed):
            await panels.create_inspection(who, new_inspection())
    _c, council = await person(services, "dewan@example.id", roles=("council",))
    assert await panels.create_inspection(council, new_inspection())


async def test_conflict_of_interest_and_unverified_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    _m, mod = await person(services, "mod@example.id", roles=("moderator",))
    iid = await panels.create_inspection(mod, new_inspection())
    await panels.transition(mod, iid, "recruiting")
    _a, staff = await person(services, "staf@example.id", verified=True)
    with pytest.raises(InvalidInput) as info:
        await panels.apply(staff, iid, panels.NewApplication(**{**APPLY.__dict__, "works_at_agency": True}))
    assert "conflict" in info.value.errors
    with pytest.raises(InvalidInput):
        await panels.apply(staff, iid, panels.NewApplication(**{**APPLY.__dict__, "family_at_agency": True}))
    _b, unverified = await person(services, "baru@example.id")
    with pytest.raises(InvalidInput):
        await panels.apply(unverified, iid, APPLY)
    _o, officer = await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil",
                               verified=True)
    with pytest.raises(InvalidInput):
        await panels.apply(officer, iid, APPLY)
    assert await Application.all().count() == 0
    await panels.apply(staff, iid, APPLY)
    with pytest.raises(Conflict):
        await panels.apply(staff, iid, APPLY)


async def test_draw_publishes_seed_and_grants_panelist_role(app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    _m, mod = await person(services, "mod@example.id", roles=("moderator",))
    iid = await panels.create_inspection(mod, new_inspection(team_size=2))
    await panels.transition(mod, iid, "recruiting")
    people = [await person(services, f"w{k}@example.id", verified=True) for k in range(5)]
    for _u, who in people:
        await panels.apply(who, iid, APPLY)
    result = await panels.draw(mod, iid, seed="seed-publik-2026")
    assert len(result.selected) == 2
    inspection = await Inspection.get(id=iid)
    assert inspection.draw_seed == "seed-publik-2026"
    members = await PanelMember.filter(inspection_id=iid).values_list("user_id", flat=True)
    assert await UserRole.filter(user_id__in=members, role="panelist").count() == 2
    assert await Application.filter(inspection_id=iid, status="reserve").count() == 3
    with pytest.raises(Conflict):
        await panels.draw(mod, iid)  # team complete


async def test_scorecard_is_unique_per_visit_and_private(app) -> None:  # type: ignore[no-untyped-def]
    _mod, officer, iid, members = await _fieldwork(app)
    (_u1, a), (_u2, b) = members[0], members[1]
    first = await scorecards.start_scorecard(a, iid, 1)
    assert await scorecards.start_scorecard(a, iid, 1) == first
    assert await Scorecard.filter(inspection_id=iid).count() == 1
    await scorecards.save_scorecard(a, iid, first, {"U1": "2"}, observations="draft", submit=False)
    with pytest.raises(NotAllowed):
        await scorecards.own_scorecard(b, iid, first)  # another panelist cannot read it
    with pytest.raises(NotAllowed):
        await scorecards.save_scorecard(b, iid, first, GOOD, observations="", submit=True)
    with pytest.raises(NotAllowed):
        await scorecards.start_scorecard(officer, iid, 1)  # foreign submission
    with pytest.raises(InvalidInput):
        await scorecards.save_scorecard(a, iid, first, {"U1": "2"}, observations="", submit=True)


async def test_late_scorecard_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    mod, _officer, iid, members = await _fieldwork(app)
    who = members[0][1]
    card = await scorecards.start_scorecard(who, iid, 1)
    await scorecards.save_scorecard(who, iid, card, GOOD, observations="", submit=True)
    await panels.transition(mod, iid, "consolidation")
    with pytest.raises(Conflict) as info:
        await scorecards.save_scorecard(who, iid, card, GOOD, observations="late", submit=True)
    assert "closed" in info.value.message
    with pytest.raises(Conflict):
        await scorecards.start_scorecard(who, iid, 2)


async def test_agency_never_sees_panelist_names_and_self_assessment_is_blind(app) -> None:  # type: ignore[no-untyped-def]
    mod, officer, iid, members = await _fieldwork(app)
    who = members[0][1]
    card = await scorecards.start_scorecard(who, iid, 1)
    await scorecards.save_scorecard(who, iid, card, GOOD, observations="", submit=True)
    await scorecards.save_self_assessment(officer, iid, {f"U{i}": "4" for i in range(1, 10)}, notes="", submit=True)
    agency_view = await queries.inspection_detail(iid, officer)
    names = {m.user.name for m in await PanelMember.filter(inspection_id=iid).select_related("user")}
    assert not names & {m.label for m in agency_view.members}
    assert agency_view.panel is None  # scores hidden from the agency during fieldwork
    panel_view = await queries.inspection_detail(iid, who)
    assert panel_view.self_assessment is None  # and the self-assessment from the panel
    assert {m.label for m in (await queries.inspection_detail(iid, mod)).members} == names
    await panels.transition(mod, iid, "consolidation")
    after = await queries.inspection_detail(iid, who)
    assert after.self_assessment is not None and after.panel is not None
    assert after.panel.lines[0].gap is not None


async def test_officer_of_other_agency_cannot_self_assess(app) -> None:  # type: ignore[no-untyped-def]
    _mod, _officer, iid, _members = await _fieldwork(app)
    _x, other = await person(app.state.services, "dishub@example.id", roles=("officer",), agency="Dishub")
    with pytest.raises(NotAllowed):
        await scorecards.save_self_assessment(other, iid, GOOD, notes="", submit=True)
    with pytest.raises(NotAllowed):
        await surveys.import_survey_csv(other, iid, "U1,U2\n1,2\n")


async def test_csv_import_all_or_nothing(app) -> None:  # type: ignore[no-untyped-def]
    _mod, officer, iid, _members = await _fieldwork(app)
    header = ",".join(f"U{i}" for i in range(1, 10))
    with pytest.raises(InvalidInput) as info:
        await surveys.import_survey_csv(officer, iid, f"{header}\n3,3,3,3,3,3,3,3,3\n3,3,5,3,3,3,3,3,3\n")
    assert "Line 3" in info.value.errors["file"] and "U3" in info.value.errors["file"]
    assert await SurveyResponse.all().count() == 0
    count = await surveys.import_survey_csv(officer, iid, f"{header}\n3,3,3,3,3,3,3,3,3\n4,4,,4,4,4,4,4,4\n")
    assert count == 2 and await SurveyResponse.filter(source="csv").count() == 2


async def test_survey_once_per_resident_per_period(app) -> None:  # type: ignore[no-untyped-def]
    _mod, _officer, iid, _members = await _fieldwork(app)
    inspection = await Inspection.get(id=iid).select_related("service")
    user, who = await person(app.state.services, "pengguna@example.id", verified=True)
    await surveys.submit_survey(who, inspection.service.code, GOOD)
    with pytest.raises(Conflict):
        await surveys.submit_survey(who, inspection.service.code, GOOD)
    _n, unverified = await person(app.state.services, "anon@example.id")
    with pytest.raises(NotAllowed):
        await surveys.submit_survey(unverified, inspection.service.code, GOOD)


async def test_action_plan_needs_agency_head_and_own_agency(app) -> None:  # type: ignore[no-untyped-def]
    mod, officer, iid, members = await _fieldwork(app)
    who = members[0][1]
    card = await scorecards.start_scorecard(who, iid, 1)
    await scorecards.save_scorecard(who, iid, card, GOOD, observations="", submit=True)
    await panels.transition(mod, iid, "consolidation")
    with pytest.raises(Conflict):
        await panels.transition(mod, iid, "report_draft")  # self-assessment not in, not overdue
    await scorecards.save_self_assessment(officer, iid, GOOD, notes="", submit=True)
    await panels.transition(mod, iid, "report_draft")
    with pytest.raises(Conflict):
        await panels.transition(mod, iid, "right_of_reply")  # no report yet
    await followup.save_report(who, iid, findings="Temuan lapangan cukup panjang.", strengths="",
                               recommendations="Rekomendasi panel.")
    await panels.transition(mod, iid, "right_of_reply")
    with pytest.raises(NotAllowed):
        await panels.transition(mod, iid, "action_plan_submitted")
    with pytest.raises(Conflict):
        await panels.transition(officer, iid, "action_plan_submitted")  # no actions
    from datetime import date

    with pytest.raises(InvalidInput):
        await followup.add_action(officer, iid, followup.NewAction("U3", "x" * 12, "PIC", date(2020, 1, 1), "APBD", "Foto"))
    refreshed = await refresh(await __import__("portal.accounts.models", fromlist=["User"]).User.get(email="petugas@example.id"))
    assert refreshed.agency_id == officer.agency_id
