"""Pabulib `.pb` text: parsing into a tally `Election`, and writing from plain values."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from portal.voting import tally
from portal.voting.pabulib import PabulibError, parse_pabulib, write_pabulib
from tests.voting.tally_helpers import tally_cli

APPROVAL = """META
key;value
description;Test district
num_projects;3
num_votes;3
budget;100
vote_type;approval
rule;greedy
min_project_score_threshold;2
currency;PLN
PROJECTS
project_id;cost;votes;name;selected
1;60;3;"Park ""Olimpijka""; benches";1
10;50;2;Library;0
9;30;1;Bike rack;1
VOTES
voter_id;vote;age
v1;1,10,9;30
v2;1,10;41
v3;1;
"""


def test_parse_approval_file() -> None:
    parsed = parse_pabulib(APPROVAL)
    e = parsed.election
    assert e.vote_type is tally.VoteType.APPROVAL
    assert e.budget == 100 and isinstance(e.budget, int)
    assert e.projects == (tally.Project("1", 60), tally.Project("10", 50), tally.Project("9", 30))
    assert e.ballots == (("1", "10", "9"), ("1", "10"), ("1",))
    assert e.min_score == 2 and e.currency == "PLN" and e.points is None
    assert parsed.voter_ids == ("v1", "v2", "v3")
    assert parsed.rule == "greedy"
    assert parsed.official_selected == ("1", "9")
    # A quoted name may hold ";" and doubled quotes.
    assert parsed.project_rows[0][3] == 'Park "Olimpijka"; benches'


PARSE_VARIANTS = [
    # Windows line ends and a byte-order mark are common in city exports.
    ("\ufeff" + APPROVAL.replace("\n", "\r\n"), ("1",)),
    # Section names in any case, blank lines between rows.
    (APPROVAL.replace("VOTES", "votes").replace("v2;", "\nv2;"), ("1",)),
    # A quoted vote cell takes the careful path and means the same.
    (APPROVAL.replace("v3;1;", 'v3;"1";'), ("1",)),
    # Spaces around ids are tolerated (pabutools strips cells too).
    (APPROVAL.replace("v3;1;", "v3; 1 ;"), ("1",)),
    # An empty vote is an empty ballot, which still counts as a voter.
    (APPROVAL.replace("v3;1;", "v3;;"), ()),
]


@pytest.mark.parametrize(("text", "third_ballot"), PARSE_VARIANTS)
def test_parse_tolerates_real_world_formatting(text: str, third_ballot: tuple[str, ...]) -> None:
    e = parse_pabulib(text).election
    assert len(e.ballots) == 3 and e.ballots[2] == third_ballot


def test_parse_cumulative_points_and_decimal_budget() -> None:
    text = (
        "META\nkey;value\nbudget;1000.5\nvote_type;cumulative\n"
        "PROJECTS\nproject_id;cost\na;10\nb;20\n"
        "VOTES\nvoter_id;vote;points\n1;a,b;3,7\n2;b;10\n"
    )
    e = parse_pabulib(text).election
    assert e.budget == Fraction(2001, 2)
    assert e.ballots == (("a", "b"), ("b",)) and e.points == ((3, 7), (10,))
    assert tally.greedy(e).selected == ("b", "a")  # b has 17 points, a 3


def test_parse_ordinal_keeps_rank_order() -> None:
    text = (
        "META\nkey;value\nbudget;10\nvote_type;ordinal\nmax_length;3\n"
        "PROJECTS\nproject_id;cost\na;5\nb;5\nc;5\n"
        "VOTES\nvoter_id;vote;points\n1;c,a,b;3,2,1\n"
    )
    e = parse_pabulib(text).election
    assert e.ballots == (("c", "a", "b"),) and e.max_length == 3 and e.points is None


ERRORS = [
    # A vote for a project the file does not list.
    (APPROVAL.replace("v3;1;", "v3;7;"), "line 20: unknown project"),
    # No VOTES section at all.
    (APPROVAL.split("VOTES")[0], "missing section"),
    # Scoring ballots are not tallied by Warga.
    (APPROVAL.replace("vote_type;approval", "vote_type;scoring"), "unsupported vote_type"),
    # Money must be a number, and a project cost a whole one.
    (APPROVAL.replace("budget;100", "budget;lots"), "budget is not a number"),
    (APPROVAL.replace("1;60;3", "1;60.5;3"), "whole number"),
    (APPROVAL.replace("budget;100\n", ""), "no budget"),
    # Cumulative ballots without points cannot be tallied.
    (APPROVAL.replace("vote_type;approval", "vote_type;cumulative"), "points column"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_parse_rejects_unusable_files(text: str, message: str) -> None:
    with pytest.raises(PabulibError, match=message):
        parse_pabulib(text)


def test_points_must_match_the_vote() -> None:
    text = (
        "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;5\n"
        "VOTES\nvoter_id;vote;points\n1;a;3,4\n"
    )
    with pytest.raises(PabulibError, match="differ in length"):
        parse_pabulib(text)


def test_write_then_parse_round_trips() -> None:
    text = write_pabulib(
        meta={"description": "Export; anonymised", "budget": Fraction(201, 2),
              "vote_type": "cumulative", "rule": "greedy"},
        projects=[
            {"project_id": "a", "cost": 10, "name": 'Taman "Hijau"'},
            {"project_id": "b", "selected": 1, "cost": 20, "score": 5},
        ],
        votes=[
            {"voter_id": "o-1", "vote": ["a", "b"], "points": [1, 2]},
            {"voter_id": "o-2", "vote": ["b"], "points": [3]},
        ],
    )
    parsed = parse_pabulib(text)
    assert parsed.election.budget == Fraction(201, 2)
    assert parsed.meta_value("budget") == "100.5"
    assert parsed.meta_value("num_votes") == "2"
    assert parsed.meta_value("description") == "Export; anonymised"
    # Cumulative votes are written most points first; META follows the format's field order.
    assert parsed.election.ballots == (("b", "a"), ("b",))
    assert parsed.election.points == ((2, 1), (3,))
    assert [k for k, _ in parsed.meta] == [
        "description", "num_projects", "num_votes", "budget", "vote_type", "rule"
    ]
    assert parsed.project_columns == ("project_id", "cost", "score", "name", "selected")
    assert parsed.project_rows[0][3] == 'Taman "Hijau"'
    assert parsed.official_selected == ("b",)
    assert parsed.voter_ids == ("o-1", "o-2")


WRITE_ERRORS = [
    # A ballot for a project that is not exported would make an unreadable file.
    ({"budget": 1, "vote_type": "approval"}, [{"voter_id": 1, "vote": ["x"]}], "unknown project"),
    # Pabulib needs the budget and the ballot type.
    ({"vote_type": "approval"}, [], "budget"),
    # 1/3 has no exact decimal form.
    ({"budget": Fraction(1, 3), "vote_type": "approval"}, [], "exact decimal"),
]


@pytest.mark.parametrize(("meta", "votes", "message"), WRITE_ERRORS)
def test_write_refuses_invalid_values(
    meta: dict[str, object], votes: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        projects = [{"project_id": "a", "cost": 1}]
        write_pabulib(meta=meta, projects=projects, votes=votes)  # type: ignore[arg-type]


# ---------------------------------------------------------------- python -m portal pb tally


@pytest.fixture
def pb_file(tmp_path: Path) -> Path:
    path = tmp_path / "district.pb"
    path.write_text(APPROVAL, encoding="utf-8")
    return path


CLI_CASES = [
    # The file's META rule (greedy) by default: 1 (60), then 10 (50) does not fit, 9 does.
    ([], '{"selected": ["1", "9"], "rule": "greedy"}'),
    # Another rule by name; the threshold of 2 votes leaves 9 out.
    (["--rule", "greedy-threshold"], '{"selected": ["1"], "rule": "greedy-threshold"}'),
    (["--rule", "greedy-no-skip"], '{"selected": ["1"], "rule": "greedy-no-skip"}'),
]


@pytest.mark.parametrize(("argv", "printed"), CLI_CASES)
def test_cli_prints_json(
    pb_file: Path, argv: list[str], printed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tally_cli(str(pb_file), "--json", *argv) == 0
    assert capsys.readouterr().out.strip() == printed


def test_cli_prints_one_id_per_line(pb_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert tally_cli(str(pb_file), "--tie-break", "min-cost") == 0
    assert capsys.readouterr().out.splitlines() == ["1", "9"]


def test_cli_fails_with_exit_2_and_a_message(
    pb_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text("not a pabulib file", encoding="utf-8")
    cumulative = tmp_path / "cumulative.pb"
    cumulative.write_text(
        "META\nkey;value\nbudget;10\nvote_type;cumulative\nrule;phragmen\n"
        "PROJECTS\nproject_id;cost\na;5\nVOTES\nvoter_id;vote;points\n1;a;3\n",
        encoding="utf-8",
    )
    for argv, message in [
        ([str(pb_file), "--rule", "lottery"], "unknown rule 'lottery'"),
        ([str(tmp_path / "missing.pb")], "cannot read"),
        ([str(bad)], "not a usable Pabulib file"),
        ([str(cumulative)], "phragmen needs approval"),
    ]:
        assert tally_cli(*argv) == 2
        assert message in capsys.readouterr().err


def test_python_m_portal_pb_tally_runs(pb_file: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "portal", "pb", "tally", str(pb_file), "--json"],
        capture_output=True, text=True, cwd=root, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"selected": ["1", "9"], "rule": "greedy"}
