"""Small builders shared by the pure tally tests (no database): elections from id strings and
the `pb tally` command run in-process."""

from __future__ import annotations

import argparse
from fractions import Fraction

from portal.voting import pb_cli, tally


def election(costs: dict[str, int], ballots: list[str], budget: int | Fraction, **extra: object) -> tally.Election:
    """`ballots` are space-separated ids ("a b"); an empty string is an empty ballot."""
    return tally.Election(
        budget=budget,
        projects=tuple(tally.Project(i, c) for i, c in costs.items()),
        ballots=tuple(tuple(b.split()) for b in ballots),
        **extra,  # type: ignore[arg-type]
    )


def tally_cli(*argv: str) -> int:
    """`python -m portal pb tally ARGV` without a subprocess; returns its exit status."""
    parser = argparse.ArgumentParser()
    pb_cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["pb", "tally", *argv])
    result: int = args.handler(args)
    return result
