r"""Lifted check ``inversion-contraction``: can one gradient step be undone by a fixed-point iteration?

Draft, "The fixed-point formulation": :math:`\theta_t` is a fixed point of
:math:`\Psi(\theta) = \theta_{t+1} + \lambda g_z(\theta)`, whose Jacobian is :math:`\lambda H_z(\theta)`.
Near :math:`\theta_t`, :math:`\Psi` contracts iff :math:`\rho = \lambda \max_i |\mu_i(H_z)| < 1`
(lemma psi-contraction-iff; in linear regression :math:`\rho = \lambda |x|^2` exactly), and then the
iteration converges at the rate :math:`\rho` per step. Training is stable on the local quadratic when
:math:`\lambda \mu_{\max} < 2`; so for :math:`1 \le \rho < 2` forward descent is stable but the fixed-point
inversion does not contract (lemma stable-but-not-invertible). Edge of stability (Cohen et al. 2021) puts
trained networks near :math:`\lambda \mu_{\max} \approx 2`.

Per point z and learning rate we measure whether the fixed-point iteration converges (error below
:data:`CONVERGED` times the initial one),  :math:`\mu_{\min}, \mu_{\max}` by Lanczos, the observed rate of the
fixed-point iteration (geometric mean of successive error ratios over the second half of the iterations),
and the error of a Newton-Krylov inversion, the stronger inverter: Newton on
:math:`F(\theta) = \theta - \lambda g_z(\theta) - \theta_{t+1}` with :math:`F'(\theta) = I - \lambda H_z(\theta)`
solved by MINRES (``scipy.sparse.linalg.minres``; the matrix is symmetric, possibly indefinite) on HVPs.
Learning rates: the ``lr`` setting and the ones putting :math:`\rho` at each of ``rho_targets``.
When Newton converges to a point other than :math:`\theta_t`, that point is a second preimage of
:math:`\theta_{t+1}` (lemma step-non-injective): no inverter can tell which one training came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, minres

from empirical.checks.base import Row, progress, summary
from empirical.checks.settings import INVERSION_DEFAULTS
from empirical.functional import Objective, Tree, flatten, point, tree_add, tree_norm, unflatten
from empirical.hvp import HessianVectorProduct
from empirical.spectrum import extreme_eigenvalues, hessian_operator

__all__ = ["DEFAULTS", "fixed_point_errors", "observed_rate", "newton_krylov_inverse", "run"]

#: The fixed-point iteration "converges" when its error falls below this fraction of the initial error (or to
#: the rounding floor) within ``fp_iterations`` steps; with K steps, rates above CONVERGED**(1/K) (0.71 for
#: K = 40) do not count as converging, so rho targets are best kept away from 1.
CONVERGED = 1e-6
#: A Newton solution with residual below PREIMAGE times the initial error that lies farther than DISTINCT
#: times the initial error from theta_t is a second preimage: Phi_z(theta') = Phi_z(theta_t), theta' != theta_t
#: (Phi_z is not injective, lemma step-non-injective; for a network with a saturated loss, g_z(theta') = 0
#: makes theta' = theta_{t+1} itself such a preimage).
PREIMAGE, DISTINCT = 1e-10, 1e-4

DEFAULTS = INVERSION_DEFAULTS  # in empirical.checks.settings: the registry reads them without torch


def fixed_point_errors(
    objective: Objective, theta_next: Tree, target: Tree, batch: tuple, lr: float, iterations: int
) -> list[float]:
    """|theta_k - target| along theta_{k+1} = theta_next + lr g_z(theta_k), theta_0 = theta_next (k = 0..K)."""
    theta, errors = theta_next, [float(tree_norm(tree_add(theta_next, target, alpha=-1.0)))]
    for _ in range(iterations):
        theta = tree_add(theta_next, objective.gradient(theta, batch), alpha=lr)
        error = float(tree_norm(tree_add(theta, target, alpha=-1.0)))
        errors.append(error)
        if not np.isfinite(error) or error > 1e6 * (errors[0] + 1e-300):
            break
    return errors


def observed_rate(errors: list[float], floor: float) -> float:
    """Geometric-mean ratio e_{k+1}/e_k over the second half of the errors above ``floor`` (rounding)."""
    usable = [e for e in errors if np.isfinite(e)]
    cut = next((k for k, e in enumerate(usable) if e <= floor), len(usable))
    usable = usable[:cut]
    if len(usable) < 2:
        return float("nan")
    tail = usable[len(usable) // 2 :] if len(usable) >= 4 else usable
    return float((tail[-1] / tail[0]) ** (1.0 / (len(tail) - 1)))


def _residual(objective: Objective, theta: Tree, theta_next: Tree, batch: tuple, lr: float) -> Tree:
    """F(theta) = Phi_z(theta) - theta_next."""
    return tree_add(objective.step(theta, batch, lr), theta_next, alpha=-1.0)


def newton_krylov_inverse(
    objective: Objective,
    theta_next: Tree,
    batch: tuple,
    lr: float,
    iterations: int,
    krylov_iterations: int,
    hvp_mode: str = "auto",
) -> tuple[Tree, int, float]:
    """Solve Phi_z(theta) = theta_next by Newton-MINRES from theta_next, with backtracking on |F|.

    Returns (solution, HVPs used, final residual |F|). Each Newton direction solves
    (I - lr H_z(theta)) d = -F(theta) by MINRES; the step d / 2^j with the least j <= 10 that lowers |F|
    is taken (no step when none does).
    """
    theta, hvps = dict(theta_next), 0
    like = next(iter(theta.values()))
    residual = _residual(objective, theta, theta_next, batch, lr)
    norm = float(tree_norm(residual))
    for _ in range(iterations):
        if norm == 0:
            break
        hessian = hessian_operator(HessianVectorProduct(objective, theta, batch, mode=hvp_mode))
        size = hessian.shape[0]
        jacobian = LinearOperator((size, size), matvec=lambda v: v - lr * hessian.matvec(v), dtype=np.float64)
        counter = {"n": 0}
        step, _ = minres(
            jacobian,
            -flatten(residual).detach().cpu().double().numpy(),
            maxiter=krylov_iterations,
            callback=lambda _: counter.__setitem__("n", counter["n"] + 1),
        )
        hvps += counter["n"] + 1
        direction = unflatten(torch.as_tensor(step, dtype=like.dtype, device=like.device), theta)
        for halvings in range(11):
            candidate = tree_add(theta, direction, alpha=0.5**halvings)
            candidate_residual = _residual(objective, candidate, theta_next, batch, lr)
            candidate_norm = float(tree_norm(candidate_residual))
            if candidate_norm < norm:
                theta, residual, norm = candidate, candidate_residual, candidate_norm
                break
        else:
            break
    return theta, hvps, norm


def run(setup: Any, settings: Mapping[str, Any]) -> list[Row]:
    objective, params = setup.objective()
    dtype = next(iter(params.values())).dtype
    unit = float(torch.finfo(dtype).eps) / 2
    train_batch = (setup.data.train_x, setup.data.train_y)
    rows: list[Row] = []
    agree, total, stable_band, stable_not_invertible, newton_better, other_preimages = 0, 0, 0, 0, 0, 0
    for index in progress(setup.indices(settings["n_points"], settings["point_seed"]), "inversion-contraction"):
        z = point(train_batch, int(index))
        hvp = setup.hvp(objective, params, z)  # one operator, its gradient graph reused by every Lanczos product
        spectrum = extreme_eigenvalues(hessian_operator(hvp), tol=settings["lanczos_tol"])
        norm = spectrum.spectral_norm
        lrs = [settings["lr"]] + ([t / norm for t in settings["rho_targets"]] if norm > 0 else [])
        for lr in lrs:
            theta_next = objective.step(params, z, lr)
            floor = 16 * unit * float(tree_norm(params))
            errors = fixed_point_errors(objective, theta_next, params, z, lr, settings["fp_iterations"])
            rate = observed_rate(errors, floor)
            solution, hvps, newton_residual = newton_krylov_inverse(
                objective,
                theta_next,
                z,
                lr,
                settings["newton_iterations"],
                settings["krylov_iterations"],
                setup.hvp_mode,
            )
            newton_error = float(tree_norm(tree_add(solution, params, alpha=-1.0)))
            rho = lr * norm
            contracts = bool(np.isfinite(errors[-1]) and (errors[-1] <= CONVERGED * errors[0] or errors[-1] <= floor))
            stable = lr * spectrum.largest < 2
            total += 1
            agree += int(contracts == (rho < 1))
            if stable and 1 <= rho < 2:
                stable_band += 1
                stable_not_invertible += int(not contracts)
            newton_better += int(newton_error < errors[-1])
            # Newton reached a preimage of theta_next (residual at rounding level) that is not theta_t
            other_preimage = bool(newton_residual <= PREIMAGE * errors[0] and newton_error > DISTINCT * errors[0])
            other_preimages += int(other_preimage)
            rows.append(
                Row(
                    {
                        "lemma_id": "psi-contraction-iff",
                        "point": int(index),
                        "lr": float(lr),
                        "hvp_mode": hvp.mode_used,
                    },
                    {
                        "eig_min": spectrum.smallest,
                        "eig_max": spectrum.largest,
                        "lanczos_matvecs": spectrum.matvecs,
                        "rho": rho,
                        "lr_eig_max": lr * spectrum.largest,
                        "observed_rate": rate,
                        "fp_initial_error": errors[0],
                        "fp_final_error": errors[-1],
                        "fp_iterations_run": len(errors) - 1,
                        "fp_converged": contracts,
                        "forward_stable": stable,
                        "newton_error": newton_error,
                        "newton_residual": newton_residual,
                        "newton_hvps": hvps,
                        "newton_other_preimage": other_preimage,
                        "roundoff_floor": floor,
                    },
                )
            )
    rows += [
        summary("psi-contraction-iff", "contraction_prediction_agreement", agree / max(total, 1), key=True),
        summary(
            "stable-but-not-invertible",
            "fixed_point_fails_fraction_stable_rho_1_to_2",
            stable_not_invertible / stable_band if stable_band else float("nan"),
            key=True,
        ),
        summary("stable-but-not-invertible", "cases_stable_rho_1_to_2", stable_band),
        summary("psi-contraction-iff", "newton_beats_fixed_point_fraction", newton_better / max(total, 1)),
        summary("step-non-injective", "distinct_preimages_found", other_preimages, key=True),
    ]
    trained = [r for r in rows if r.params.get("lr") == settings["lr"]]
    if trained:
        rows.append(
            summary(
                "psi-contraction-iff",
                "median_rho_at_training_lr",
                float(np.median([r.metrics["rho"] for r in trained])),
            )
        )
    return rows
