"""CSV reading of paper SKM surveys and `python -m portal skm compute` on the ikm_cases.json vectors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from portal.panels import skm_cli
from portal.panels.csv_import import parse_skm_csv
from portal.panels.scoring import Scale
from tests.panels.test_scoring import CASES, CASE_IDS, SCALES, respondents

S17, S04 = Scale.PERMENPANRB_14_2017, Scale.KEPMENPAN_25_2004
H9 = ",".join(f"U{i}" for i in range(1, 10))


@pytest.mark.parametrize(
    ("text", "scale", "problems"),
    [
        # Valid, with an empty answer and an extra column that is ignored.
        (f"no,{H9}\n1,3,3,3,3,3,3,3,3,3\n2,4,,4,4,4,4,4,4,4\n", S17, []),
        # Semicolons (Indonesian spreadsheet export), lower-case header, BOM, trailing blank line.
        ("\ufeff" + H9.lower().replace(",", ";") + "\n3;3;3;3;3;3;3;3;3\n\n", S17, []),
        # A 2017 file read as 2004: U10-U14 are missing.
        (f"{H9}\n3,3,3,3,3,3,3,3,3\n", S04, ["line 1: missing columns U10, U11, U12, U13, U14 for this scale"]),
        # A 2004 column in a 2017 file.
        (f"{H9},U10\n3,3,3,3,3,3,3,3,3,3\n", S17, ["line 1: columns U10 do not belong to this scale"]),
        # Out-of-range value on line 3 and a word on line 4 (spreadsheet line numbers).
        (f"{H9}\n3,3,3,3,3,3,3,3,3\n3,3,5,3,3,3,3,3,3\n3,3,3,baik,3,3,3,3,3\n", S17,
         ["line 3, U3: value '5' is not 1-4 or empty", "line 4, U4: value 'baik' is not 1-4 or empty"]),
        # Header only.
        (f"{H9}\n", S17, ["file: the file has no respondent rows"]),
        # Empty file.
        ("", S17, ["file: the file is empty"]),
        # A column nobody answered cannot be scored.
        (f"{H9}\n3,3,3,3,3,3,3,3,\n", S17, ["file, U9: nobody answered this column"]),
    ],
)
def test_parse_skm_csv(text: str, scale: Scale, problems: list[str]) -> None:
    rows, errors = parse_skm_csv(text, scale)
    assert [str(e) for e in errors] == problems
    if not problems:
        assert rows and all(set(r) == set(scale.codes) for r in rows)


def _csv(case: dict[str, Any], scale: Scale) -> str:
    rows = respondents(case, scale)
    lines = [",".join(scale.codes)]
    lines += [",".join("" if r[c] is None else str(r[c]) for c in scale.codes) for r in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_cli_json_matches_every_fixture_case(case_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[case_id]
    expected = case["result"]
    scale = SCALES[expected["scale"]]
    path = tmp_path / "skm.csv"
    path.write_text(_csv(case, scale), encoding="utf-8")
    from portal.cli import build_parser

    parser = build_parser()
    if not any(getattr(a, "choices", None) and "skm" in a.choices for a in parser._actions):  # noqa: SLF001
        # Until the lead wires skm_cli into portal/cli.py, register it on a local parser.
        parser = argparse.ArgumentParser(prog="python -m portal")
        skm_cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["skm", "compute", str(path), "--scale", expected["scale"], "--json"])
    assert args.handler(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ikm"] == expected["ikm"]
    assert out["grade"] == expected["category"]["mutu"]
    assert out["label"] == expected["category"]["kinerja"]
    assert [u["nrr"] for u in out["per_unsur"]] == [line["nrr"] for line in expected["per_unsur"]]
    assert [u["grade"] for u in out["per_unsur"]] == [line["mutu_unsur"] for line in expected["per_unsur"]]


def test_cli_table_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    skm_cli.add_commands(parser.add_subparsers(dest="command", required=True))
    good = tmp_path / "ok.csv"
    good.write_text(_csv(CASES["skm2017_basic"], S17), encoding="utf-8")
    args = parser.parse_args(["skm", "compute", str(good)])
    assert args.handler(args) == 0
    assert "IKM: 81.48  grade: B  label: Baik" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{H9}\n3,3,3,3,3,3,3,3,7\n", encoding="utf-8")
    args = parser.parse_args(["skm", "compute", str(bad)])
    assert args.handler(args) == 2
    assert "line 2, U9" in capsys.readouterr().err
    args = parser.parse_args(["skm", "compute", str(tmp_path / "missing.csv")])
    assert args.handler(args) == 2
