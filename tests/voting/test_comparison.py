"""The results page's comparison view: which rules are tallied next to the cycle's rule, what is
stored for each when the tally job runs, and what the page shows (in both languages).

The cycle used here is small enough to check by hand. Budget Rp 1.000, ten voters, so an equal
share is Rp 100 each; voters 1-6 form a majority, voters 7-10 a minority:

    project          cost  supporters      votes
    Taman kota        500  voters 1-6      6
    Jalan lingkungan  500  voters 1-5      5
    Posyandu          300  voters 7-10     4
    Sumur resapan     200  voters 8-10     3

- greedy (most votes first): Taman (500) and Jalan (500) use the whole budget.
- equalshares (shares of Rp 100): Taman is cheapest per supporter (500/6 each), leaving each of
  voters 1-6 Rp 16,67, too little for Jalan; Posyandu next (75 each of voters 7-10), leaving
  each Rp 25, and voters 8-10 hold Rp 75 of Sumur's 200. Funded: Taman, Posyandu (Rp 800).
- equalshares/add1: Rp 200 is left and Sumur costs 200, so the outcome is not exhaustive and
  every share is raised by Rp 1. From a share of Rp 142, voters 8-10 keep 3 x (142 - 75) = 201
  after Posyandu: Sumur is bought too (Jalan would need a share of Rp 183,34). Funded: Taman,
  Posyandu, Sumur (Rp 1.000), in that order.
- phragmen: Sumur first (load 200/3), then Taman (500/6), then Posyandu ((3 x 200/3 + 300)/4 =
  125); Jalan (183,34) no longer fits. Funded: Sumur, Taman, Posyandu.
pabutools (the reference implementation) confirms the Add1 outcome below.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest

from portal.app import job_handlers
from portal.core import jobs
from portal.core.models import AuditEvent
from portal.voting import comparison
from portal.voting import services as pb
from portal.voting.domain import Phase
from portal.voting.models import PbTallyRow
from tests.voting.factories import COUNCIL, city_scope, cycle, resident, voter

TITLES = ("Taman kota", "Jalan lingkungan", "Posyandu", "Sumur resapan")
PROJECTS = tuple(zip(TITLES, (500, 500, 300, 200), strict=True))
# Voter n (1-based) approves the projects listed for them.
BALLOTS = (*([0, 1],) * 5, [0], [2], *([2, 3],) * 3)
EXPECTED = {  # rule -> funded titles in funding order (see the module docstring)
    "greedy": ("Taman kota", "Jalan lingkungan"),
    "equalshares": ("Taman kota", "Posyandu"),
    "equalshares/greedy": ("Taman kota", "Posyandu", "Sumur resapan"),
    "phragmen": ("Sumur resapan", "Taman kota", "Posyandu"),
    "equalshares/add1": ("Taman kota", "Posyandu", "Sumur resapan"),
}


@pytest.mark.parametrize("kind, own, expected", [
    ("knapsack", "greedy", ("greedy", "equalshares", "equalshares/greedy", "phragmen", "equalshares/add1")),
    ("k-approval", "equalshares/add1",  # the own rule comes first and is not repeated
     ("equalshares/add1", "greedy", "equalshares", "equalshares/greedy", "phragmen")),
    ("knapsack", "greedy-no-skip",  # a rule outside the comparison is added in front
     ("greedy-no-skip", "greedy", "equalshares", "equalshares/greedy", "phragmen", "equalshares/add1")),
    ("cumulative", "greedy", ("greedy", "equalshares", "equalshares/greedy", "equalshares/add1")),  # Phragmén: approval only
    ("ranked", "equalshares", ("equalshares", "greedy", "equalshares/greedy", "equalshares/add1")),
])
def test_compared_rules_follow_the_ballot_type(kind: str, own: str, expected: tuple[str, ...]) -> None:
    assert comparison.compared_rules(kind, own) == expected


async def _tallied_by_the_job(app, *, rule: str = "greedy") -> tuple[int, int, dict[int, str]]:  # type: ignore[no-untyped-def]
    cycle_id, ids = await cycle(phase=Phase.VOTING, budget=1000, rule=rule, projects=PROJECTS)
    scope = await city_scope(cycle_id)
    for picks in BALLOTS:
        user = await resident(app.state.services)
        await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope,
                             raw=[(str(ids[i]), "1") for i in picks], today=_today())
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)  # queues the tally job
    handlers = job_handlers(app.state.services)
    assert await jobs.run_one(handlers, "test-worker")
    return cycle_id, scope, dict(zip(ids, TITLES, strict=True))


def _today():  # type: ignore[no-untyped-def]
    from tests.voting.factories import TODAY

    return TODAY


async def _funded(scope: int, rule: str, titles: dict[int, str]) -> tuple[str, ...]:
    rows = await PbTallyRow.filter(scope_id=scope, rule=rule, selected=True).order_by("funded_order")
    return tuple(titles[r.project_id] for r in rows)  # type: ignore[attr-defined]


async def test_the_tally_job_stores_every_compared_rule_with_the_hand_checked_winners(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, scope, titles = await _tallied_by_the_job(app)
    stored = {r: await _funded(scope, r, titles) for r in EXPECTED}
    assert stored == EXPECTED
    add1 = await PbTallyRow.filter(scope_id=scope, rule="equalshares/add1").order_by("id")
    assert len(add1) == 4 and not any(r.primary for r in add1)
    assert [r.funded_order for r in add1] == [1, None, 2, 3]  # Taman, Jalan, Posyandu, Sumur
    assert {r.rule for r in await PbTallyRow.filter(scope_id=scope, primary=True)} == {"greedy"}
    event = await AuditEvent.filter(tag="voting:tally:run", target_id=str(cycle_id)).get()
    assert json.loads(event.data)["not_computed"] == {}


def test_pabutools_agrees_with_the_hand_computed_add1_outcome() -> None:
    pytest.importorskip("pabutools")
    from pabutools.election import (  # type: ignore[import-untyped]
        ApprovalBallot,
        ApprovalProfile,
        Cost_Sat,
        Instance,
    )
    from pabutools.election import Project as PProject  # type: ignore[import-untyped]
    from pabutools.rules import method_of_equal_shares, sequential_phragmen  # type: ignore[import-untyped]

    projects = [PProject(title, cost) for title, cost in PROJECTS]
    instance = Instance(projects, budget_limit=Fraction(1000))
    profile = ApprovalProfile([ApprovalBallot(projects[i] for i in picks) for picks in BALLOTS])
    add1 = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    plain = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    phragmen = sequential_phragmen(instance, profile)
    assert sorted(p.name for p in add1) == sorted(EXPECTED["equalshares/add1"])
    assert sorted(p.name for p in plain) == sorted(EXPECTED["equalshares"])
    assert sorted(p.name for p in phragmen) == sorted(EXPECTED["phragmen"])


def _comparison_rows(html: str) -> dict[str, str]:
    """Rule (Pabulib name) -> the text of its row in the "winners under each rule" table."""
    table = html.split('id="result-', 1)[1]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table, flags=re.S)
    out = {}
    for row in rows:
        name = re.search(r'<span class="mono">([^<]+)</span>', row)
        if name:
            out[name.group(1)] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    return out


async def test_results_page_shows_each_rule_with_its_funded_projects_and_budget_used(client, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _scope, _titles = await _tallied_by_the_job(app)
    await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    page = await client.get(f"/budgets/{cycle_id}/results")
    assert page.status_code == 200
    rows = _comparison_rows(page.text)
    assert list(rows) == ["greedy", "equalshares", "equalshares/greedy", "phragmen", "equalshares/add1"]
    assert rows["equalshares/add1"] == (
        "Method of Equal Shares, shares raised until the budget is used equalshares/add1 "
        "Taman kota, Posyandu, Sumur resapan Rp 1.000")
    assert rows["equalshares"].endswith("Taman kota, Posyandu Rp 800")
    assert rows["greedy"].endswith("greedy Rule used Taman kota, Jalan lingkungan Rp 1.000")
    assert "Not computed" not in page.text

    client.cookies.set("lang", "id")
    page = await client.get(f"/budgets/{cycle_id}/results")
    rows = _comparison_rows(page.text)
    assert rows["equalshares/add1"] == (
        "Metode Bagian Setara, bagian dinaikkan sampai anggaran terpakai equalshares/add1 "
        "Taman kota, Posyandu, Sumur resapan Rp 1.000")
    assert rows["phragmen"].startswith("Phragmén berurutan (biaya dibagi rata kepada pendukung) phragmen")
    assert "10 dari 10 warga terverifikasi (100,0%)" in page.text  # Indonesian decimal comma


async def test_cumulative_cycles_compare_add1_but_not_phragmen(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, (a, b, c) = await cycle(phase=Phase.VOTING, kind="cumulative", budget=1000, points=10,
                                      max_points_per_project=10)
    scope = await city_scope(cycle_id)
    for points in ((6, 4, 0), (0, 5, 5), (0, 0, 10)):
        user = await resident(app.state.services)
        raw = [(str(pid), str(p)) for pid, p in zip((a, b, c), points, strict=True) if p]
        await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope, raw=raw, today=_today())
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    await pb.run_tally(COUNCIL, cycle_id)
    stored = {r.rule for r in await PbTallyRow.filter(scope_id=scope)}
    assert stored == {"greedy", "equalshares", "equalshares/greedy", "equalshares/add1"}


async def test_a_compared_rule_past_the_time_limit_is_left_out_and_said_so(client, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(comparison, "COMPARISON_SECONDS", 0.0)  # nothing compared finishes in time
    cycle_id, scope, titles = await _tallied_by_the_job(app)
    assert await _funded(scope, "greedy", titles) == EXPECTED["greedy"]  # the cycle's own rule always runs
    assert {r.rule for r in await PbTallyRow.filter(scope_id=scope)} == {"greedy"}
    event = await AuditEvent.filter(tag="voting:tally:run", target_id=str(cycle_id)).get()
    assert json.loads(event.data)["not_computed"] == {
        str(scope): ["equalshares", "equalshares/greedy", "phragmen", "equalshares/add1"]}
    await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    rows = _comparison_rows((await client.get(f"/budgets/{cycle_id}/results")).text)
    assert rows["equalshares/add1"].endswith("equalshares/add1 Not computed in this tally.")
    assert rows["greedy"].endswith("Taman kota, Jalan lingkungan Rp 1.000")
