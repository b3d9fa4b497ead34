"""Lanczos extreme eigenvalues and top-k / bottom-k vs dense eigvalsh; power iteration with its residual bound;
Hutchinson trace and diagonal."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.linalg import aslinearoperator

from empirical.functional import num_elements
from empirical.hvp import dense_hessian
from empirical.setup import prepare
from empirical.spectrum import (
    extreme_eigenvalues,
    hessian_operator,
    hutchinson_diagonal,
    hutchinson_trace,
    power_iteration,
    top_eigenvalue_lanczos,
    top_eigenvalues,
)
from theory.checking.error_model import float64_tolerance


@pytest.fixture(scope="module")
def medium():
    """A tanh MLP with 2,410 parameters (hidden 24) on 8 digits; its dense Hessian by torch.func.hessian."""
    setup = prepare("mlp", "digits", model_options={"hidden": 24}, progress=False)
    objective, params = setup.objective()
    batch = setup.batch(list(range(8)))
    hessian = dense_hessian(objective, params, batch).numpy()
    return setup, objective, params, batch, 0.5 * (hessian + hessian.T)


def test_lanczos_matches_dense_eigvalsh(medium):
    """Both ends of the spectrum. Tolerance: ARPACK's Ritz residual <= tol |Ritz value| bounds the eigenvalue
    error (Parlett ch. 4), so tol * |H|_2; plus the dense solver's backward error gamma_p |H|_F (Higham)."""
    setup, objective, params, batch, hessian = medium
    assert num_elements(params) == 2410
    dense = np.linalg.eigvalsh(hessian)
    tol = 1e-6
    found = extreme_eigenvalues(hessian_operator(setup.hvp(objective, params, batch)), tol=tol)
    norm = max(abs(dense[0]), abs(dense[-1]))
    bound = tol * norm + float64_tolerance(hessian.shape[0], np.linalg.norm(hessian))
    assert abs(found.smallest - dense[0]) <= bound
    assert abs(found.largest - dense[-1]) <= bound
    assert found.spectral_norm == pytest.approx(norm, abs=bound)
    assert dense[0] < 0 < dense[-1]  # a non-convex loss: both ends matter
    assert found.matvecs < hessian.shape[0]


def _rounding(hessian: np.ndarray) -> float:
    """Rounding of one float64 product H y with |y| = 1 and of the residual formed from it: gamma_p |H|_F."""
    return float64_tolerance(hessian.shape[0], np.linalg.norm(hessian))


def test_power_iteration_and_lanczos_find_the_largest_magnitude(medium):
    """An untrained MLP. The stopping rule |Ay - theta y| <= tol |theta| puts an eigenvalue within tol |theta|
    of the result (symmetric A); it must be the one of largest magnitude, up to that bound plus rounding."""
    hessian = medium[-1]
    dense = np.linalg.eigvalsh(hessian)
    target = dense[np.argmax(np.abs(dense))]
    operator = aslinearoperator(hessian)  # the estimators only see matvecs; HVPs are tested above
    for tol in (1e-3, 1e-6):
        found = power_iteration(operator, tol=tol, max_iter=5000)
        assert found.converged and found.matvecs > 1
        assert found.residuals[0] <= tol * abs(found.value)
        assert abs(found.value - target) <= tol * abs(found.value) + _rounding(hessian)
    lanczos, lanczos_matvecs = top_eigenvalue_lanczos(operator, tol=1e-3)
    assert abs(lanczos - target) <= 1e-3 * abs(target)
    with pytest.raises(ValueError, match="tol"):
        power_iteration(operator, tol=0)


@pytest.mark.parametrize("diagonal", [(2.0, -2.0, 1.0), (-3.0, 1.0, 0.5, 2.9), (1.0, -1.0), (0.0, 0.0, 0.0)])
def test_power_iteration_returns_the_signed_eigenvalue_of_largest_magnitude(diagonal):
    """Plain power iteration stalls between +2 and -2 (PyHessian's rule returned -0.099 for diag(2, -2, 1)); the
    two-vector Ritz step converges to one of them. With a tie in magnitude either sign is an eigenvalue of
    largest magnitude. The exact zero operator returns 0 with a zero residual."""
    matrix = np.diag(diagonal)
    found = power_iteration(aslinearoperator(matrix), tol=1e-8, max_iter=5000, return_vectors=True)
    largest = np.max(np.abs(diagonal))
    assert found.converged
    assert abs(abs(found.value) - largest) <= 1e-8 * largest + _rounding(matrix)
    assert np.min(np.abs(np.array(diagonal) - found.value)) <= 1e-8 * largest + _rounding(matrix)
    vector = found.vectors[:, 0]
    assert np.linalg.norm(matrix @ vector - found.value * vector) <= 1e-8 * largest + _rounding(matrix)


def test_top_and_bottom_k_with_vectors_and_residuals(medium):
    """Top-5 (LA) and bottom-5 (SA) against eigvalsh: each error is at most the returned residual (plus the
    dense solver's backward error), and the residuals are below ARPACK's tol |value| criterion, up to rounding."""
    hessian = medium[-1]
    dense = np.linalg.eigvalsh(hessian)
    operator = aslinearoperator(hessian)
    for which, expected in (("LA", dense[-5:]), ("SA", dense[:5])):
        found = top_eigenvalues(operator, 5, which=which, ncv=30, tol=1e-8, return_vectors=True)
        assert found.values.shape == (5,) and found.vectors.shape == (hessian.shape[0], 5)
        assert np.all(np.diff(found.values) >= 0)
        assert np.all(np.abs(found.values - expected) <= found.residuals + _rounding(hessian))
        assert np.all(found.residuals <= 1e-8 * np.abs(found.values) * 10 + _rounding(hessian))
        assert found.matvecs >= 30 + 5  # at least ncv products, plus one per measured residual
        products = hessian @ found.vectors
        assert np.allclose(
            np.linalg.norm(products - found.vectors * found.values, axis=0),
            found.residuals,
            rtol=0,
            atol=_rounding(hessian),
        )
    assert top_eigenvalues(operator, 2, tol=1e-6).vectors is None
    with pytest.raises(ValueError, match="which"):
        top_eigenvalues(operator, 2, which="top")
    with pytest.raises(ValueError, match="ncv"):
        top_eigenvalues(operator, 5, ncv=5)


def test_hessian_operator_top_eigenvalues_method(medium):
    setup, objective, params, batch, hessian = medium
    operator = hessian_operator(setup.hvp(objective, params, batch))
    found = operator.top_eigenvalues(1, which="LA", tol=1e-8)
    assert abs(found.value - np.linalg.eigvalsh(hessian)[-1]) <= found.residuals[0] + _rounding(hessian)
    assert operator.hvp.mode_used == "graph" and operator.hvp.calls == found.matvecs


def test_hutchinson_estimates_are_within_their_standard_errors(medium):
    """Monte Carlo: the estimate lies within 5 standard errors of tr H (z-score 5: failure probability ~ 6e-7
    under the CLT), and the diagonal estimate within 5 standard errors on all but a 1e-3 fraction of entries
    (plus the coordinates with zero variance, which must be exact)."""
    hessian = medium[-1]
    operator = aslinearoperator(hessian)
    estimate, error = hutchinson_trace(operator, probes=64, seed=3)
    assert abs(estimate - np.trace(hessian)) <= 5 * error
    diagonal, errors = hutchinson_diagonal(operator, probes=64, seed=4)
    outside = np.abs(diagonal - np.diag(hessian)) > 5 * errors + float64_tolerance(
        hessian.shape[0], np.abs(hessian).max()
    )
    assert outside.mean() <= 1e-3
