"""PURE: compiled Method-of-Equal-Shares runs in float intervals that are sure or abstain.

Add1 completion runs MES once per step of the voters' share, and an exact run in Python
(`portal.voting.tally`) costs about a millisecond even on a small election. These runs take the
same rounds with every budget held as a float interval ``[lo, hi]`` that surely contains the
exact budget, and every price as an interval computed from those ends (a price only falls as
budgets grow, so the high budgets give the low end). A decision is taken only when the
intervals settle it: the winner's highest possible price below every other project's lowest,
a project's supporters surely able, or surely unable, to pay for it. Otherwise the run abstains
and the caller runs the exact MES: exact ties (where the tie-break decides) and near-ties always
go there, so whenever a run answers, its funded order is the exact run's.

Neighbouring shares buy the same first projects in the same order (on Warsaw 2024, about 36 of
50), so a batch of shares runs in lockstep: while its runs have bought the same projects, their
voters fall into the same budget classes (only the budgets differ), and counting a project's
supporters per class, the bulk of the work, is done once for all of them. When their winners
differ the batch forks into groups, one per winner, each with its own copy of the classes.
Each run takes exactly the decisions it would take alone.

Approval ballots with cost utilities only (a supporter values a project at its cost), which is
what Add1 completion uses; the intervals are widened after every float operation by far more
than its rounding error (a few units in the last place per term summed).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from itertools import accumulate

import numpy as np
from numba import njit

EXACT_FLOAT = 2**53  # integers below this are exact as floats
SLACK = 2.0**-48  # relative widening per float term: 32 times the rounding error of one
RUNNING, DONE, UNSURE = 0, 1, 2  # a run's state
NOTHING, UNSETTLED = -1, -2  # what `_choose` answers instead of a project
THREAD_WORTH = 200_000  # supporter entries times shares: a batch part worth a thread


@njit(cache=True, nogil=True)
def _touch(first, last, groups, cls, weight, count, touched):  # pragma: no cover - compiled
    """Count the voters of ``groups[first:last]`` per budget class (the exhausted left out),
    listing the classes in ``touched`` in the order first met; returns how many."""
    m = 0
    for n in range(first, last):
        g = groups[n]
        c = cls[g]
        before = count[c]
        touched[m] = c  # kept only when c is new: branch-free, as the test is unpredictable
        m += (before == 0.0) & (c != 0)
        count[c] = before + weight[g]
    count[0] = 0.0
    return m


@njit(cache=True, nogil=True)
def _equal_share(cost, paid, left, p, done):  # pragma: no cover - compiled
    """One water-filling step: (the equal share of what is still to pay, whether it is
    final); -1.0 once nobody is left to pay (the caller then abstains)."""
    if done:
        return p, True
    if left <= 0.0:
        return -1.0, True
    return (cost - paid) / left, False


@njit(cache=True, nogil=True)
def _caps(c_j, m, voters, l_lo, l_hi, left, poor_lo, poor_hi):  # pragma: no cover - compiled
    """The payment caps at which supporters, each paying min(budget, p), raise ``c_j``, with
    the high budgets (the low cap) and with the low ones (the high cap); -1.0 for one the
    float arithmetic does not reach (the caller then abstains).

    Water-filling, for both ends at once: share the cost equally, let those who cannot pay
    their share pay all they have, share the rest among the others, until nobody new falls
    short. A cap only rises, so it ends within as many passes as there are classes (two or
    three in practice)."""
    for n in range(m):
        poor_lo[n] = False
        poor_hi[n] = False
    paid_a = 0.0  # with the high budgets
    left_a = left
    paid_b = 0.0  # with the low budgets
    left_b = left
    done_a = False
    done_b = False
    p_a = -1.0
    p_b = -1.0
    while not (done_a and done_b):
        p_a, done_a = _equal_share(c_j, paid_a, left_a, p_a, done_a)
        p_b, done_b = _equal_share(c_j, paid_b, left_b, p_b, done_b)
        fell_a = False
        fell_b = False
        for n in range(m):
            if not done_a and not poor_hi[n] and l_hi[n] < p_a:
                poor_hi[n] = True
                fell_a = True
                paid_a += l_hi[n] * voters[n]
                left_a -= voters[n]
            if not done_b and not poor_lo[n] and l_lo[n] < p_b:
                poor_lo[n] = True
                fell_b = True
                paid_b += l_lo[n] * voters[n]
                left_b -= voters[n]
        done_a = done_a or not fell_a
        done_b = done_b or not fell_b
    return p_a, p_b


@njit(cache=True, nogil=True)
def _price(c_j, k, classes, voters, shared, lo, hi, l_voters, l_lo, l_hi, poor_lo,
           poor_hi):  # pragma: no cover - compiled
    """(status, cap low, cap high, supporters with money, surely all pay the cap) in run k of
    a project costing ``c_j`` whose supporters are ``voters[n]`` in class ``classes[n]``,
    ``n < shared``; status 0 priced, 1 surely unaffordable, 2 unsure."""
    m = 0
    most = 0.0
    least = 0.0
    left = 0.0
    poorest = np.inf
    for n in range(shared):  # run k's classes with money (hi 0: exhausted in this run only)
        c = classes[n]
        h = hi[k, c]
        if h > 0.0:
            v = voters[n]
            a = lo[k, c]
            l_voters[m] = v
            l_lo[m] = a
            l_hi[m] = h
            most += h * v
            least += a * v
            left += v
            poorest = min(poorest, a)
            m += 1
    tol = (m + 8) * SLACK
    status = 0
    p_low = 0.0
    p_high = 0.0
    if most * (1.0 + tol) < c_j:
        status = 1
    elif least * (1.0 - tol) < c_j:
        status = 2
    else:
        equal = c_j / left
        if poorest >= equal:  # everyone can pay an equal share: nobody falls short
            p_low = equal
            p_high = equal
        else:
            p_low, p_high = _caps(c_j, m, l_voters, l_lo, l_hi, left, poor_lo, poor_hi)
        if p_low < 0.0 or p_high < 0.0:
            status = 2
        else:
            p_low -= tol * (c_j + p_low)
            p_high += tol * (c_j + p_high)
    # When even the poorest can surely pay an equal share, the exact price is 1 / left (in
    # rho per unit of utility, the utility being the cost): ties are then exact and decidable.
    rich = status == 0 and poorest * left >= c_j * (1.0 + tol)
    return status, p_low, p_high, left, rich


@njit(cache=True, nogil=True)
def _compact(cls, lo, hi, n_cls, runs, n_runs):  # pragma: no cover - compiled
    """Renumber the classes someone is still in as 1, 2, ... (moving the budgets of the
    ``runs[:n_runs]`` sharing ``cls``); returns the new class count."""
    new = np.empty(n_cls, np.int64)
    for c in range(n_cls):
        new[c] = -1
    for g in range(len(cls)):
        new[cls[g]] = 0
    nxt = 1
    for c in range(1, n_cls):  # ascending, so a class never moves up over an unread one
        if new[c] == 0:
            new[c] = nxt
            for r in range(n_runs):
                k = runs[r]
                lo[k, nxt] = lo[k, c]
                hi[k, nxt] = hi[k, c]
            nxt += 1
    new[0] = 0
    for g in range(len(cls)):
        cls[g] = new[cls[g]]
    return nxt


@njit(cache=True, nogil=True)
def _choose(k, ptr, groups, cls, weight, cost, rank, live, least_rho, lo, hi, count, touched,
            stamp, now, pool_cls, pool_voters, pool_m, bound, bound_stamp, l_voters, l_lo, l_hi,
            poor, poor_hi, visited, seen, seen_lo, seen_hi, seen_left, seen_rich, seen_cap_lo,
            seen_cap_hi):  # pragma: no cover - compiled
    """Run k's next purchase: (project, cap low, cap high); project NOTHING when nothing more
    is affordable, UNSETTLED when the floats cannot settle the choice.

    The runs sharing ``cls`` choose one after the other this round (``now``), from the
    largest share down. A project's supporters are counted per class once for all of them
    (``stamp[j] == now``), into ``pool_*[ptr[j]:]``. And as they have bought the same projects,
    a smaller share leaves every voter with no more money, so every price is at least what a
    larger share's run found: ``bound[j]`` (infinite: unaffordable), set this round when
    ``bound_stamp[j] == now``, spares most runs most pricings."""
    n_proj = len(cost)
    for j in range(n_proj):
        visited[j] = False
    best = -1  # the project with the lowest highest price so far
    best_hi = np.inf
    priced = 0
    while True:
        # The live project not yet priced this round with the lowest bound: most rounds
        # price two or three projects, so picking them one by one beats sorting.
        j = -1
        for q in range(n_proj):
            if live[k, q] and not visited[q] and (j < 0 or least_rho[k, q] < least_rho[k, j]):
                j = q
        if j < 0 or least_rho[k, j] > best_hi:
            break  # none left, or the rest are surely dearer than the best
        if bound_stamp[j] == now and bound[j] > least_rho[k, j]:
            if bound[j] == np.inf:
                live[k, j] = False
            else:
                least_rho[k, j] = bound[j]
            continue  # pick again with the better bound
        visited[j] = True
        start = ptr[j]
        if stamp[j] != now:
            m = _touch(start, ptr[j + 1], groups, cls, weight, count, touched)
            for n in range(m):
                c = touched[n]
                pool_cls[start + n] = c
                pool_voters[start + n] = count[c]
                count[c] = 0.0
            pool_m[j] = m
            stamp[j] = now
        status, p_low, p_high, left, rich = _price(
            cost[j], k, pool_cls[start:], pool_voters[start:], pool_m[j], lo, hi, l_voters,
            l_lo, l_hi, poor, poor_hi)
        if status == 2:
            return UNSETTLED, 0.0, 0.0
        if bound_stamp[j] != now:
            bound[j] = 0.0
            bound_stamp[j] = now
        if status == 1:
            live[k, j] = False
            bound[j] = np.inf
            continue
        r_lo = p_low / cost[j] * (1.0 - SLACK)
        r_hi = p_high / cost[j] * (1.0 + SLACK)
        if rich:  # exact price 1 / left: equal lefts give equal floats, so ties see rank
            r_lo = (1.0 - SLACK) / left
            r_hi = (1.0 + SLACK) / left
        least_rho[k, j] = max(least_rho[k, j], r_lo)
        bound[j] = max(bound[j], r_lo)
        seen[priced] = j
        seen_lo[priced], seen_hi[priced], seen_left[priced] = r_lo, r_hi, left
        seen_rich[priced] = rich
        seen_cap_lo[priced], seen_cap_hi[priced] = p_low, p_high
        if best < 0 or r_hi < best_hi or (r_hi == best_hi and rank[j] < rank[seen[best]]):
            best, best_hi = priced, r_hi
        priced += 1
    if best < 0:
        return NOTHING, 0.0, 0.0
    for n in range(priced):  # the best must beat every other project priced, surely
        if n == best:
            continue
        if seen_rich[n] and seen_rich[best]:  # exact prices 1 / left: compare exactly
            if seen_left[n] > seen_left[best] or (
                seen_left[n] == seen_left[best] and rank[seen[n]] < rank[seen[best]]
            ):
                return UNSETTLED, 0.0, 0.0  # floats too coarse to order them (never seen in practice)
            continue
        if seen_lo[n] <= best_hi:
            return UNSETTLED, 0.0, 0.0  # too close to call in floats
    return seen[best], seen_cap_lo[best], seen_cap_hi[best]


@njit(cache=True, nogil=True)
def _buy(w, runs, n_runs, cap_lo, cap_hi, ptr, groups, cls, weight, lo, hi, n_cls, count,
         touched, remap):  # pragma: no cover - compiled
    """Runs ``runs[:n_runs]``, sharing ``cls``, buy project w at their caps: each class its
    supporters are in moves to one new class (or, exhausted in every run, to class 0).
    Returns the new class count."""
    room = lo.shape[1]
    m = _touch(ptr[w], ptr[w + 1], groups, cls, weight, count, touched)
    if n_cls + m > room:
        n_cls = _compact(cls, lo, hi, n_cls, runs, n_runs)
        for n in range(m):
            count[touched[n]] = 0.0
        m = _touch(ptr[w], ptr[w + 1], groups, cls, weight, count, touched)
    for n in range(m):
        c = touched[n]
        count[c] = 0.0
        anyone = False
        for r in range(n_runs):
            k = runs[r]
            anyone |= hi[k, c] > cap_lo[k]
        if not anyone:  # pays all it has in every run, surely: exhausted
            remap[c] = 0
            continue
        remap[c] = n_cls
        for r in range(n_runs):
            k = runs[r]
            if hi[k, c] <= cap_lo[k]:  # exhausted in this run only (also if it already was)
                hi[k, n_cls] = 0.0
                lo[k, n_cls] = 0.0
            else:
                hi[k, n_cls] = (hi[k, c] - cap_lo[k]) + hi[k, c] * SLACK
                lo[k, n_cls] = max(0.0, (lo[k, c] - cap_hi[k]) - lo[k, c] * SLACK)
        n_cls += 1
    for n in range(ptr[w], ptr[w + 1]):
        g = groups[n]
        if cls[g] != 0:
            cls[g] = remap[cls[g]]
    return n_cls


@njit(cache=True, nogil=True)
def _run(ptr, groups, weight, cost, rank, live0, first_rho, share_lo, share_hi, funded, bought,
         state):  # pragma: no cover - compiled
    """Run MES at every share ``[share_lo[k], share_hi[k]]`` in lockstep: fill ``funded[k]``
    with run k's purchases, ``bought[k]`` with their number and ``state[k]`` with DONE, or
    UNSURE where the floats could not settle a decision.

    A group is the runs that have bought the same projects so far: they share a class array
    (``cls[q]`` for group q) while each keeps its own budgets per class (``lo[k]``, ``hi[k]``
    for run k). Every fork adds a group with at least one run, so there are never more
    groups than runs."""
    n_runs = len(share_lo)
    n_groups = len(weight)
    n_proj = len(cost)
    room = 2 * n_groups + 4
    cls = np.ones((n_runs, n_groups), np.int64)
    lo = np.zeros((n_runs, room))
    hi = np.zeros((n_runs, room))
    count = np.zeros(room)
    touched = np.zeros(room, np.int64)
    remap = np.zeros(room, np.int64)
    poor_lo = np.zeros(room, np.bool_)
    poor_hi = np.zeros(room, np.bool_)
    l_voters = np.zeros(room)
    l_lo = np.zeros(room)
    l_hi = np.zeros(room)
    pool_cls = np.zeros(len(groups), np.int64)  # a project's classes, at its supporters' slots
    pool_voters = np.zeros(len(groups))
    pool_m = np.zeros(n_proj, np.int64)
    stamp = np.zeros(n_proj, np.int64)  # the round a project's classes were counted in
    bound = np.zeros(n_proj)  # this round's lower bound on each price (see `_choose`)
    bound_stamp = np.zeros(n_proj, np.int64)
    now = 0
    largest_first = np.argsort(-share_lo, kind="mergesort")
    visited = np.zeros(n_proj, np.bool_)
    seen = np.zeros(n_proj, np.int64)  # the projects priced this round, and their prices
    seen_lo = np.zeros(n_proj)
    seen_hi = np.zeros(n_proj)
    seen_left = np.zeros(n_proj)
    seen_rich = np.zeros(n_proj, np.bool_)
    seen_cap_lo = np.zeros(n_proj)
    seen_cap_hi = np.zeros(n_proj)
    live = np.zeros((n_runs, n_proj), np.bool_)
    least_rho = np.zeros((n_runs, n_proj))  # a lower bound on each price (prices only rise)
    group_of = np.zeros(n_runs, np.int64)
    n_cls = np.zeros(n_runs, np.int64)  # per group
    winner = np.zeros(n_runs, np.int64)
    cap_lo = np.zeros(n_runs)
    cap_hi = np.zeros(n_runs)
    buying = np.zeros(n_runs, np.int64)  # the runs of this round that buy something
    together = np.zeros(n_runs, np.int64)  # the runs buying with one group
    for k in range(n_runs):
        live[k] = live0
        least_rho[k] = first_rho
        lo[k, 1] = share_lo[k]
        hi[k, 1] = share_hi[k]
        bought[k] = 0
        state[k] = RUNNING
    n_cls[0] = 2
    made = 1
    pending = np.zeros(n_runs, np.int64)  # groups waiting to be run, as a stack
    waiting = 1
    while waiting > 0:
        waiting -= 1
        q = pending[waiting]
        while True:
            now += 1
            n_buying = 0
            for k in largest_first:
                if group_of[k] != q or state[k] != RUNNING:
                    continue
                w, w_lo, w_hi = _choose(
                    k, ptr, groups, cls[q], weight, cost, rank, live, least_rho, lo, hi, count,
                    touched, stamp, now, pool_cls, pool_voters, pool_m, bound, bound_stamp,
                    l_voters, l_lo, l_hi, poor_lo, poor_hi, visited, seen, seen_lo, seen_hi,
                    seen_left, seen_rich, seen_cap_lo, seen_cap_hi)
                if w == NOTHING:
                    state[k] = DONE
                elif w == UNSETTLED:
                    state[k] = UNSURE
                else:
                    winner[k], cap_lo[k], cap_hi[k] = w, w_lo, w_hi
                    buying[n_buying] = k
                    n_buying += 1
            if n_buying == 0:
                break
            # Runs that chose another winner than the first fork off, a group per winner,
            # each with a copy of the classes as they are before this round's purchases.
            for r in range(n_buying):
                k = buying[r]
                if winner[k] != winner[buying[0]] and group_of[k] == q:
                    g = made
                    made += 1
                    cls[g] = cls[q]
                    n_cls[g] = n_cls[q]
                    for s in range(r, n_buying):
                        if winner[buying[s]] == winner[k]:
                            group_of[buying[s]] = g
                    pending[waiting] = g
                    waiting += 1
            for r in range(n_buying):
                g = group_of[buying[r]]
                n = 0
                for s in range(n_buying):
                    if group_of[buying[s]] == g:
                        together[n] = buying[s]
                        n += 1
                if together[0] != buying[r]:
                    continue  # the group bought with its first run
                w = winner[buying[r]]
                n_cls[g] = _buy(w, together, n, cap_lo, cap_hi, ptr, groups, cls[g], weight, lo,
                                hi, n_cls[g], count, touched, remap)
                for s in range(n):
                    k = together[s]
                    live[k, w] = False
                    funded[k, bought[k]] = w
                    bought[k] += 1


def _threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def loaded() -> bool:
    """Whether the compiled code is already in this process (loading it takes about a second)."""
    return bool(_run.signatures)


def load() -> None:
    """Load the compiled code into this process now (compiling it, the first time after an
    install): for a long-running process that will tally, and for benchmarks."""
    IntervalMes([1], [np.zeros(1, dtype=np.int64)], [1], [1], [0], [0]).funded(Fraction(1))


class IntervalMes:
    """MES runs at any shares for one approval election (cost utilities), sure or abstaining.

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

    def funded(self, share: Fraction) -> list[int] | None:
        """The projects MES buys with every voter starting at ``share``, in order; None when
        the floats cannot settle a decision (the caller then runs the exact MES)."""
        return self.funded_many([share])[0]

    def funded_many(self, shares: Sequence[Fraction]) -> list[list[int] | None]:
        """`funded` at each of ``shares``: neighbouring shares are best run together (see the
        module's docstring). Large batches are split between the machine's cores."""
        if not self.usable:
            return [None] * len(shares)
        # A thread pays for itself once its part of the batch touches this many supporters.
        parts = max(1, min(_threads(), len(shares) * len(self.groups) // THREAD_WORTH))
        if parts == 1:
            return self._run_chunk(shares)
        size = -(-len(shares) // parts)
        chunks = [shares[i : i + size] for i in range(0, len(shares), size)]
        with ThreadPoolExecutor(len(chunks)) as pool:  # the compiled runs release the GIL
            return [found for part in pool.map(self._run_chunk, chunks) for found in part]

    def _run_chunk(self, shares: Sequence[Fraction]) -> list[list[int] | None]:
        near = np.array([float(s) for s in shares])  # correctly rounded: one part in 2**53
        funded = np.zeros((len(shares), len(self.cost)), np.int64)
        bought = np.zeros(len(shares), np.int64)
        state = np.zeros(len(shares), np.int64)
        _run(self.ptr, self.groups, self.weight, self.cost, self.rank, self.live,
             self.first_rho, near * (1.0 - SLACK), near * (1.0 + SLACK), funded, bought, state)
        return [funded[k, : bought[k]].tolist() if state[k] == DONE else None
                for k in range(len(shares))]
