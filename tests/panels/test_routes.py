"""Panel pages through HTTP: status codes, rows written and text shown to each kind of visitor."""

from __future__ import annotations

from datetime import date

from portal.panels import followup, scorecards, services as panels, surveys
from portal.panels.models import Application, Inspection, Scorecard, SurveyResponse
from tests.helpers import csrf_of, login, post_form
from tests.panels.factories import new_inspection, person, team

GOOD = {f"U{i}": "3" for i in range(1, 10)}


async def _setup(app, state: str = "fieldwork"):  # type: ignore[no-untyped-def]
    services = app.state.services
    _m, mod = await person(services, "mod@example.id", roles=("moderator",))
    _o, officer = await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    iid = await panels.create_inspection(mod, new_inspection())
    await panels.transition(mod, iid, "recruiting")
    if state == "recruiting":
        return mod, officer, iid, []
    members = await team(services, mod, iid)
    await panels.transition(mod, iid, "fieldwork")
    return mod, officer, iid, members


async def test_coordinator_opens_inspection_with_422_on_bad_input(client, app) -> None:  # type: ignore[no-untyped-def]
    await person(app.state.services, "mod@example.id", roles=("moderator",))
    await login(client, "mod@example.id")
    bad = await post_form(client, "/inspections/new", "/inspections/new",
                          {"agency": "Disdukcapil", "title": "Inspeksi e-KTP", "service_name": "e-KTP"})
    assert bad.status_code == 422 and 'value="Inspeksi e-KTP"' in bad.text
    assert "Choose at least one method" in bad.text
    data = {"agency": "Disdukcapil", "service_name": "Perekaman e-KTP", "title": "Inspeksi e-KTP Coblong",
            "scope": "Perekaman e-KTP di kecamatan", "methods": ["site_visit", "user_survey"],
            "period_start": "2026-11-02", "period_end": "2026-12-18", "team_size": "3",
            "fieldwork_days": "20", "scale": "2017"}
    ok = await post_form(client, "/inspections/new", "/inspections/new", data)
    assert ok.status_code == 303
    inspection = await Inspection.get(title="Inspeksi e-KTP Coblong")
    assert inspection.methods == "site_visit,user_survey" and inspection.state == "draft"
    page = await client.get(ok.headers["location"])
    assert page.status_code == 200 and "Open recruitment" in page.text or "Buka rekrutmen" in page.text


async def test_resident_cannot_open_inspection(client, app) -> None:  # type: ignore[no-untyped-def]
    await person(app.state.services, "warga@example.id", verified=True)
    await login(client, "warga@example.id")
    assert (await client.get("/inspections/new")).status_code == 403


async def test_resident_applies_and_conflict_is_refused_with_422(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, _officer, iid, _ = await _setup(app, "recruiting")
    await person(app.state.services, "warga@example.id", verified=True)
    await login(client, "warga@example.id")
    page = f"/inspections/{iid}/apply"
    form = {"motivation": "Saya warga Coblong yang rutin mengurus KTP keluarga.", "kecamatan": "32.73.02",
            "availability": "Sabtu pagi", "gender": "f"}
    staff = await post_form(client, page, page, {**form, "conflict": "staff"})
    assert staff.status_code == 422 and "conflict of interest" in staff.text.lower() or "konflik" in staff.text.lower()
    assert await Application.all().count() == 0
    ok = await post_form(client, page, page, {**form, "conflict": "none"})
    assert ok.status_code == 303
    assert await Application.filter(inspection_id=iid).count() == 1


async def test_draw_route_publishes_seed(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, _officer, iid, _ = await _setup(app, "recruiting")
    from tests.panels.factories import APPLY

    for k in range(4):
        _u, who = await person(app.state.services, f"w{k}@example.id", verified=True)
        await panels.apply(who, iid, APPLY)
    await login(client, "mod@example.id")
    r = await post_form(client, f"/inspections/{iid}", f"/inspections/{iid}/draw", {"seed": "undian-2026"})
    assert r.status_code == 303
    await client.get("/logout")
    public = await client.get(f"/inspections/{iid}")
    assert "undian-2026" in public.text


async def test_panelist_cannot_read_or_edit_another_draft(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, _officer, iid, members = await _setup(app)
    (_ua, a), (ub, _b) = members[0], members[1]
    card = await scorecards.start_scorecard(a, iid, 1)
    await scorecards.save_scorecard(a, iid, card, {"U1": "2"}, observations="rahasia", submit=False)
    await login(client, ub.email)
    url = f"/inspections/{iid}/scorecards/{card}"
    assert (await client.get(url)).status_code == 403
    token = csrf_of((await client.get(f"/inspections/{iid}")).text)
    r = await client.post(url, data={"csrf_token": token, **GOOD, "action": "submit"})
    assert r.status_code == 403
    assert (await Scorecard.get(id=card)).status == "draft"


async def test_panelist_files_scorecard_and_late_edit_is_refused(client, app) -> None:  # type: ignore[no-untyped-def]
    mod, _officer, iid, members = await _setup(app)
    user = members[0][0]
    await login(client, user.email)
    r = await post_form(client, f"/inspections/{iid}", f"/inspections/{iid}/scorecards", {"visit": "1"})
    assert r.status_code == 303
    url = r.headers["location"]
    again = await post_form(client, f"/inspections/{iid}", f"/inspections/{iid}/scorecards", {"visit": "1"})
    assert again.headers["location"] == url and await Scorecard.all().count() == 1
    incomplete = await post_form(client, url, url, {"U1": "3", "action": "submit"})
    assert incomplete.status_code == 422 and 'value="3" checked' in incomplete.text
    ok = await post_form(client, url, url, {**GOOD, "observations": "Loket 2 tutup", "action": "submit"})
    assert ok.status_code == 303
    card = await Scorecard.get(id=int(url.rsplit("/", 1)[1]))
    assert card.status == "submitted" and card.observations == "Loket 2 tutup"
    await panels.transition(mod, iid, "consolidation")
    late = await post_form(client, url, url, {**GOOD, "action": "save"})
    assert late.status_code == 409
    assert "closed" in late.text or "ditutup" in late.text


async def test_agency_sees_pseudonyms_only(client, app) -> None:  # type: ignore[no-untyped-def]
    mod, officer, iid, members = await _setup(app)
    for _user, who in members:
        card = await scorecards.start_scorecard(who, iid, 1)
        await scorecards.save_scorecard(who, iid, card, GOOD, observations="", submit=True)
    await login(client, "petugas@example.id")
    page = await client.get(f"/inspections/{iid}")
    assert page.status_code == 200
    for user, _who in members:
        assert user.name not in page.text and user.email not in page.text
    # The officer can file the self-assessment through the page.
    r = await post_form(client, f"/inspections/{iid}", f"/inspections/{iid}/self-assessment",
                        {**{f"U{i}": "4" for i in range(1, 10)}, "action": "submit"})
    assert r.status_code == 303
    card_id = (await Scorecard.first()).id
    assert (await client.get(f"/inspections/{iid}/scorecards/{card_id}")).status_code == 403


async def test_officer_of_other_agency_cannot_act(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, _officer, iid, _members = await _setup(app)
    await person(app.state.services, "dishub@example.id", roles=("officer",), agency="Dishub")
    await login(client, "dishub@example.id")
    r = await post_form(client, f"/inspections/{iid}", f"/inspections/{iid}/self-assessment", {**GOOD, "action": "submit"})
    assert r.status_code == 403
    page = await client.get("/agencies/Disdukcapil")
    assert page.status_code == 200 and "Open actions" not in page.text and "Tindakan terbuka" not in page.text


async def test_csv_import_route_reports_row_errors(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, _officer, iid, _members = await _setup(app)
    await login(client, "petugas@example.id")
    token = csrf_of((await client.get(f"/inspections/{iid}")).text)
    header = ",".join(f"U{i}" for i in range(1, 10))
    bad = f"{header}\n3,3,3,3,3,3,3,3,3\n3,3,3,3,3,3,3,3,9\n"
    r = await client.post(f"/inspections/{iid}/survey-import", data={"csrf_token": token},
                          files={"file": ("skm.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422 and "U9" in r.text and ("Line 3" in r.text or "Baris 3" in r.text)
    good = f"{header}\n" + "\n".join(["3,3,3,3,3,3,3,3,3", "4,4,4,4,4,4,4,4,4"] * 3) + "\n"
    r = await client.post(f"/inspections/{iid}/survey-import", data={"csrf_token": token},
                          files={"file": ("skm.csv", good.encode(), "text/csv")})
    assert r.status_code == 303
    assert await SurveyResponse.filter(inspection_id=iid, source="csv").count() == 6


async def test_public_pages_and_survey_once_per_period(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, _officer, iid, _members = await _setup(app)
    inspection = await Inspection.get(id=iid).select_related("service")
    for path in ("/inspections", f"/inspections/{iid}", "/agencies", "/agencies/Disdukcapil",
                 f"/survey/{inspection.service.code}"):
        assert (await client.get(path)).status_code == 200, path
    assert (await client.get("/agencies/NOPE")).status_code == 404
    fragment = await client.get("/inspections", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith("{#") is False and 'id="inspection-list"' in fragment.text
    await person(app.state.services, "pengguna@example.id", verified=True)
    await login(client, "pengguna@example.id")
    url = f"/survey/{inspection.service.code}"
    assert (await post_form(client, url, url, GOOD)).status_code == 303
    assert (await post_form(client, url, url, GOOD)).status_code == 409
    assert await SurveyResponse.filter(source="online").count() == 1


async def test_draft_inspection_hidden_from_public(client, app) -> None:  # type: ignore[no-untyped-def]
    _m, mod = await person(app.state.services, "mod@example.id", roles=("moderator",))
    iid = await panels.create_inspection(mod, new_inspection())
    assert (await client.get(f"/inspections/{iid}")).status_code == 404


async def test_feedback_loop_through_pages(client, app) -> None:  # type: ignore[no-untyped-def]
    mod, officer, iid, members = await _setup(app)
    for _user, who in members:
        for visit in (1, 2):
            card = await scorecards.start_scorecard(who, iid, visit)
            await scorecards.save_scorecard(who, iid, card, GOOD | {"U8": "2"}, observations="", submit=True)
    await scorecards.save_self_assessment(officer, iid, {f"U{i}": "4" for i in range(1, 10)}, notes="", submit=True)
    await panels.transition(mod, iid, "consolidation")
    await panels.transition(mod, iid, "report_draft")
    await followup.save_report(mod, iid, findings="Pengaduan tidak ditindaklanjuti.", strengths="Petugas ramah",
                               recommendations="Buat kanal pengaduan.")
    await panels.transition(mod, iid, "right_of_reply")
    await login(client, "petugas@example.id")
    page = f"/inspections/{iid}"
    r = await post_form(client, page, f"{page}/reply", {"reply_text": "Kanal pengaduan sudah ada di situs web.",
                                                        "minutes": ""})
    assert r.status_code == 303
    bad = await post_form(client, page, f"{page}/actions", {"unsur": "U8", "description": "Kanal pengaduan WA"})
    assert bad.status_code == 422
    r = await post_form(client, page, f"{page}/actions", {
        "unsur": "U8", "description": "Buka kanal pengaduan WhatsApp", "owner": "Sekretaris Dinas",
        "due_date": date(2030, 1, 31).isoformat(), "budget_source": "APBD 2027", "evidence_expected": "Tangkapan layar"})
    assert r.status_code == 303
    r = await post_form(client, page, f"{page}/transition", {"target": "action_plan_submitted"})
    assert r.status_code == 303
    r = await post_form(client, page, f"{page}/transition", {"target": "action_plan_approved"})
    assert r.status_code == 403  # only the agency head approves
    await person(app.state.services, "kepala@example.id", roles=("officer", "agency_head"), agency="Disdukcapil")
    await client.post("/logout", data={"csrf_token": csrf_of((await client.get(page)).text)})
    await login(client, "kepala@example.id")
    r = await post_form(client, page, f"{page}/transition", {"target": "action_plan_approved"})
    assert r.status_code == 303
    # The public now sees the report, the gap table and the timeline.
    await client.post("/logout", data={"csrf_token": csrf_of((await client.get(page)).text)})
    public = await client.get(page)
    assert "Pengaduan tidak ditindaklanjuti" in public.text and "Buka kanal pengaduan WhatsApp" in public.text
    scoreboard = await client.get("/agencies")
    assert "Disdukcapil" in scoreboard.text and "1 / 1" in scoreboard.text
