"""Tallying one ballot under its cycle's rule and the rules compared with it, off the event loop.

The results page shows the winners under a few standard rules side by side ("winners under
each rule"), so residents can see what the cycle's choice of rule changed: `compared_rules`
says which. Phragmén is defined for approval ballots only, so cumulative and ranked cycles
compare the other rules.

The tally job runs inside the web process by default (WARGA_JOBS_IN_PROCESS), so no rule is
computed on the event loop. The cycle's own rule runs in a worker thread and always completes.
The compared rules run in a child process that is stopped after `COMPARISON_SECONDS`: Add1
(`equalshares/add1`) re-runs MES for every share it cannot skip (`mes_stability`). That takes
seconds on a rupiah ballot of 10,000 voters, but nothing bounds it in general, and a comparison
row is not worth a long wait. A rule not computed in time is left out of the comparison and reported in
`ScopeTally.not_computed` (the tally's audit row names it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from portal.voting import tally
from portal.voting.ballot_rules import BallotKind

log = logging.getLogger("portal.voting.comparison")

# Display order on the results page; the slow one last, so that a time-out loses only it.
COMPARED_RULES = ("greedy", "equalshares", "equalshares/greedy", "phragmen", "equalshares/add1")
APPROVAL_ONLY_RULES = frozenset({"phragmen"})
APPROVAL_KINDS = frozenset({BallotKind.KNAPSACK.value, BallotKind.K_APPROVAL.value})
COMPARISON_SECONDS = 30.0  # per ballot (scope) and tally
ROOT = Path(__file__).resolve().parents[2]
_FRAME = struct.Struct("!Q")  # length prefix of each pickled message on the child's pipes


def compared_rules(ballot_kind: str, own_rule: str) -> tuple[str, ...]:
    """The rules tallied for a cycle: its own rule first, then each compared rule its ballot
    type allows (Phragmén only for approval ballots)."""
    allowed = tuple(r for r in COMPARED_RULES if ballot_kind in APPROVAL_KINDS or r not in APPROVAL_ONLY_RULES)
    return tuple(dict.fromkeys((own_rule, *allowed)))


@dataclass(frozen=True)
class ScopeTally:
    own: tally.TallyResult | None  # None: the cycle's rule does not apply to these ballots
    compared: tuple[tally.TallyResult, ...]  # in `compared_rules` order, the own rule excluded
    not_computed: tuple[str, ...]  # compared rules stopped at the time limit (or lost with the child)


def _apply(name: str, election: tally.Election, tie_break: str) -> tally.TallyResult | None:
    """One rule's outcome; None when the rule is not defined for these ballots."""
    rule = tally.RULES[name]
    try:
        return rule(election, tie_break=tally.TieBreak(tie_break)) if tie_break else rule(election)
    except ValueError:  # e.g. Phragmén on cumulative ballots
        return None


async def tally_scope(
    election: tally.Election, rules: Sequence[str], *, tie_break: str = "", limit: float | None = None
) -> ScopeTally:
    """`rules[0]` (the cycle's rule) in a thread; the others in a child process, within `limit`
    seconds (default `COMPARISON_SECONDS`)."""
    own_name, others = rules[0], tuple(rules[1:])
    seconds = COMPARISON_SECONDS if limit is None else limit
    child = asyncio.ensure_future(_in_child(election, others, tie_break, seconds)) if others else None
    try:
        own = await asyncio.to_thread(_apply, own_name, election, tie_break)
    except BaseException:
        if child is not None:  # stop the child too (its clean-up kills the process)
            child.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await child
        raise
    done = await child if child is not None else {}
    return ScopeTally(
        own=own,
        compared=tuple(r for name in others if (r := done.get(name)) is not None),
        not_computed=tuple(name for name in others if name not in done),
    )


async def _in_child(
    election: tally.Election, names: tuple[str, ...], tie_break: str, limit: float
) -> dict[str, tally.TallyResult | None]:
    """Run `names` one by one in `python -m portal.voting.comparison`; collect each outcome as it
    arrives and stop the child at the deadline. Missing names were not computed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "portal.voting.comparison", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, env=env, cwd=ROOT)
    assert process.stdin is not None and process.stdout is not None  # noqa: S101 (PIPEs asked for)
    payload = pickle.dumps((election, names, tie_break))
    results: dict[str, tally.TallyResult | None] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    try:
        process.stdin.write(_FRAME.pack(len(payload)) + payload)
        await asyncio.wait_for(process.stdin.drain(), limit)  # the child reads all input first
        process.stdin.close()
        while len(results) < len(names):
            head = await asyncio.wait_for(process.stdout.readexactly(_FRAME.size), deadline - loop.time())
            body = await asyncio.wait_for(process.stdout.readexactly(_FRAME.unpack(head)[0]),
                                          deadline - loop.time())
            name, result = pickle.loads(body)  # noqa: S301 (our own child's output)
            results[name] = result
    except TimeoutError:
        log.warning("compared rules not computed within %.0f s: %s", limit,
                    [n for n in names if n not in results])
    except (asyncio.IncompleteReadError, ConnectionError):
        log.warning("the comparison process ended early (exit %s)", await process.wait())
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await process.wait()
    return results


def _child(source: BinaryIO, sink: BinaryIO) -> None:
    """The child's side: read (election, names, tie-break); write (name, result) per rule."""
    (size,) = _FRAME.unpack(source.read(_FRAME.size))
    election, names, tie_break = pickle.loads(source.read(size))  # noqa: S301 (our parent's input)
    for name in names:
        body = pickle.dumps((name, _apply(name, election, tie_break)))
        sink.write(_FRAME.pack(len(body)) + body)
        sink.flush()


if __name__ == "__main__":
    _child(sys.stdin.buffer, sys.stdout.buffer)
