"""PURE: how far every voter's share can grow before a Method-of-Equal-Shares outcome changes.

Add1 completion (pabutools' ``voter_budget_increment=1``, equalshares.net's Add1) re-runs MES
with every share one currency unit higher until the outcome is exhaustive. With rupiah budgets
a share is millions of units, so the plain loop needs millions of runs. But the outcome is
piecewise constant in the extra amount ``t`` per voter: replaying one run with every budget
written as an affine function ``a + c*t`` (exact integers over shared denominators) gives,
round by round, the prices ``rho(t) = rho0 + rho1*t`` and the inequalities that made each
decision: who pays in full and who pays all they have for the project bought (its price must
follow its formula, since it sets everyone's budgets for the next round), that every other
project stays dearer, and which ones nobody can afford. For the other projects the formula of
their current payers is enough: a project's price is the largest such formula over all sets
of full payers, so that formula stays a lower bound after its payers change; a project whose
simpler bound, cost over the utility of supporters with money left, already lies above the
winner's falling price needs no formula at all (most of them, most rounds). The smallest
``t`` at which an inequality could flip bounds an interval ``[0, d)`` on which MES buys the
same projects in the same order, so every integer step inside it gives the same outcome and
can be skipped without changing the result. The bound is conservative: when a decision sits
exactly on a boundary it answers 0 and the caller takes a single +1 step.

Indices and layouts are those of `portal.voting.tally` (projects by index, ballot groups with
weights, per-project utility levels ``values[j][k]`` held by the groups ``members[j][k]``); budget
classes are counted and moved by `portal.voting.budget_classes`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from itertools import repeat

import numpy as np

import portal.voting.budget_classes as classes


class _Unstable(Exception):
    """A decision sits on a boundary: no positive interval is certain."""


class _Span:
    """The smallest ``d = x / -y`` over the conditions ``f0 + f1*t >= 0`` kept so far.

    Conditions arrive as integers ``x, y`` with the signs of ``f0, f1`` and ``x / -y = f0 / -f1``
    (see `stable_span`), so the replay compares integers and builds one Fraction at the end."""

    def __init__(self, at_least: Fraction) -> None:
        self.num: int | None = None  # the bound so far is num / den; None: no limit found yet
        self.den = 1
        # A bound below this is not worth finishing the replay for.
        self.least_num, self.least_den = at_least.numerator, at_least.denominator

    def keep(self, x: int, y: int) -> None:
        """Require f0 + f1*t >= 0 on [0, d); f0 >= 0 holds at t = 0 by construction."""
        if x < 0:
            raise _Unstable
        if y >= 0:
            return
        y = -y
        if x == 0 or x * self.least_den < self.least_num * y:
            raise _Unstable
        if self.num is None or x * self.den < self.num * y:
            self.num, self.den = x, y

    def bound(self) -> Fraction | None:
        return None if self.num is None else Fraction(self.num, self.den)


def stable_span(
    *,
    costs: Sequence[int],
    values: Sequence[Sequence[int]],
    members: Sequence[Sequence[np.ndarray]],
    weights: Sequence[Sequence[np.ndarray]],
    groups: int,
    rank: Sequence[int],
    per_voter: Fraction,
    candidates: Sequence[int],
    funded: Sequence[int],
    at_least: Fraction = Fraction(0),
) -> Fraction | None:
    """``d`` such that MES with shares ``per_voter + t``, ``0 <= t < d``, funds ``funded`` in
    that order (``None``: no limit was found). ``candidates`` are the projects MES considers
    (supported, not free); ``funded`` is the order the run at ``per_voter`` bought them in.
    ``members[j][k]`` holds the ballot groups with utility ``values[j][k]`` for project j and
    ``weights[j][k]`` their weights (as `budget_classes` wants them); ``groups`` is the number
    of ballot groups.
    As soon as the bound drops below ``at_least`` the replay stops and answers 0: the caller
    would not skip that little anyway, and most of the cost is in finishing the replay.

    Budgets ``a + c*t`` are integer numerators over two shared denominators (``da`` for the
    constant parts, ``dc`` for the slopes), widened when a price needs it, as in the tally's MES
    run: exact, without a Fraction per voter class and condition."""
    span = _Span(Fraction(at_least))
    cls = np.ones(groups, dtype=np.intp)  # ballot group -> class; everyone starts in class 1
    share = Fraction(per_voter)
    a, da = [0, share.numerator], share.denominator
    c, dc = [0, 1], 1

    def supporters(j: int) -> list[tuple[int, int, int]]:
        """(class, utility level, voters) of j's supporters who have something left."""
        entries: list[tuple[int, int, int]] = []
        for k, counted in enumerate(map(classes.counts, repeat(cls), members[j], weights[j])):
            entries.extend((cl, k, w) for cl, w in counted.items())
        return entries

    def price(j: int, entries: list[tuple[int, int, int]]) -> tuple[int, int, int, int] | None:
        """j's price ``rho0 + rho1*t`` as ``(short, slope, rest, split)``: ``rho0 = short /
        (da*rest)`` and ``rho1 = slope / (dc*rest)``; ``entries[:split]`` pay all they have.
        None (after keeping the condition that it stays so) when nobody can afford j."""
        vals = values[j]
        need = costs[j] * da
        sa = sum(a[cl] * w for cl, _k, w in entries)
        if sa < need:
            # Nobody can afford it now; it stays so while cost - S(t) > 0, i.e.
            # (need - sa)/da - t * sc/dc > 0.
            span.keep((need - sa) * dc, -sum(c[cl] * w for cl, _k, w in entries) * da)
            return None
        lcm = math.lcm(*vals)
        entries.sort(key=lambda e: a[e[0]] * (lcm // vals[e[1]]))  # budget per unit of utility
        total = sum(vals[k] * w for _cl, k, w in entries)
        paid, used, split = 0, 0, len(entries)
        for n, (cl, k, w) in enumerate(entries):
            u = vals[k]
            if a[cl] * (total - used) >= (need - paid) * u:
                split = n
                break
            paid += a[cl] * w
            used += u * w
        slope = -sum(c[cl] * w for cl, _k, w in entries[:split])
        return need - paid, slope, total - used, split

    def never_cheaper(j: int, entries: list[tuple[int, int, int]], w0: Fraction, w1: Fraction) -> bool:
        """Whether j's price stays above the winner's for every t >= 0, known without pricing j.

        Supporters pay at most ``rho * u`` each, so ``rho >= cost / U`` where U is the utility
        of those with money left; nobody gains money as t grows within the span (the gone stay
        gone), so the bound holds throughout. If the winner's price does not rise with t, a
        bound above its price now keeps j dearer on the whole span."""
        if w1 > 0:
            return False
        vals = values[j]
        held = sum(vals[k] * w for _cl, k, w in entries)
        return held > 0 and w0 * held < costs[j]

    def keep_payers(j: int, rho0: Fraction, rho1: Fraction, entries: list[tuple[int, int, int]], split: int) -> None:
        """Who pays all they have and who pays rho*u stays so: then rho0 + rho1*t is j's price."""
        vals = values[j]
        # rho*u - budget: numerators over da * rho's denominators (constant), dc * ... (slope)
        r0n, r0d, r1n, r1d = rho0.numerator, rho0.denominator, rho1.numerator, rho1.denominator
        for n, (cl, k, _w) in enumerate(entries):
            u = vals[k]
            x = (r0n * u * da - a[cl] * r0d) * r1d * dc
            y = (r1n * u * dc - c[cl] * r1d) * r0d * da
            if n < split:  # pays all it has: needs budget <= rho * u
                span.keep(x, y)
            else:  # pays rho * u: needs budget >= rho * u
                span.keep(-x, -y)

    live = set(candidates)
    try:
        for winner in funded:
            if winner not in live:
                raise _Unstable
            w_entries = supporters(winner)
            got = price(winner, w_entries)
            if got is None:
                raise _Unstable
            w_short, w_slope, w_rest, split = got
            w0, w1 = Fraction(w_short, da * w_rest), Fraction(w_slope, dc * w_rest)
            # The winner's price must follow its formula exactly (it sets everyone's budgets
            # for the next round). Any other project's formula is only a lower bound on its
            # price once its payers change (the price is the largest such formula over the
            # sets of full payers), and a lower bound that stays above the winner's is enough.
            keep_payers(winner, w0, w1, w_entries, split)
            for j in sorted(live):
                if j == winner:
                    continue
                entries = supporters(j)
                if never_cheaper(j, entries, w0, w1):
                    continue
                got = price(j, entries)
                if got is None:
                    live.discard(j)
                    continue
                short, slope, rest = got[:3]
                # rho_j - rho_w = x0 / (da*rest*w_rest) + t * x1 / (dc*rest*w_rest)
                x0 = short * w_rest - w_short * rest
                x1 = slope * w_rest - w_slope * rest
                if x0 < 0 or (x0 == 0 and rank[j] < rank[winner]):
                    raise _Unstable  # the replay disagrees with the run: trust neither
                if x0 == 0 and x1 < 0:
                    raise _Unstable  # tied now, cheaper for any t > 0
                span.keep(x0 * dc, x1 * da)
            # Widen the denominators so that rho0*u and rho1*u are integer numerators.
            alive = classes.present(cls)
            new_da = da * w0.denominator // math.gcd(da, w0.denominator)
            new_dc = dc * w1.denominator // math.gcd(dc, w1.denominator)
            for cl in alive:
                a[cl] *= new_da // da
                c[cl] *= new_dc // dc
            da, dc = new_da, new_dc
            unit0, unit1 = w0.numerator * (da // w0.denominator), w1.numerator * (dc // w1.denominator)
            moves: dict[tuple[int, int], int] = {}
            for n, (cl, k, _w) in enumerate(w_entries):
                u = values[winner][k]
                left0, left1 = a[cl] - unit0 * u, c[cl] - unit1 * u
                if n < split or left0 == 0:
                    if n >= split and left1 != 0:
                        raise _Unstable  # exactly exhausted at t = 0 only
                    moves[cl, k] = classes.EXHAUSTED
                else:
                    moves[cl, k] = len(a)
                    a.append(left0)
                    c.append(left1)
            for k, listed in enumerate(members[winner]):
                classes.move(cls, listed, len(a), lambda cl, k=k: moves.get((cl, k), classes.EXHAUSTED))
            live.discard(winner)
        for j in sorted(live):  # the run ended with every other project unaffordable
            if price(j, supporters(j)) is not None:
                raise _Unstable
    except _Unstable:
        return Fraction(0)
    return span.bound()
