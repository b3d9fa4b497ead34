r"""Gradient ascent on the forget set: :math:`\theta \leftarrow \theta + \mu\, \mathrm{agg}_b\, g_{z_b}(\theta)`.

Source: the draft, "Gradient ascent does not revert gradient descent" (the usual approximate unlearning
step; Thudi et al. 2022, Jang et al. 2023 use it as NegGrad / GA). The forgotten examples are visited in
reverse order of training, in batches of the training batch size, ``epochs`` times, at ascent rate
``ascent_lr`` (default: the training rate, the draft's :math:`\theta_2 = \theta_1 + \lambda g_z(\theta_1)`).
Cost: ``epochs`` x the number of forgotten occurrences.
"""

from __future__ import annotations

from sims.engines.sgd import run_sgd
from sims.unlearning.problem import UnlearningProblem, UnlearningResult, forgotten_in_reverse

__all__ = ["gradient_ascent"]


def gradient_ascent(problem: UnlearningProblem, ascent_lr=None, epochs: int = 1) -> UnlearningResult:
    schedule = forgotten_in_reverse(problem, problem.schedule.batch_size)
    rate = problem.lr if ascent_lr is None else ascent_lr
    theta, evaluations = problem.full.theta, 0
    for _ in range(epochs):
        run = run_sgd(problem.model, problem.X, problem.y, theta, schedule, rate, problem.aggregate, sign=-1.0)
        theta, evaluations = run.theta, evaluations + run.grad_evals
    return UnlearningResult("gradient_ascent", theta, evaluations)
