"""PURE: council implementation events and the events other domains already mail about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from portal.notifications import domain
from portal.notifications.domain import Audience, Kind

AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
CONCERNED = (Audience.IMPLEMENTATION_CONCERNED,)
AUTHORS = (Audience.PROPOSAL_AUTHORS,)


def event(tag: str, data: dict[str, Any] | None = None, target_id: str = "7") -> domain.Event:
    return domain.Event(id=1, tag=tag, actor_id=9, target_type="implementation", target_id=target_id,
                        data=data or {}, created_at=AT)


@pytest.mark.parametrize(("tag", "data", "message", "params", "audiences"), [
    # An officer's progress report: residents behind the project see the percentage.
    ("council:implementation:progress", {"progress": 40, "spent": 1000}, "implementation.progress",
     {"progress": "40"}, CONCERNED),
    # A planned milestone carries its own title, renamed so it does not replace the project's.
    ("council:implementation:milestone", {"action": "add", "title": "Pengecoran", "due_on": "2026-12-01"},
     "implementation.milestone_added", {"milestone": "Pengecoran"}, CONCERNED),
    # A reached milestone names only its id: the fan-out looks the title up.
    ("council:implementation:milestone", {"action": "done", "milestone_id": 3}, "implementation.milestone_done",
     {}, CONCERNED),
    # An update with photos.
    ("council:implementation:update", {"update_id": 5, "photos": 2}, "implementation.update", {}, CONCERNED),
    # A resident's "no" opens a review: the other residents and the council (who must close it).
    ("council:implementation:review_opened", {"proposal_id": 4}, "implementation.review_opened", {},
     (Audience.IMPLEMENTATION_CONCERNED, Audience.COUNCIL_MEMBERS)),
    # The council's answer to a review, either way.
    ("council:implementation:review_closed", {"outcome": "stands", "note": "x"}, "implementation.review_stands",
     {}, CONCERNED),
    ("council:implementation:review_closed", {"outcome": "reopen", "note": "x"}, "implementation.review_reopened",
     {}, CONCERNED),
])
def test_council_implementation_events_plan(tag: str, data: dict[str, Any], message: str, params: dict[str, str],
                                            audiences: tuple[Audience, ...]) -> None:
    found = domain.plan(event(tag, data))
    assert found is not None
    assert (found.kind, found.item_type, found.item_id) == (Kind.IMPLEMENTATION, "implementation", 7)
    assert (found.message, dict(found.params), found.audiences) == (message, params, audiences)


@pytest.mark.parametrize(("tag", "data"), [
    # Single answers are not news: yes / don't know change nothing; a "no" arrives as review_opened.
    ("council:confirmation:answered", {"answer": "no"}),
    # An unknown milestone action or review outcome is ignored rather than guessed.
    ("council:implementation:milestone", {"action": "delete"}),
    ("council:implementation:milestone", {}),
    ("council:implementation:review_closed", {"outcome": "maybe"}),
    # Internal council steps.
    ("council:decision:created", {}),
    ("council:implementation:linked", {"proposal_id": 3}),
])
def test_events_nobody_is_told_about(tag: str, data: dict[str, Any]) -> None:
    assert domain.plan(event(tag, data)) is None


@pytest.mark.parametrize(("tag", "data", "mailed"), [
    # proposals.services.answer mails the authors for every answer but "not competent".
    ("proposals:proposal:answer_feasible", {"to": "answered"}, AUTHORS),
    ("proposals:proposal:answer_not_feasible", {"to": "answered"}, AUTHORS),
    ("proposals:proposal:answer_direct", {"to": "answered"}, AUTHORS),
    ("proposals:proposal:not_competent", {"to": "rerouting"}, ()),
    # Moderation mails the authors (flag threshold, then the moderator's decision).
    ("proposals:proposal:hide", {"flags": 3}, AUTHORS),
    ("proposals:proposal:restore", {"note": ""}, AUTHORS),
    ("proposals:proposal:keep_hidden", {"note": ""}, AUTHORS),
    # The co-author invitation is mailed to the invitee directly.
    ("proposals:author:add", {"user_id": 5}, (Audience.EVENT_USER,)),
    # A finished project asks its residents "was it really done?" by mail.
    ("council:implementation:status", {"to": "done"}, (Audience.CONFIRMATION_ASKED,)),
    # Other steps are mailed by notifications alone.
    ("council:implementation:status", {"to": "in_progress"}, ()),
    ("proposals:proposal:verify", {"to": "forwarded"}, ()),
    ("proposals:comment:add", {}, ()),
])
def test_mailed_elsewhere(tag: str, data: dict[str, Any], mailed: tuple[Audience, ...]) -> None:
    assert domain.mailed_elsewhere(tag, data) == mailed


def test_plan_carries_who_was_mailed_elsewhere() -> None:
    found = domain.plan(event("proposals:proposal:answer_feasible", {"to": "answered"}))
    assert found is not None and found.mailed_elsewhere == AUTHORS
    # Only the authors: supporters and followers still get the status notice by mail.
    assert set(found.audiences) - set(found.mailed_elsewhere) == {Audience.PROPOSAL_SUPPORTERS,
                                                                 Audience.PROPOSAL_FOLLOWERS}


def entry(event_id: int, message: str, mailed: bool = False) -> dict[str, Any]:
    return domain.Entry(event_id, "proposal_status", message, {}, AT.isoformat(), mailed).as_json()


@pytest.mark.parametrize(("entries", "count", "newest", "covered"), [
    # Nothing mailed elsewhere: the newest entry, every event.
    ([entry(1, "a"), entry(2, "b")], 2, "b", 2),
    # The newest was mailed elsewhere (the agency's answer): the mail reports the one before.
    ([entry(1, "a"), entry(2, "answer", mailed=True)], 2, "a", 1),
    # Events beyond the kept ten still count.
    ([entry(1, "a", mailed=True), entry(2, "b")], 14, "b", 13),
    # Everything was mailed elsewhere: nothing of its own.
    ([entry(1, "answer", mailed=True)], 1, None, 0),
])
def test_for_mail_leaves_out_what_was_mailed_elsewhere(entries: list[dict[str, Any]], count: int,
                                                       newest: str | None, covered: int) -> None:
    found, n = domain.for_mail(entries, count)
    assert (found["message"] if found else None, n) == (newest, covered)


def test_entry_json_marks_only_mailed_entries() -> None:
    assert "mailed" not in entry(1, "a") and entry(1, "a", mailed=True)["mailed"] is True
    folded, added = domain.fold([entry(1, "a")], domain.Entry(1, "k", "a", {}, AT.isoformat(), True))
    assert not added and folded == [entry(1, "a")]  # the same event twice stays once
