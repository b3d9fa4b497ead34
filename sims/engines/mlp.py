r"""Small multilayer network engine: torch on the CPU, ``torch.func`` ``vmap`` over trajectories.

Model: :math:`h_\theta(x) = W_2 \tanh(W_1 x + b_1) + b_2` with cross-entropy loss over ``classes`` labels
(digits by default). The ``T`` trajectories' parameters are a flat float64 array ``(T, P)``; a flat vector
is viewed as the module's parameter dictionary and evaluated with ``torch.func.functional_call``, so

* per-example gradients are ``vmap(vmap(grad(loss), (None, 0, 0)), (0, 0, 0))``: over trajectories,
  then over the examples of the batch (field notes, "torch.func pitfalls");
* the weighted batch gradient is ``vmap(grad(sum_b w_b loss_b))`` over trajectories (no per-example
  materialisation), Hessian-vector products are ``jvp`` of ``grad`` (forward over reverse).

``tanh`` keeps the loss smooth, so the second-order predictions of the draft's "Approximation error in a
nonlinear setting" apply (lemmas ascent-error-quadratic / commutator-quadratic in their :math:`O(\lambda^3)`
form). The network has no BatchNorm, so per-example gradients are well defined.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, jvp, vmap

from theory.support.validation import check_positive_int

__all__ = ["MLP"]


class MLP:
    """``d -> hidden -> classes`` tanh network; arrays in and out are numpy float64 (zero-copy views)."""

    name = "mlp"

    def __init__(self, d: int, hidden: int = 32, classes: int = 10) -> None:
        self.d, self.hidden = check_positive_int(d, "d"), check_positive_int(hidden, "hidden")
        self.classes = check_positive_int(classes, "classes", minimum=2)
        self.module = nn.Sequential(nn.Linear(d, hidden), nn.Tanh(), nn.Linear(hidden, classes)).double()
        named = list(self.module.named_parameters())
        self._names = [name for name, _ in named]
        self._shapes = [tuple(param.shape) for _, param in named]
        self._sizes = [param.numel() for _, param in named]
        self.n_params = int(sum(self._sizes))
        self._per_example = vmap(vmap(grad(self._example_loss), in_dims=(None, 0, 0)), in_dims=(0, 0, 0))
        self._weighted = vmap(grad(self._weighted_loss), in_dims=(0, 0, 0, 0))
        self._hvp = vmap(self._example_hvp, in_dims=(0, 0, 0, 0))
        self._mean_loss = vmap(self._dataset_loss, in_dims=(0, None, None))
        self._point_loss = vmap(self._example_loss, in_dims=(0, 0, 0))

    # -- functional pieces (flat parameter vector of one trajectory)
    def _unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        pieces = torch.split(flat, self._sizes)
        return {name: piece.reshape(shape) for name, piece, shape in zip(self._names, pieces, self._shapes)}

    def _logits(self, flat: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        return functional_call(self.module, self._unflatten(flat), (inputs,))

    def _example_loss(self, flat: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(self._logits(flat, x[None]), y[None])

    def _weighted_loss(self, flat, Xb, yb, w) -> torch.Tensor:
        return (w * nn.functional.cross_entropy(self._logits(flat, Xb), yb, reduction="none")).sum()

    def _example_hvp(self, flat, x, y, v) -> torch.Tensor:
        return jvp(lambda f: grad(self._example_loss)(f, x, y), (flat,), (v,))[1]

    def _dataset_loss(self, flat, X, y) -> torch.Tensor:
        return nn.functional.cross_entropy(self._logits(flat, X), y)

    # -- engine interface (numpy in, numpy out)
    @staticmethod
    def _t(array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))

    @staticmethod
    def _labels(array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).long()

    def per_example_gradients(self, theta: np.ndarray, Xb: np.ndarray, yb: np.ndarray) -> np.ndarray:
        return self._per_example(self._t(theta), self._t(Xb), self._labels(yb)).numpy()

    def weighted_gradient(self, theta: np.ndarray, Xb: np.ndarray, yb: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self._weighted(self._t(theta), self._t(Xb), self._labels(yb), self._t(w)).numpy()

    def hessian_vector(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Point Hessian times ``v`` for one point per trajectory (``x`` ``(T, d)``, ``v`` ``(T, P)``)."""
        return self._hvp(self._t(theta), self._t(x), self._labels(y), self._t(v)).numpy()

    def loss(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Mean cross-entropy over the rows of ``X`` for every trajectory, shape ``(T,)``."""
        return self._mean_loss(self._t(theta), self._t(X), self._labels(y)).numpy()

    def point_loss(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Loss of each trajectory's own point (x ``(T, d)``, y ``(T,)``), shape ``(T,)``."""
        return self._point_loss(self._t(theta), self._t(x), self._labels(y)).numpy()

    def accuracy(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        logits = vmap(self._logits, in_dims=(0, None))(self._t(theta), self._t(X))
        return (logits.argmax(dim=-1) == self._labels(y)[None]).double().mean(dim=1).numpy()

    def init(self, n_traj: int, rng: np.random.Generator) -> np.ndarray:
        """``n_traj`` Glorot-uniform initialisations (biases 0), drawn from ``rng`` for reproducibility."""
        blocks = []
        for shape, size in zip(self._shapes, self._sizes):
            if len(shape) == 2:
                bound = np.sqrt(6.0 / (shape[0] + shape[1]))
                blocks.append(rng.uniform(-bound, bound, size=(n_traj, size)))
            else:
                blocks.append(np.zeros((n_traj, size)))
        return np.concatenate(blocks, axis=1)
