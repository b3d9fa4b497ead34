"""The aggregators against references: np.median, scipy's minimiser of the sum of distances, breakdown
constructions, torch against numpy, and the errors on bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from theory.checking.error_model import gamma
from theory.models.aggregation import robust
from theory.models.aggregation.breakdown import breaks_at, survives

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("n", [1, 2, 3, 8, 9, 33])
def test_median_is_np_median(n):
    x = RNG.normal(size=(4, n, 5))
    # both average the same two order statistics: identical floats
    assert np.array_equal(robust.median(x), np.median(x, axis=1))


def test_trimmed_mean_and_meamed_by_hand():
    x = np.array([[[0.0], [1.0], [2.0], [3.0], [100.0]]])
    assert robust.trimmed_mean(x, 0.2)[0, 0] == 2.0  # f = 1: mean of 1, 2, 3
    assert robust.trimmed_mean(x, 0.0)[0, 0] == robust.mean(x)[0, 0]
    assert robust.mean_around_median(x, 0.2)[0, 0] == 1.5  # 4 nearest to the median 2: 0, 1, 2, 3
    assert robust.krum(x, 0.2)[0, 0] in (1.0, 2.0)  # f = 1, n - f - 2 = 2 neighbours: 1 or 2 scores best
    assert robust.multi_krum(x, 0.2)[0, 0] == 1.5  # the 4 best: 0, 1, 2, 3


def _sum_of_distances(points, y):
    return float(np.linalg.norm(points - y, axis=1).sum())


@pytest.mark.parametrize("seed", range(6))
def test_geometric_median_against_scipy(seed):
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(3, 12)), int(rng.integers(1, 6))
    points = rng.normal(size=(n, p)) * 10.0 ** rng.uniform(-3, 3)
    result = robust.weiszfeld(points)
    reference = minimize(
        lambda y: _sum_of_distances(points, y),
        np.median(points, axis=0),
        method="Nelder-Mead",
        options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 40_000, "maxfev": 40_000},
    )
    ours, theirs = _sum_of_distances(points, result.point), _sum_of_distances(points, reference.x)
    # evaluating the objective rounds each of n norms of p terms: gamma(p + 2) relative each, summed over n
    rounding = gamma(p + n + 2) * ours
    assert ours <= theirs + rounding  # at least as good as scipy's minimiser
    assert ours - float(result.gap_bound) <= theirs + rounding  # and scipy cannot beat the certificate


def test_geometric_median_on_a_data_point():
    """A point carrying more than half of the weight is the median: Vardi-Zhang returns it exactly."""
    points = np.concatenate([np.zeros((5, 3)), RNG.normal(size=(4, 3))])
    result = robust.weiszfeld(points)
    assert np.array_equal(result.point, np.zeros(3)) and result.gap_bound == 0.0


@pytest.mark.parametrize("name", robust.AGGREGATORS)
@pytest.mark.parametrize("n", [5, 8, 11])
def test_breakdown_constructions_float64(name, n):
    """a = f* corrupted points far out leave the output among the honest values; the breaking count does not."""
    f = 1
    far = 1e100
    honest_count = n - survives(name, n, f)
    honest = RNG.uniform(-1, 1, size=(honest_count, 2))
    attack = np.full((n - honest_count, 2), far)
    output = robust.aggregate(np.concatenate([attack, honest])[None], f"{name}:{f / n!r}")[0]
    assert np.abs(output).max() <= 1 + 2 * np.sqrt(n) * 2  # honest radius <= sqrt 2: the Krum bound is the loosest
    broken = breaks_at(name, n, f)
    batch = np.concatenate([np.full((broken, 2), far), RNG.uniform(-1, 1, size=(n - broken, 2))])
    assert np.abs(robust.aggregate(batch[None], f"{name}:{f / n!r}")[0]).max() >= far / (8 * n)


@pytest.mark.parametrize("name", robust.AGGREGATORS)
def test_torch_matches_numpy(name):
    x = RNG.normal(size=(3, 9, 6))
    ours = robust.aggregate(x, name)
    theirs = robust.aggregate(torch.from_numpy(x), name)
    assert isinstance(theirs, torch.Tensor) and theirs.shape == (3, 6)
    if name == "geometric_median":  # same iteration, different summation order: compare objective values
        for t in range(3):
            a, b = _sum_of_distances(x[t], ours[t]), _sum_of_distances(x[t], theirs[t].numpy())
            assert abs(a - b) <= float(robust.weiszfeld(x[t]).gap_bound) + gamma(9 * 8) * a
    else:  # sums of at most 9 terms in another order: gamma(9) * max |x|
        assert np.abs(theirs.numpy() - ours).max() <= gamma(9) * np.abs(x).max()


def test_bad_input_errors():
    with pytest.raises(ValueError, match="empty batch"):
        robust.median(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        robust.mean(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="NaN or infinite"):
        robust.geometric_median(torch.tensor([[1.0, float("inf")], [0.0, 0.0]]))
    for beta in (-0.1, 0.5, 0.7):
        with pytest.raises(ValueError, match=r"\[0, 0.5\)"):
            robust.trimmed_mean(np.ones((4, 2)), beta)
    with pytest.raises(ValueError, match=r"\[0, 0.5\)"):
        robust.parse_aggregator("trimmed_mean:0.5")
    with pytest.raises(ValueError, match="must be one of"):
        robust.parse_aggregator("average")
    with pytest.raises(ValueError, match="n - 2f - 2 > 0"):
        robust.krum(np.ones((4, 2)), 0.25)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., n, P\)"):
        robust.median(np.ones(3))


def test_weiszfeld_in_mpmath_warns_when_it_stops_early():
    """Regression (CI, profile ci): at 60 digits the iteration cap's warning formatted mpf values with a float
    format and raised TypeError inside aggregator-breakdown's property. The case: 3 honest points, one attacker
    at -2.8e19; capped at 3 iterations it must warn, not raise, and return a point."""
    import mpmath

    from theory.checking.oracle import precision

    points = [
        [-2.8496608138084413e19, 0.0],
        [-0.8988265991210938, 1e-05],
        [0.0, -0.7201961278915405],
        [0.25160759687423706, 0.0],
    ]
    with precision():
        batch = np.array([[mpmath.mpf(v) for v in row] for row in points], dtype=object)
        with pytest.warns(RuntimeWarning, match="Weiszfeld stopped after max_iter=3"):
            result = robust.weiszfeld(batch, tol=mpmath.mpf("1e-30"), max_iter=3)
    assert len(result.point) == 2
