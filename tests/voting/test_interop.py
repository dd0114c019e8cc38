"""Pabulib interop through the database: export accepted by pabulib-checker; import + tally
reproduces the pure tally of the same file (and so expected.json, which the tally tests check)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.voting import interop, tally
from portal.voting import services as pb
from portal.voting.domain import Phase
from portal.voting.models import PbBallot, PbCycle, PbProject, PbScope, PbTallyRow
from portal.voting.pabulib import parse_pabulib
from tests.voting.factories import COUNCIL, TODAY, city_scope, cycle, resident, voter

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "pb"
SMALL = sorted(p.name for p in SHARED.glob("*.pb") if p.stat().st_size < 120_000) if SHARED.exists() else []


async def _published_cycle(app, kind: str = "knapsack", **params: int) -> int:  # type: ignore[no-untyped-def]
    cycle_id, (a, b, c) = await cycle(phase=Phase.VOTING, kind=kind, **params)
    scope = await city_scope(cycle_id)
    picks = ([(str(a), "1"), (str(c), "1")], [(str(b), "1")], [(str(b), "1"), (str(c), "1")])
    if kind == "cumulative":
        picks = ([(str(a), "3"), (str(c), "2")], [(str(b), "5")], [(str(b), "1"), (str(c), "4")])
    for raw in picks:
        user = await resident(app.state.services)
        await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope, raw=raw, today=TODAY)
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    await pb.run_tally(COUNCIL, cycle_id)
    await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    return cycle_id


@pytest.mark.parametrize(("kind", "params"), [("knapsack", {}), ("cumulative", {"points": 5, "max_points_per_project": 5})])
async def test_export_is_accepted_by_pabulib_checker_and_round_trips(app, kind: str, params: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    from pabulib import checker  # a test dependency: missing, the test fails rather than skips
    cycle_id = await _published_cycle(app, kind, **params)
    text = await interop.export_pb(cycle_id)
    results = checker.Checker().process_files([text])
    assert results["metadata"]["valid"] == 1, json.dumps(results, default=str)[:3000]
    parsed = parse_pabulib(text)
    assert len(parsed.voter_ids) == 3 and all(len(v) == 64 for v in parsed.voter_ids)
    assert list(parsed.voter_ids) == sorted(parsed.voter_ids)  # order reveals nothing
    funded = {str(r.project_id) for r in await PbTallyRow.filter(primary=True, selected=True)}
    assert set(tally.RULES["greedy"](parsed.election).selected) == funded
    assert text == (await PbScope.get(cycle_id=cycle_id, kecamatan_code=None)).export_text  # frozen


@pytest.mark.parametrize("name", SMALL)
async def test_import_then_tally_equals_the_pure_tally_of_the_file(db, name: str) -> None:  # type: ignore[no-untyped-def]
    text = (SHARED / name).read_text(encoding="utf-8-sig")
    parsed = parse_pabulib(text)
    cycle_id = await interop.import_pb(text, name=name)
    c = await PbCycle.get(id=cycle_id)
    assert c.phase == Phase.TALLYING.value
    assert await PbBallot.filter(scope__cycle_id=cycle_id).count() == len(parsed.election.ballots)
    assert await PbProject.filter(cycle_id=cycle_id).count() == len(parsed.election.projects)
    await pb.run_tally(COUNCIL, cycle_id)
    codes = dict(await PbProject.filter(cycle_id=cycle_id).values_list("id", "code"))
    ours = {codes[r.project_id] for r in await PbTallyRow.filter(scope__cycle_id=cycle_id, primary=True, selected=True)}
    direct = tally.RULES[c.rule](parsed.election)
    assert ours == set(direct.selected)
    if parsed.rule in tally.RULES and parsed.official_selected is not None and parsed.rule.startswith("greedy"):
        assert ours == set(parsed.official_selected), "official outcome"
