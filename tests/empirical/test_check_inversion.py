"""inversion-contraction: rho = lr |x|^2 and the fixed-point rate in linear regression; a network run."""

from __future__ import annotations

import numpy as np

from empirical.checks import CHECKS, resolve_settings
from empirical.checks.inversion import fixed_point_errors, newton_krylov_inverse, observed_rate
from empirical.functional import tree_add, tree_norm
from theory.checking.error_model import UNIT_ROUNDOFF, float64_tolerance, gamma

SETTINGS = {
    "n_points": 2,
    "rho_targets": [0.5, 1.5, 3.0],
    "fp_iterations": 30,
    "newton_iterations": 2,
    "krylov_iterations": 10,
    "lanczos_tol": 1e-12,
}


def test_linear_rho_and_rate_are_lr_norm_squared(linear_setup):
    """psi-contraction-iff: Lanczos gives eig max = |x|^2 (eig min = 0), and the fixed-point error shrinks by
    exactly lr |x|^2 per step (the error lr r x lies along x, the top eigenvector)."""
    rows = CHECKS["inversion-contraction"].run(
        linear_setup, resolve_settings(CHECKS["inversion-contraction"], SETTINGS)
    )
    measured = [r for r in rows if r.role == "measurement"]
    assert len(measured) == 2 * 4
    for row in measured:
        x = linear_setup.batch([row.params["point"]])[0][0].numpy()
        norm2 = float(x @ x)
        # Lanczos residual criterion: |Ritz value - eigenvalue| <= tol |H|_2, plus rounding of x.x
        tolerance = 1e-12 * norm2 + float64_tolerance(x.size, norm2)
        assert abs(row.metrics["eig_max"] - norm2) <= tolerance
        assert abs(row.metrics["eig_min"]) <= tolerance
        rho = row.params["lr"] * norm2
        assert abs(row.metrics["rho"] - rho) <= row.params["lr"] * tolerance
        # each |theta_k - theta_t| is exact to within the floor (16 u |theta|, the check's error model), so the
        # rate (e_b / e_a)^(1/n) errs relatively by at most 2 floor / min(e above floor) (n >= 1)
        objective, params = linear_setup.objective()
        z = linear_setup.batch([row.params["point"]])
        errors = fixed_point_errors(
            objective,
            objective.step(params, z, row.params["lr"]),
            params,
            z,
            row.params["lr"],
            SETTINGS["fp_iterations"],
        )
        floor = row.metrics["roundoff_floor"]
        above = [e for e in errors if e > floor]
        if len(above) >= 2:
            assert abs(observed_rate(errors, floor) - rho) <= 2 * floor / min(above) * max(rho, 1) + tolerance
            assert observed_rate(errors, floor) == row.metrics["observed_rate"]
        assert row.metrics["fp_converged"] == (rho < 1)
        # F is affine with Jacobian I - lr x x^T, which has two distinct eigenvalues (1 and 1 - rho): MINRES is exact
        # after two iterations up to rounding, so one Newton step lands on theta_t to within cond * gamma_p-sized
        # rounding (cond = max(1, |1 - rho|) / min(1, |1 - rho|) <= 2 for rho in {0.5, 1.5, 3}, p = 16: ~1e-14);
        # 1e-8 of the initial error is the loosest bound that still separates "exact" from MINRES's 1e-5 stopping rule.
        assert row.metrics["newton_error"] <= 1e-8 * row.metrics["fp_initial_error"]
    summaries = {r.params["metric"]: r.metrics["value"] for r in rows if r.role == "summary"}
    assert summaries["contraction_prediction_agreement"] == 1.0
    assert summaries["cases_stable_rho_1_to_2"] == 2  # the rho = 1.5 case of each point
    assert summaries["fixed_point_fails_fraction_stable_rho_1_to_2"] == 1.0
    assert summaries["distinct_preimages_found"] == 0  # Phi_z is injective for lr |x|^2 != 1


def test_observed_rate_of_a_geometric_sequence():
    errors = [2.0 * 0.7**k for k in range(20)]
    assert abs(observed_rate(errors, floor=0.0) - 0.7) <= 40 * UNIT_ROUNDOFF
    assert np.isnan(observed_rate([1.0], floor=0.0))
    assert abs(observed_rate(errors + [1e-30] * 5, floor=1e-20) - 0.7) <= 40 * UNIT_ROUNDOFF


def test_newton_krylov_inverts_where_fixed_point_diverges(mlp_setup):
    """stable-but-not-invertible on the MLP: at rho = 1.5 the fixed-point iteration moves away from theta_t,
    while Newton-MINRES (backtracking) recovers it: the residual |Phi(theta) - theta_next| reaches rounding
    level and, Phi being locally injective there, so does the distance to theta_t (bound: 1e-6 of the start)."""
    from empirical.spectrum import extreme_eigenvalues, hessian_operator

    objective, params = mlp_setup.objective()
    z = mlp_setup.batch([11])
    norm = extreme_eigenvalues(hessian_operator(mlp_setup.hvp(objective, params, z)), tol=1e-8).spectral_norm
    lr = 1.5 / norm
    theta_next = objective.step(params, z, lr)
    errors = fixed_point_errors(objective, theta_next, params, z, lr, 15)
    assert errors[-1] > errors[0]
    solution, hvps, residual = newton_krylov_inverse(objective, theta_next, z, lr, iterations=10, krylov_iterations=200)
    assert residual < 1e-6 * errors[0]
    assert float(tree_norm(tree_add(solution, params, alpha=-1.0))) < 1e-6 * errors[0]
    assert hvps > 0


def test_network_rows_carry_both_lemmas(mlp_setup):
    check = CHECKS["inversion-contraction"]
    rows = check.run(
        mlp_setup,
        resolve_settings(
            check, {**SETTINGS, "n_points": 1, "lanczos_tol": 1e-4, "rho_targets": [1.5], "fp_iterations": 5}
        ),
    )
    assert {r.params["lemma_id"] for r in rows} == {
        "psi-contraction-iff",
        "stable-but-not-invertible",
        "step-non-injective",
    }
    for row in (r for r in rows if r.role == "measurement"):
        assert row.metrics["eig_min"] <= row.metrics["eig_max"]
        expected_rho = row.params["lr"] * max(-row.metrics["eig_min"], row.metrics["eig_max"])
        assert abs(row.metrics["rho"] - expected_rho) <= gamma(1) * expected_rho  # one product: one rounding
