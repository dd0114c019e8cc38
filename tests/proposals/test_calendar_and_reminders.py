"""City holidays added by admins (UI, audit, deadlines honour them) and the moderators'
reminder two working days before the verification deadline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from portal.core import city_calendar
from portal.core.holiday_models import CityHoliday
from portal.core.models import AuditEvent, Job
from portal.core.workdays import JAKARTA
from portal.errors import InvalidInput, NotAllowed
from portal.proposals import services as proposals
from portal.proposals.models import Proposal
from tests.helpers import login, make_user, post_form
from tests.proposals.factories import NOW, moderator, person, resident, submitted

MONDAY = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)  # Monday 2 June 2025, 10:00 WIB


def wib(moment: datetime | None) -> date:
    assert moment is not None
    return moment.astimezone(JAKARTA).date()


async def test_deadline_after_a_city_holiday_is_added_skips_it(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, admin = await resident(svc, 1), await person(svc, "admin@example.id", roles=("admin",))
    before = await submitted(author, MONDAY)
    # Tue 3, Wed 4, Thu 5 June.
    assert wib((await Proposal.get(id=before)).deadline_at) == date(2025, 6, 5)
    await city_calendar.add_holiday(admin, date(2025, 6, 4), "Hari Jadi contoh")
    after = await submitted(author, MONDAY)
    # Tue 3, Thu 5, then Idul Adha (Fri 6), weekend, cuti bersama (Mon 9): Tue 10 June.
    assert wib((await Proposal.get(id=after)).deadline_at) == date(2025, 6, 10)
    # A promise made before the closure keeps its date.
    assert wib((await Proposal.get(id=before)).deadline_at) == date(2025, 6, 5)


@pytest.mark.parametrize(("day", "field_message"), [
    (date(2025, 6, 7), "weekend"),  # Saturday
    (date(2025, 6, 6), "national holiday"),  # Idul Adha
])
async def test_adding_a_day_that_is_already_off_is_refused(  # type: ignore[no-untyped-def]
        app, day: date, field_message: str) -> None:
    admin = await person(app.state.services, "admin@example.id", roles=("admin",))
    with pytest.raises(InvalidInput) as caught:
        await city_calendar.add_holiday(admin, day, "Tidak perlu")
    assert field_message in caught.value.errors["day"]
    assert await CityHoliday.all().count() == 0


async def test_only_admins_manage_holidays(app) -> None:  # type: ignore[no-untyped-def]
    mod = await moderator(app.state.services)
    with pytest.raises(NotAllowed):
        await city_calendar.add_holiday(mod, date(2025, 6, 4), "Coba")


async def test_admin_adds_and_removes_a_holiday_in_the_ui(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "admin@example.id", roles=("admin",))
    await login(client, "admin@example.id")
    page = await client.get("/admin/holidays")
    assert page.status_code == 200 and "No city holidays added yet." in page.text
    response = await post_form(client, "/admin/holidays", "/admin/holidays/add",
                               {"day": "2025-06-04", "name": "Hari Jadi contoh"})
    assert response.status_code == 303
    row = await CityHoliday.get(day=date(2025, 6, 4))
    assert row.name == "Hari Jadi contoh"
    assert "Hari Jadi contoh" in (await client.get("/admin/holidays")).text
    assert (await city_calendar.calendar()).is_working_day(date(2025, 6, 4)) is False
    # Duplicate, bad date, weekend: 422 with the input kept, nothing saved.
    for data, message in (({"day": "2025-06-04", "name": "Lagi"}, "already in the list"),
                          ({"day": "04/06/2025", "name": "Salah format"}, "YYYY-MM-DD"),
                          ({"day": "2025-06-07", "name": "Sabtu"}, "weekend")):
        bad = await post_form(client, "/admin/holidays", "/admin/holidays/add", data)
        assert bad.status_code == 422 and message in bad.text and data["name"] in bad.text
    assert await CityHoliday.all().count() == 1
    removed = await post_form(client, "/admin/holidays", f"/admin/holidays/{row.id}/delete", {})
    assert removed.status_code == 303 and await CityHoliday.all().count() == 0
    tags = list(await AuditEvent.filter(target_type="city_holiday").order_by("id").values_list("tag", flat=True))
    assert tags == ["core:holiday:add", "core:holiday:remove"]


async def test_holiday_page_is_for_admins_only(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "mod@example.id", roles=("moderator",))
    await login(client, "mod@example.id")
    assert (await client.get("/admin/holidays")).status_code == 403
    token_page = await client.get("/proposals")
    assert token_page.status_code == 200
    response = await post_form(client, "/proposals", "/admin/holidays/add", {"day": "2025-06-04", "name": "Coba"})
    assert response.status_code == 403 and await CityHoliday.all().count() == 0


async def test_moderators_are_reminded_two_working_days_before_verification_deadline(  # type: ignore[no-untyped-def]
        app) -> None:
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    await person(svc, "mod2@example.id", roles=("moderator",))
    proposal_id = await submitted(author)  # deadline Thursday 10 April 2025 (after Lebaran)
    job = await Job.get(kind=proposals.JOB_REMIND_MODERATORS)
    # Two working days before 10 April: Tuesday 8 April, 08:00 WIB.
    assert job.run_at == datetime(2025, 4, 8, 1, 0, tzinfo=UTC)
    deadline = json.loads(job.payload)["deadline"]
    assert await proposals.send_moderator_reminder(proposal_id, deadline, svc.mailer, "http://t") == 2
    assert await proposals.send_moderator_reminder(proposal_id, deadline, svc.mailer, "http://t") == 0
    mails = [m for m in svc.outbox.latest() if "verification" in m.subject]
    assert sorted(m.to for m in mails) == ["mod2@example.id", "mod@example.id"]
    assert f"http://t/proposals/{proposal_id}" in mails[0].body


async def test_no_moderator_reminder_once_verified(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    proposal_id = await submitted(author)
    deadline = json.loads((await Job.get(kind=proposals.JOB_REMIND_MODERATORS)).payload)["deadline"]
    await proposals.verify(mod, proposal_id, "DSDABM", now=NOW)
    assert await proposals.send_moderator_reminder(proposal_id, deadline, svc.mailer, "http://t") == 0
