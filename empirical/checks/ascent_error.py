r"""Lifted check ``ascent-error``: one gradient-ascent step after one descent step, against -lr^2 H g.

Draft, "Gradient ascent does not revert gradient descent": with :math:`\theta_1 = \theta_0 - \lambda g_z(\theta_0)`
and :math:`\theta_2 = \theta_1 + \lambda g_z(\theta_1)`,

.. math::
    \theta_2 - \theta_0 = \lambda\,(g_z(\theta_1) - g_z(\theta_0)) = -\lambda^2 H_z g_z + O(\lambda^3)

with :math:`H_z, g_z` at :math:`\theta_0` (lemma ascent-error-logistic; exact without the
:math:`O(\lambda^3)` for a quadratic loss, where it is the draft's :math:`-\lambda^2 r |x|^2 x`, lemma
ga-linear-error). We sweep :math:`\lambda` over several decades on points z of the training set and report
where the ratio tends to 1 and the error scales as :math:`\lambda^2` (see :mod:`.second_order`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from empirical.checks.base import Row, progress
from empirical.checks.second_order import lr_grid, sweep_rows
from empirical.checks.settings import ASCENT_ERROR_DEFAULTS
from empirical.functional import Objective, Tree, point, tree_add, tree_norm, tree_scale

__all__ = ["DEFAULTS", "ascent_error", "ascent_error_prediction", "run"]

DEFAULTS = ASCENT_ERROR_DEFAULTS  # in empirical.checks.settings: the registry reads them without torch


def ascent_error(objective: Objective, params: Tree, batch: tuple, lr: float) -> Tree:
    """theta_2 - theta_0 for one descent then one ascent step of rate ``lr`` on ``batch``."""
    theta1 = objective.step(params, batch, lr)
    theta2 = objective.step(theta1, batch, lr, ascent=True)
    return tree_add(theta2, params, alpha=-1.0)


def ascent_error_prediction(objective: Objective, params: Tree, batch: tuple, hvp) -> Tree:
    """The unit prediction -H_z g_z at theta_0 (multiply by lr^2), from one HVP."""
    return tree_scale(hvp(objective.gradient(params, batch)), -1.0)


def run(setup: Any, settings: Mapping[str, Any]) -> list[Row]:
    objective, params = setup.objective()
    lrs = lr_grid(settings["lr_min"], settings["lr_max"], settings["n_lrs"])
    train_batch = (setup.data.train_x, setup.data.train_y)
    cases = []
    for index in progress(setup.indices(settings["n_points"], settings["point_seed"]), "ascent-error"):
        z = point(train_batch, int(index))
        unit = ascent_error_prediction(objective, params, z, setup.hvp(objective, params, z))
        cases.append(({"point": int(index)}, lambda lr, z=z: ascent_error(objective, params, z, lr), unit))
    lemma = "ga-linear-error" if setup.is_linear else "ascent-error-logistic"
    theta_norm = float(tree_norm(params))
    return sweep_rows(lemma, cases, lrs, theta_norm, next(iter(params.values())).dtype, settings["tolerance"])
