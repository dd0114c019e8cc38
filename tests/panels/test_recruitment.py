"""Recruitment after the application: reject, reserve list (in draw order), fill a freed seat
from it, withdraw; plus the status table as a pure rule."""

from __future__ import annotations

import pytest

from portal.errors import Conflict, NotAllowed
from portal.panels import recruitment, services as panels
from portal.panels.domain import APPLICATION_MOVES, can_move_application
from portal.panels.models import Application, PanelMember
from tests.helpers import login, post_form
from tests.panels.factories import APPLY, new_inspection, person, refresh

STATUSES = ("applied", "selected", "reserve", "rejected", "withdrawn")


@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_application_moves_table(source: str, target: str) -> None:
    # Final states never move; nobody is selected after being turned down or withdrawing.
    allowed = can_move_application(source, target)
    assert allowed == ((source, target) in APPLICATION_MOVES)
    if source in ("rejected", "withdrawn"):
        assert not allowed
    if target == "applied":
        assert not allowed


async def _recruiting(app, applicants: int = 5):  # type: ignore[no-untyped-def]
    services = app.state.services
    _m, mod = await person(services, "mod@example.id", roles=("moderator",))
    iid = await panels.create_inspection(mod, new_inspection(team_size=2))
    await panels.transition(mod, iid, "recruiting")
    people = []
    for k in range(applicants):
        user, who = await person(services, f"calon{k}@example.id", verified=True)
        await panels.apply(who, iid, APPLY)
        people.append((user, who))
    return mod, iid, people


async def test_draw_keeps_a_ranked_reserve_list_and_promotion_follows_it(app) -> None:  # type: ignore[no-untyped-def]
    mod, iid, people = await _recruiting(app)
    result = await panels.draw(mod, iid, seed="cadangan")
    reserve = await Application.filter(inspection_id=iid, status="reserve").order_by("reserve_rank")
    assert [a.id for a in reserve] == list(result.reserve) and [a.reserve_rank for a in reserve] == [1, 2, 3]
    # A selected panelist withdraws before fieldwork: the seat is free, the first reserve fills it.
    leaving = await Application.get(id=result.selected[0]).prefetch_related("user")
    who = await refresh(leaving.user)
    await recruitment.withdraw(who, iid)
    assert await PanelMember.filter(inspection_id=iid).count() == 1
    promoted = await recruitment.promote_reserve(mod, iid)
    assert promoted == result.reserve[0]
    numbers = sorted(await PanelMember.filter(inspection_id=iid).values_list("number", flat=True))
    assert len(set(numbers)) == 2  # no clash with the number the leaver had
    with pytest.raises(Conflict):
        await recruitment.promote_reserve(mod, iid)  # team complete


async def test_rejected_applicant_is_out_of_later_draws(app) -> None:  # type: ignore[no-untyped-def]
    mod, iid, people = await _recruiting(app, applicants=3)
    first = await Application.get(user_id=people[0][0].id)
    await recruitment.reject(mod, iid, first.id)
    await recruitment.reject(mod, iid, first.id)  # idempotent
    result = await panels.draw(mod, iid, seed="x")
    assert first.id not in result.selected + result.reserve
    with pytest.raises(Conflict):
        await panels.select(mod, iid, first.id)
    with pytest.raises(Conflict):
        await recruitment.reserve(mod, iid, first.id)


async def test_only_the_coordinator_decides_and_only_while_recruiting(app) -> None:  # type: ignore[no-untyped-def]
    mod, iid, people = await _recruiting(app, applicants=3)
    application = await Application.get(user_id=people[0][0].id)
    with pytest.raises(NotAllowed):
        await recruitment.reject(people[1][1], iid, application.id)
    await recruitment.reserve(mod, iid, application.id)
    assert (await Application.get(id=application.id)).reserve_rank == 1
    await panels.draw(mod, iid, seed="y")
    for user, _who in people:
        member = await refresh(user)
        if await PanelMember.exists(inspection_id=iid, user_id=user.id):
            await panels.onboard(member, iid, "conduct")
            await panels.onboard(member, iid, "training")
    await panels.transition(mod, iid, "fieldwork")
    with pytest.raises(Conflict):
        await recruitment.reject(mod, iid, application.id)
    selected = await PanelMember.filter(inspection_id=iid).first().prefetch_related("user")
    with pytest.raises(Conflict):
        await recruitment.withdraw(await refresh(selected.user), iid)


async def test_recruitment_buttons_through_pages(client, app) -> None:  # type: ignore[no-untyped-def]
    mod, iid, people = await _recruiting(app, applicants=3)
    page = f"/inspections/{iid}"
    a0, a1 = [await Application.get(user_id=u.id) for u, _w in people[:2]]
    await login(client, "mod@example.id")
    assert (await post_form(client, page, f"{page}/applications/{a0.id}/reject", {})).status_code == 303
    assert (await post_form(client, page, f"{page}/applications/{a1.id}/reserve", {})).status_code == 303
    assert (await post_form(client, page, f"{page}/applications/{a1.id}/bogus", {})).status_code == 422
    shown = await client.get(page)
    assert "turned down" in shown.text and "reserve list #1" in shown.text
    assert (await post_form(client, page, f"{page}/reserve/promote", {})).status_code == 303
    assert (await Application.get(id=a1.id)).status == "selected"
    await client.get("/logout")
    applicant = people[2][0]
    await login(client, applicant.email)
    assert "Withdraw from this panel" in (await client.get(page)).text
    assert (await post_form(client, page, f"{page}/withdraw", {})).status_code == 303
    assert (await Application.get(user_id=applicant.id)).status == "withdrawn"
    assert "You withdrew your application" in (await client.get(page)).text
