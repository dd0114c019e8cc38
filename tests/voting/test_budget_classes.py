"""Budget classes: counting voters per class and moving a project's supporters."""

from __future__ import annotations

import numpy as np

from portal.voting import budget_classes as classes


def test_counts_weigh_groups_and_leave_out_the_exhausted() -> None:
    cls = np.array([1, 2, 1, classes.EXHAUSTED, 2], dtype=np.intp)  # group -> class
    weights = [3, 1, 2, 7, 5]
    groups = np.array([0, 2, 3, 4], dtype=np.intp)
    assert classes.counts(cls, groups, classes.group_weights(weights)[groups]) == {1: 5, 2: 5}
    assert classes.counts(cls, np.array([], dtype=np.intp), np.array([])) == {}
    assert classes.present(cls) == [1, 2]


def test_weights_stay_exact_above_32_bits() -> None:
    cls = np.ones(2, dtype=np.intp)
    big = 2**40 + 1
    assert classes.counts(cls, np.array([0, 1]), classes.group_weights([big, big])) == {1: 2 * big}


def test_move_asks_once_per_class_and_moves_only_the_groups_given() -> None:
    cls = np.array([1, 1, 2, 2, 1, classes.EXHAUSTED], dtype=np.intp)
    asked: list[int] = []

    def to(c: int) -> int:
        asked.append(c)
        return {1: 3, 2: classes.EXHAUSTED, classes.EXHAUSTED: classes.EXHAUSTED}[c]

    classes.move(cls, np.array([0, 1, 2, 5], dtype=np.intp), 3, to)
    assert sorted(asked) == [classes.EXHAUSTED, 1, 2]
    assert cls.tolist() == [3, 3, classes.EXHAUSTED, 2, 1, classes.EXHAUSTED]
