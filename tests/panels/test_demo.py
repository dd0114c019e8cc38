"""The demo city's inspections: two finished, one in fieldwork; loading twice changes nothing."""

from __future__ import annotations

import io

from portal.core import demo_accounts
from portal.panels import demo, scoreboard
from portal.panels.models import Inspection, PanelMember, SurveyPeriod, SurveyResponse


async def test_demo_inspections_load_once(app, settings) -> None:  # type: ignore[no-untyped-def]
    await demo_accounts.load_demo(settings, out=io.StringIO())
    await demo.load_demo()
    await demo.load_demo()
    states = sorted(await Inspection.all().values_list("state", flat=True))
    assert states == ["closed", "closed", "fieldwork"]
    fieldwork = await Inspection.get(state="fieldwork")
    assert await PanelMember.filter(inspection_id=fieldwork.id, user__email="panelist@warga.demo").exists()
    board = await scoreboard.scoreboard()
    (disdukcapil,) = [s for s in board if s.abbreviation == "Disdukcapil"]
    assert len(disdukcapil.trend) == 2 and disdukcapil.actions_on_time == (3, 3)
    period = await SurveyPeriod.get(title="SKM layanan KIA semester ini")
    assert await SurveyResponse.filter(survey_period_id=period.id, source="csv").count() == 14


async def test_demo_pages_render(client, app, settings) -> None:  # type: ignore[no-untyped-def]
    await demo_accounts.load_demo(settings, out=io.StringIO())
    await demo.load_demo()
    for inspection_id in await Inspection.all().values_list("id", flat=True):
        r = await client.get(f"/inspections/{inspection_id}")
        assert r.status_code == 200
    r = await client.get("/agencies/Disdukcapil")
    assert r.status_code == 200 and "Inspeksi warga" in r.text and "SKM layanan KIA semester ini" in r.text
    period = await SurveyPeriod.get(title="SKM layanan KIA semester ini")
    r = await client.get(f"/survey-periods/{period.id}")
    assert r.status_code == 200 and "14 respondents" in r.text
