"""Median unlearning from the window of order statistics, against brute force."""

from __future__ import annotations

import itertools

import pytest

from theory.models.aggregation.order_stats import median_after_removal, window_ranks, window_ranks_used


def _median(values):
    s = sorted(values)
    return (s[(len(s) - 1) // 2] + s[len(s) // 2]) / 2


@pytest.mark.parametrize("n", range(1, 8))
def test_every_removal_of_a_batch_with_ties(n):
    batch = [float(v % 3) for v in range(n)]
    for r in range(n):
        a, b = window_ranks(n, r)
        assert window_ranks_used(n, r) == set(range(a, b + 1))
        assert b - a + 1 == r + (1 if (n - r) % 2 else 2)
        for removed in itertools.combinations(range(n), r):
            left = [v for i, v in enumerate(batch) if i not in removed]
            window = sorted(batch)[a - 1 : b]
            assert median_after_removal(window, n, [batch[i] for i in removed]) == _median(left)


def test_errors():
    with pytest.raises(ValueError, match="removals must be"):
        window_ranks(3, 3)
    with pytest.raises(ValueError, match="not a batch value"):
        median_after_removal([1.0, 2.0, 3.0], 5, [2.5, 9.0])
