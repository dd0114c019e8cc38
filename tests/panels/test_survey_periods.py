"""Survey periods opened for a service without any inspection: who may open them, one online
answer per verified resident per period, CSV import into a period, results with the same
computation, the K&M target vs achieved, n < 5 suppressed publicly, and the QR code."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import segno

from portal.core.models import Agency
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.panels import surveys
from portal.panels.models import Service, SurveyPeriod, SurveyResponse
from portal.panels.scoring import Scale
from tests.helpers import csrf_of, login, post_form
from tests.panels.factories import person

GOOD = {f"U{i}": "3" for i in range(1, 10)}
HEADER = ",".join(f"U{i}" for i in range(1, 10))


async def _service(code: str = "disdukcapil-kia") -> Service:
    agency = await Agency.get(abbreviation="Disdukcapil")
    return await Service.create(code=code, name="Penerbitan KIA", agency=agency, scale=Scale.PERMENPANRB_14_2017.value)


def _period(service: Service, **overrides: object) -> surveys.NewPeriod:
    values: dict[str, object] = dict(service_code=service.code, title="SKM semester 2", opens_on=date.today(),
                                     closes_on=date.today() + timedelta(days=30), population=1200)
    values.update(overrides)
    return surveys.NewPeriod(**values)  # type: ignore[arg-type]


async def test_who_may_open_a_period_and_overlaps_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    service = await _service()
    _o, officer = await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    _x, other = await person(services, "dishub@example.id", roles=("officer",), agency="Dishub")
    _r, resident = await person(services, "warga@example.id", verified=True)
    _m, mod = await person(services, "mod@example.id", roles=("moderator",))
    for outsider in (other, resident):
        with pytest.raises(NotAllowed):
            await surveys.open_period(outsider, _period(service))
    period_id = await surveys.open_period(officer, _period(service))
    with pytest.raises(InvalidInput) as overlap:
        await surveys.open_period(mod, _period(service, opens_on=date.today() + timedelta(days=10)))
    assert "overlaps" in str(overlap.value.errors)
    with pytest.raises(InvalidInput):
        await surveys.open_period(officer, _period(service, closes_on=date.today() - timedelta(days=1),
                                                   opens_on=date.today() - timedelta(days=5)))
    await surveys.close_period(officer, period_id)
    await surveys.close_period(officer, period_id)  # idempotent
    assert await surveys.open_period(mod, _period(service, title="SKM ulang")) > period_id


async def test_one_answer_per_resident_per_period(app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    service = await _service()
    _o, officer = await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    _r, resident = await person(services, "warga@example.id", verified=True)
    # Without a period the answer falls into the half-year.
    await surveys.submit_survey(resident, service.code, GOOD)
    first_id = await surveys.open_period(officer, _period(service))
    await surveys.submit_survey(resident, service.code, GOOD)
    with pytest.raises(Conflict):
        await surveys.submit_survey(resident, service.code, GOOD)
    assert await SurveyResponse.filter(survey_period_id=first_id).count() == 1
    await surveys.close_period(officer, first_id)
    second_id = await surveys.open_period(officer, _period(service, title="SKM triwulan berikut"))
    await surveys.submit_survey(resident, service.code, GOOD)  # a new period: may answer again
    periods = set(await SurveyResponse.filter(user_id=resident.user_id).values_list("period", flat=True))
    assert {f"P{first_id}", f"P{second_id}"} < periods and len(periods) == 3  # + the half-year answer


async def test_csv_import_into_a_period_and_results_page(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    service = await _service()
    await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    _o, officer = await person(services, "petugas2@example.id", roles=("officer",), agency="Disdukcapil")
    period_id = await surveys.open_period(officer, _period(service))
    rows = "\n".join(["4,4,3,4,3,3,4,2,3"] * 5 + ["3,3,3,3,3,3,3,3,"])
    with pytest.raises(InvalidInput):
        await surveys.import_period_csv(officer, period_id, f"{HEADER}\n3,3,9,3,3,3,3,3,3\n")
    assert await SurveyResponse.filter(survey_period_id=period_id).count() == 0
    assert await surveys.import_period_csv(officer, period_id, f"{HEADER}\n{rows}\n") == 6
    public = await client.get(f"/survey-periods/{period_id}")
    assert public.status_code == 200
    # Same computation as `skm compute`: U1 NRR = (4*5+3)/6 = 3.83; U9 only 5 answers -> shown (n=5).
    assert "3.83" in public.text and "6 respondents" in public.text
    assert "278" not in public.text and "291 respondents; achieved: 6" in public.text  # K&M for N=1200
    await login(client, "petugas@example.id")
    page = f"/survey-periods/{period_id}"
    bad = await client.post(f"{page}/import", data={"csrf_token": csrf_of((await client.get(page)).text)},
                            files={"file": ("skm.csv", b"U1,U2\n1,2\n", "text/csv")})
    assert bad.status_code == 422 and "missing columns" in bad.text


async def test_small_periods_are_suppressed_for_the_public(client, app) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    service = await _service()
    _o, officer = await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    period_id = await surveys.open_period(officer, _period(service))
    await surveys.import_period_csv(officer, period_id, f"{HEADER}\n" + "\n".join(["1,2,3,4,1,2,3,4,1"] * 3) + "\n")
    public = await client.get(f"/survey-periods/{period_id}")
    assert "suppressed: fewer than 5 respondents" in public.text and "2.50" not in public.text
    await login(client, "petugas@example.id")
    staff = await client.get(f"/survey-periods/{period_id}")
    assert "suppressed" not in staff.text and "IKM" in staff.text


async def test_open_period_through_the_page(client, app) -> None:  # type: ignore[no-untyped-def]
    service = await _service()
    await person(app.state.services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    await person(app.state.services, "warga@example.id", verified=True)
    await login(client, "warga@example.id")
    assert (await client.get("/survey-periods/new")).status_code == 403
    await client.get("/logout")
    await login(client, "petugas@example.id")
    form = await client.get("/survey-periods/new")
    assert form.status_code == 200 and service.code in form.text
    bad = await post_form(client, "/survey-periods/new", "/survey-periods/new",
                          {"service": service.code, "title": "SKM", "opens_on": "2026-13-01", "closes_on": ""})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    ok = await post_form(client, "/survey-periods/new", "/survey-periods/new", {
        "service": service.code, "title": "SKM semester 1 2027", "opens_on": date.today().isoformat(),
        "closes_on": (date.today() + timedelta(days=60)).isoformat(), "population": "500"})
    assert ok.status_code == 303
    period = await SurveyPeriod.get(title="SKM semester 1 2027")
    assert ok.headers["location"] == f"/survey-periods/{period.id}"
    survey_page = await client.get(f"/survey/{service.code}")
    assert "SKM semester 1 2027" in survey_page.text and f"/survey/{service.code}/qr.svg" in survey_page.text
    agency_page = await client.get("/agencies/Disdukcapil")
    assert "SKM semester 1 2027" in agency_page.text


async def test_qr_code_encodes_the_public_link(client, app) -> None:  # type: ignore[no-untyped-def]
    service = await _service()
    r = await client.get(f"/survey/{service.code}/qr.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg") and "<path" in r.text
    # Same modules as a QR code of the absolute public link (segno is deterministic).
    url = app.state.services.settings.base_url + f"/survey/{service.code}"
    expected = io.BytesIO()
    segno.make(url, error="m").save(expected, kind="svg", scale=6, border=2, xmldecl=False)
    path = re.search(r' d="([^"]+)"', expected.getvalue().decode()).group(1)  # type: ignore[union-attr]
    assert f'd="{path}"' in r.text
    assert (await client.get("/survey/no-such-service/qr.svg")).status_code == 404
