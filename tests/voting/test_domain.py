"""Cycle phases (pure): transitions, who may act, what is frozen."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.voting import domain
from portal.voting.domain import Phase


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Phase.DRAFT, Phase.PROPOSALS, True),  # open intake
        (Phase.PROPOSALS, Phase.REVIEW, True),  # close intake
        (Phase.REVIEW, Phase.VOTING, True),  # open voting
        (Phase.VOTING, Phase.TALLYING, True),  # close voting
        (Phase.TALLYING, Phase.PUBLISHED, True),  # publish
        (Phase.REVIEW, Phase.PROPOSALS, True),  # one step back before voting
        (Phase.PROPOSALS, Phase.DRAFT, True),  # one step back before voting
        (Phase.VOTING, Phase.REVIEW, False),  # voting cannot be undone
        (Phase.TALLYING, Phase.VOTING, False),  # a closed vote never reopens
        (Phase.PUBLISHED, Phase.TALLYING, False),  # published is final
        (Phase.DRAFT, Phase.VOTING, False),  # no skipping
        (Phase.REVIEW, Phase.PUBLISHED, False),  # no skipping
    ],
)
def test_transitions(current: Phase, target: Phase, allowed: bool) -> None:
    assert domain.can_transition(current, target) is allowed


@pytest.mark.parametrize(
    ("roles", "move", "edit_cycle", "edit_projects", "record"),
    [
        ({"resident"}, False, False, False, False),  # residents only vote
        ({"council"}, True, True, False, False),  # council: cycle and phases
        ({"admin"}, True, True, True, True),  # admin: everything
        ({"moderator"}, False, False, True, True),  # moderators: projects, assisted ballots
        ({"officer"}, False, False, False, True),  # officers staff voting stations
        (set(), False, False, False, False),  # nobody
    ],
)
def test_permissions(roles: set[str], move: bool, edit_cycle: bool, edit_projects: bool, record: bool) -> None:
    assert domain.may_move_phase(roles) is move
    assert domain.may_edit_cycle(roles) is edit_cycle
    assert domain.may_edit_projects(roles) is edit_projects
    assert domain.may_record_ballots(roles) is record


@pytest.mark.parametrize(
    ("phase", "frozen", "projects", "ballots", "public"),
    [
        (Phase.DRAFT, False, False, False, False),
        (Phase.PROPOSALS, False, True, False, False),
        (Phase.REVIEW, False, True, False, False),
        (Phase.VOTING, True, False, True, False),
        (Phase.TALLYING, True, False, False, False),
        (Phase.PUBLISHED, True, False, False, True),
    ],
)
def test_phase_permissions(phase: Phase, frozen: bool, projects: bool, ballots: bool, public: bool) -> None:
    assert domain.is_frozen(phase) is frozen
    assert domain.projects_editable(phase) is projects
    assert domain.accepts_ballots(phase) is ballots
    assert domain.results_public(phase) is public


@given(st.lists(st.sampled_from(list(Phase)), max_size=30))
def test_once_frozen_always_frozen(path: list[Phase]) -> None:
    phase = Phase.DRAFT
    frozen_seen = False
    for target in path:
        if domain.can_transition(phase, target):
            phase = target
        frozen_seen = frozen_seen or domain.is_frozen(phase)
        assert domain.is_frozen(phase) or not frozen_seen


def test_next_phases_forward_first() -> None:
    assert domain.next_phases(Phase.REVIEW) == (Phase.VOTING, Phase.PROPOSALS)
    assert domain.next_phases(Phase.PUBLISHED) == ()
