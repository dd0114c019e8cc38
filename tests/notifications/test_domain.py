"""Pure rules of notifications: tag -> audience mapping, grouping, mail timing, unsubscribe payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.notifications import domain
from portal.notifications.domain import Audience as A
from portal.notifications.domain import Event, Kind, Mode

PEOPLE = (A.PROPOSAL_AUTHORS, A.PROPOSAL_SUPPORTERS, A.PROPOSAL_FOLLOWERS)
T0 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB


def event(tag: str, target: str = "7", data: dict[str, Any] | None = None, actor: int | None = 1,
          event_id: int = 1) -> Event:
    return Event(id=event_id, tag=tag, actor_id=actor, target_type="", target_id=target, data=data or {},
                 created_at=T0)


@pytest.mark.parametrize(("tag", "target", "data", "expected"), [
    # a workflow step of a proposal: authors, supporters and followers, with the new status
    ("proposals:proposal:verify", "7", {"from": "in_review", "to": "forwarded"},
     (Kind.PROPOSAL_STATUS, "proposal", 7, "proposal.status", {"to": "forwarded"}, PEOPLE)),
    ("proposals:proposal:answer_feasible", "7", {"to": "eligible"},
     (Kind.PROPOSAL_STATUS, "proposal", 7, "proposal.status", {"to": "eligible"}, PEOPLE)),
    # hiding concerns only the authors
    ("proposals:proposal:hide", "7", {"flags": 5},
     (Kind.PROPOSAL_STATUS, "proposal", 7, "proposal.hidden", {}, (A.PROPOSAL_AUTHORS,))),
    # comments go to authors and followers, supports to authors only
    ("proposals:comment:add", "7", {"comment_id": 3},
     (Kind.PROPOSAL_COMMENT, "proposal", 7, "proposal.comment", {}, (A.PROPOSAL_AUTHORS, A.PROPOSAL_FOLLOWERS))),
    ("proposals:support:add", "7", {},
     (Kind.PROPOSAL_SUPPORT, "proposal", 7, "proposal.support", {}, (A.PROPOSAL_AUTHORS,))),
    # a new co-author is named in the event data
    ("proposals:author:add", "7", {"user_id": 9},
     (Kind.PROPOSAL_STATUS, "proposal", 7, "proposal.coauthor", {}, (A.EVENT_USER,))),
    # a proposal put on a PB ballot: the item is the proposal from data, not the pb_project target
    ("voting:project:create", "55", {"proposal": 7, "cycle": 2},
     (Kind.PROPOSAL_STATUS, "proposal", 7, "proposal.on_ballot", {}, PEOPLE)),
    # the one-click promotion of an eligible proposal says the same to the same people
    ("voting:project:promote", "55", {"proposal": 7, "cycle": 2, "scope": 3, "cost": 10},
     (Kind.PROPOSAL_STATUS, "proposal", 7, "proposal.on_ballot", {}, PEOPLE)),
    # budget phases: voters and the people of the proposals on the ballot
    ("voting:cycle:phase", "2", {"from": "voting", "to": "tallying"},
     (Kind.BUDGET_CYCLE, "pb_cycle", 2, "cycle.phase", {"to": "tallying"},
      (A.CYCLE_VOTERS, A.CYCLE_PROPOSAL_PEOPLE))),
    # inspections: members and applicants; the selection names the member, item from data
    ("panels:inspection:transition", "4", {"from": "recruiting", "to": "fieldwork"},
     (Kind.INSPECTION, "inspection", 4, "inspection.state", {"to": "fieldwork"},
      (A.INSPECTION_MEMBERS, A.INSPECTION_APPLICANTS))),
    ("panels:member:select", "31", {"inspection": 4, "by": "coordinator"},
     (Kind.INSPECTION, "inspection", 4, "inspection.selected", {}, (A.PANEL_MEMBER,))),
    ("panels:inspection:draw", "4", {"seed": "x"},
     (Kind.INSPECTION, "inspection", 4, "inspection.draw", {}, (A.INSPECTION_APPLICANTS,))),
    # council decisions and implementation projects
    ("council:decision:published", "3", {"links": [["proposal", 7]]},
     (Kind.DECISION, "decision", 3, "decision.published", {}, (A.DECISION_CONCERNED,))),
    ("council:implementation:created", "12", {"decision_id": 3},
     (Kind.IMPLEMENTATION, "implementation", 12, "implementation.created", {}, (A.IMPLEMENTATION_CONCERNED,))),
    ("council:implementation:status", "12", {"from": "planned", "to": "done"},
     (Kind.IMPLEMENTATION, "implementation", 12, "implementation.status", {"to": "done"},
      (A.IMPLEMENTATION_CONCERNED,))),
])
def test_plan_maps_tags_to_kind_item_message_and_audiences(tag: str, target: str, data: dict[str, Any],
                                                            expected: tuple[Any, ...]) -> None:
    plan = domain.plan(event(tag, target, data))
    assert plan is not None
    assert (plan.kind, plan.item_type, plan.item_id, plan.message, dict(plan.params), plan.audiences) == expected


@pytest.mark.parametrize(("tag", "target", "data"), [
    ("proposals:proposal:create", "7", {"title": "x"}),  # a draft is nobody's news
    ("proposals:proposal:edit", "7", {"title": "x"}),
    ("proposals:proposal:start_review", "7", {"to": "in_review"}),  # internal hand-off
    ("proposals:follow:add", "7", {}),  # following is the reader's own act
    ("accounts:user:login", "1", {}),
    ("notifications:notification:read", "1", {}),  # our own audit rows never loop back
    ("voting:project:create", "55", {"proposal": None}),  # a project without a proposal
    ("panels:member:select", "31", {}),  # malformed: no inspection named
    ("proposals:proposal:verify", "abc", {"to": "forwarded"}),  # malformed target id
])
def test_plan_ignores_events_nobody_is_told_about(tag: str, target: str, data: dict[str, Any]) -> None:
    assert domain.plan(event(tag, target, data)) is None


@pytest.mark.parametrize(("data", "expected"), [
    ({"user_id": 9}, {9}),
    ({"user_id": "9"}, {9}),  # canonical JSON may carry ids as text
    ({"user_id": None}, set()),
    ({}, set()),
])
def test_event_user_audience_reads_the_data(data: dict[str, Any], expected: set[int]) -> None:
    assert domain.direct_recipients(A.EVENT_USER, event("proposals:author:add", data=data)) == expected


@pytest.mark.parametrize(("members", "actor", "expected"), [
    ({1, 2, 3}, 1, {2, 3}),  # the actor is never told about their own action
    ({2, 3}, None, {2, 3}),  # system actions reach everyone
    ({1}, 1, set()),
])
def test_recipients_exclude_the_actor(members: set[int], actor: int | None, expected: set[int]) -> None:
    assert domain.recipients(members, actor) == expected


@given(st.sets(st.integers(1, 50)), st.one_of(st.none(), st.integers(1, 50)))
def test_recipients_never_contain_the_actor_and_only_members(members: set[int], actor: int | None) -> None:
    told = domain.recipients(members, actor)
    assert actor not in told and told <= members


@pytest.mark.parametrize(("data", "expected"), [
    ({"links": [["proposal", 7], ["pb_cycle", 2]]}, (("proposal", 7), ("pb_cycle", 2))),
    ({"links": [["inspection", "4"], ["action", 9]]}, (("inspection", 4), ("action", 9))),
    ({"links": [["user", 1], ["proposal", "x"], ["proposal"]]}, ()),  # unknown type, bad id, short pair
    ({"links": "proposal:7"}, ()),
    ({}, ()),
])
def test_linked_items_of_a_decision(data: dict[str, Any], expected: tuple[tuple[str, int], ...]) -> None:
    assert domain.linked_items(data) == expected


@pytest.mark.parametrize(("kind", "prefs", "expected"), [
    ("proposal_status", {}, Mode.IMMEDIATE),  # default
    ("proposal_comment", {}, Mode.DAILY),
    ("proposal_support", {}, Mode.WEEKLY),
    ("proposal_status", {"proposal_status": "off"}, Mode.OFF),
    ("proposal_status", {"proposal_status": "bogus"}, Mode.IMMEDIATE),  # a stale value falls back
    ("retired_kind", {}, Mode.IN_APP),
])
def test_mode_of_uses_choice_else_default(kind: str, prefs: dict[str, str], expected: Mode) -> None:
    assert domain.mode_of(kind, prefs) is expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("", "", ""),
    ("", "weekly", "weekly"),
    ("daily", "weekly", "daily"),
    ("weekly", "immediate", "immediate"),
    ("daily", "", "daily"),
])
def test_more_urgent_email_mode(a: str, b: str, expected: str) -> None:
    assert domain.more_urgent(a, b) == expected


def _entry(event_id: int) -> domain.Entry:
    return domain.Entry(event_id, "proposal_status", "proposal.status", {"to": "x"}, T0.isoformat())


def test_fold_adds_newest_last_and_caps() -> None:
    entries: list[dict[str, Any]] = []
    for n in range(1, 15):
        entries, added = domain.fold(entries, _entry(n))
        assert added
    assert [e["event_id"] for e in entries] == list(range(5, 15))  # the latest ten


def test_fold_refuses_the_same_event_twice() -> None:
    entries, _ = domain.fold([], _entry(1))
    again, added = domain.fold(entries, _entry(1))
    assert not added and again == entries


@pytest.mark.parametrize(("last", "now", "allowed"), [
    (None, T0, True),  # never mailed about this item
    (T0 - timedelta(hours=2), T0, False),  # same Jakarta day
    # 23:30 WIB on Sunday vs 10:00 WIB on Monday: different Jakarta days, though 10.5 hours apart
    (datetime(2026, 11, 29, 16, 30, tzinfo=UTC), T0, True),
    # 01:00 WIB and 06:00 WIB Monday are the same Jakarta day though they straddle UTC midnight
    (datetime(2026, 11, 29, 18, 0, tzinfo=UTC), datetime(2026, 11, 29, 23, 0, tzinfo=UTC), False),
])
def test_at_most_one_immediate_mail_per_item_per_jakarta_day(last: datetime | None, now: datetime,
                                                              allowed: bool) -> None:
    assert domain.mail_allowed(last, now) is allowed


@pytest.mark.parametrize(("waited", "due"), [
    (timedelta(minutes=9, seconds=59), False),
    (timedelta(minutes=10), True),
])
def test_immediate_mail_waits_for_the_grouping_window(waited: timedelta, due: bool) -> None:
    assert domain.mail_due(T0, T0 + waited) is due


@pytest.mark.parametrize(("slot", "modes"), [
    (datetime(2026, 11, 30, 0, 0, tzinfo=UTC), (Mode.DAILY, Mode.WEEKLY)),  # Monday 07:00 WIB
    (datetime(2026, 12, 1, 0, 0, tzinfo=UTC), (Mode.DAILY,)),  # Tuesday
    (datetime(2026, 11, 29, 18, 0, tzinfo=UTC), (Mode.DAILY, Mode.WEEKLY)),  # Monday 01:00 WIB, Sunday in UTC
])
def test_digest_modes_by_jakarta_weekday(slot: datetime, modes: tuple[Mode, ...]) -> None:
    assert domain.digest_modes(slot) == modes


@pytest.mark.parametrize(("payload", "expected"), [
    ({"u": 5, "k": "proposal_comment"}, domain.Unsubscribe(5, (Kind.PROPOSAL_COMMENT,))),
    ({"u": 5, "k": "*"}, domain.Unsubscribe(5, tuple(Kind))),
    ({"u": 5, "k": "nonsense"}, None),
    ({"u": "5", "k": "*"}, None),  # ids are ints in our own tokens
    ({"u": True, "k": "*"}, None),
    ({"u": 0, "k": "*"}, None),
    ({"k": "*"}, None),
])
def test_parse_unsubscribe_payload(payload: dict[str, object], expected: domain.Unsubscribe | None) -> None:
    assert domain.parse_unsubscribe(payload) == expected


@pytest.mark.parametrize("kinds", [(Kind.DECISION,), ()])
def test_unsubscribe_payload_round_trips(kinds: tuple[Kind, ...]) -> None:
    parsed = domain.parse_unsubscribe(domain.Unsubscribe(3, kinds).payload())
    assert parsed == domain.Unsubscribe(3, kinds or tuple(Kind))


@pytest.mark.parametrize(("current", "after"), [
    (Mode.IMMEDIATE, Mode.IN_APP), (Mode.WEEKLY, Mode.IN_APP), (Mode.IN_APP, Mode.IN_APP), (Mode.OFF, Mode.OFF),
])
def test_unsubscribe_keeps_in_app_notices(current: Mode, after: Mode) -> None:
    assert domain.after_unsubscribe(current) is after


def test_every_kind_has_a_default_and_every_rule_kind_is_known() -> None:
    assert set(domain.DEFAULT_MODES) == set(Kind)
    assert {r.item_type for r in domain.RULES.values()} <= set(domain.ITEM_PATHS)


def test_item_paths_match_the_application_routes(app) -> None:  # type: ignore[no-untyped-def]
    # Each item page exists once its domain is mounted; paths are stable public routes.
    from starlette.routing import Match

    for item_type in domain.ITEM_PATHS:
        path = domain.item_path(item_type, 12)
        scope = {"type": "http", "path": path, "method": "GET"}
        assert any(r.matches(scope)[0] is Match.FULL for r in app.routes), path
