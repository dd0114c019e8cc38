"""PURE: how far every voter's share can grow before a Method-of-Equal-Shares outcome changes.

Add1 completion (pabutools' ``voter_budget_increment=1``, equalshares.net's Add1) re-runs MES
with every share one currency unit higher until the outcome is exhaustive. With rupiah budgets
a share is millions of units, so the plain loop needs millions of runs. But the outcome is
piecewise constant in the extra amount ``t`` per voter: replaying one run with every budget
written as an affine function ``a + c*t`` (exact Fractions) gives, round by round, the prices
``rho(t) = rho0 + rho1*t`` and the inequalities that made each decision (who pays in full,
who pays all they have, which project is cheapest per unit of utility, which ones nobody can
afford). The smallest ``t`` at which one of them could flip bounds an interval ``[0, d)`` on
which MES makes the same decisions, so every integer step inside it gives the same outcome
and can be skipped without changing the result. The bound is conservative: when a decision
sits exactly on a boundary it answers 0 and the caller takes a single +1 step.

Stdlib only; indices and layouts are those of `portal.voting.tally` (projects by index,
ballot groups with weights, per-project utility levels ``values[j][k]`` held by ``members[j][k]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

_GONE = -1  # the class of voters with nothing left


class _Unstable(Exception):
    """A decision sits on a boundary: no positive interval is certain."""


class _Span:
    def __init__(self, at_least: Fraction) -> None:
        self.bound: Fraction | None = None  # None: no limit found yet
        self.at_least = at_least  # a bound below this is not worth finishing the replay for

    def keep(self, f0: Fraction, f1: Fraction) -> None:
        """Require f0 + f1*t >= 0 on [0, d); f0 >= 0 holds at t = 0 by construction."""
        if f0 < 0:
            raise _Unstable
        if f1 >= 0:
            return
        d = f0 / -f1
        if d == 0 or d < self.at_least:
            raise _Unstable
        if self.bound is None or d < self.bound:
            self.bound = d


def stable_span(
    *,
    costs: Sequence[int],
    values: Sequence[Sequence[int]],
    members: Sequence[Sequence[Sequence[int]]],
    weights: Sequence[int],
    rank: Sequence[int],
    per_voter: Fraction,
    candidates: Sequence[int],
    funded: Sequence[int],
    at_least: Fraction = Fraction(0),
) -> Fraction | None:
    """``d`` such that MES with shares ``per_voter + t``, ``0 <= t < d``, funds ``funded`` in
    that order (``None``: no limit was found). ``candidates`` are the projects MES considers
    (supported, not free); ``funded`` is the order the run at ``per_voter`` bought them in.
    As soon as the bound drops below ``at_least`` the replay stops and answers 0: the caller
    would not skip that little anyway, and most of the cost is in finishing the replay."""
    span = _Span(Fraction(at_least))
    cls = [0] * len(weights)
    a: list[Fraction] = [Fraction(per_voter)]
    c: list[Fraction] = [Fraction(1)]

    def price(j: int) -> tuple[Fraction, Fraction, list[tuple[int, int, int]], int] | None:
        agg: dict[tuple[int, int], int] = {}
        for k, groups in enumerate(members[j]):
            for g in groups:
                cl = cls[g]
                if cl != _GONE:
                    agg[cl, k] = agg.get((cl, k), 0) + weights[g]
        need = costs[j]
        s0 = sum((a[cl] * w for (cl, _k), w in agg.items()), Fraction(0))
        s1 = sum((c[cl] * w for (cl, _k), w in agg.items()), Fraction(0))
        if s0 < need:  # nobody can afford it now: it stays so while cost - S(t) > 0
            span.keep(need - s0, -s1)
            return None
        entries = sorted(((cl, k, w) for (cl, k), w in agg.items()), key=lambda e: a[e[0]] / values[j][e[1]])
        total = sum(values[j][k] * w for _cl, k, w in entries)
        paid, used, split = Fraction(0), 0, len(entries)
        for n, (cl, k, w) in enumerate(entries):
            u = values[j][k]
            if a[cl] * (total - used) >= (need - paid) * u:
                split = n
                break
            paid += a[cl] * w
            used += u * w
        rest = total - used
        rho0 = (need - paid) / rest
        rho1 = -sum((c[cl] * w for cl, _k, w in entries[:split]), Fraction(0)) / rest
        for n, (cl, k, _w) in enumerate(entries):
            u = values[j][k]
            if n < split:  # pays all it has: needs budget <= rho * u
                span.keep(rho0 * u - a[cl], rho1 * u - c[cl])
            else:  # pays rho * u: needs budget >= rho * u
                span.keep(a[cl] - rho0 * u, c[cl] - rho1 * u)
        return rho0, rho1, entries, split

    live = set(candidates)
    try:
        for winner in funded:
            prices = {}
            for j in sorted(live):
                got = price(j)
                if got is None:
                    live.discard(j)
                else:
                    prices[j] = got
            if winner not in prices:
                raise _Unstable
            w0, w1, entries, split = prices[winner]
            for j, (r0, r1, _e, _s) in prices.items():
                if j == winner:
                    continue
                if r0 < w0 or (r0 == w0 and rank[j] < rank[winner]):
                    raise _Unstable  # the replay disagrees with the run: trust neither
                if r0 == w0 and r1 < w1:
                    raise _Unstable  # tied now, cheaper for any t > 0
                span.keep(r0 - w0, r1 - w1)
            moves: dict[tuple[int, int], int] = {}
            for n, (cl, k, _w) in enumerate(entries):
                u = values[winner][k]
                left0, left1 = a[cl] - w0 * u, c[cl] - w1 * u
                if n < split or left0 == 0:
                    if n >= split and left1 != 0:
                        raise _Unstable  # exactly exhausted at t = 0 only
                    moves[cl, k] = _GONE
                else:
                    moves[cl, k] = len(a)
                    a.append(left0)
                    c.append(left1)
            for k, groups in enumerate(members[winner]):
                for g in groups:
                    if cls[g] != _GONE:
                        cls[g] = moves[cls[g], k]
            live.discard(winner)
        for j in sorted(live):  # the run ended with every other project unaffordable
            if price(j) is not None:
                raise _Unstable
    except _Unstable:
        return Fraction(0)
    return span.bound
