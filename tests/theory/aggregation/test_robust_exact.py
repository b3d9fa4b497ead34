"""The aggregators computed by hand, batch by batch, and Weiszfeld's bookkeeping (issue 20: the surviving mutants of
theory/models/aggregation/robust.py). Every reference below is evaluated from the definition in the module docstring,
never through the function it judges."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from theory.models.aggregation import robust
from theory.models.aggregation.robust import AggregatorSpec

RNG = np.random.default_rng(20)
#: A batch of 3 sets of n = 7 gradients of P = 4 parameters: no two axes of one length, so an aggregator that
#: works along the wrong axis is caught.
BATCHED = RNG.normal(size=(3, 7, 4)) + np.array([2.0, -1.0, 0.5, 3.0])


def _meamed(x: np.ndarray, beta: float) -> np.ndarray:
    n = x.shape[0]
    keep = n - int(np.floor(beta * n + 1e-12))
    out = []
    for column in x.T:
        centre = np.median(column)
        out.append(np.mean(sorted(column, key=lambda v: abs(v - centre))[:keep]))
    return np.array(out)


def _krum_scores(x: np.ndarray, f: int) -> np.ndarray:
    n = x.shape[0]
    scores = []
    for i in range(n):
        distances = sorted(float(np.sum((x[i] - x[j]) ** 2)) for j in range(n) if j != i)
        scores.append(sum(distances[: max(n - f - 2, 0)]))
    return np.array(scores)


@pytest.mark.parametrize("name", robust.AGGREGATORS)
def test_a_batch_of_batches_is_aggregated_batch_by_batch(name):
    together = robust.aggregate(BATCHED, f"{name}:0.2")
    for b in range(BATCHED.shape[0]):
        alone = robust.aggregate(BATCHED[b], f"{name}:0.2")
        assert np.allclose(together[b], alone, rtol=1e-9, atol=1e-12), name


def test_trimmed_mean_meamed_and_krum_by_their_definitions():
    for b in range(BATCHED.shape[0]):
        x = BATCHED[b]
        s = np.sort(x, axis=0)
        assert np.allclose(robust.trimmed_mean(BATCHED, 0.2)[b], s[1:6].mean(axis=0), rtol=1e-12)  # f = 1
        assert np.allclose(robust.mean_around_median(BATCHED, 0.3)[b], _meamed(x, 0.3), rtol=1e-12)
        assert np.allclose(robust.krum_scores(BATCHED, 2)[b], _krum_scores(x, 2), rtol=1e-9)
        best = int(np.argmin(_krum_scores(x, 1)))
        assert np.array_equal(robust.krum(x, 1 / 7), x[best])  # one batch (2-d): scores of shape (n,)
        order = np.argsort(_krum_scores(x, 1), kind="stable")[:6]
        assert np.allclose(robust.multi_krum(x, 1 / 7), x[order].mean(axis=0), rtol=1e-12)


def test_krum_refuses_n_minus_2f_minus_2_at_most_zero_from_three_gradients_on():
    with pytest.raises(ValueError, match="lower beta or use a larger batch"):
        robust.krum_scores(RNG.normal(size=(3, 2)), 1)
    assert robust.krum_scores(RNG.normal(size=(2, 2)), 1).shape == (2,)  # n <= 2: no neighbour, no condition


def test_specs_parse_print_and_keep_their_beta():
    assert robust.parse_aggregator(AggregatorSpec("trimmed_mean", 0.1)) == AggregatorSpec("trimmed_mean", 0.1)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 0.5\)"):
        robust.parse_aggregator(AggregatorSpec("krum", 0.7))
    with pytest.raises(ValueError, match="beta after ':' must be a number"):
        robust.parse_aggregator("krum:x")
    assert [str(robust.parse_aggregator(s)) for s in ("mean", "median", "geometric_median", "krum:0.1")] == [
        "mean",
        "median",
        "geometric_median",
        "krum:0.1",
    ]
    assert np.array_equal(robust.aggregate(BATCHED), robust.mean(BATCHED))  # the default is the mean


def test_bad_gradients_are_named():
    with pytest.raises(ValueError, match=r"^gradients must have shape"):
        robust.mean(np.zeros(3))
    with pytest.raises(ValueError, match="fix the loss or the learning rate"):
        robust.median(np.array([[0.0, np.inf]]))


def _gap_bound(x: np.ndarray, y: np.ndarray) -> float:
    """2 s max(r - eta, 0) at a point y on no data point: s the radius around the mean, r = |sum of unit vectors|."""
    radius = np.max(np.linalg.norm(x - x.mean(axis=0), axis=1))
    units = (x - y) / np.linalg.norm(x - y, axis=1)[:, None]
    return 2 * radius * float(np.linalg.norm(units.sum(axis=0)))


def test_weiszfeld_certificate_iterations_and_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = robust.weiszfeld(BATCHED, max_iter=3)
    assert result.iterations == 3 and result.relative_step > 1e-8
    assert len(caught) == 1 and caught[0].category is RuntimeWarning
    assert "in 3 of 3 batches" in str(caught[0].message)
    for b in range(BATCHED.shape[0]):
        assert result.gap_bound[b] == pytest.approx(_gap_bound(BATCHED[b], result.point[b]), rel=1e-9)
    x = BATCHED[0]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert robust.weiszfeld(x, max_iter=1).iterations == 1
        none = robust.weiszfeld(x, max_iter=0)
    assert none.iterations == 0 and none.relative_step == float("inf")
    assert np.array_equal(none.point, x.mean(axis=0))
    converged = robust.weiszfeld(x)
    assert 0 <= converged.relative_step <= robust.GM_TOL and converged.iterations > 3
    assert converged.gap_bound <= 1e-6
    tight = robust.geometric_median(x)  # geometric_median passes tol on: a loose tol stops far earlier
    loose = robust.geometric_median(x, tol=1e-2)
    assert np.linalg.norm(tight - converged.point) <= 1e-12 < np.linalg.norm(loose - converged.point)
    with pytest.raises(ValueError, match="tol must be > 0"):
        robust.weiszfeld(x, tol=0.0)


def test_weiszfeld_leaves_a_data_point_that_is_not_the_median():
    """The start (the mean) is the data point 0, which is not the median of 0, 3, -1, -1, -1 on a line (r = 2 > eta
    = 1 there): Vardi-Zhang must move on, to -1."""
    x = np.array([[0.0, 0.0], [3.0, 0.0], [-1.0, 0.0], [-1.0, 0.0], [-1.0, 0.0]])
    assert np.allclose(robust.geometric_median(x), [-1.0, 0.0], atol=1e-9)
    same = np.tile([[2.0, -3.0]], (5, 1))
    result = robust.weiszfeld(same)
    assert np.array_equal(result.point, [2.0, -3.0]) and result.iterations == 1
