"""Data generators and embedded datasets (sims.data)."""

from __future__ import annotations

import numpy as np
import pytest

from sims.data import covariance, load_dataset, synthetic_classification, synthetic_regression
from theory.checking.error_model import gamma


def test_covariance_has_requested_trace_and_condition():
    rng = np.random.default_rng(0)
    for p, condition in ((1, 1.0), (5, 10.0), (20, 1e3)):
        eig = np.linalg.eigvalsh(covariance(p, condition, rng))
        # eigen-decomposition of a p x p matrix built from a QR: backward error ~ gamma(p^2) |Sigma|
        tol = gamma(10 * p * p)
        assert abs(eig.sum() - 1) <= tol * p
        assert abs(eig.max() / eig.min() - condition) <= tol * condition * condition


def test_consistent_regression_is_fit_exactly_and_noise_is_not():
    rng = np.random.default_rng(1)
    consistent = synthetic_regression(50, 5, rng, condition=10.0, noise=0.0)
    theta = np.linalg.lstsq(consistent.X, consistent.y, rcond=None)[0]
    residual = np.abs(consistent.X @ theta - consistent.y).max()
    assert residual <= gamma(50 * 5 * 10) * 10 * np.abs(consistent.y).max()
    noisy = synthetic_regression(50, 5, rng, noise=0.5)
    assert np.abs(noisy.X @ np.linalg.lstsq(noisy.X, noisy.y, rcond=None)[0] - noisy.y).max() > 0.1


def test_classification_labels_and_separation():
    rng = np.random.default_rng(2)
    data = synthetic_classification(200, 4, rng, separation=3.0)
    assert set(np.unique(data.y)) == {0.0, 1.0} and data.y.sum() == 100
    gap = data.X[data.y == 1].mean(0) - data.X[data.y == 0].mean(0)
    # class means differ by separation / sqrt(p) plus sampling noise of std ~ sqrt(2 / (100 p)) per coordinate
    assert abs(np.linalg.norm(gap) - 3.0 / 2) <= 5 * np.sqrt(2 * 4 / (100 * 4))


@pytest.mark.parametrize(
    "name,task,p", [("diabetes", "regression", 10), ("breast_cancer", "binary", 30), ("digits", "multiclass", 64)]
)
def test_embedded_datasets_are_standardised(name, task, p):
    data = load_dataset(name, scale="standard")
    assert data.task == task and data.p == p
    tol = gamma(2 * data.n) * np.abs(data.X).max() * 4
    assert np.all(np.abs(data.X.mean(axis=0)) <= tol)
    std = data.X.std(axis=0)
    assert np.all((np.abs(std - 1) <= gamma(4 * data.n) * 4) | (std == 0))  # constant columns stay 0
    unit = load_dataset(name)
    np.testing.assert_allclose(unit.X * np.sqrt(p), data.X, rtol=gamma(4), atol=0)


def test_bad_data_arguments():
    with pytest.raises(ValueError, match="dataset"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="condition"):
        covariance(3, 0.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="noise"):
        synthetic_regression(10, 2, np.random.default_rng(0), noise=-1.0)
