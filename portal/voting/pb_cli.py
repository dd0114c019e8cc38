"""``python -m portal pb ...``: operator commands for Pabulib files.

``pb tally FILE.pb [--rule R] [--tie-break T] [--reserve-pct P] [--json]`` recomputes an election
from a file alone, with no database: the same pure `tally` code a voting round uses, so an official
Pabulib outcome doubles as a regression check. ``pb import`` / ``pb export`` need the database,
so they live in `pb_db_cli` and register next to it here.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from portal.voting import pb_db_cli, tally
from portal.voting.pabulib import PabulibError, parse_pabulib

EXIT_USAGE = 2


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``pb`` and its sub-commands on the top-level CLI parser."""
    pb = subparsers.add_parser("pb", help="Pabulib files: tally, import, export")
    commands = pb.add_subparsers(dest="pb_command", required=True)
    cmd = commands.add_parser("tally", help="tally a .pb file and print the funded project ids")
    cmd.add_argument("file", type=Path, help="a Pabulib .pb file")
    cmd.add_argument(
        "--rule",
        help=f"one of: {', '.join(tally.RULES)} (default: the file's META rule)",
    )
    cmd.add_argument(
        "--tie-break",
        choices=[t.value for t in tally.TieBreak],
        help="how equal scores are ordered (default: the rule's own default)",
    )
    cmd.add_argument(
        "--reserve-pct",
        type=int,
        default=tally.RESERVE_PCT,
        help="greedy-custom: the %% of the stopping project's cost that must be left for the "
        "city reserve to fund it (default: %(default)s, Poznań's rule)",
    )
    cmd.add_argument(
        "--json",
        action="store_true",
        help='print {"selected": [...], "rule": R}, plus "reserve": id when the reserve funded one',
    )
    cmd.set_defaults(handler=run_tally)
    pb_db_cli.add_db_commands(commands)  # import / export need the database


def _fail(message: str) -> int:
    print(f"pb tally: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_tally(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.file}: {exc}")
    try:
        parsed = parse_pabulib(text)
    except PabulibError as exc:
        return _fail(f"{args.file} is not a usable Pabulib file: {exc}")
    name = args.rule or parsed.rule
    rule = tally.RULES.get(name or "")
    if rule is None:
        return _fail(f"unknown rule {name!r}; known rules: {', '.join(tally.RULES)}")
    try:
        election = replace(parsed.election, reserve_pct=args.reserve_pct)
        if args.tie_break:
            result = rule(election, tie_break=tally.TieBreak(args.tie_break))
        else:
            result = rule(election)
    except ValueError as exc:  # e.g. phragmen asked to tally cumulative ballots
        return _fail(str(exc))
    if args.json:
        out: dict[str, object] = {"selected": list(result.selected), "rule": name}
        if result.reserve_project is not None:
            out["reserve"] = result.reserve_project
        print(json.dumps(out))
    else:
        print("\n".join(result.selected))
    return 0
