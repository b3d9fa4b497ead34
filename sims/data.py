r"""Data for the sweeps: synthetic generators with controlled geometry and scikit-learn's bundled sets.

Synthetic inputs are drawn as :math:`x = \Sigma^{1/2} z` with :math:`z \sim \mathcal N(0, I_p)` and a covariance
:math:`\Sigma = Q\,\mathrm{diag}(s)\,Q^\top` whose eigenvalues ``s`` are geometrically spaced with ratio
``condition`` (largest / smallest) and normalised to :math:`\operatorname{tr}\Sigma = 1`, so
:math:`\mathbb E|x|^2 = 1` in every dimension and a learning rate ``lr`` means the same ``lr * L`` everywhere
(draft, "Inverting a single gradient step": the step is governed by :math:`\lambda |x|^2`).

* :func:`synthetic_regression`: :math:`y = x\cdot\theta^\star + \sigma\varepsilon`; ``noise = 0`` gives a
  *consistent* least-squares problem (one :math:`\theta^\star` fits every point), ``noise > 0`` an
  inconsistent one (draft, "Easier cases": single minimum and asymptotic commutativity).
* :func:`synthetic_classification`: two Gaussian classes with means :math:`\pm\frac{\delta}{2} u`,
  :math:`|u| = 1`, labels in {0, 1}; ``separation`` :math:`\delta` is in units of the per-direction noise.
* :func:`load_dataset`: diabetes (regression), breast cancer (logistic), digits (network), bundled with
  scikit-learn (no download), standardised column-wise; ``scale="unit"`` further divides by
  :math:`\sqrt p` so that :math:`\mathbb E|x|^2 = 1` as for the synthetic data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.support.validation import check_memory, check_positive, check_positive_int

__all__ = ["Dataset", "synthetic_regression", "synthetic_classification", "load_dataset", "DATASETS", "covariance"]

DATASETS = ("diabetes", "breast_cancer", "digits")
_SCALES = ("standard", "unit")


@dataclass(frozen=True)
class Dataset:
    """Inputs ``X`` (n, p) float64, targets ``y`` (n,) float64 (class labels stored as floats), and the task."""

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str  # "regression", "binary" or "multiclass"
    n_classes: int = 0

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def p(self) -> int:
        return self.X.shape[1]


def covariance(p: int, condition: float, rng: np.random.Generator) -> np.ndarray:
    """A random p x p covariance with trace 1 and eigenvalue ratio ``condition`` (>= 1)."""
    p = check_positive_int(p, "p")
    condition = check_positive(condition, "condition")
    if condition < 1:
        raise ValueError(f"condition must be >= 1 (largest / smallest eigenvalue), got {condition}")
    spectrum = condition ** (-np.linspace(0.0, 1.0, p)) if p > 1 else np.ones(1)
    spectrum = spectrum / spectrum.sum()
    q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    return (q * spectrum) @ q.T


def _gaussian_inputs(n: int, p: int, condition: float, rng: np.random.Generator) -> np.ndarray:
    n, p = check_positive_int(n, "n"), check_positive_int(p, "p")
    check_memory(8.0 * (2 * n * p + 4 * p * p + 2 * n), f"synthetic data of {n:,} x {p:,}")  # X, draws, Sigma, Q, root
    sigma = covariance(p, condition, rng)
    root = np.linalg.cholesky(sigma)
    return rng.standard_normal((check_positive_int(n, "n"), p)) @ root.T


def synthetic_regression(
    n: int, p: int, rng: np.random.Generator, condition: float = 1.0, noise: float = 0.0
) -> Dataset:
    """Linear-regression data: ``y = X theta* + noise * eps`` with ``theta* ~ N(0, I_p)`` (module docstring)."""
    if noise < 0 or not np.isfinite(noise):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    X = _gaussian_inputs(n, p, condition, rng)
    theta_star = rng.standard_normal(p)
    y = X @ theta_star + noise * rng.standard_normal(n)
    kind = "consistent" if noise == 0 else "inconsistent"
    return Dataset(f"synthetic-regression-{kind}", X, y, "regression")


def synthetic_classification(
    n: int, p: int, rng: np.random.Generator, separation: float = 2.0, condition: float = 1.0
) -> Dataset:
    """Two Gaussian classes (labels 0/1, balanced) with mean gap ``separation`` along a random unit vector."""
    if separation < 0 or not np.isfinite(separation):
        raise ValueError(f"separation must be a finite number >= 0, got {separation!r}")
    X = _gaussian_inputs(n, p, condition, rng)
    labels = np.arange(check_positive_int(n, "n")) % 2
    rng.shuffle(labels)
    direction = rng.standard_normal(p)
    direction /= np.linalg.norm(direction)
    # the noise per direction has variance ~ 1/p (trace 1), so the gap is measured in that unit
    X = X + np.outer(labels - 0.5, direction) * separation / np.sqrt(p)
    return Dataset("synthetic-classification", X, labels.astype(np.float64), "binary", 2)


def _standardize(X: np.ndarray) -> np.ndarray:
    std = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)


def load_dataset(name: str, scale: str = "unit") -> Dataset:
    """One of scikit-learn's bundled datasets, standardised (see module docstring for ``scale``)."""
    from sklearn import datasets

    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}")
    if scale not in _SCALES:
        raise ValueError(f"scale must be one of {_SCALES}, got {scale!r}")
    if name == "diabetes":
        bunch = datasets.load_diabetes()
        y = (bunch.target - bunch.target.mean()) / bunch.target.std()
        task, classes = "regression", 0
    elif name == "breast_cancer":
        bunch = datasets.load_breast_cancer()
        y, task, classes = bunch.target.astype(np.float64), "binary", 2
    else:
        bunch = datasets.load_digits()
        y, task, classes = bunch.target.astype(np.float64), "multiclass", 10
    check_memory(
        3 * 8.0 * (np.size(bunch.data) + len(y)),
        f"dataset {name} ({np.shape(bunch.data)[0]:,} x {np.shape(bunch.data)[1]})",
    )
    X = _standardize(np.asarray(bunch.data, dtype=np.float64))
    if scale == "unit":
        X = X / np.sqrt(X.shape[1])
    return Dataset(name, X, np.asarray(y, dtype=np.float64), task, classes)
