"""Pure rules of the decision register and of implementation tracking (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.council import domain
from portal.council.domain import (
    Answer, DecisionDraft, DecisionKind, DecisionStatus, LinkType, Node, ProjectStatus as P, StepError, Verdict,
    Votes,
)

BASE = DecisionDraft(number="3/2026", decided_on=date(2026, 5, 4), title="T", text="X",
                     kind=DecisionKind.OTHER, votes=Votes(20, 10, 5))


@pytest.mark.parametrize(("number", "expected"), [
    ("12/2026", (12, 2026)),
    (" 7/2025 ", (7, 2025)),  # surrounding blanks are ignored
    ("0/2026", None),  # sequences start at 1
    ("12-2026", None),
    ("12/26", None),  # the year has four digits
    ("", None),
])
def test_parse_number(number: str, expected: tuple[int, int] | None) -> None:
    assert domain.parse_number(number) == expected


@pytest.mark.parametrize(("existing", "year", "expected"), [
    ([], 2026, "1/2026"),  # first of the year
    (["1/2026", "2/2026"], 2026, "3/2026"),
    (["9/2025", "1/2026"], 2025, "10/2025"),  # other years do not count
    (["5/2026", "2/2026", "rubbish"], 2026, "6/2026"),  # the highest, not the count; junk ignored
])
def test_next_number(existing: list[str], year: int, expected: str) -> None:
    assert domain.next_number(existing, year) == expected


@pytest.mark.parametrize(("change", "errors"), [
    ({}, {}),  # a valid draft
    ({"number": "3/2025"}, {"number": "number_year"}),  # year must match the decision's date
    ({"number": "tiga"}, {"number": "number_format"}),
    ({"votes": Votes(10, 10, 0)}, {"votes_for": "votes_majority"}),  # a tie is not a decision
    ({"votes": Votes(-1, 0, 0)}, {"votes_for": "votes_negative"}),
    ({"votes": Votes(20, 1, 0, ("A", "B"))}, {"dissenters": "too_many_dissenters"}),  # 2 names, 1 dissent
    ({"votes": Votes(20, 1, 1, ("A", "B"))}, {}),  # abstainers may be named too
    ({"amount": -5}, {"amount": "amount_negative"}),
    ({"kind": DecisionKind.ADOPT_PB}, {"link_pb_cycle": "link_required"}),
    ({"kind": DecisionKind.ADOPT_PB, "links": ((LinkType.PB_CYCLE, 1), (LinkType.PB_CYCLE, 2))},
     {"link_pb_cycle": "one_cycle"}),
    ({"kind": DecisionKind.ANSWER_PROPOSAL, "links": ((LinkType.INSPECTION, 1),)},
     {"links": "link_not_allowed", "link_proposal": "link_required"}),
    ({"kind": DecisionKind.INSPECTION_RESPONSE, "links": ((LinkType.INSPECTION, 1), (LinkType.ACTION, 4))}, {}),
    ({"kind": DecisionKind.OTHER, "links": ((LinkType.PROPOSAL, 1), (LinkType.INSPECTION, 2))}, {}),
])
def test_check_draft(change: dict[str, object], errors: dict[str, str]) -> None:
    assert domain.check_draft(replace(BASE, **change)) == errors  # type: ignore[arg-type]


@pytest.mark.parametrize(("status", "edit", "publish", "amend"), [
    (DecisionStatus.DRAFT, True, True, False),  # drafts change; nobody amends what was never public
    (DecisionStatus.PUBLISHED, False, False, True),  # immutable; corrected only by amendment
])
def test_decision_lifecycle(status: DecisionStatus, edit: bool, publish: bool, amend: bool) -> None:
    assert (domain.can_edit(status), domain.can_publish(status), domain.can_amend(status)) == (edit, publish, amend)


@pytest.mark.parametrize(("kind", "flag", "expected"), [
    (DecisionKind.ADOPT_PB, False, True),  # adopting PB results always commits the city
    (DecisionKind.ANSWER_PROPOSAL, True, True),
    (DecisionKind.ANSWER_PROPOSAL, False, False),  # e.g. the council declines
    (DecisionKind.OTHER, True, False),  # "other" decisions have nothing to build
])
def test_implements(kind: DecisionKind, flag: bool, expected: bool) -> None:
    assert domain.implements(kind, flag) is expected


@pytest.mark.parametrize(("current", "target", "agency", "council", "reason", "error"), [
    (P.PLANNED, P.PROCUREMENT, True, False, "", None),
    (P.PLANNED, P.IN_PROGRESS, True, False, "", None),  # small works need no procurement
    (P.PROCUREMENT, P.IN_PROGRESS, True, False, "", None),
    (P.IN_PROGRESS, P.DONE, True, False, "", None),
    (P.PLANNED, P.DONE, True, False, "", "status"),  # no skipping the work
    (P.IN_PROGRESS, P.DONE, False, True, "", "actor"),  # the council does not report for agencies
    (P.IN_PROGRESS, P.CANCELLED, True, False, "", "reason"),  # cancelling needs a reason
    (P.IN_PROGRESS, P.CANCELLED, True, False, "Lahan tidak tersedia", None),
    (P.CANCELLED, P.PLANNED, True, True, "", "status"),  # cancelled is final
    (P.DONE, P.IN_PROGRESS, False, True, "", None),  # the council reopens after a review
    (P.DONE, P.IN_PROGRESS, True, False, "", "actor"),  # an agency cannot reopen its own work
    (P.DONE, P.CANCELLED, True, True, "x", "status"),
])
def test_check_step(current: P, target: P, agency: bool, council: bool, reason: str, error: str | None) -> None:
    if error is None:
        domain.check_step(current, target, agency=agency, council=council, reason=reason)
    else:
        with pytest.raises(StepError) as exc:
            domain.check_step(current, target, agency=agency, council=council, reason=reason)
        assert exc.value.code == error


def test_next_steps_by_actor() -> None:
    assert domain.next_steps(P.IN_PROGRESS, agency=True, council=False) == (P.DONE, P.CANCELLED)
    assert domain.next_steps(P.DONE, agency=True, council=False) == ()
    assert domain.next_steps(P.DONE, agency=False, council=True) == (P.IN_PROGRESS,)


@pytest.mark.parametrize(("node", "expected"), [
    (Node(100, 40), Fraction(40)),  # a leaf: its own value
    (Node(0, 140), Fraction(100)),  # clamped
    (Node(0, 10, (Node(300, 100), Node(100, 0))), Fraction(75)),  # weighted by cost, own value ignored
    (Node(0, 0, (Node(0, 50), Node(0, 100))), Fraction(75)),  # no costs: equal weights
    (Node(0, 0, (Node(100, 100), Node(900, 0, cancelled=True))), Fraction(100)),  # cancelled drop out
    (Node(0, 30, (Node(100, 0, cancelled=True),)), Fraction(30)),  # none live: own value
    (Node(0, 0, (Node(200, 0, (Node(1, 100), Node(1, 0))), Node(200, 100))), Fraction(75)),  # nested
    (Node(0, 0, (Node(1, 100), Node(2, 100), Node(997, 99))), Fraction(99_003, 1000)),
])
def test_progress_rollup(node: Node, expected: Fraction) -> None:
    assert domain.progress(node) == expected


def test_percent_never_rounds_up_to_done() -> None:
    assert domain.percent(Fraction(99_999, 1000)) == 99


leaves = st.builds(Node, cost=st.integers(0, 10**12), progress=st.integers(0, 100), cancelled=st.booleans())
trees = st.recursive(leaves, lambda kids: st.builds(Node, cost=st.integers(0, 10**12), progress=st.integers(0, 100),
                                                    children=st.lists(kids, max_size=4).map(tuple)), max_leaves=12)


@given(trees)
def test_progress_stays_within_0_and_100(tree: Node) -> None:
    assert 0 <= domain.progress(tree) <= 100


@given(st.lists(leaves, min_size=1, max_size=6))
def test_parent_lies_between_its_live_children(children: list[Node]) -> None:
    parent = Node(0, 0, tuple(children))
    live = [domain.progress(c) for c in children if not c.cancelled]
    if live:
        assert min(live) <= domain.progress(parent) <= max(live)


@given(st.lists(leaves, min_size=1, max_size=6), st.randoms())
def test_progress_ignores_the_order_of_children(children: list[Node], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = children[:]
    rnd.shuffle(shuffled)
    assert domain.progress(Node(0, 0, tuple(children))) == domain.progress(Node(0, 0, tuple(shuffled)))


@given(st.lists(leaves, min_size=1, max_size=6))
def test_all_children_done_means_parent_done(children: list[Node]) -> None:
    done = tuple(replace(c, progress=100, cancelled=False) for c in children)
    assert domain.progress(Node(0, 0, done)) == 100


@pytest.mark.parametrize(("answers", "expected"), [
    ([], Verdict.UNCONFIRMED),
    ([Answer.UNKNOWN, Answer.UNKNOWN], Verdict.UNCONFIRMED),
    ([Answer.YES], Verdict.CONFIRMED),
    ([Answer.YES, Answer.NO], Verdict.DISPUTED),  # a tie is not a confirmation
    ([Answer.YES, Answer.YES, Answer.NO], Verdict.CONFIRMED),
    ([Answer.NO, Answer.UNKNOWN], Verdict.DISPUTED),
])
def test_verdict(answers: list[Answer], expected: Verdict) -> None:
    assert domain.verdict(answers) == expected


@pytest.mark.parametrize(("previous", "new", "expected"), [
    (None, Answer.NO, True),
    (Answer.YES, Answer.NO, True),  # changed their mind
    (Answer.NO, Answer.NO, False),  # repeating a no asks nothing new
    (None, Answer.YES, False),
    (Answer.NO, Answer.UNKNOWN, False),
])
def test_opens_review(previous: Answer | None, new: Answer, expected: bool) -> None:
    assert domain.opens_review(previous, new) is expected


def test_completion_share() -> None:
    share = domain.completion_share([Verdict.CONFIRMED, Verdict.DISPUTED, Verdict.UNCONFIRMED, Verdict.CONFIRMED])
    assert (share.done, share.confirmed, share.percent) == (4, 2, 50)
    assert domain.completion_share([]).percent is None
