"""Real Pabulib elections: our outcomes equal pabutools' recorded ones and what cities funded.

``shared/pb/expected.json`` holds pabutools 1.2.3 outcomes per file and rule key (how each key
was computed is in ``shared/pb/RULES.md``). Only files under 200 kB run here, to keep the
suite fast; ``shared/checks/pb_expected.py`` covers the large ones through the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portal.voting import tally
from portal.voting.pabulib import PabulibFile, parse_pabulib

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "pb"
MAX_BYTES = 200_000

if not (SHARED / "expected.json").exists():
    pytest.skip(f"no shared Pabulib instances at {SHARED}", allow_module_level=True)

EXPECTED: dict[str, dict[str, Any]] = json.loads((SHARED / "expected.json").read_text())
SMALL = sorted(
    name
    for name in EXPECTED
    if (SHARED / name).exists() and (SHARED / name).stat().st_size < MAX_BYTES
)

Run = Callable[[tally.Election], tally.TallyResult]
ID, MIN_COST = tally.TieBreak.ID, tally.TieBreak.MIN_COST


def _with(rule: tally.Rule, tie_break: tally.TieBreak) -> Run:
    return lambda election: rule(election, tie_break=tie_break)


def _checker_add1(election: tally.Election) -> tally.TallyResult:
    # The Add1 loop alone (no comparison step) is what `mes_cost_add1_equalshares` recorded.
    prep, ut = tally._mes_setup(election, ID)
    chosen, notes = tally._mes_outcome(election, prep, tally._add1_equalshares(election, prep, ut))
    return tally._result("add1-loop", election, prep, chosen, notes)


APPROVAL: dict[str, Run] = {
    "greedy_cost_sat": _with(tally.greedy, ID),
    "greedy_cost_sat_tb_min_cost": _with(tally.greedy, MIN_COST),
    "greedy_cost_sat_threshold": _with(tally.greedy_threshold, ID),
    "greedy_cost_sat_threshold_tb_min_cost": _with(tally.greedy_threshold, MIN_COST),
    "mes_cost": _with(tally.equal_shares, ID),
    "mes_cost_greedy": _with(tally.equal_shares_greedy, ID),
    "mes_cost_add1": _with(tally.equal_shares_add1, ID),
    "mes_cost_add1_greedy": _with(tally.equal_shares_add1_greedy, ID),
    "mes_cost_add1_equalshares": _checker_add1,
    "seq_phragmen": _with(tally.phragmen, ID),
}
POINTS: dict[str, Run] = {  # cumulative and ordinal: scores are (positional) points
    "greedy_points": _with(tally.greedy, ID),
    "greedy_points_tb_min_cost": _with(tally.greedy, MIN_COST),
    "greedy_points_threshold": _with(tally.greedy_threshold, ID),
    "greedy_points_threshold_tb_min_cost": _with(tally.greedy_threshold, MIN_COST),
    "mes_cardinal": _with(tally.equal_shares, ID),
    "mes_cardinal_greedy": _with(tally.equal_shares_greedy, ID),
    "mes_points": _with(tally.equal_shares, ID),
    "mes_points_greedy": _with(tally.equal_shares_greedy, ID),
}


def _runs(name: str) -> dict[str, Run]:
    approval = EXPECTED[name]["_info"]["vote_type"] in ("approval", "choose-1")
    return APPROVAL if approval else POINTS


def _cases() -> list[tuple[str, str]]:
    cases = []
    for name in SMALL:
        for key, ref in EXPECTED[name].items():
            if key in _runs(name) and ref.get("selected") is not None:
                cases.append((name, key))
    return cases


_PARSED: dict[str, PabulibFile] = {}


def _parsed(name: str) -> PabulibFile:
    if name not in _PARSED:
        _PARSED[name] = parse_pabulib((SHARED / name).read_text(encoding="utf-8-sig"))
    return _PARSED[name]


@pytest.mark.parametrize(("name", "key"), _cases())
def test_outcome_matches_pabutools(name: str, key: str) -> None:
    result = _runs(name)[key](_parsed(name).election)
    assert sorted(result.selected) == EXPECTED[name][key]["selected"]
    assert result.total_cost == EXPECTED[name][key]["total_cost"]


@pytest.mark.parametrize("name", SMALL)
def test_meta_rule_reproduces_what_the_city_funded(name: str) -> None:
    parsed = _parsed(name)
    official = EXPECTED[name]["official_selected"]
    if official is None or parsed.rule not in tally.RULES:
        pytest.skip(f"no official outcome under a known rule (META rule {parsed.rule!r})")
    result = tally.RULES[parsed.rule](parsed.election)
    assert sorted(result.selected) == official


@pytest.mark.parametrize("name", SMALL)
def test_file_parses_to_the_counts_meta_states(name: str) -> None:
    parsed = _parsed(name)
    info = EXPECTED[name]["_info"]
    stated = int(parsed.meta_value("num_votes") or 0)
    assert len(parsed.election.ballots) == info["n_voters"] == stated
    assert len(parsed.election.projects) == info["n_projects"]
    assert parsed.election.budget == info["budget"]


def test_comparison_step_counts_match_wieliczka_published_figures() -> None:
    # Wieliczka 2023 published its comparison: 1,615 voters preferred equal shares, 873 greedy.
    name = "Poland_Wieliczka_2023_Green_Budget.pb"
    if name not in SMALL:
        pytest.skip(f"{name} is not in shared/pb")
    election = _parsed(name).election
    prep, ut = tally._mes_setup(election, ID)
    add1 = {i for i, _, _ in tally._add1_equalshares(election, prep, ut).funded}
    greedy = tally.greedy(election).selected
    rival = {prep.ids.index(pid) for pid in greedy}
    assert tally._prefer_counts(prep, add1, rival) == (1615, 873)
