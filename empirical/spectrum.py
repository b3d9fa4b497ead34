r"""Spectrum of a batch Hessian from Hessian-vector products: Lanczos, power iteration, Hutchinson.

* Extreme eigenvalues (both ends): contraction of the inversion map depends on
  :math:`\lambda \max_i |\mu_i(H_z)|` (lemma psi-contraction-iff; draft, "Banach's fixed point theorem"),
  and a non-convex Hessian has negative eigenvalues, so we need :math:`\mu_{\min}` and :math:`\mu_{\max}`.
  We use ARPACK's implicitly restarted Lanczos (``scipy.sparse.linalg.eigsh``) on a
  ``LinearOperator`` whose matvec is an HVP, ``which="BE"`` (one eigenvalue from each end).
* Power iteration (PyHessian's method, tolerance 1e-3 on the relative change) is the baseline: it finds the
  eigenvalue of largest magnitude only, at a rate :math:`|\mu_2/\mu_1|` per product.
* Hutchinson: :math:`\operatorname{tr} H = E[v^\top H v]` and :math:`\operatorname{diag} H = E[v \odot Hv]`
  for Rademacher probes :math:`v`; the draft's pitfall on Hessian norms suggests the trace as a proxy
  (lemma hessian-psd-trace-proxy: :math:`\|H\|_2 \le \operatorname{tr} H \le p \|H\|_2` when PSD).

Which Hessian is measured (BatchNorm batch statistics or running statistics) is the ``bn_mode`` of the
:class:`~empirical.functional.Objective` behind the HVP, and is passed explicitly by every caller.

The operator moves each vector between torch and float64 numpy (field notes: fine up to ~1e8 parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigsh

from empirical.functional import num_elements
from empirical.hvp import HessianVectorProduct
from theory.validation import check_positive, check_positive_int

__all__ = ["ExtremeEigenvalues", "hessian_operator", "extreme_eigenvalues", "top_eigenvalue_lanczos",
           "power_iteration", "hutchinson_trace", "hutchinson_diagonal"]


@dataclass(frozen=True)
class ExtremeEigenvalues:
    """Smallest and largest eigenvalue of a symmetric operator and the matvecs spent finding them."""

    smallest: float
    largest: float
    matvecs: int

    @property
    def spectral_norm(self) -> float:
        """max |eigenvalue| of a symmetric matrix."""
        return max(abs(self.smallest), abs(self.largest))


def hessian_operator(hvp: HessianVectorProduct) -> LinearOperator:
    """A float64 scipy ``LinearOperator`` applying the Hessian of ``hvp`` (counts in ``hvp.calls``)."""
    like = next(iter(hvp.params.values()))
    size = num_elements(hvp.params)

    def matvec(vector: np.ndarray) -> np.ndarray:
        tensor = torch.as_tensor(np.ascontiguousarray(vector).reshape(-1), dtype=like.dtype, device=like.device)
        return hvp.flat(tensor).detach().to("cpu", torch.float64).numpy()

    return LinearOperator((size, size), matvec=matvec, rmatvec=matvec, dtype=np.float64)


def _start_vector(size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(size)


def _dense(operator: LinearOperator) -> np.ndarray:
    """Materialise a (tiny) operator column by column."""
    return np.column_stack([operator.matvec(column) for column in np.eye(operator.shape[0])])


def extreme_eigenvalues(operator: LinearOperator, tol: float = 1e-6, maxiter: int | None = None,
                        seed: int = 0) -> ExtremeEigenvalues:
    """Smallest and largest eigenvalues by Lanczos (``eigsh(k=2, which="BE")``).

    ARPACK stops when each Ritz pair's residual is below ``tol`` times the Ritz value, so an eigenvalue is
    accurate to about ``tol * |H|_2`` (Parlett, *The Symmetric Eigenvalue Problem*, ch. 4: the error of a
    Ritz value is at most its residual norm). Operators of size < 3 are solved densely.
    """
    check_positive(tol, "tol")
    counter = _Counter(operator)
    if operator.shape[0] < 3:
        values = np.linalg.eigvalsh(_dense(counter))
    else:
        values = eigsh(counter, k=2, which="BE", tol=tol, maxiter=maxiter, v0=_start_vector(operator.shape[0], seed),
                       return_eigenvectors=False)
    return ExtremeEigenvalues(float(np.min(values)), float(np.max(values)), counter.count)


def top_eigenvalue_lanczos(operator: LinearOperator, tol: float = 1e-3, which: str = "LM", seed: int = 0,
                           ncv: int | None = None) -> tuple[float, int]:
    """One extreme eigenvalue by Lanczos (``which="LM"``: largest magnitude, as power iteration); (value, matvecs).

    ``ncv`` is the Krylov basis size between restarts (ARPACK's default 20): a run costs at least ``ncv``
    products, so a small ``ncv`` suits a loose ``tol``.
    """
    counter = _Counter(operator)
    value = eigsh(counter, k=1, which=which, tol=tol, v0=_start_vector(operator.shape[0], seed),
                  return_eigenvectors=False, ncv=ncv)
    return float(value[0]), counter.count


def power_iteration(operator: LinearOperator, tol: float = 1e-3, max_iter: int = 1000,
                    seed: int = 0) -> tuple[float, int, bool]:
    """Eigenvalue of largest magnitude by power iteration; (value, matvecs, converged).

    Stops when the Rayleigh quotient changes by less than ``tol`` relatively (PyHessian's rule).
    """
    check_positive(tol, "tol")
    check_positive_int(max_iter, "max_iter")
    vector = _start_vector(operator.shape[0], seed)
    vector /= np.linalg.norm(vector)
    value = None
    for iteration in range(1, max_iter + 1):
        product = operator.matvec(vector)
        new_value = float(vector @ product)
        norm = np.linalg.norm(product)
        if norm == 0:
            return 0.0, iteration, True
        vector = product / norm
        if value is not None and abs(new_value - value) <= tol * (abs(value) + 1e-30):
            return new_value, iteration, True
        value = new_value
    return float(value), max_iter, False


def _probes(size: int, count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(count, size))


def hutchinson_trace(operator: LinearOperator, probes: int = 32, seed: int = 0) -> tuple[float, float]:
    """Hutchinson's estimate of tr H with Rademacher probes: (mean of v.Hv, its standard error)."""
    check_positive_int(probes, "probes", minimum=2)
    samples = np.array([v @ operator.matvec(v) for v in _probes(operator.shape[0], probes, seed)])
    return float(samples.mean()), float(samples.std(ddof=1) / np.sqrt(probes))


def hutchinson_diagonal(operator: LinearOperator, probes: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Estimate of diag H as the mean of v * Hv over Rademacher probes: (estimate, standard error per entry)."""
    check_positive_int(probes, "probes", minimum=2)
    samples = np.array([v * operator.matvec(v) for v in _probes(operator.shape[0], probes, seed)])
    return samples.mean(axis=0), samples.std(axis=0, ddof=1) / np.sqrt(probes)


class _Counter(LinearOperator):
    """Wrap an operator and count its matvecs."""

    def __init__(self, operator: LinearOperator) -> None:
        super().__init__(dtype=np.float64, shape=operator.shape)
        self.operator, self.count = operator, 0

    def _matvec(self, vector: np.ndarray) -> np.ndarray:
        self.count += 1
        return self.operator.matvec(vector)

    def _rmatvec(self, vector: np.ndarray) -> np.ndarray:
        return self._matvec(vector)
