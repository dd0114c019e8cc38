"""PURE: budget classes for the Method of Equal Shares, counted and moved with numpy.

Voters whose budgets are equal share a budget class, so pricing a project needs only how many of
its supporters are in each class, and buying one moves each class its supporters are in to one
new class. A numpy array maps every ballot group to its class; counting and moving run at C
speed while Python visits only the distinct classes. The amounts themselves stay with the
caller as exact integers (`portal.voting.tally`, `portal.voting.mes_stability`): numpy only
holds class numbers and voter counts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EXHAUSTED = 0  # the class of voters with nothing left; never counted, never moved


def group_weights(weights: list[int]) -> np.ndarray:
    """Ballot-group weights as floats for `counts`: whole numbers below 2**53 (voters), so
    every sum of them is exact."""
    return np.asarray(weights, dtype=np.float64)


def counts(cls: np.ndarray, groups: np.ndarray, weights: np.ndarray) -> dict[int, int]:
    """Class -> how many voters of ``groups`` are in it (the exhausted left out)."""
    if not len(groups):
        return {}
    per = np.bincount(cls[groups], weights=weights)
    per[EXHAUSTED] = 0
    found = per.nonzero()[0]
    return dict(zip(found.tolist(), per[found].astype(np.int64).tolist()))


def present(cls: np.ndarray) -> list[int]:
    """The classes someone is still in (the exhausted left out)."""
    return [c for c in np.bincount(cls).nonzero()[0].tolist() if c != EXHAUSTED]


def move(cls: np.ndarray, groups: np.ndarray, classes: int, to: Callable[[int], int]) -> None:
    """Move every group of ``groups`` from its class ``c`` to ``to(c)``, asked once per class.

    ``classes`` is how many classes exist before the move (``to`` may create new ones)."""
    now = cls[groups]
    table = np.zeros(classes, dtype=np.intp)  # unvisited classes would go to EXHAUSTED
    for c in np.bincount(now).nonzero()[0].tolist():
        table[c] = to(c)
    cls[groups] = table[now]
