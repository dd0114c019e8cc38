"""Programme register pages: public reading, staff-only changes, 422 with input kept, audit, CSRF."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx2 as httpx

from portal.core.models import AuditEvent
from portal.programmes.models import Indicator, IndicatorReading, PrincipleAssessment, Programme
from tests.helpers import csrf_of, login, make_user, post_form

FORM = {
    "name": "Gerakan Sejuta Biopori", "type": "co_delivery", "lead": "DLH",
    "summary": "Warga membuat lubang resapan.", "position": "", "goal": "Sejuta lubang biopori.",
    "change_management": "Pelatihan kader per RW.",
    "outcomes": "Warga: genangan berkurang\nDLH: sampah organik berkurang",
    "costs": "150.000.000", "costs_note": "Alat bor dan pelatihan", "savings": "", "savings_note": "",
}


async def staff(client: httpx.AsyncClient, app, role: str = "council") -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, f"{role}@example.id", roles=(role,))
    await login(client, f"{role}@example.id")


async def create(client: httpx.AsyncClient, **override: str) -> httpx.Response:
    return await post_form(client, "/programmes/new", "/programmes/new", {**FORM, **override})


async def tags() -> list[str]:
    return list(await AuditEvent.filter(tag__startswith="programmes:").order_by("id").values_list("tag", flat=True))


async def test_register_is_public_and_empty_at_first(client: httpx.AsyncClient) -> None:
    response = await client.get("/programmes")
    assert response.status_code == 200
    assert "No programme is registered yet." in response.text
    assert "Register a programme" not in response.text  # no staff link for visitors


async def test_council_registers_a_programme_with_its_template(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await staff(client, app)
    response = await create(client)
    assert response.status_code == 303
    p = await Programme.get(name="Gerakan Sejuta Biopori")
    assert response.headers["location"] == f"/programmes/{p.id}"
    assert (p.type, p.lead, p.costs, p.position) == ("co_delivery", "DLH", 150_000_000, 1)
    assert json.loads(p.outcomes) == [["Warga", "genangan berkurang"], ["DLH", "sampah organik berkurang"]]
    assert await tags() == ["programmes:programme:create"]
    page = await client.get(f"/programmes/{p.id}")
    assert page.status_code == 200
    for text in ("Co-delivery", "Sejuta lubang biopori.", "Pelatihan kader per RW.", "genangan berkurang",
                 "Rp\u00a0150.000.000", "0 of 6 principles"):
        assert text in page.text
    second = await create(client, name="LAPOR!")
    assert second.status_code == 303
    assert (await Programme.get(name="LAPOR!")).position == 2  # appended to the matrix


async def test_invalid_programme_form_is_422_and_keeps_the_input(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await staff(client, app, "moderator")
    response = await create(client, type="co_nothing", outcomes="no colon here", goal="")
    assert response.status_code == 422
    assert "Choose one of the options." in response.text
    assert "Write each outcome as" in response.text
    assert "This field is required." in response.text
    assert "Warga membuat lubang resapan." in response.text  # input kept
    assert await Programme.all().count() == 0 and await tags() == []


async def test_duplicate_name_is_422(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await staff(client, app)
    assert (await create(client)).status_code == 303
    response = await create(client)
    assert response.status_code == 422
    assert "already registered" in response.text
    assert await Programme.all().count() == 1


async def test_residents_and_visitors_cannot_change_the_register(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    anonymous = await client.get("/programmes/new")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    await make_user(app.state.services, "warga@example.id")
    await login(client, "warga@example.id")
    assert (await client.get("/programmes/new")).status_code == 403
    token = csrf_of((await client.get("/programmes")).text)
    response = await client.post("/programmes/new", data={"csrf_token": token, **FORM})
    assert response.status_code == 403
    assert await Programme.all().count() == 0


async def test_post_without_csrf_token_is_refused(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await staff(client, app)
    response = await client.post("/programmes/new", data=FORM)
    assert response.status_code == 403
    assert await Programme.all().count() == 0


async def test_edit_changes_fields_and_audits_what_changed(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await staff(client, app)
    await create(client)
    p = await Programme.get(name="Gerakan Sejuta Biopori")
    page = await client.get(f"/programmes/{p.id}/edit")
    assert page.status_code == 200 and "Pelatihan kader per RW." in page.text
    response = await post_form(client, f"/programmes/{p.id}/edit", f"/programmes/{p.id}/edit",
                               {**FORM, "goal": "Dua juta lubang.", "position": "5"})
    assert response.status_code == 303
    await p.refresh_from_db()
    assert (p.goal, p.position) == ("Dua juta lubang.", 5)
    event = await AuditEvent.filter(tag="programmes:programme:update").get()
    assert json.loads(event.data)["changed"] == ["goal", "position"]


async def test_assessment_needs_evidence_for_yes_and_fills_the_matrix(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await staff(client, app)
    await create(client)
    p = await Programme.get(name="Gerakan Sejuta Biopori")
    url = f"/programmes/{p.id}/assessment"
    answers = {f"answer_{k}": "no" for k in ("assets", "capabilities", "mutuality", "networks", "blurring", "catalysts")}
    bad = await post_form(client, url, url, {**answers, "answer_assets": "yes", "evidence_assets": ""})
    assert bad.status_code == 422
    assert "needs evidence" in bad.text
    assert await PrincipleAssessment.all().count() == 0  # nothing saved
    good = await post_form(client, url, url, {**answers, "answer_assets": "yes",
                                              "evidence_assets": "Warga membuat lubangnya sendiri.",
                                              "answer_catalysts": ""})
    assert good.status_code == 303
    rows = dict(await PrincipleAssessment.filter(programme_id=p.id).values_list("principle", "answer"))
    assert rows == {"assets": "yes", "capabilities": "no", "mutuality": "no", "networks": "no",
                    "blurring": "no", "catalysts": ""}
    index = await client.get("/programmes")
    assert 'class="answer answer-yes">Yes<' in index.text and "Not assessed" in index.text
    assert "1/6" in index.text
    assert "programmes:assessment:save" in await tags()


async def test_indicators_readings_chart_and_removal(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await staff(client, app)
    await create(client)
    p = await Programme.get(name="Gerakan Sejuta Biopori")
    page = f"/programmes/{p.id}"
    # agency IKM needs an agency
    missing = await post_form(client, page, f"{page}/indicators", {"name": "IKM DLH", "metric": "agency_ikm"})
    assert missing.status_code == 422 and "Choose the agency" in missing.text
    bound = await post_form(client, page, f"{page}/indicators",
                            {"name": "Usulan per bulan", "metric": "proposals_30d", "metric_param": "DLH"})
    assert bound.status_code == 303
    manual = await post_form(client, page, f"{page}/indicators",
                             {"name": "Lubang terpasang", "unit": "lubang", "target": "1.000.000", "metric": ""})
    assert manual.status_code == 303
    b = await Indicator.get(name="Usulan per bulan")
    m = await Indicator.get(name="Lubang terpasang")
    assert b.metric_param == ""  # a metric without parameter drops a stray one
    assert m.target == 1_000_000
    day = date.today() - timedelta(days=3)
    ok = await post_form(client, page, f"{page}/indicators/{m.id}/readings", {"day": day.isoformat(), "value": "1.250"})
    assert ok.status_code == 303
    again = await post_form(client, page, f"{page}/indicators/{m.id}/readings", {"day": day.isoformat(), "value": "1300"})
    assert again.status_code == 303
    assert list(await IndicatorReading.filter(indicator_id=m.id).values_list("value", flat=True)) == [1300]
    future = await post_form(client, page, f"{page}/indicators/{m.id}/readings",
                             {"day": (date.today() + timedelta(days=2)).isoformat(), "value": "5"})
    assert future.status_code == 422 and "cannot be in the future" in future.text
    on_bound = await post_form(client, page, f"{page}/indicators/{b.id}/readings", {"day": day.isoformat(), "value": "5"})
    assert on_bound.status_code == 422 and "takes no manual readings" in on_bound.text
    garbage = await post_form(client, page, f"{page}/indicators/{m.id}/readings", {"day": "kemarin", "value": "x"})
    assert garbage.status_code == 422 and "Enter a date as YYYY-MM-DD." in garbage.text
    detail = await client.get(page)
    assert '<svg class="line-chart"' in detail.text and "1300" in detail.text
    assert "Now: 0" in detail.text  # the live figure, computed on demand
    other = await client.post(f"/programmes/{p.id + 1}/indicators/{m.id}/delete",
                              data={"csrf_token": csrf_of(detail.text)})
    assert other.status_code == 404  # indicator of another (missing) programme
    removed = await post_form(client, page, f"{page}/indicators/{m.id}/delete", {})
    assert removed.status_code == 303
    assert not await Indicator.filter(id=m.id).exists() and not await IndicatorReading.all().exists()
    assert (await tags()).count("programmes:reading:record") == 2


async def test_delete_removes_the_programme_and_keeps_an_audit_row(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await staff(client, app)
    await create(client)
    p = await Programme.get(name="Gerakan Sejuta Biopori")
    response = await post_form(client, f"/programmes/{p.id}", f"/programmes/{p.id}/delete", {})
    assert response.status_code == 303 and response.headers["location"] == "/programmes"
    assert not await Programme.exists(id=p.id)
    event = await AuditEvent.filter(tag="programmes:programme:delete").get()
    assert json.loads(event.data) == {"name": "Gerakan Sejuta Biopori"}
    assert (await client.get(f"/programmes/{p.id}")).status_code == 404
