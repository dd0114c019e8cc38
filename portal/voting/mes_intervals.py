"""PURE: a compiled Method-of-Equal-Shares run in float intervals that is sure or abstains.

Add1 completion runs MES once per step of the voters' share, and an exact run in Python
(`portal.voting.tally`) costs about a millisecond even on a small election. This run takes the
same rounds with every budget held as a float interval ``[lo, hi]`` that surely contains the
exact budget, and every price as an interval computed from those ends (a price only falls as
budgets grow, so the high budgets give the low end). A decision is taken only when the
intervals settle it: the winner's highest possible price below every other project's lowest,
a project's supporters surely able, or surely unable, to pay for it. Otherwise the run abstains
and the caller runs the exact MES: exact ties (where the tie-break decides) and near-ties always
go there, so whenever this run answers, its funded order is the exact run's.

Approval ballots with cost utilities only (a supporter values a project at its cost), which is
what Add1 completion uses; the intervals are widened after every float operation by far more
than its rounding error (a few units in the last place per term summed).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import accumulate

import numpy as np
from numba import njit

EXACT_FLOAT = 2**53  # integers below this are exact as floats
SLACK = 2.0**-48  # relative widening per float term: 32 times the rounding error of one


@njit(cache=True)
def _touch(first, last, groups, cls, weight, count, touched):  # pragma: no cover - compiled
    """Count the voters of ``groups[first:last]`` per budget class (the exhausted left out)."""
    m = 0
    for n in range(first, last):
        g = groups[n]
        c = cls[g]
        if c == 0:
            continue
        if count[c] == 0.0:
            touched[m] = c
            m += 1
        count[c] += weight[g]
    return m


@njit(cache=True)
def _cap(budget, count, touched, m, cost, poor):  # pragma: no cover - compiled
    """The payment cap p at which supporters, each paying min(budget, p), raise ``cost``;
    -1.0 when the float arithmetic does not reach it (the caller then abstains).

    Water-filling: share the cost equally, let those who cannot pay their share pay all they
    have, share the rest among the others, until nobody new falls short. The cap only rises,
    so it ends within as many passes as there are classes (two or three in practice)."""
    for n in range(m):
        poor[n] = False
    paid = 0.0
    left = 0.0
    for n in range(m):
        left += count[touched[n]]
    while left > 0.0:
        p = (cost - paid) / left
        fell = False
        for n in range(m):
            c = touched[n]
            if not poor[n] and budget[c] < p:
                poor[n] = True
                fell = True
                paid += budget[c] * count[c]
                left -= count[c]
        if not fell:
            return p
    return -1.0


@njit(cache=True)
def _price(j, ptr, groups, cls, weight, cost, lo, hi, count, touched, poor):  # pragma: no cover
    """(status, cap low, cap high, supporters with money, surely all pay the cap) for project
    j; status 0 priced, 1 surely unaffordable, 2 unsure."""
    m = _touch(ptr[j], ptr[j + 1], groups, cls, weight, count, touched)
    c_j = cost[j]
    tol = (m + 8) * SLACK
    most = 0.0
    least = 0.0
    left = 0.0
    poorest = np.inf
    for n in range(m):
        c = touched[n]
        most += hi[c] * count[c]
        least += lo[c] * count[c]
        left += count[c]
        poorest = min(poorest, lo[c])
    status = 0
    p_low = 0.0
    p_high = 0.0
    if most * (1.0 + tol) < c_j:
        status = 1
    elif least * (1.0 - tol) < c_j:
        status = 2
    else:
        p_low = _cap(hi, count, touched, m, c_j, poor)
        p_high = _cap(lo, count, touched, m, c_j, poor)
        if p_low < 0.0 or p_high < 0.0:
            status = 2
        else:
            p_low -= tol * (c_j + p_low)
            p_high += tol * (c_j + p_high)
    for n in range(m):
        count[touched[n]] = 0.0
    # When even the poorest can surely pay an equal share, the exact price is 1 / left (in
    # rho per unit of utility, the utility being the cost): ties are then exact and decidable.
    rich = status == 0 and poorest * left >= c_j * (1.0 + tol)
    return status, p_low, p_high, left, rich


@njit(cache=True)
def _compact(cls, lo, hi, n_cls):  # pragma: no cover - compiled
    """Renumber the classes someone is still in as 1, 2, ...; returns the new class count."""
    new = np.empty(n_cls, np.int64)
    for c in range(n_cls):
        new[c] = -1
    for g in range(len(cls)):
        new[cls[g]] = 0
    nxt = 1
    for c in range(1, n_cls):  # ascending, so a class never moves up over an unread one
        if new[c] == 0:
            new[c] = nxt
            lo[nxt] = lo[c]
            hi[nxt] = hi[c]
            nxt += 1
    new[0] = 0
    for g in range(len(cls)):
        cls[g] = new[cls[g]]
    return nxt


@njit(cache=True)
def _run(ptr, groups, weight, cost, rank, live, first_rho, share_lo, share_hi,
         funded):  # pragma: no cover - compiled
    """Fill ``funded`` with the projects bought, in order; their number, or -1 (unsure)."""
    n_groups = len(weight)
    n_proj = len(cost)
    cls = np.ones(n_groups, np.int64)
    room = 2 * n_groups + 4
    lo = np.zeros(room)
    hi = np.zeros(room)
    lo[1] = share_lo
    hi[1] = share_hi
    n_cls = 2
    count = np.zeros(room)
    touched = np.zeros(room, np.int64)
    remap = np.zeros(room, np.int64)
    poor = np.zeros(room, np.bool_)
    visited = np.zeros(n_proj, np.bool_)
    seen = np.zeros(n_proj, np.int64)  # the projects priced this round, and their prices
    seen_lo = np.zeros(n_proj)
    seen_hi = np.zeros(n_proj)
    seen_left = np.zeros(n_proj)
    seen_rich = np.zeros(n_proj, np.bool_)
    seen_cap_lo = np.zeros(n_proj)
    seen_cap_hi = np.zeros(n_proj)
    least_rho = first_rho.copy()  # a lower bound on each price (prices only rise)
    live = live.copy()
    bought = 0
    while True:
        for j in range(n_proj):
            visited[j] = False
        best = -1  # the project with the lowest highest price so far
        best_hi = np.inf
        priced = 0
        while True:
            # The live project not yet priced this round with the lowest bound: most rounds
            # price two or three projects, so picking them one by one beats sorting.
            j = -1
            for k in range(n_proj):
                if live[k] and not visited[k] and (j < 0 or least_rho[k] < least_rho[j]):
                    j = k
            if j < 0 or least_rho[j] > best_hi:
                break  # none left, or the rest are surely dearer than the best
            visited[j] = True
            status, p_low, p_high, left, rich = _price(j, ptr, groups, cls, weight, cost, lo,
                                                       hi, count, touched, poor)
            if status == 2:
                return -1
            if status == 1:
                live[j] = False
                continue
            r_lo = p_low / cost[j] * (1.0 - SLACK)
            r_hi = p_high / cost[j] * (1.0 + SLACK)
            if rich:  # exact price 1 / left: equal lefts give equal floats, so ties see rank
                r_lo = (1.0 - SLACK) / left
                r_hi = (1.0 + SLACK) / left
            least_rho[j] = max(least_rho[j], r_lo)
            seen[priced] = j
            seen_lo[priced], seen_hi[priced], seen_left[priced] = r_lo, r_hi, left
            seen_rich[priced] = rich
            seen_cap_lo[priced], seen_cap_hi[priced] = p_low, p_high
            if best < 0 or r_hi < best_hi or (r_hi == best_hi and rank[j] < rank[seen[best]]):
                best, best_hi = priced, r_hi
            priced += 1
        if best < 0:
            return bought
        for n in range(priced):  # the best must beat every other project priced, surely
            if n == best:
                continue
            if seen_rich[n] and seen_rich[best]:  # exact prices 1 / left: compare exactly
                if seen_left[n] > seen_left[best] or (
                    seen_left[n] == seen_left[best] and rank[seen[n]] < rank[seen[best]]
                ):
                    return -1  # floats too coarse to order them (never seen in practice)
                continue
            if seen_lo[n] <= best_hi:
                return -1  # too close to call in floats
        best_cap_lo, best_cap_hi = seen_cap_lo[best], seen_cap_hi[best]
        best = seen[best]
        funded[bought] = best
        bought += 1
        live[best] = False
        m = _touch(ptr[best], ptr[best + 1], groups, cls, weight, count, touched)
        if n_cls + m > room:
            n_cls = _compact(cls, lo, hi, n_cls)
            for n in range(m):
                count[touched[n]] = 0.0
            m = _touch(ptr[best], ptr[best + 1], groups, cls, weight, count, touched)
        for n in range(m):
            c = touched[n]
            count[c] = 0.0
            if hi[c] <= best_cap_lo:  # pays all it has, surely: exhausted
                remap[c] = 0
                continue
            remap[c] = n_cls
            hi[n_cls] = (hi[c] - best_cap_lo) + hi[c] * SLACK
            lo[n_cls] = max(0.0, (lo[c] - best_cap_hi) - lo[c] * SLACK)
            n_cls += 1
        for n in range(ptr[best], ptr[best + 1]):
            g = groups[n]
            if cls[g] != 0:
                cls[g] = remap[cls[g]]


def loaded() -> bool:
    """Whether the compiled code is already in this process (loading it takes about a second)."""
    return bool(_run.signatures)


def load() -> None:
    """Load the compiled code into this process now (compiling it, the first time after an
    install): for a long-running process that will tally, and for benchmarks."""
    IntervalMes([1], [np.zeros(1, dtype=np.int64)], [1], [1], [0], [0]).funded(Fraction(1))


class IntervalMes:
    """MES runs at any share for one approval election (cost utilities), sure or abstaining.

    ``supporters[j]`` are the ballot groups approving project j, ``backers[j]`` how many voters
    they hold and ``weights`` the voters per group; ``rank`` the tie-break order (lower wins);
    ``candidates`` the projects MES considers (supported, not free)."""

    def __init__(
        self,
        costs: Sequence[int],
        supporters: Sequence[np.ndarray],
        backers: Sequence[int],
        weights: Sequence[int],
        rank: Sequence[int],
        candidates: Sequence[int],
    ) -> None:
        n = len(costs)
        self.usable = max(costs, default=0) < EXACT_FLOAT and sum(weights) < EXACT_FLOAT
        self.ptr = np.array([0, *accumulate(map(len, supporters))], dtype=np.int64)
        self.groups = np.concatenate([*supporters, np.zeros(0, np.int64)]).astype(np.int64)
        self.weight = np.array(weights, dtype=np.float64)
        self.cost = np.array(costs, dtype=np.float64)
        self.rank = np.array(rank, dtype=np.int64)
        self.live = np.zeros(n, dtype=np.bool_)
        self.first_rho = np.zeros(n)
        for j in candidates:
            self.live[j] = True
            # Each supporter pays at most rho * cost: rho >= 1 / backers (widened below it).
            self.first_rho[j] = (1.0 - SLACK) / backers[j]
        self.funded_buffer = np.zeros(n, dtype=np.int64)

    def funded(self, share: Fraction) -> list[int] | None:
        """The projects MES buys with every voter starting at ``share``, in order; None when
        the floats cannot settle a decision (the caller then runs the exact MES)."""
        if not self.usable:
            return None
        near = float(share)  # correctly rounded, so within one part in 2**53
        bought = _run(self.ptr, self.groups, self.weight, self.cost, self.rank, self.live,
                      self.first_rho,
                      near * (1.0 - SLACK), near * (1.0 + SLACK), self.funded_buffer)
        if bought < 0:
            return None
        return self.funded_buffer[:bought].tolist()
