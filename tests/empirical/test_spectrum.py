"""Lanczos extreme eigenvalues vs dense eigvalsh; power iteration; Hutchinson trace and diagonal."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.linalg import aslinearoperator

from empirical.functional import num_elements
from empirical.hvp import dense_hessian
from empirical.setup import prepare
from empirical.spectrum import (extreme_eigenvalues, hessian_operator, hutchinson_diagonal, hutchinson_trace,
                                power_iteration, top_eigenvalue_lanczos)
from theory.error_model import float64_tolerance


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


def test_power_iteration_and_lanczos_find_the_largest_magnitude(medium):
    """Power iteration stops on a 1e-3 relative change; its error is then at most ~ 1e-3 |mu_1| / (1 - |mu_2/mu_1|),
    checked loosely at 10x the stopping tolerance relative to |H|_2."""
    hessian = medium[-1]
    dense = np.linalg.eigvalsh(hessian)
    target = dense[np.argmax(np.abs(dense))]
    operator = aslinearoperator(hessian)  # the estimators only see matvecs; HVPs are tested above
    value, matvecs, converged = power_iteration(operator, tol=1e-3, max_iter=2000)
    assert converged and matvecs > 1
    gap = 1 - np.sort(np.abs(dense))[-2] / abs(target)
    assert abs(value - target) <= 1e-3 * abs(target) / gap
    lanczos, lanczos_matvecs = top_eigenvalue_lanczos(operator, tol=1e-3)
    assert abs(lanczos - target) <= 1e-3 * abs(target)
    with pytest.raises(ValueError, match="tol"):
        power_iteration(operator, tol=0)


def test_hutchinson_estimates_are_within_their_standard_errors(medium):
    """Monte Carlo: the estimate lies within 5 standard errors of tr H (z-score 5: failure probability ~ 6e-7
    under the CLT), and the diagonal estimate within 5 standard errors on all but a 1e-3 fraction of entries
    (plus the coordinates with zero variance, which must be exact)."""
    hessian = medium[-1]
    operator = aslinearoperator(hessian)
    estimate, error = hutchinson_trace(operator, probes=64, seed=3)
    assert abs(estimate - np.trace(hessian)) <= 5 * error
    diagonal, errors = hutchinson_diagonal(operator, probes=64, seed=4)
    outside = np.abs(diagonal - np.diag(hessian)) > 5 * errors + float64_tolerance(hessian.shape[0], np.abs(hessian).max())
    assert outside.mean() <= 1e-3
