"""PURE workflow tables: who may take which step from which status, deadlines, text rendering."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.workdays import WorkCalendar
from portal.proposals import domain
from portal.proposals.domain import Action as A
from portal.proposals.domain import Actor
from portal.proposals.domain import ProposalStatus as S

AUTHOR = frozenset({Actor.AUTHOR})
MOD = frozenset({Actor.MODERATOR})
OFFICER = frozenset({Actor.OFFICER})
SYSTEM = frozenset({Actor.SYSTEM})


@pytest.mark.parametrize("status, action, actors, expected", [
    (S.DRAFT, A.SUBMIT, AUTHOR, S.SUBMITTED),  # the author submits a draft
    (S.CLARIFICATION, A.RESUBMIT, AUTHOR, S.SUBMITTED),  # ... and resubmits after clarification
    (S.SUBMITTED, A.START_REVIEW, MOD, S.IN_REVIEW),  # a moderator opens the file: editing stops
    (S.SUBMITTED, A.VERIFY, MOD, S.FORWARDED),  # verify directly from the queue
    (S.IN_REVIEW, A.VERIFY, MOD, S.FORWARDED),  # or after starting review
    (S.IN_REVIEW, A.RETURN, MOD, S.CLARIFICATION),  # returned for clarification
    (S.SUBMITTED, A.ARCHIVE, MOD, S.ARCHIVED),  # archived with a reason
    (S.REROUTING, A.ARCHIVE, MOD, S.ARCHIVED),  # nobody competent: archived
    (S.FORWARDED, A.MERGE, MOD, S.MERGED),  # duplicates can be merged until answered
    (S.FORWARDED, A.ANSWER_FEASIBLE, OFFICER, S.ELIGIBLE),  # feasible -> participatory budget
    (S.FORWARDED, A.ANSWER_NOT_FEASIBLE, OFFICER, S.ANSWERED),  # not feasible -> author may reply
    (S.FORWARDED, A.ANSWER_DIRECT, OFFICER, S.ANSWERED),  # answered directly
    (S.FORWARDED, A.NOT_COMPETENT, OFFICER, S.REROUTING),  # not our competence -> moderators
    (S.REROUTING, A.REROUTE, MOD, S.FORWARDED),  # moderator re-routes to another agency
    (S.ANSWERED, A.AUTHOR_REPLY, AUTHOR, S.FORWARDED),  # reply within 10 HK reopens
    (S.ANSWERED, A.AUTO_CLOSE, SYSTEM, S.CLOSED),  # no reply within 10 HK: closed by the job
    (S.DRAFT, A.WITHDRAW, AUTHOR, S.WITHDRAWN),  # withdraw a draft
    (S.FORWARDED, A.WITHDRAW, AUTHOR, S.WITHDRAWN),  # withdraw before the agency decides
    (S.FORWARDED, A.VERIFY, AUTHOR | MOD, None),  # already verified: conflict whoever asks
])
def test_allowed_transitions(status, action, actors, expected) -> None:  # type: ignore[no-untyped-def]
    if expected is None:
        with pytest.raises(domain.TransitionError) as err:
            domain.next_status(status, action, actors)
        assert err.value.code == "status"
    else:
        assert domain.next_status(status, action, actors) == expected


@pytest.mark.parametrize("status, action, actors, code", [
    (S.DRAFT, A.SUBMIT, MOD, "actor"),  # a moderator cannot submit for a resident
    (S.SUBMITTED, A.VERIFY, AUTHOR, "actor"),  # authors do not verify their own proposals
    (S.SUBMITTED, A.VERIFY, OFFICER, "actor"),  # nor do agency officers
    (S.FORWARDED, A.ANSWER_FEASIBLE, MOD, "actor"),  # only the agency answers
    (S.FORWARDED, A.ANSWER_FEASIBLE, AUTHOR, "actor"),  # ... not the author
    (S.ANSWERED, A.AUTO_CLOSE, MOD, "actor"),  # auto-close is the system's alone
    (S.ELIGIBLE, A.WITHDRAW, AUTHOR, "status"),  # after a decision: no withdrawal
    (S.ANSWERED, A.WITHDRAW, AUTHOR, "status"),  # answered is a decision too
    (S.SUBMITTED, A.ANSWER_DIRECT, OFFICER, "status"),  # not yet forwarded
    (S.CLOSED, A.AUTHOR_REPLY, AUTHOR, "status"),  # closed: too late to reply
    (S.MERGED, A.MERGE, MOD, "status"),  # merged once only
    (S.ARCHIVED, A.REROUTE, MOD, "status"),  # archived stays archived
    (S.DRAFT, A.START_REVIEW, MOD, "status"),  # drafts are not in the queue
])
def test_refused_transitions(status, action, actors, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(domain.TransitionError) as err:
        domain.next_status(status, action, actors)
    assert err.value.code == code


@given(st.sampled_from(list(S)), st.sampled_from(list(A)),
       st.frozensets(st.sampled_from(list(Actor))))
def test_terminal_statuses_never_move_and_targets_are_valid(status, action, actors) -> None:  # type: ignore[no-untyped-def]
    terminal = {S.CLOSED, S.ARCHIVED, S.WITHDRAWN, S.MERGED, S.ELIGIBLE}
    try:
        target = domain.next_status(status, action, actors)
    except domain.TransitionError:
        return
    assert status not in terminal
    assert action in domain.allowed_actions(status, actors)
    assert target != S.DRAFT  # nothing ever goes back to draft


def test_every_action_has_exactly_one_rule() -> None:
    assert set(domain.TRANSITIONS) == set(A)


CAL = WorkCalendar()
WIB_10AM = 3  # 10:00 WIB = 03:00 UTC


@pytest.mark.parametrize("status, received, expected", [
    (S.SUBMITTED, date(2025, 3, 27), date(2025, 4, 10)),  # Nyepi + Idul Fitri + cuti bersama: 3 HK
    (S.FORWARDED, date(2025, 3, 27), date(2025, 4, 14)),  # 5 HK over the same holidays
    (S.ANSWERED, date(2025, 3, 27), date(2025, 4, 22)),  # 10 HK author window
    (S.SUBMITTED, date(2025, 8, 14), date(2025, 8, 20)),  # 17 Aug (Sunday) + 18 Aug cuti bersama
    (S.FORWARDED, date(2025, 12, 23), date(2026, 1, 2)),  # Christmas, cuti bersama and New Year
    (S.ANSWERED, date(2025, 12, 23), date(2026, 1, 9)),
    (S.REROUTING, date(2025, 12, 23), date(2025, 12, 30)),  # re-routing has the 3 HK of verification
])
def test_deadlines_follow_the_working_day_vectors(status, received, expected) -> None:  # type: ignore[no-untyped-def]
    entered = datetime(received.year, received.month, received.day, WIB_10AM, tzinfo=UTC)
    deadline = domain.deadline_for(status, entered, None, CAL)
    assert deadline is not None and deadline.date() == expected
    assert (deadline.hour, deadline.minute) == (23, 59)  # end of the day, WIB


def test_in_review_keeps_the_verification_deadline_and_others_have_none() -> None:
    now = datetime(2025, 3, 27, 3, tzinfo=UTC)
    previous = domain.deadline_for(S.SUBMITTED, now, None, CAL)
    assert domain.deadline_for(S.IN_REVIEW, now, previous, CAL) == previous
    for status in (S.DRAFT, S.CLOSED, S.ELIGIBLE, S.CLARIFICATION):
        assert domain.deadline_for(status, now, previous, CAL) is None


def test_overdue_only_when_the_city_owes_the_step() -> None:
    deadline = datetime(2025, 4, 10, 16, 59, tzinfo=UTC)
    late = datetime(2025, 4, 11, 1, tzinfo=UTC)
    assert domain.is_overdue(S.FORWARDED, deadline, late)
    assert not domain.is_overdue(S.FORWARDED, deadline, deadline)  # the deadline instant is on time
    assert not domain.is_overdue(S.ANSWERED, deadline, late)  # the author's window: not overdue


@pytest.mark.parametrize("text, expected", [
    ("Halo", "<p>Halo</p>"),  # one paragraph
    ("a\n\nb", "<p>a</p>\n<p>b</p>"),  # blank line separates paragraphs
    ("a\nb", "<p>a<br>\nb</p>"),  # single newline is a line break
    ("<script>x</script>", "<p>&lt;script&gt;x&lt;/script&gt;</p>"),  # no HTML passes
    ("lihat https://bandung.go.id/x?a=1&b=2.",  # link with query, trailing dot kept outside
     '<p>lihat <a href="https://bandung.go.id/x?a=1&amp;b=2" rel="nofollow ugc noopener">'
     'https://bandung.go.id/x?a=1&amp;b=2</a>.</p>'),
    ('https://x.id/"onmouseover="alert(1)',  # a quote cannot break out of the attribute
     '<p><a href="https://x.id/&quot;onmouseover=&quot;alert(1" rel="nofollow ugc noopener">'
     'https://x.id/&quot;onmouseover=&quot;alert(1</a>)</p>'),
    ("javascript:alert(1)", "<p>javascript:alert(1)</p>"),  # only http(s) become links
])
def test_render_text(text, expected) -> None:  # type: ignore[no-untyped-def]
    assert domain.render_text(text) == expected


@given(st.text(max_size=300))
def test_render_text_never_emits_raw_angle_brackets_from_input(text: str) -> None:
    html = domain.render_text(text)
    stripped = html.replace("<p>", "").replace("</p>", "").replace("<br>", "").replace("</a>", "")
    import re

    stripped = re.sub(r'<a href="[^"<>]*" rel="nofollow ugc noopener">', "", stripped)
    assert "<" not in stripped and ">" not in stripped


@pytest.mark.parametrize("lat, lon, inside", [
    (-6.9147, 107.6098, True),  # Alun-alun Bandung
    (-6.90, 107.75, False),  # east of the city (Cileunyi side)
    (-6.83, 107.60, False),  # Lembang, north
    (-6.2, 106.8, False),  # Jakarta
])
def test_bandung_bounding_box(lat, lon, inside) -> None:  # type: ignore[no-untyped-def]
    assert domain.inside_bandung(lat, lon) is inside


@pytest.mark.parametrize("values, p, expected", [
    ([], 50, None),  # no data
    ([3.0], 90, 3.0),  # one value
    ([1.0, 2.0, 3.0, 4.0], 50, 2.0),  # nearest rank: lower middle
    ([1.0, 2.0, 3.0, 4.0, 10.0], 90, 10.0),  # p90 of five is the largest
])
def test_percentile_nearest_rank(values, p, expected) -> None:  # type: ignore[no-untyped-def]
    assert domain.percentile(values, p) == expected
