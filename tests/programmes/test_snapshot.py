"""Live figures and the daily indicator snapshot run by the job worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from portal import app as app_module
from portal.core import jobs
from portal.core.models import AuditEvent
from portal.programmes import metrics, services
from portal.programmes.models import Indicator, IndicatorReading, Programme
from tests.proposals import factories

NOW = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # 29 Nov 2026, 03:00 WIB


async def programme_with(*bindings: tuple[str, str]) -> list[int]:
    p = await Programme.create(name="LAPOR!", type="co_assessment", created_at=NOW, updated_at=NOW)
    return [(await Indicator.create(programme=p, name=f"{m} {param}", metric=m, metric_param=param,
                                    created_at=NOW)).id for m, param in bindings]


async def test_proposals_in_the_last_30_days_count_submissions_in_the_window(app) -> None:  # type: ignore[no-untyped-def]
    author = await factories.resident(app.state.services, 1)
    await factories.submitted(author, NOW - timedelta(days=2))
    await factories.submitted(author, NOW - timedelta(days=29), title="Lampu jalan mati di gang Sadang")
    await factories.submitted(author, NOW - timedelta(days=31), title="Trotoar rusak di Jalan Riau")
    assert await metrics.measure("proposals_30d", "", NOW) == Decimal("2.00")
    assert await metrics.measure("proposals_30d", "", NOW - timedelta(days=30)) == Decimal("1.00")


async def test_metrics_without_anything_to_measure_give_none(db) -> None:  # type: ignore[no-untyped-def]
    assert await metrics.measure("answered_on_time", "", NOW) is None  # nothing answered yet
    assert await metrics.measure("pb_turnout", "", NOW) is None  # no cycle has voted
    assert await metrics.measure("pb_turnout", "999", NOW) is None  # no such cycle
    assert await metrics.measure("agency_ikm", "Disdukcapil", NOW) is None  # no published inspection
    assert await metrics.measure("no_such_metric", "", NOW) is None
    assert await metrics.measure("inspections_closed", "", NOW) == Decimal("0.00")


async def test_snapshot_stores_one_reading_per_day_and_skips_missing_values(app) -> None:  # type: ignore[no-untyped-def]
    counted, missing = await programme_with(("proposals_30d", ""), ("agency_ikm", "Disdukcapil"))
    author = await factories.resident(app.state.services, 1)
    await factories.submitted(author, NOW - timedelta(days=1))
    assert await services.take_snapshot(NOW) == 1
    await factories.submitted(author, NOW - timedelta(hours=1), title="Lampu jalan mati di gang Sadang")
    assert await services.take_snapshot(NOW) == 1  # same day: the reading is replaced, not added
    rows = await IndicatorReading.all().values_list("indicator_id", "day", "value", "source")
    assert rows == [(counted, NOW.date() + timedelta(days=1), Decimal("2.00"), "snapshot")]  # Jakarta date
    assert not await IndicatorReading.filter(indicator_id=missing).exists()
    assert await services.take_snapshot(NOW + timedelta(days=1)) == 1
    assert await IndicatorReading.filter(indicator_id=counted).count() == 2
    assert await AuditEvent.filter(tag="programmes:snapshot:take").count() == 3


async def test_the_worker_runs_the_daily_snapshot_job(app) -> None:  # type: ignore[no-untyped-def]
    await programme_with(("inspections_closed", ""))
    periodics = app_module.periodic_jobs(app.state.services.settings)
    assert services.SNAPSHOT_JOB in {p.kind for p in periodics}
    handlers = app_module.job_handlers(app.state.services)
    assert await jobs.schedule_periodic([p for p in periodics if p.kind == services.SNAPSHOT_JOB]) == 1
    assert await jobs.run_one(handlers, "test-worker") is True
    assert await IndicatorReading.filter(source="snapshot").count() == 1


async def test_turnout_is_voters_over_verified_residents_of_the_latest_voting_cycle(app) -> None:  # type: ignore[no-untyped-def]
    from portal.voting.models import PbCycle, PbVoter
    from tests.helpers import make_user

    svc = app.state.services
    for n in range(1, 5):
        await make_user(svc, f"warga{n}@example.id", verified=True, nik=factories.nik(n))
    old = await PbCycle.create(title="2025", phase="published", total_budget=10, ballot_kind="approval", rule="greedy")
    current = await PbCycle.create(title="2026", phase="voting", total_budget=10, ballot_kind="approval", rule="greedy")
    await PbCycle.create(title="2027", phase="draft", total_budget=10, ballot_kind="approval", rule="greedy")
    await PbVoter.create(cycle=old, voter_key="a", channel="online", kecamatan_code="32.73.02")
    await PbVoter.create(cycle=old, voter_key="b", channel="online", kecamatan_code="32.73.02")
    await PbVoter.create(cycle=current, voter_key="a", channel="online", kecamatan_code="32.73.02")
    await PbVoter.create(cycle=current, voter_key="z", channel="imported", kecamatan_code="")  # not counted
    assert await metrics.measure("pb_turnout", "", NOW) == Decimal("25.00")  # latest non-draft cycle
    assert await metrics.measure("pb_turnout", str(old.id), NOW) == Decimal("50.00")


async def test_agency_ikm_is_the_mean_of_its_published_panel_results(app, settings) -> None:  # type: ignore[no-untyped-def]
    import io

    from portal.core import demo_accounts
    from portal.panels import demo as panels_demo
    from portal.panels import scoreboard

    await demo_accounts.load_demo(settings, out=io.StringIO())
    await panels_demo.load_demo()
    (score,) = [s for s in await scoreboard.scoreboard() if s.abbreviation == "Disdukcapil"]
    values = [ikm for _, ikm, _ in score.trend]
    expected = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
    assert await metrics.measure("agency_ikm", "Disdukcapil", NOW) == expected
    assert Decimal(25) <= expected <= Decimal(100)
    assert await metrics.measure("agency_ikm", "DLH", NOW) is None
