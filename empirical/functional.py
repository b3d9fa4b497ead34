r"""The functional core: a network's loss as a pure function of its parameters, and the step map.

Draft, section "Notations": a data point (or a mini-batch) :math:`z = (x, y)` defines the loss
:math:`L(z, \theta) = l(h_\theta(x), y)`, its gradient :math:`g_z(\theta) = \nabla_\theta L(z, \theta)` and
the gradient step

.. math::
    \Phi_z(\theta) = \theta - \lambda\, g_z(\theta),

with mean aggregation over a batch, :math:`g_B = \frac1{|B|} \sum_{z \in B} g_z` (lemma batch-mean-step).

Parameters live in dictionaries ``{name: tensor}`` (``torch.func.functional_call``), so every map of the
draft is a plain function of a dictionary and ``torch.func`` transforms (``grad``, ``jvp``, ``vjp``,
``vmap``, ``jacrev``) apply to it. The dictionary may hold a subset of the parameters (a LLaMA layer, say):
the others are frozen with the buffers.

BatchNorm (field notes, "torch.func pitfalls"): the Hessian of a BatchNorm network depends on which
normalisation the loss uses. :class:`Objective` takes ``bn_mode`` explicitly:

* ``"train"``: batch statistics, the function the training step differentiates; running statistics are
  neither read nor updated (``track_running_stats`` is switched off during the call);
* ``"eval"``: running statistics, the function the deployed model computes (PyHessian's choice).

Dropout is always off (``eval``), so every loss is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, grad

from theory.support.validation import check_learning_rate

__all__ = [
    "TASKS",
    "BN_MODES",
    "Tree",
    "Objective",
    "split_state",
    "batchnorm_mode",
    "task_loss",
    "tree_add",
    "tree_scale",
    "tree_dot",
    "tree_norm",
    "tree_like",
    "tree_cosine",
    "tree_unit_scale",
    "flatten",
    "unflatten",
    "tensor_sum",
    "num_elements",
    "point",
]

Tree = dict[str, Tensor]
Batch = tuple[Tensor, Tensor]

#: Learning problems: classification (cross-entropy), regression (half squared error, the draft's
#: linear-regression loss), causal language modelling (next-token cross-entropy, labels -100 ignored).
TASKS = ("classification", "regression", "causal_lm")
BN_MODES = ("train", "eval")
_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


# ----------------------------------------------------------------------------- parameter trees
def tree_add(first: Mapping[str, Tensor], second: Mapping[str, Tensor], alpha: float = 1.0) -> Tree:
    """``first + alpha * second`` leaf by leaf."""
    return {name: first[name] + alpha * second[name] for name in first}


def tree_scale(tree: Mapping[str, Tensor], factor: float) -> Tree:
    """``factor * tree`` leaf by leaf."""
    return {name: factor * value for name, value in tree.items()}


def tree_dot(first: Mapping[str, Tensor], second: Mapping[str, Tensor]) -> Tensor:
    """Euclidean inner product of two trees seen as flat vectors."""
    return tensor_sum((first[name] * second[name]).sum() for name in first)


def tensor_sum(terms: Iterable[Tensor]) -> Tensor:
    """``sum(terms)`` of tensors, typed as a tensor: the callers' terms are never empty (Python's ``sum`` of
    nothing is the int 0)."""
    total = sum(terms)
    assert isinstance(total, Tensor), "a sum of no tensors"
    return total


def tree_norm(tree: Mapping[str, Tensor]) -> Tensor:
    """Euclidean norm of a tree seen as a flat vector."""
    return torch.sqrt(tree_dot(tree, tree))


def tree_unit_scale(tree: Mapping[str, Tensor]) -> Tree:
    """``tree / max|entry|`` (torch operations only, so it differentiates): directions are unchanged and tiny
    gradients no longer underflow when squared; NaN entries when the tree is exactly zero."""
    largest = torch.stack([value.abs().max() for value in tree.values()]).max()
    return {name: value / largest for name, value in tree.items()}


def tree_cosine(first: Mapping[str, Tensor], second: Mapping[str, Tensor]) -> Tensor:
    """cos(first, second) of two trees as a 0-d tensor; NaN when one of them is zero (undefined cosine)."""
    first, second = tree_unit_scale(first), tree_unit_scale(second)
    return tree_dot(first, second) / (tree_norm(first) * tree_norm(second))


def tree_like(tree: Mapping[str, Tensor], generator: torch.Generator | None = None, kind: str = "normal") -> Tree:
    """A random tree shaped like ``tree``: standard normal or Rademacher (``kind="rademacher"``) entries."""
    out = {}
    for name, value in tree.items():
        sample = torch.randn(value.shape, generator=generator, dtype=torch.float64)
        if kind == "rademacher":
            sample = torch.sign(sample)
        elif kind != "normal":
            raise ValueError(f"kind must be 'normal' or 'rademacher', got {kind!r}")
        out[name] = sample.to(dtype=value.dtype, device=value.device)
    return out


def num_elements(tree: Mapping[str, Tensor]) -> int:
    """Number of scalar parameters in a tree."""
    return sum(value.numel() for value in tree.values())


def flatten(tree: Mapping[str, Tensor]) -> Tensor:
    """Concatenate the leaves (in the dictionary's order) into one flat vector."""
    return torch.cat([value.reshape(-1) for value in tree.values()])


def unflatten(vector: Tensor, like: Mapping[str, Tensor]) -> Tree:
    """Inverse of :func:`flatten`: cut ``vector`` into leaves shaped like ``like``."""
    if vector.ndim != 1 or vector.numel() != num_elements(like):
        raise ValueError(f"vector must be flat with {num_elements(like)} entries, got shape {tuple(vector.shape)}")
    out, start = {}, 0
    for name, value in like.items():
        out[name] = vector[start : start + value.numel()].view_as(value)
        start += value.numel()
    return out


# ----------------------------------------------------------------------------- module state
def split_state(model: nn.Module, trainable: Callable[[str], bool] | None = None) -> tuple[Tree, Tree]:
    """Split a module into (parameters to differentiate, frozen state) as detached clones.

    ``trainable(name)`` selects the differentiated parameters (default: all); the other parameters and
    every buffer go to the frozen dictionary. Clones, so ``functional_call`` never writes into the module.
    """
    params: dict[str, Tensor] = {}
    frozen: dict[str, Tensor] = {}
    for name, value in model.named_parameters():
        (params if trainable is None or trainable(name) else frozen)[name] = value.detach().clone()
    for name, buffer in model.named_buffers():
        frozen[name] = buffer.detach().clone()
    if not params:
        raise ValueError("the parameter selection is empty: check the trainable filter (no parameter name matched)")
    return params, frozen


@contextmanager
def batchnorm_mode(model: nn.Module, mode: str) -> Iterator[None]:
    """Run ``model`` in eval mode with its BatchNorm layers in ``mode`` (see module docstring); restore after."""
    if mode not in BN_MODES:
        raise ValueError(f"bn_mode must be one of {BN_MODES}, got {mode!r}")
    saved = [(module, module.training, getattr(module, "track_running_stats", None)) for module in model.modules()]
    try:
        model.eval()
        if mode == "train":
            for module in model.modules():
                if isinstance(module, _BATCH_NORMS):
                    module.training = True
                    module.track_running_stats = False
        yield
    finally:
        for module, training, track in saved:
            module.training = training
            if track is not None:
                module.track_running_stats = track


def task_loss(outputs: Tensor, targets: Tensor, task: str) -> Tensor:
    r"""Mean loss of a batch of network outputs.

    classification: cross-entropy; regression: :math:`\frac12 (h_\theta(x) - y)^2` (the draft's linear
    regression loss, summed over output coordinates); causal_lm: cross-entropy of token t+1 given the
    prefix up to t, positions labelled -100 ignored.
    """
    if task == "classification":
        return F.cross_entropy(outputs, targets)
    if task == "regression":
        residual = outputs.reshape(targets.shape[0], -1) - targets.reshape(targets.shape[0], -1)
        return 0.5 * (residual**2).sum(dim=1).mean()
    if task == "causal_lm":
        logits = outputs[:, :-1, :]
        labels = targets[:, 1:]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    raise ValueError(f"task must be one of {TASKS}, got {task!r}")


def _forward(
    model: nn.Module, state: tuple[dict[str, Tensor], dict[str, Tensor]], inputs: Tensor, task: str, tie_weights: bool
) -> Tensor:
    if task == "causal_lm":
        key = "inputs_embeds" if inputs.is_floating_point() else "input_ids"
        out = functional_call(model, state, args=(), kwargs={key: inputs, "use_cache": False}, tie_weights=tie_weights)
        return out.logits
    return functional_call(model, state, (inputs,), tie_weights=tie_weights)


class Objective:
    r"""The loss :math:`\theta \mapsto L(B, \theta)` of a module as a pure function of a parameter tree.

    ``frozen`` holds the buffers and the non-differentiated parameters (from :func:`split_state`).
    ``bn_mode`` ("train" or "eval") is the BatchNorm normalisation the loss uses (module docstring).
    ``tie_weights`` is passed to ``functional_call``: with the default ``True``, tied weights (LLaMA 3.2's
    embedding and output matrices) follow the one entry of the tree, as in the module.
    """

    def __init__(
        self, model: nn.Module, task: str, frozen: Mapping[str, Tensor], *, bn_mode: str, tie_weights: bool = True
    ) -> None:
        if task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {task!r}")
        if bn_mode not in BN_MODES:
            raise ValueError(f"bn_mode must be one of {BN_MODES}, got {bn_mode!r}")
        self.model, self.task, self.frozen = model, task, dict(frozen)
        self.bn_mode, self.tie_weights = bn_mode, tie_weights

    @property
    def has_batchnorm(self) -> bool:
        return any(isinstance(module, _BATCH_NORMS) for module in self.model.modules())

    def outputs(self, params: Mapping[str, Tensor], inputs: Tensor) -> Tensor:
        """Network outputs (logits, predictions) for a batch of inputs."""
        with batchnorm_mode(self.model, self.bn_mode):
            return _forward(self.model, (dict(params), self.frozen), inputs, self.task, self.tie_weights)

    def loss(self, params: Mapping[str, Tensor], batch: Batch) -> Tensor:
        """L(B, theta): mean loss of the batch ``(inputs, targets)``."""
        inputs, targets = batch
        return task_loss(self.outputs(params, inputs), targets, self.task)

    def gradient(self, params: Mapping[str, Tensor], batch: Batch) -> Tree:
        """g_B(theta) by ``torch.func.grad``."""
        return grad(self.loss)(dict(params), batch)

    def step(self, params: Mapping[str, Tensor], batch: Batch, lr: float, ascent: bool = False) -> Tree:
        r"""Phi_B(theta) = theta - lr g_B(theta); with ``ascent=True`` the ascent step theta + lr g_B(theta)."""
        lr = check_learning_rate(lr)
        return tree_add(params, self.gradient(params, batch), alpha=lr if ascent else -lr)


def point(batch: Batch, index: int) -> Batch:
    """The one-example batch holding example ``index`` of ``batch`` (a data point z of the draft)."""
    inputs, targets = batch
    return inputs[index : index + 1], targets[index : index + 1]
