"""Pure rules of portal.panels.domain: the inspection state machine, deadlines, membership and
the stratified seeded draw."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core.workdays import WorkCalendar
from portal.panels.domain import (
    Actor,
    Applicant,
    Candidate,
    Facts,
    InspectionState as S,
    TransitionError,
    age_group,
    allowed_transitions,
    check_transition,
    conflict_reasons,
    deadline_for,
    parse_answers,
    scorecard_phase,
    stratified_draw,
    survey_period,
)
from portal.panels.scoring import Scale

C, O, H, P = Actor.COORDINATOR, Actor.OFFICER, Actor.AGENCY_HEAD, Actor.PANELIST
READY = Facts(team_size=4, selected=4, ready_members=4, submitted_scorecards=2,
              self_assessment_submitted=True, report_written=True, actions=2)


@pytest.mark.parametrize(
    ("source", "target", "actor"),
    [
        (S.DRAFT, S.RECRUITING, C),  # the coordinator opens the call for panelists
        (S.RECRUITING, S.FIELDWORK, C),  # team complete and trained
        (S.FIELDWORK, S.CONSOLIDATION, C),  # fieldwork closes; scorecards freeze
        (S.CONSOLIDATION, S.REPORT_DRAFT, C),  # self-assessment in
        (S.REPORT_DRAFT, S.RIGHT_OF_REPLY, C),  # draft report goes to the agency
        (S.RIGHT_OF_REPLY, S.ACTION_PLAN_SUBMITTED, O),  # the liaison submits the plan
        (S.RIGHT_OF_REPLY, S.ACTION_PLAN_SUBMITTED, H),  # ... or the head directly
        (S.ACTION_PLAN_SUBMITTED, S.ACTION_PLAN_APPROVED, H),  # the head approves
        (S.ACTION_PLAN_SUBMITTED, S.RIGHT_OF_REPLY, H),  # ... or returns it
        (S.ACTION_PLAN_APPROVED, S.FOLLOW_UP, C),
        (S.FOLLOW_UP, S.REVIEW, C),  # re-inspection ("look see")
        (S.REVIEW, S.CLOSED, C),
        (S.FIELDWORK, S.CANCELLED, C),  # any open state can be cancelled
        (S.DRAFT, S.CANCELLED, C),
    ],
)
def test_allowed_transitions(source: S, target: S, actor: Actor) -> None:
    assert check_transition(source, target, {actor}, READY).target is target


@pytest.mark.parametrize(
    ("source", "target", "actors", "code"),
    [
        (S.DRAFT, S.FIELDWORK, {C}, "unknown"),  # no skipping recruitment
        (S.CLOSED, S.CANCELLED, {C}, "unknown"),  # terminal states stay put
        (S.CANCELLED, S.DRAFT, {C}, "unknown"),
        (S.DRAFT, S.RECRUITING, {O}, "actor"),  # agencies do not run inspections
        (S.DRAFT, S.RECRUITING, {P}, "actor"),
        (S.RIGHT_OF_REPLY, S.ACTION_PLAN_SUBMITTED, {C}, "actor"),  # the plan is the agency's
        (S.ACTION_PLAN_SUBMITTED, S.ACTION_PLAN_APPROVED, {O}, "actor"),  # head only
        (S.ACTION_PLAN_SUBMITTED, S.ACTION_PLAN_APPROVED, {C}, "actor"),
        (S.FIELDWORK, S.CANCELLED, {H}, "actor"),
        (S.REVIEW, S.CLOSED, set(), "actor"),  # anonymous
    ],
)
def test_refused_transitions(source: S, target: S, actors: set[Actor], code: str) -> None:
    with pytest.raises(TransitionError) as info:
        check_transition(source, target, actors, READY)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("source", "target", "facts"),
    [
        # Only two selected for a team of four: at least three are needed.
        (S.RECRUITING, S.FIELDWORK, Facts(team_size=4, selected=2, ready_members=2)),
        # One selected member has not finished training.
        (S.RECRUITING, S.FIELDWORK, Facts(team_size=4, selected=4, ready_members=3)),
        # Closing fieldwork with no submitted scorecard.
        (S.FIELDWORK, S.CONSOLIDATION, Facts()),
        # Report before the self-assessment is in (and before its deadline).
        (S.CONSOLIDATION, S.REPORT_DRAFT, Facts()),
        # Sending an empty report.
        (S.REPORT_DRAFT, S.RIGHT_OF_REPLY, Facts(report_written=False)),
        # A plan without actions.
        (S.RIGHT_OF_REPLY, S.ACTION_PLAN_SUBMITTED, Facts(actions=0)),
        # Closing without re-inspection scorecards.
        (S.REVIEW, S.CLOSED, Facts()),
    ],
)
def test_guards(source: S, target: S, facts: Facts) -> None:
    with pytest.raises(TransitionError) as info:
        check_transition(source, target, {C, O, H}, facts)
    assert info.value.code == "guard" and info.value.reason


def test_small_team_needs_only_its_size() -> None:
    # A team of two is complete with two trained members.
    facts = Facts(team_size=2, selected=2, ready_members=2)
    assert check_transition(S.RECRUITING, S.FIELDWORK, {C}, facts)


def test_overdue_self_assessment_does_not_block_the_report() -> None:
    facts = Facts(self_assessment_overdue=True)
    assert check_transition(S.CONSOLIDATION, S.REPORT_DRAFT, {C}, facts)


def test_allowed_transitions_lists_only_own_edges() -> None:
    targets = {t.target for t in allowed_transitions(S.ACTION_PLAN_SUBMITTED, {H})}
    assert targets == {S.ACTION_PLAN_APPROVED, S.RIGHT_OF_REPLY}
    assert allowed_transitions(S.FIELDWORK, {P}) == ()


CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("state", "entered", "expected"),
    [
        # Right of reply: 5 working days from Monday 2 Nov 2026 -> Monday 9 Nov.
        (S.RIGHT_OF_REPLY, date(2026, 11, 2), date(2026, 11, 9)),
        # Entered on a Saturday: counting starts Monday, day 5 is Friday.
        (S.RIGHT_OF_REPLY, date(2026, 11, 7), date(2026, 11, 13)),
        # Recruiting: 10 working days.
        (S.RECRUITING, date(2026, 11, 2), date(2026, 11, 16)),
        # Follow-up has per-action deadlines only.
        (S.FOLLOW_UP, date(2026, 11, 2), None),
        (S.CLOSED, date(2026, 11, 2), None),
    ],
)
def test_deadlines_in_working_days(state: S, entered: date, expected: date | None) -> None:
    assert deadline_for(state, entered, CAL) == expected


def test_fieldwork_deadline_is_configurable() -> None:
    # A "look see" of 5 working days instead of the 30-day full inspection.
    assert deadline_for(S.FIELDWORK, date(2026, 11, 2), CAL, fieldwork_days=5) == date(2026, 11, 9)


@pytest.mark.parametrize(
    ("state", "phase"),
    [(S.FIELDWORK, "fieldwork"), (S.REVIEW, "review"), (S.CONSOLIDATION, None), (S.RECRUITING, None)],
)
def test_scorecard_phase(state: S, phase: str | None) -> None:
    assert scorecard_phase(state) == phase


S17 = Scale.PERMENPANRB_14_2017


@pytest.mark.parametrize(
    ("raw", "allow_blank", "answers", "error_codes"),
    [
        # Complete, one unsur not observed.
        ({**{f"U{i}": "3" for i in range(1, 9)}, "U9": "na"}, False,
         {**{f"U{i}": 3 for i in range(1, 9)}, "U9": None}, set()),
        # A draft may leave unsur blank.
        ({"U1": "4"}, True, {"U1": 4, **{f"U{i}": None for i in range(2, 10)}}, set()),
        # A submission may not.
        ({"U1": "4"}, False, None, {f"U{i}" for i in range(2, 10)}),
        # Out-of-range values are refused even in drafts.
        ({"U1": "5", "U2": "0", "U3": "x"}, True, None, {"U1", "U2", "U3"}),
    ],
)
def test_parse_answers(raw: dict[str, str], allow_blank: bool, answers: dict[str, int | None] | None,
                       error_codes: set[str]) -> None:
    parsed, errors = parse_answers(raw, S17, allow_blank=allow_blank)
    assert set(errors) == error_codes
    if answers is not None:
        assert parsed == answers


@pytest.mark.parametrize(
    ("applicant", "reasons"),
    [
        (Applicant(verified=True, works_at_agency=False, family_at_agency=False), ()),  # eligible
        (Applicant(verified=False, works_at_agency=False, family_at_agency=False), ("not_verified",)),
        (Applicant(verified=True, works_at_agency=True, family_at_agency=False), ("staff",)),
        (Applicant(verified=True, works_at_agency=False, family_at_agency=True), ("family",)),
        # An officer bound to the inspected agency is staff whatever they declared.
        (Applicant(verified=True, works_at_agency=False, family_at_agency=False, officer_of_agency=True), ("staff",)),
    ],
)
def test_conflict_of_interest(applicant: Applicant, reasons: tuple[str, ...]) -> None:
    assert conflict_reasons(applicant) == reasons


@pytest.mark.parametrize(
    ("birth_year", "group"),
    [(2009, "17-24"), (2002, "17-24"), (2001, "25-39"), (1986, "40-59"), (1966, "60+"), (2015, ""), (None, "")],
)
def test_age_group(birth_year: int | None, group: str) -> None:
    assert age_group(birth_year, 2026) == group


def test_survey_period_is_a_half_year() -> None:
    assert survey_period(date(2026, 6, 30)) == "2026-S1"
    assert survey_period(date(2026, 7, 1)) == "2026-S2"


# --- the draw ---------------------------------------------------------------------------------

KEC = ["32.73.02", "32.73.05", "32.73.10"]
candidate = st.builds(
    Candidate,
    id=st.integers(1, 10_000),
    kecamatan=st.sampled_from(KEC),
    gender=st.sampled_from(["f", "m", ""]),
    age_group=st.sampled_from(["17-24", "25-39", "40-59", "60+"]),
)
pools = st.lists(candidate, max_size=40, unique_by=lambda c: c.id)


@settings(max_examples=80, deadline=None)
@given(pools, st.integers(0, 12), st.text(min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_draw_is_reproducible_and_order_independent(pool, seats, seed, rnd) -> None:  # type: ignore[no-untyped-def]
    first = stratified_draw(pool, seats, seed)
    shuffled = list(pool)
    rnd.shuffle(shuffled)
    again = stratified_draw(shuffled, seats, seed)
    assert first == again


@settings(max_examples=80, deadline=None)
@given(pools, st.integers(0, 12), st.text(min_size=1, max_size=20))
def test_draw_invariants(pool, seats, seed) -> None:  # type: ignore[no-untyped-def]
    result = stratified_draw(pool, seats, seed)
    ids = {c.id for c in pool}
    # Exactly min(seats, applicants) are selected, all applicants, no one twice.
    assert len(result.selected) == min(seats, len(pool))
    assert set(result.selected) <= ids and len(set(result.selected)) == len(result.selected)
    # Everyone else is on the reserve list.
    assert set(result.selected) | set(result.reserve) == ids
    assert not set(result.selected) & set(result.reserve)
    # Each stratum gets floor or ceil of its proportional quota.
    if pool:
        n = min(seats, len(pool))
        for stratum, seats_given in result.quotas.items():
            size = sum(1 for c in pool if c.stratum == stratum)
            exact = n * size / len(pool)
            assert int(exact) <= seats_given <= int(exact) + 1
            assert seats_given <= size


def test_draw_known_vector() -> None:
    # Published example: with this seed and pool anyone re-running the draw gets this panel.
    pool = [Candidate(i, KEC[i % 3], "f" if i % 2 else "m", "25-39") for i in range(1, 10)]
    result = stratified_draw(pool, 3, "bandung-2026-11")
    assert len(result.selected) == 3
    assert result == stratified_draw(list(reversed(pool)), 3, "bandung-2026-11")
    # Another seed generally gives another panel (the draw really depends on it).
    others = {stratified_draw(pool, 3, f"seed-{k}").selected for k in range(10)}
    assert len(others) > 1


def test_draw_balances_two_kecamatan() -> None:
    # 6 applicants from Coblong and 2 from Sukajadi, 4 seats: 3 + 1.
    pool = [Candidate(i, "32.73.02" if i <= 6 else "32.73.05") for i in range(1, 9)]
    result = stratified_draw(pool, 4, "seed")
    chosen = {c.kecamatan for c in pool if c.id in result.selected for _ in [0]}
    assert sum(1 for c in pool if c.id in result.selected and c.kecamatan == "32.73.02") == 3
    assert chosen == {"32.73.02", "32.73.05"}


def test_draw_needs_a_seed_and_unique_ids() -> None:
    with pytest.raises(ValueError):
        stratified_draw([Candidate(1)], 1, "")
    with pytest.raises(ValueError):
        stratified_draw([Candidate(1), Candidate(1)], 1, "s")
