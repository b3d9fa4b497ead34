r"""Exact unlearning by inverting the steps of linear regression back to the first forgotten one, then replaying.

Source: the draft, "Inverting a single gradient step is hard" (closed-form inverse and Neumann series) and
"The fixed-point formulation" (:math:`\Psi(\theta) = \theta_{s+1} + \lambda g_{z_s}(\theta)`), and "The
problem of interleaved gradient steps" (invert back, then retrain on the retained steps). For a mean
batch step :math:`\Phi_B(\theta) = (I - \lambda A_B)\theta + \lambda c_B` with
:math:`A_B = \frac1{|B|}\sum_b x_b x_b^\top`, :math:`c_B = \frac1{|B|}\sum_b y_b x_b` and
:math:`\tilde\theta = \theta_{s+1} - \lambda c_B`:

* ``closed``: :math:`\theta_s = (I - \lambda A_B)^{-1}\tilde\theta` (Sherman-Morrison when :math:`|B| = 1`,
  :func:`theory.models.linear_regression.inverse_step`); exact iff :math:`\lambda|x|^2 \ne 1` (lemma lr-inverse-iff);
* ``neumann``: :math:`\sum_{k=0}^{K} (\lambda A_B)^k \tilde\theta` (:func:`theory.models.linear_regression.neumann_inverse`),
  converges iff :math:`\lambda\,\rho(A_B) < 1` (lemma neumann-converges-iff);
* ``fixed_point``: :math:`K` iterations (any engine model) of :math:`\Psi` from :math:`\theta_{s+1}`
  (:func:`theory.models.linear_regression.fixed_point_inverse`), contracts iff :math:`\lambda\,\rho(A_B) < 1`
  (lemma psi-contraction-iff).

Cost convention: inverting a step costs :math:`|B|` evaluations per matrix application (``closed``
counts one, ``neumann`` and ``fixed_point`` ``K``), plus the replay of the retained steps. No state is
stored beyond the data order. Only for the linear engine with mean aggregation and no ridge term (capability
``linear_steps``); registered as ``inversion_closed``, ``inversion_neumann`` and ``inversion_fixed_point``.
"""

from __future__ import annotations

import numpy as np

from sims.engines.linear import LinearRegression
from sims.engines.sgd import batch_mean_weights
from sims.unlearning.engine import replay_from
from sims.unlearning.problem import UnlearningProblem
from sims.unlearning.protocol import StepCost
from sims.unlearning.registry import register

__all__ = ["invert_batch_step", "linear_inversion", "INVERSIONS"]

INVERSIONS = ("closed", "neumann", "fixed_point")


def invert_batch_step(
    model,
    theta_next: np.ndarray,
    Xb: np.ndarray,
    yb: np.ndarray,
    weights: np.ndarray,
    lr: np.ndarray,
    method: str,
    terms: int,
) -> np.ndarray:
    """Preimage of one mean batch step for every trajectory (module docstring); ``lr`` is ``(T,)``.

    ``fixed_point`` works for any engine model (it only evaluates gradients); ``closed`` and ``neumann``
    use the linear structure and ignore ``model``.
    """
    a = batch_mean_weights(weights)
    rate = lr[:, None]
    if method == "closed":
        shifted = theta_next - rate * np.einsum("tb,tbp->tp", a * yb, Xb)
        system = np.eye(Xb.shape[2]) - rate[:, :, None] * np.einsum("tb,tbp,tbq->tpq", a, Xb, Xb)
        return np.linalg.solve(system, shifted[:, :, None])[:, :, 0]
    if method == "neumann":
        shifted = theta_next - rate * np.einsum("tb,tbp->tp", a * yb, Xb)
        total, term = shifted.copy(), shifted
        for _ in range(terms):
            term = rate * np.einsum("tb,tbp->tp", a * np.einsum("tbp,tp->tb", Xb, term), Xb)
            total = total + term
        return total
    if method == "fixed_point":
        theta = theta_next.copy()
        for _ in range(terms):
            theta = theta_next + rate * model.weighted_gradient(theta, Xb, yb, a)
        return theta
    raise ValueError(f"method must be one of {INVERSIONS}, got {method!r}")


def linear_inversion(problem: UnlearningProblem, method: str = "closed", terms: int = 20) -> StepCost:
    """Invert the steps back to each trajectory's first forgotten one (``method``), then replay the retained ones."""
    run = problem.require_record(f"inversion_{method}")
    if not isinstance(run.model, LinearRegression) or run.model.l2 != 0:
        raise ValueError("linear_inversion needs the linear engine without ridge term (l2 = 0)")
    if run.aggregate != "mean":
        raise ValueError("linear_inversion inverts mean-aggregated steps; the median step has no closed-form inverse")
    if method not in INVERSIONS:
        raise ValueError(f"method must be one of {INVERSIONS}, got {method!r}")
    if method != "closed" and (not isinstance(terms, (int, np.integer)) or terms < 0):
        raise ValueError(f"terms must be an integer >= 0, got {terms!r}")
    schedule, start = run.schedule, run.first_touch
    theta, evaluations = np.array(problem.state, dtype=np.float64), 0
    per_application = 1 if method == "closed" else terms
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(schedule.n_steps - 1, int(start.min(initial=schedule.n_steps)) - 1, -1):
            active = (s >= start) & (schedule.weights[:, s] != 0).any(axis=1)
            if not active.any():
                continue
            index = schedule.indices[:, s]
            previous = invert_batch_step(
                run.model, theta, run.X[index], run.y[index], schedule.weights[:, s], run.lr, method, terms
            )
            theta = np.where(active[:, None], previous, theta)
            evaluations += per_application * int(np.count_nonzero(schedule.weights[active, s]))
        trajectory = replay_from(run, theta, start)
    problem.model.load_state(trajectory.theta)
    return StepCost(evaluations + trajectory.grad_evals, schedule.n_steps)


def _registered(method: str):
    def inversion(problem: UnlearningProblem, terms: int = 20) -> StepCost:
        return linear_inversion(problem, method, terms)

    inversion.__doc__ = f"Exact for linear regression: invert the steps ({method}), then replay the retained ones."
    inversion.__name__ = f"inversion_{method}"
    return inversion


for _method in INVERSIONS:
    register(
        f"inversion_{_method}",
        requires=("linear_steps",),
        exact=True,
        defaults={} if _method == "closed" else {"terms": 20},
        grid={} if _method == "closed" else {"terms": (5, 10, 20, 40)},
    )(_registered(_method))
