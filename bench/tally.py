"""Benchmark: Warga's tally vs pabutools 1.2.3 on the shared Pabulib instances (not a test).

    python bench/tally.py [--only SUBSTRING] [--pabutools-limit 60]

For each file and rule it times our rule call and pabutools' call for the same rule in the same
process, and prints the ratio (a call under 0.05 s is timed as the best of 7 on both sides).
Times are CPU seconds (`time.process_time`, summed over threads), which stay comparable when
other jobs share the machine, and the ratio compares those. Our wall time is printed beside
it: Add1's compiled runs use every core, so on a large election it is lower than the CPU time.
Like ``shared/pb/RULES.md``, rule times exclude parsing (both parse times are printed per
file) and pabutools' include its satisfaction-profile build.
pabutools is skipped where ``expected.json`` recorded more than ``--pabutools-limit`` seconds
(or a timeout); the recorded figure is then printed, marked "rec". Add1 is timed on every
approval file, also where pabutools never finished it (Warsaw 2024).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.voting import mes_intervals, tally  # noqa: E402
from portal.voting.pabulib import parse_pabulib  # noqa: E402

SHARED = ROOT.parent / "shared" / "pb"
QUICK = 0.05  # seconds: calls faster than this are timed as the best of REPEATS
REPEATS = 7

# Warga rule -> expected.json key, per vote type (the keys pb_expected.py also compares).
KEYS = {
    "approval": {
        "greedy": "greedy_cost_sat",
        "equalshares": "mes_cost",
        "equalshares/greedy": "mes_cost_greedy",
        "phragmen": "seq_phragmen",
        "equalshares/add1": "mes_cost_add1",
    },
    "cumulative": {
        "greedy": "greedy_points",
        "equalshares": "mes_cardinal",
        "equalshares/greedy": "mes_cardinal_greedy",
    },
    "ordinal": {"greedy": "greedy_points", "equalshares": "mes_points"},
}
KEYS["choose-1"] = KEYS["approval"]


def _pabutools_calls(path: Path, vote_type: str) -> tuple[float, dict[str, Callable[[], Any]]]:
    from pabutools.election import (  # type: ignore[import-untyped]
        Additive_Cardinal_Sat,
        Cost_Sat,
        parse_pabulib as pabu_parse,
    )
    from pabutools.election.satisfaction import (  # type: ignore[import-untyped]
        AdditiveSatisfaction,
    )
    from pabutools.rules import (  # type: ignore[import-untyped]
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
        sequential_phragmen,
    )

    start = time.process_time()
    inst, prof = pabu_parse(str(path))
    parse_s = time.process_time() - start
    length = int(inst.meta.get("max_length") or max((len(b) for b in prof), default=0))

    def points(_i: Any, _p: Any, ballot: Any, project: Any, _pre: Any) -> Any:
        if vote_type == "cumulative":
            return ballot.get(project, 0)
        return length - ballot.position(project) if project in ballot else 0

    class Points(AdditiveSatisfaction):  # type: ignore[misc]
        def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
            super().__init__(instance, profile, ballot, points)

    class PointsTimesCost(AdditiveSatisfaction):  # type: ignore[misc]
        def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
            super().__init__(
                instance, profile, ballot, lambda *a: points(*a) * a[3].cost
            )

    approval = vote_type in ("approval", "choose-1")
    greedy_sat = Cost_Sat if approval else PointsTimesCost
    mes_sat = Cost_Sat if approval else Points
    if vote_type == "cumulative":
        mes_sat = Additive_Cardinal_Sat
    calls: dict[str, Callable[[], Any]] = {
        "greedy": lambda: greedy_utilitarian_welfare(inst, prof, sat_class=greedy_sat),
        "equalshares": lambda: method_of_equal_shares(inst, prof, sat_class=mes_sat),
        "equalshares/greedy": lambda: completion_by_rule_combination(
            inst,
            prof,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": mes_sat}, {"sat_class": greedy_sat}],
        ),
        "phragmen": lambda: sequential_phragmen(inst, prof),
        "equalshares/add1": lambda: method_of_equal_shares(
            inst, prof, sat_class=Cost_Sat, voter_budget_increment=1
        ),
    }
    return parse_s, calls


def timed(call: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, CPU seconds, wall seconds) of ``call``: the fastest of a few repetitions when
    one takes under QUICK seconds (as timeit does: a millisecond call is otherwise mostly
    the noise of the moment it ran in), applied alike to both sides."""
    best_cpu = best_wall = float("inf")
    result: Any = None
    for _ in range(REPEATS):
        gc.collect()  # the garbage of earlier calls is not this call's to collect
        cpu, wall = time.process_time(), time.perf_counter()
        result = call()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
        if cpu >= QUICK:
            break
    return result, best_cpu, best_wall


def rupiah_add1(voters: int = 300) -> None:
    """Add1 on a rupiah-scale budget (a synthetic city ballot): shares of Rp 10 million would
    take the one-unit loop millions of MES runs; skipped steps make it a few dozen MES runs and
    a few hundred replays (`mes_stability`)."""
    import random

    rng = random.Random(1)
    projects = tuple(tally.Project(str(i), rng.randrange(50, 1000) * 1_000_000) for i in range(20))
    ballots = tuple(
        tuple(sorted(rng.sample([p.id for p in projects], rng.randint(1, 5)))) for _ in range(voters)
    )
    election = tally.Election(budget=3_000_000_000, projects=projects, ballots=ballots)
    for rule in ("equalshares/add1", "equalshares/add1-comparison"):
        start = time.process_time()
        result = tally.RULES[rule](election)
        print(f"rupiah add1 ({voters} voters, Rp 3,000,000,000, 20 projects) {rule}: "
              f"{time.process_time() - start:.2f} s, {len(result.selected)} funded")


def warm_up() -> None:
    """Load the compiled MES run that Add1 tries first (`mes_intervals`: numba's import and its
    on-disk cache, or the compilation itself on the first run after an install), so that no
    timed line pays this once-per-process cost; it is printed instead. One Add1 tally of a
    two-voter election then runs the Add1 code once, as pabutools' Add1 reuses the MES code
    its plain MES line has already run."""
    start = time.perf_counter()
    mes_intervals.load()
    print(f"compiled MES run ready in {time.perf_counter() - start:.2f} s (once per process)")
    election = tally.Election(budget=10, projects=(tally.Project("a", 4), tally.Project("b", 6)),
                              ballots=(("a",), ("a", "b")))
    tally.RULES["equalshares/add1"](election)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", default="")
    ap.add_argument("--pabutools-limit", type=float, default=60.0)
    ap.add_argument("--rupiah-voters", default="300,3000,10000",
                    help="voter counts of the rupiah Add1 lines, comma-separated; 0 skips them")
    args = ap.parse_args()
    warm_up()
    for voters in (int(v) for v in args.rupiah_voters.split(",") if int(v) > 0):
        rupiah_add1(voters)
    expected = json.loads((SHARED / "expected.json").read_text())
    files = sorted(
        (p for p in SHARED.glob("*.pb") if args.only in p.name), key=lambda p: p.stat().st_size
    )
    print(f"{'file / rule':<52}{'ours s':>9}{'wall s':>9}{'pabutools s':>16}{'ratio':>9}  same")
    for path in files:
        info = expected.get(path.name, {})
        start = time.process_time()
        parsed = parse_pabulib(path.read_text(encoding="utf-8-sig"))
        ours_parse = time.process_time() - start
        vote_type = parsed.election.vote_type.value
        wanted = KEYS[vote_type]
        runnable = dict(wanted)
        slow = {
            rule
            for rule, key in runnable.items()
            if (info.get(key, {}).get("seconds") or 1e9) > args.pabutools_limit
        }
        pabu_parse_s, calls = (0.0, {})
        if set(runnable) - slow:
            pabu_parse_s, calls = _pabutools_calls(path, vote_type)
        # Both parsed elections are long-lived: keep the cycle collector from re-walking them
        # inside either side's timed call.
        gc.collect()
        gc.freeze()
        voters = len(parsed.election.ballots)
        print(f"{path.name} ({vote_type}, {voters} voters): parse ours {ours_parse:.2f} s, "
              f"pabutools {pabu_parse_s:.2f} s" + (" (not parsed)" if not calls else ""))
        for rule, key in runnable.items():
            result, ours, wall = timed(lambda rule=rule: tally.RULES[rule](parsed.election))
            record = info.get(key, {})
            if rule in slow:
                theirs = record.get("seconds")
                shown = f"{theirs:.2f} rec" if theirs is not None else "timeout rec"
                same = sorted(result.selected) == record.get("selected")
            else:
                alloc, theirs, _ = timed(calls[rule])
                shown = f"{theirs:.3f}"
                same = sorted(result.selected) == sorted(p.name for p in alloc)
            ratio = f"{theirs / ours:.0f}x" if theirs is not None and ours > 0 else "-"
            unknown = record.get("selected") is None and rule in slow
            mark = "yes" if same else ("n/a" if unknown else "NO")
            print(f"  {rule:<50}{ours:>9.3f}{wall:>9.3f}{shown:>16}{ratio:>9}  {mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
