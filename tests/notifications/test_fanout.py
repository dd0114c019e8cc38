"""Audit events -> notifications: audiences from real domain actions, the cursor, the storm limit."""

from __future__ import annotations

import asyncio
import json

import pytest

from portal.core import audit
from portal.notifications import services as notifications
from portal.notifications.models import Notification, NotificationCursor
from portal.panels import services as panels
from portal.proposals import services as proposals
from portal.voting import services as pb
from portal.voting.domain import Phase, ProjectInput
from tests.notifications.helpers import rows_of
from tests.panels.factories import APPLY, new_inspection
from tests.panels.factories import person as panel_person
from tests.proposals.factories import forwarded, moderator, resident, submitted
from tests.voting import factories as vf


@pytest.fixture
async def cursor(db):  # type: ignore[no-untyped-def]
    """Start the fan-out at the beginning of this test's (empty) history."""
    await notifications.ensure_cursor(start_at=0)


async def test_status_change_reaches_authors_supporters_followers_but_not_the_actor(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, fan, follower, stranger = [await resident(svc, n) for n in range(1, 5)]
    mod = await moderator(svc)
    proposal_id = await submitted(author)
    await proposals.support(fan, proposal_id)
    await proposals.follow(follower, proposal_id, True)
    await proposals.verify(mod, proposal_id, "DSDABM")
    await notifications.fan_out()

    told = {r.user_id: r for r in await Notification.filter(item_type="proposal", item_id=proposal_id)}  # type: ignore[attr-defined]
    assert set(told) == {author.user_id, fan.user_id, follower.user_id}  # not the stranger, not the moderator
    assert stranger.user_id not in told and mod.user_id not in told
    author_row = told[author.user_id]
    # The author heard of the support (weekly kind) and the status change, folded into one row.
    assert author_row.count == 2 and author_row.message == "proposal.status"
    assert json.loads(author_row.params) == {"to": "forwarded", "title": "Perbaikan jalan berlubang di Jalan Dago"}
    assert author_row.email_mode == "immediate" and author_row.email_pending
    # The supporter is never told about their own support.
    assert told[fan.user_id].count == 1 and told[fan.user_id].kind == "proposal_status"


async def test_own_actions_are_never_notified(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    proposal_id = await submitted(author)
    await proposals.add_comment(author, proposal_id, "Saya tambahkan foto besok.")
    await proposals.withdraw(author, proposal_id)
    await notifications.fan_out()
    assert await Notification.all().count() == 0


async def test_many_events_on_one_item_make_one_row_per_resident_per_day(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    proposal_id = await submitted(author)
    for n in range(2, 14):  # twelve residents support and comment: 24 events
        fan = await resident(svc, n)
        await proposals.support(fan, proposal_id)
        await proposals.add_comment(fan, proposal_id, f"Setuju, warga {n}.")
    await notifications.fan_out()
    rows = await rows_of(author.user_id)
    assert len(rows) == 1
    assert rows[0].count == 24 and len(json.loads(rows[0].entries)) == 10  # grouped, latest ten kept
    # The row mails with the most urgent of its kinds: comments are daily, supports weekly.
    assert rows[0].email_mode == "daily"


async def test_cursor_rolls_back_with_its_batch_so_a_crash_loses_and_repeats_nothing(  # type: ignore[no-untyped-def]
        app, cursor, monkeypatch) -> None:
    svc = app.state.services
    author, fan, mod = await resident(svc, 1), await resident(svc, 2), await moderator(svc)
    proposal_id = await submitted(author)
    await proposals.support(fan, proposal_id)
    await proposals.verify(mod, proposal_id, "DSDABM")
    real_write = notifications._write

    async def crash_after_writing(state, conn):  # type: ignore[no-untyped-def]
        await real_write(state, conn)
        assert await Notification.all().using_db(conn).count() > 0  # written inside the transaction
        raise RuntimeError("worker killed")

    monkeypatch.setattr(notifications, "_write", crash_after_writing)
    with pytest.raises(RuntimeError):
        await notifications.fan_out()
    assert await Notification.all().count() == 0  # the written rows rolled back with the cursor
    assert (await NotificationCursor.get(id=1)).last_event_id == 0

    monkeypatch.setattr(notifications, "_write", real_write)
    await notifications.fan_out()
    await notifications.fan_out()  # a second run finds nothing new
    author_row = (await rows_of(author.user_id))[0]
    assert author_row.count == 2  # support + verify, each exactly once
    assert [e["message"] for e in json.loads(author_row.entries)] == ["proposal.support", "proposal.status"]
    assert len(await rows_of(fan.user_id)) == 1


async def test_small_batches_advance_the_cursor_to_the_last_event(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    fans = [await resident(svc, n) for n in range(2, 6)]
    proposal_id = await submitted(author)
    for fan in fans:
        await proposals.support(fan, proposal_id)
    await proposals.verify(mod, proposal_id, "DSDABM")
    last = (await audit.AuditEvent.all().order_by("-id").first()).id  # type: ignore[union-attr]
    read = await notifications.fan_out(batch=2)
    assert read >= 5
    assert (await NotificationCursor.get(id=1)).last_event_id == last
    assert {r.user_id for r in await Notification.all()} == {author.user_id, *(f.user_id for f in fans)}  # type: ignore[attr-defined]


async def test_concurrent_fan_outs_write_each_notification_once(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    proposal_id = await submitted(author)
    for n in range(2, 6):
        await proposals.support(await resident(svc, n), proposal_id)
    await proposals.verify(mod, proposal_id, "DSDABM")
    await asyncio.gather(*(notifications.fan_out(batch=3) for _ in range(4)))
    assert (await rows_of(author.user_id))[0].count == 5


async def test_a_new_cursor_starts_after_existing_history(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, fan = await resident(svc, 1), await resident(svc, 2)
    proposal_id = await submitted(author)
    await proposals.support(fan, proposal_id)
    await notifications.fan_out()  # first run on an existing database: no flood of old news
    assert await Notification.all().count() == 0
    await proposals.follow(author, proposal_id, True)
    await proposals.add_comment(fan, proposal_id, "Kapan dikerjakan?")
    await notifications.fan_out()
    assert [r.message for r in await rows_of(author.user_id)] == ["proposal.comment"]


async def test_preference_off_skips_the_kind(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, fan = await resident(svc, 1), await resident(svc, 2)
    await notifications.set_preferences(author.user_id, {"proposal_support": notifications.Mode.OFF})
    proposal_id = await submitted(author)
    await proposals.support(fan, proposal_id)
    await notifications.fan_out()
    assert await rows_of(author.user_id) == []


async def test_budget_results_reach_voters_and_the_people_of_proposals_on_the_ballot(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    proposal_id = await forwarded(author, mod)
    cycle_id, _ids = await vf.cycle(phase=Phase.REVIEW)
    project = await pb.add_project(vf.MODERATOR, cycle_id, ProjectInput(
        title="Perbaikan jalan Dago", description="", cost=300, proposal_id=proposal_id))
    await pb.move_phase(vf.COUNCIL, cycle_id, Phase.VOTING)
    voter, abstainer = await resident(svc, 10), await resident(svc, 11)
    scope = await vf.city_scope(cycle_id)
    await pb.cast_ballot(voter, cycle_id=cycle_id, scope_id=scope, raw=[(str(project), "1")], today=vf.TODAY)
    await pb.move_phase(vf.COUNCIL, cycle_id, Phase.TALLYING)
    await notifications.fan_out()

    on_ballot = [r for r in await rows_of(author.user_id) if r.message == "proposal.on_ballot"]
    assert len(on_ballot) == 1 and on_ballot[0].item_id == proposal_id
    cycle_rows = await Notification.filter(item_type="pb_cycle", item_id=cycle_id)
    assert {r.user_id for r in cycle_rows} == {voter.user_id, author.user_id}  # type: ignore[attr-defined]
    assert abstainer.user_id not in {r.user_id for r in cycle_rows}  # type: ignore[attr-defined]
    assert all(json.loads(r.params)["to"] == "tallying" for r in cycle_rows)


async def test_inspection_selection_and_state_reach_applicants_and_members(app, cursor) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    _, coordinator = await panel_person(svc, "koordinator@example.id", roles=("moderator",))
    inspection_id = await panels.create_inspection(coordinator, new_inspection(team_size=1))
    await panels.transition(coordinator, inspection_id, "recruiting")
    applicants = [await panel_person(svc, f"pelamar{k}@example.id", verified=True) for k in range(2)]
    for _user, who in applicants:
        await panels.apply(who, inspection_id, APPLY)
    await panels.draw(coordinator, inspection_id, seed="uji")
    await notifications.fan_out()
    for user, _who in applicants:
        rows = await Notification.filter(user_id=user.id, item_type="inspection", item_id=inspection_id)
        assert len(rows) == 1 and rows[0].message == "inspection.draw"
    assert await Notification.filter(user_id=coordinator.user_id).count() == 0


async def test_demo_replays_history_once_without_mail(app) -> None:  # type: ignore[no-untyped-def]
    from portal.notifications import demo

    svc = app.state.services
    author, fan = await resident(svc, 1), await resident(svc, 2)
    await proposals.support(fan, await submitted(author))
    await demo.load_demo()
    rows = await rows_of(author.user_id)
    assert [r.message for r in rows] == ["proposal.support"] and not rows[0].email_pending
    await demo.load_demo()  # idempotent
    assert (await rows_of(author.user_id))[0].count == 1


async def test_hidden_proposals_only_reach_their_authors(app, cursor) -> None:  # type: ignore[no-untyped-def]
    from portal.proposals.models import Proposal

    svc = app.state.services
    author, follower, mod = await resident(svc, 1), await resident(svc, 2), await moderator(svc)
    proposal_id = await submitted(author)
    await proposals.follow(follower, proposal_id, True)
    await Proposal.filter(id=proposal_id).update(hidden=True)
    await audit.record("proposals:comment:add", actor_id=mod.user_id, target_type="proposal",
                       target_id=proposal_id, data={"comment_id": 1})
    await notifications.fan_out()
    assert [r.message for r in await rows_of(author.user_id)] == ["proposal.comment"]
    assert await rows_of(follower.user_id) == []
