r"""Per-example gradients :math:`g_{z_i}(\theta)` of a batch, by ``vmap(grad(...))``.

Draft, "Notations" (batching): an exact unlearner must know every per-example gradient of a batch, not only
their mean :math:`g_B = \frac1B \sum_i g_{z_i}`. ``torch.func.vmap`` vectorises the gradient of the one-example
loss over the batch; ``chunk_size`` bounds memory by vectorising that many examples at a time.

BatchNorm in train mode couples the examples of a batch, so a per-example gradient of a BatchNorm network is
only defined with ``bn_mode="eval"`` (field notes, "torch.func pitfalls"); we refuse the train mode.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor
from torch.func import grad, vmap

from empirical.functional import Objective, Tree, point
from empirical.hvp import check_batch

__all__ = ["per_example_gradients", "per_example_gradients_loop"]


def _check(objective: Objective, params: Mapping[str, Tensor], inputs: Tensor, targets: Tensor) -> None:
    if objective.bn_mode == "train" and objective.has_batchnorm:
        raise ValueError(
            "per-example gradients of a BatchNorm network need bn_mode='eval' "
            "(train-mode batch statistics couple the examples)"
        )
    check_batch(objective, params, (inputs, targets), "per-example batch")


def per_example_gradients(
    objective: Objective, params: Mapping[str, Tensor], inputs: Tensor, targets: Tensor, chunk_size: int | None = None
) -> Tree:
    """``{name: tensor of shape (B, *param.shape)}``: the gradient of each example's loss, vectorised."""
    _check(objective, params, inputs, targets)

    def one(p: Mapping[str, Tensor], x: Tensor, y: Tensor) -> Tensor:
        return objective.loss(p, (x.unsqueeze(0), y.unsqueeze(0)))

    return vmap(grad(one), in_dims=(None, 0, 0), chunk_size=chunk_size)(dict(params), inputs, targets)


def per_example_gradients_loop(
    objective: Objective, params: Mapping[str, Tensor], inputs: Tensor, targets: Tensor
) -> Tree:
    """The reference: one ``grad`` call per example in a Python loop, stacked (slow, obviously right)."""
    _check(objective, params, inputs, targets)
    grads = [objective.gradient(params, point((inputs, targets), i)) for i in range(inputs.shape[0])]
    return {name: torch.stack([g[name] for g in grads]) for name in params}
