r"""Spectrum of a batch Hessian from Hessian-vector products: Lanczos, power iteration, Hutchinson.

* Extreme eigenvalues (both ends): contraction of the inversion map depends on
  :math:`\lambda \max_i |\mu_i(H_z)|` (lemma psi-contraction-iff; draft, "Banach's fixed point theorem"),
  and a non-convex Hessian has negative eigenvalues, so we need :math:`\mu_{\min}` and :math:`\mu_{\max}`.
  We use ARPACK's implicitly restarted Lanczos (``scipy.sparse.linalg.eigsh``) on a
  ``LinearOperator`` whose matvec is an HVP, ``which="BE"`` (one eigenvalue from each end).
* Top-k / bottom-k (:func:`top_eigenvalues`): ``eigsh`` with ``which`` and ``ncv`` exposed, one result type
  :class:`Eigenpairs` (values, vectors when asked, matvecs, residual norms).
* Power iteration is the baseline (PyHessian's method): the eigenvalue of largest magnitude, at a rate
  :math:`|\mu_2/\mu_1|` per product. Ours takes the Ritz pair of largest magnitude on the span of the last two
  iterates (no extra product), so a pair :math:`\pm\mu` of equal magnitude converges too (plain power
  iteration's Rayleigh quotient stalls between them: -0.099 for diag(2, -2, 1)), and it stops on the residual:
  for a symmetric operator and unit :math:`y`, some eigenvalue lies within :math:`\|Ay - \theta y\|` of
  :math:`\theta = y^\top A y` (Parlett, *The Symmetric Eigenvalue Problem*, thm 4.5.1), so stopping at
  :math:`\|r\| \le \text{tol}\,|\theta|` bounds the eigenvalue error by ``tol`` relatively. PyHessian's rule
  (relative change of the estimate < tol) reported convergence at a 3.5 % error on an untrained MLP.
* Hutchinson: :math:`\operatorname{tr} H = E[v^\top H v]` and :math:`\operatorname{diag} H = E[v \odot Hv]`
  for Rademacher probes :math:`v`; the draft's pitfall on Hessian norms suggests the trace as a proxy
  (lemma hessian-psd-trace-proxy: :math:`\|H\|_2 \le \operatorname{tr} H \le p \|H\|_2` when PSD).

Which Hessian is measured (BatchNorm batch statistics or running statistics) is the ``bn_mode`` of the
:class:`~empirical.functional.Objective` behind the HVP, and is passed explicitly by every caller.

The operator moves each vector between torch and float64 numpy (field notes: fine up to ~1e8 parameters).
:func:`hessian_operator` keeps one :class:`~empirical.hvp.HessianVectorProduct` for all its products, so
the default mode builds the gradient graph once per point and reuses it (``benchmarks/bench_empirical_hvp.py``
measures Lanczos with and without the reuse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, eigsh

from empirical.functional import num_elements
from empirical.hvp import HessianVectorProduct
from theory.support.validation import check_positive, check_positive_int

__all__ = [
    "ExtremeEigenvalues",
    "Eigenpairs",
    "HessianOperator",
    "hessian_operator",
    "extreme_eigenvalues",
    "top_eigenvalues",
    "top_eigenvalue_lanczos",
    "power_iteration",
    "hutchinson_trace",
    "hutchinson_diagonal",
]

WHICH = ("LA", "SA", "LM", "SM", "BE")


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


@dataclass(frozen=True)
class Eigenpairs:
    r"""Eigenvalues of a symmetric operator in ascending order, with what finding them cost and how good they are.

    ``residuals[i]`` is :math:`\|A y_i - \theta_i y_i\|` for the unit Ritz vector :math:`y_i`: some eigenvalue
    lies within it of ``values[i]`` (symmetric operators). ``vectors`` (``(n, k)``) only when asked for;
    ``matvecs`` counts every product, including the ``k`` that measure the residuals; ``converged`` is False
    when an iterative method stopped on its iteration limit.
    """

    values: np.ndarray
    residuals: np.ndarray
    matvecs: int
    vectors: np.ndarray | None = None
    converged: bool = True

    @property
    def value(self) -> float:
        """The one eigenvalue of a ``k=1`` result (power iteration)."""
        if self.values.size != 1:
            raise ValueError(f"value needs exactly one eigenvalue, this result holds {self.values.size}")
        return float(self.values[0])


class HessianOperator(LinearOperator):
    """A float64 scipy ``LinearOperator`` applying the Hessian of ``hvp`` (counts in ``hvp.calls``).

    One :class:`~empirical.hvp.HessianVectorProduct` serves every product (its gradient graph is built once).
    """

    def __init__(self, hvp: HessianVectorProduct) -> None:
        size = num_elements(hvp.params)
        super().__init__(dtype=np.float64, shape=(size, size))
        self.hvp = hvp
        self._like = next(iter(hvp.params.values()))

    def _matvec(self, vector: np.ndarray) -> np.ndarray:
        like = self._like
        tensor = torch.as_tensor(np.ascontiguousarray(vector).reshape(-1), dtype=like.dtype, device=like.device)
        return self.hvp.flat(tensor).detach().to("cpu", torch.float64).numpy()

    def _rmatvec(self, vector: np.ndarray) -> np.ndarray:
        return self._matvec(vector)

    def top_eigenvalues(self, k: int = 1, **options) -> Eigenpairs:
        """:func:`top_eigenvalues` of this operator."""
        return top_eigenvalues(self, k, **options)


def hessian_operator(hvp: HessianVectorProduct) -> HessianOperator:
    """The Hessian of ``hvp`` as a float64 scipy ``LinearOperator`` (see :class:`HessianOperator`)."""
    return HessianOperator(hvp)


def _check_operator(operator: LinearOperator) -> int:
    """The size of a square, non-empty operator; ``ValueError`` otherwise."""
    shape = tuple(getattr(operator, "shape", ()))
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1 or not hasattr(operator, "matvec"):
        raise ValueError(f"the operator must be a square, non-empty LinearOperator, got shape {shape}")
    return int(shape[0])


def _eigsh(counter: _Counter, **options) -> Any:
    """``eigsh`` whose ARPACK failures (not the partial results of ArpackNoConvergence) are a ValueError."""
    try:
        return eigsh(counter, **options)
    except ArpackNoConvergence:
        raise
    except ArpackError as error:
        raise ValueError(
            f"ARPACK failed on the operator of size {counter.shape[0]} ({str(error).splitlines()[0]}); "
            "check that the operator is symmetric and finite, or use power_iteration"
        ) from None


def _start_vector(size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(size)


def _dense(operator: LinearOperator) -> np.ndarray:
    """Materialise a (tiny) operator column by column."""
    return np.column_stack([operator.matvec(column) for column in np.eye(operator.shape[0])])


def extreme_eigenvalues(
    operator: LinearOperator, tol: float = 1e-6, maxiter: int | None = None, seed: int = 0
) -> ExtremeEigenvalues:
    """Smallest and largest eigenvalues by Lanczos (``eigsh(k=2, which="BE")``).

    ARPACK stops when each Ritz pair's residual is below ``tol`` times the Ritz value, so an eigenvalue is
    accurate to about ``tol * |H|_2`` (Parlett, *The Symmetric Eigenvalue Problem*, ch. 4: the error of a
    Ritz value is at most its residual norm). Operators of size < 3 are solved densely.
    """
    check_positive(tol, "tol")
    size = _check_operator(operator)
    counter = _Counter(operator)
    if size < 3:
        values = np.linalg.eigvalsh(_dense(counter))
    else:
        values = _eigsh(
            counter, k=2, which="BE", tol=tol, maxiter=maxiter, v0=_start_vector(size, seed), return_eigenvectors=False
        )
    return ExtremeEigenvalues(float(np.min(values)), float(np.max(values)), counter.count)


def top_eigenvalues(
    operator: LinearOperator,
    k: int = 1,
    which: str = "LA",
    ncv: int | None = None,
    tol: float = 1e-6,
    return_vectors: bool = False,
    maxiter: int | None = None,
    seed: int = 0,
) -> Eigenpairs:
    """``k`` eigenvalues of a symmetric operator by implicitly restarted Lanczos (ARPACK ``eigsh``).

    ``which``: ``"LA"`` the k largest (top-k), ``"SA"`` the k smallest (bottom-k), ``"LM"`` / ``"SM"`` largest /
    smallest magnitude, ``"BE"`` half from each end. ``ncv`` is the Krylov basis size between restarts
    (ARPACK's default ``max(2k + 1, 20)``): a run costs at least ``ncv`` products, so a small ``ncv`` suits a
    loose ``tol``. ARPACK stops when each Ritz residual is below ``tol`` times its Ritz value; the residuals
    are then measured (``k`` more products) and returned. Operators with at most ``k + 1`` rows (where ARPACK
    cannot run) are solved densely.
    """
    check_positive(tol, "tol")
    size = _check_operator(operator)
    k = check_positive_int(k, "k")
    if which not in WHICH:
        raise ValueError(f"which must be one of {WHICH}, got {which!r}")
    if k > size:
        raise ValueError(f"k={k} eigenvalues asked of an operator of size {size}")
    if ncv is not None and not (k < ncv <= size):
        raise ValueError(f"ncv must satisfy k < ncv <= {size} (the operator's size), got ncv={ncv} with k={k}")
    counter = _Counter(operator)
    converged = True
    if size <= k + 1:
        values, vectors = np.linalg.eigh(_dense(counter))
        order = {
            "LA": np.argsort(-values),
            "SA": np.argsort(values),
            "LM": np.argsort(-np.abs(values)),
            "SM": np.argsort(np.abs(values)),
            "BE": np.argsort(values),
        }[which][:k]
        values, vectors = values[order], vectors[:, order]
    else:
        try:
            values, vectors = _eigsh(
                counter, k=k, which=which, tol=tol, ncv=ncv, maxiter=maxiter, v0=_start_vector(size, seed)
            )
        except ArpackNoConvergence as partial:
            values, vectors, converged = partial.eigenvalues, partial.eigenvectors, False
    order = np.argsort(values)
    values, vectors = np.asarray(values)[order], np.asarray(vectors)[:, order]
    products = np.column_stack([counter.matvec(vectors[:, i]) for i in range(values.size)]) if values.size else vectors
    residuals = np.linalg.norm(products - vectors * values, axis=0)
    return Eigenpairs(values, residuals, counter.count, vectors if return_vectors else None, converged)


def top_eigenvalue_lanczos(
    operator: LinearOperator, tol: float = 1e-3, which: str = "LM", seed: int = 0, ncv: int | None = None
) -> tuple[float, int]:
    """One extreme eigenvalue by Lanczos (``which="LM"``: largest magnitude, as power iteration); (value, matvecs).

    ``ncv`` is the Krylov basis size between restarts (ARPACK's default 20): a run costs at least ``ncv``
    products, so a small ``ncv`` suits a loose ``tol``. (No residual products: :func:`top_eigenvalues` has them.)
    """
    check_positive(tol, "tol")
    size = _check_operator(operator)
    if which not in WHICH or which == "BE":
        raise ValueError(f"which must be one of {tuple(w for w in WHICH if w != 'BE')}, got {which!r}")
    if ncv is not None and not (1 < ncv <= size):
        raise ValueError(f"ncv must satisfy 1 < ncv <= {size} (the operator's size), got ncv={ncv}")
    counter = _Counter(operator)
    if size <= 2:  # ARPACK needs k < size - 1: solved densely
        values = np.linalg.eigvalsh(_dense(counter))
        pick = {
            "LA": np.argmax(values),
            "SA": np.argmin(values),
            "LM": np.argmax(np.abs(values)),
            "SM": np.argmin(np.abs(values)),
        }[which]
        return float(values[pick]), counter.count
    value = _eigsh(counter, k=1, which=which, tol=tol, v0=_start_vector(size, seed), return_eigenvectors=False, ncv=ncv)
    return float(value[0]), counter.count


def _largest_ritz_pair(basis: np.ndarray, products: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Ritz pair of largest magnitude on the span of the orthonormal columns of ``basis`` (``products`` = A basis):
    (value, unit vector y, A y)."""
    projected = basis.T @ products
    values, coefficients = np.linalg.eigh(0.5 * (projected + projected.T))
    best = int(np.argmax(np.abs(values)))
    return float(values[best]), basis @ coefficients[:, best], products @ coefficients[:, best]


def power_iteration(
    operator: LinearOperator, tol: float = 1e-3, max_iter: int = 1000, seed: int = 0, return_vectors: bool = False
) -> Eigenpairs:
    r"""The signed eigenvalue of largest magnitude of a symmetric operator (module docstring); one product a step.

    Iterates :math:`v_{k+1} = A v_k / \|A v_k\|`; at each step takes the Ritz pair :math:`(\theta, y)` of largest
    magnitude on :math:`\mathrm{span}(v_k, v_{k+1})` and stops when :math:`\|Ay - \theta y\| \le \text{tol}\,|\theta|`,
    so an eigenvalue lies within ``tol |theta|`` of the result (that it is the largest in magnitude is what power
    iteration converges to from a generic start). Set ``tol`` above the rounding floor of the products,
    about ``u |A|_2`` relative. ``converged=False`` when ``max_iter`` products did not reach ``tol``.
    """
    check_positive(tol, "tol")
    check_positive_int(max_iter, "max_iter", minimum=2)
    vector = _start_vector(_check_operator(operator), seed)
    operator = _Counter(operator)  # products checked finite
    vector /= np.linalg.norm(vector)
    product = operator.matvec(vector)
    value, ritz, residual = 0.0, vector, float("inf")
    for iteration in range(2, max_iter + 1):
        norm = np.linalg.norm(product)
        if norm == 0:  # v is in the null space: 0 is an eigenvalue, exactly
            return Eigenpairs(np.zeros(1), np.zeros(1), iteration - 1, vector[:, None] if return_vectors else None)
        following = product / norm
        following_product = operator.matvec(following)
        # orthonormal basis of span(v, Av): q2 = Av - (v.Av) v, dropped when Av is parallel to v (1-d Ritz)
        overlap = float(vector @ following)
        second = following - overlap * vector
        second_norm = np.linalg.norm(second)
        if second_norm > 1e-8:
            basis = np.column_stack([vector, second / second_norm])
            products = np.column_stack([product, (following_product - overlap * product) / second_norm])
        else:
            basis, products = following[:, None], following_product[:, None]
        value, ritz, ritz_product = _largest_ritz_pair(basis, products)
        residual = float(np.linalg.norm(ritz_product - value * ritz))
        if residual <= tol * abs(value):
            return Eigenpairs(
                np.array([value]), np.array([residual]), iteration, ritz[:, None] if return_vectors else None
            )
        vector, product = following, following_product
    return Eigenpairs(
        np.array([value]), np.array([residual]), max_iter, ritz[:, None] if return_vectors else None, converged=False
    )


def _probes(size: int, count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(count, size))


def hutchinson_trace(operator: LinearOperator, probes: int = 32, seed: int = 0) -> tuple[float, float]:
    """Hutchinson's estimate of tr H with Rademacher probes: (mean of v.Hv, its standard error)."""
    check_positive_int(probes, "probes", minimum=2)
    size, operator = _check_operator(operator), _Counter(operator)  # products checked finite
    samples = np.array([v @ operator.matvec(v) for v in _probes(size, probes, seed)])
    return float(samples.mean()), float(samples.std(ddof=1) / np.sqrt(probes))


def hutchinson_diagonal(operator: LinearOperator, probes: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Estimate of diag H as the mean of v * Hv over Rademacher probes: (estimate, standard error per entry)."""
    check_positive_int(probes, "probes", minimum=2)
    size, operator = _check_operator(operator), _Counter(operator)  # products checked finite
    samples = np.array([v * operator.matvec(v) for v in _probes(size, probes, seed)])
    return samples.mean(axis=0), samples.std(axis=0, ddof=1) / np.sqrt(probes)


class _Counter(LinearOperator):
    """Wrap an operator and count its matvecs."""

    def __init__(self, operator: LinearOperator) -> None:
        super().__init__(dtype=np.float64, shape=operator.shape)
        self.operator, self.count = operator, 0

    def _matvec(self, vector: np.ndarray) -> np.ndarray:
        self.count += 1
        product = self.operator.matvec(vector)
        if not np.all(np.isfinite(product)):
            raise ValueError(
                f"product {self.count} of the operator holds NaN or infinite entries: the Hessian is not "
                "finite at these parameters (a diverged model?); check the parameters and the batch"
            )
        return product

    def _rmatvec(self, vector: np.ndarray) -> np.ndarray:
        return self._matvec(vector)
