"""``python -m portal skm compute FILE.csv [--scale 2017|2004] [--json]``: score a paper SKM
survey offline, with the same pure code the portal uses (no database).

Output: per-unsur NRR (4 decimals) and NRR x 25, the IKM (2 decimals, half-up), grade and label.
With ``--json``: ``{"scale", "respondents", "per_unsur": [{"code", "unsur", "answered", "nrr",
"nrr_x25", "grade"}], "ikm", "grade", "label"}``; numbers are JSON numbers taken from the exact
decimal display values.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from portal.panels.csv_import import parse_skm_csv
from portal.panels.scoring import Scale, ScoringError, ikm, round_half_up

EXIT_USAGE = 2
SCALES = {"2017": Scale.PERMENPANRB_14_2017, "2004": Scale.KEPMENPAN_25_2004}


def add_commands(subparsers: Any) -> None:
    """Register ``skm`` and its sub-commands on the top-level CLI parser."""
    skm = subparsers.add_parser("skm", help="satisfaction surveys (SKM/IKM)")
    commands = skm.add_subparsers(dest="skm_command", required=True)
    cmd = commands.add_parser("compute", help="compute IKM from a CSV file (columns U1..U9 or U1..U14)")
    cmd.add_argument("file", type=Path, help="CSV, one row per respondent, values 1-4 or empty")
    cmd.add_argument("--scale", choices=sorted(SCALES), default="2017",
                     help="2017 = PermenPANRB 14/2017 (9 unsur, default); 2004 = Kepmenpan 25/2004 (14 unsur)")
    cmd.add_argument("--json", action="store_true", help="print JSON instead of a table")
    cmd.set_defaults(handler=run_compute)


def _fail(message: str) -> int:
    print(f"skm compute: {message}", file=sys.stderr)
    return EXIT_USAGE


def compute(text: str, scale: Scale) -> dict[str, Any]:
    """The JSON-shaped result for CSV `text`; raises ValueError with all problems listed."""
    rows, errors = parse_skm_csv(text, scale)
    if errors:
        raise ValueError("; ".join(str(e) for e in errors))
    try:
        result = ikm(rows, scale)
    except ScoringError as exc:
        raise ValueError(str(exc)) from None
    return {
        "scale": scale.value,
        "respondents": result.respondents,
        "per_unsur": [
            {"code": s.unsur.code, "unsur": s.unsur.name, "answered": s.answered,
             "nrr": float(round_half_up(s.nrr, 4)), "nrr_x25": float(round_half_up(s.nrr_x25, 2)),
             "grade": s.grade.mutu}
            for s in result.per_unsur
        ],
        "ikm": float(result.ikm_display),
        "grade": result.grade.mutu,
        "label": result.grade.kinerja,
    }


def run_compute(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.file}: {exc}")
    try:
        out = compute(text, SCALES[args.scale])
    except ValueError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{'code':<5} {'unsur':<42} {'n':>5} {'NRR':>7} {'NRRx25':>7} grade")
    for line in out["per_unsur"]:
        print(f"{line['code']:<5} {line['unsur'][:42]:<42} {line['answered']:>5} {line['nrr']:>7.4f} "
              f"{line['nrr_x25']:>7.2f} {line['grade']}")
    print(f"respondents: {out['respondents']}")
    print(f"IKM: {out['ikm']:.2f}  grade: {out['grade']}  label: {out['label']}")
    return 0
