r"""Evaluation of unlearning against the retrained reference: GUS, membership inference, weights, accuracy.

**Gaussian Unlearning Score** (Pawelczyk et al. 2024, "Machine unlearning fails to remove data poisoning
attacks"): for a poison :math:`x + \xi` of noise scale :math:`\varepsilon`, the model's input gradient at the
*clean* input correlates with :math:`\xi` when the model still remembers the poison. The per-poison score is
:func:`empirical.gus.gus_scores`, shared with the text GUS of :mod:`empirical.insecure_code`:

.. math::
    s = -\frac{\langle \xi, \nabla_x l(h_\theta(x), y)\rangle}{\varepsilon\, \|\nabla_x l(h_\theta(x), y)\|}

(positive = remembered; :math:`s = -T` with :math:`T` of the lemmas gus-gaussian-null / gus-fgsm-variant-null).
It is exactly :math:`N(0, 1)` when :math:`\xi \sim N(0, \varepsilon^2 I)` is independent of :math:`\theta`
(lemma gus-gaussian-null), for the *drawn* (unclamped) noise. We report its mean over the poisons, compare it
with a null of freshly drawn noise on the same model (AUC, TPR at 1 % and 5 % FPR from the null's quantiles,
Mann-Whitney p-value) and the two-sided z-test p-value :math:`2(1 - \Phi(\sqrt n\, |\bar s|))` that assumes the
N(0, 1) null. For the FGSM variant the noise :math:`\varepsilon\,\mathrm{copysign}(\eta, g_0)` depends on the
crafting gradient :math:`g_0`, and then :math:`E[s] = -\sqrt{2/\pi}\,\langle \mathrm{sign}(g_0), g\rangle / \|g\|`
even for a model that never saw the poison (lemma gus-fgsm-variant-null): the N(0,1) null fails, and the right
null draws fresh noise *of the attack's law* (``null="attack"``).

**Loss-threshold MIA** (Yeom et al. 2018): score :math:`-L(z)`; members are the forgotten poisons,
non-members are poisons crafted the same way from held-out points. AUC with Hanley & McNeil's (1982)
standard error, TPR at low FPR.

**Offline LiRA** (Carlini et al. 2022, the variant with OUT shadow models only): the logit-scaled confidence
:math:`\phi = \log p_y - \log(1 - p_y)` of each candidate under ``K`` shadow models trained without any
candidate gives a per-example mean :math:`\mu_i`; with few shadows the spread is pooled over the examples
(:math:`\sigma`, as Carlini et al. advise for small K). The score is :math:`(\phi_i - \mu_i)/\sigma`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats
from sklearn.metrics import roc_auc_score
from torch import Tensor, nn

from empirical.functional import Objective, tensor_sum
from empirical.gus import gus_scores
from empirical.poisoning.measures import input_gradients

__all__ = [
    "gus_statistic",
    "gus_null",
    "Detection",
    "detection",
    "auc_standard_error",
    "tpr_at_fpr",
    "example_losses",
    "accuracy",
    "weight_distance",
    "GUS_NOISES",
    "logit_confidence",
    "lira_offline",
]

GUS_NOISES = ("drawn", "added")


def gus_statistic(
    objective: Objective, params: Mapping[str, Tensor], sources: Tensor, targets: Tensor, noise: Tensor, eps: float
) -> Tensor:
    """Per-poison GUS s = -<noise, grad_x l(x)> / (eps |grad_x l(x)|) at the clean inputs ``sources``
    (:func:`empirical.gus.gus_scores`: positive = remembered, the sign of the text GUS)."""
    return gus_scores(noise, input_gradients(objective, params, sources, targets), eps)


def gus_null(
    objective: Objective,
    params: Mapping[str, Tensor],
    sources: Tensor,
    targets: Tensor,
    eps: float,
    sample: Callable[[torch.Generator], Tensor],
    draws: int,
    generator: torch.Generator,
) -> Tensor:
    """``draws`` null statistics per poison, the noise drawn afresh by ``sample(generator)`` on the same model."""
    gradient = input_gradients(objective, params, sources, targets)
    return torch.stack([gus_scores(sample(generator), gradient, eps) for _ in range(draws)]).reshape(-1)


def tpr_at_fpr(positives: np.ndarray, negatives: np.ndarray, fpr: float) -> float:
    """Fraction of ``positives`` above the (1 - fpr) quantile of ``negatives`` (higher score = positive)."""
    threshold = np.quantile(np.asarray(negatives, dtype=float), 1.0 - fpr)
    return float(np.mean(np.asarray(positives, dtype=float) > threshold))


def auc_standard_error(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil (1982) standard error of an AUC from ``n_pos`` positives and ``n_neg`` negatives."""
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    variance = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / (n_pos * n_neg)
    return float(math.sqrt(max(variance, 0.0)))


@dataclass(frozen=True)
class Detection:
    """How well scores separate positives from negatives (higher = positive)."""

    mean_positive: float
    auc: float
    auc_se: float
    tpr_at_1: float
    tpr_at_5: float
    p_mannwhitney: float
    p_ztest: float

    def as_dict(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}_{key}": float(value) for key, value in self.__dict__.items()}


def detection(positives, negatives, standard_normal_null: bool = True) -> Detection:
    """AUC, TPR at 1 % / 5 % FPR, one-sided Mann-Whitney p-value; two-sided z-test p-value of the mean under N(0, 1)."""
    positives = np.asarray(positives, dtype=float).ravel()
    negatives = np.asarray(negatives, dtype=float).ravel()
    labels = np.r_[np.ones(positives.size), np.zeros(negatives.size)]
    auc = float(roc_auc_score(labels, np.r_[positives, negatives]))
    p_mw = float(stats.mannwhitneyu(positives, negatives, alternative="greater").pvalue)
    p_z = (
        float(2 * stats.norm.sf(math.sqrt(positives.size) * abs(positives.mean())))
        if standard_normal_null
        else float("nan")
    )
    return Detection(
        float(positives.mean()),
        auc,
        auc_standard_error(auc, positives.size, negatives.size),
        tpr_at_fpr(positives, negatives, 0.01),
        tpr_at_fpr(positives, negatives, 0.05),
        p_mw,
        p_z,
    )


@torch.no_grad()
def example_losses(model: nn.Module, inputs: Tensor, targets: Tensor, task: str = "classification") -> Tensor:
    """Per-example losses of ``model`` in eval mode (cross-entropy or half squared error)."""
    was = model.training
    model.eval()
    outputs = model(inputs)
    model.train(was)
    if task == "classification":
        return torch.nn.functional.cross_entropy(outputs, targets, reduction="none")
    return 0.5 * (outputs.reshape(targets.shape[0], -1) - targets.reshape(targets.shape[0], -1)).pow(2).sum(dim=1)


@torch.no_grad()
def accuracy(model: nn.Module, inputs: Tensor, targets: Tensor) -> float:
    was = model.training
    model.eval()
    value = float((model(inputs).argmax(dim=1) == targets).double().mean())
    model.train(was)
    return value


def weight_distance(first: Mapping[str, Tensor], second: Mapping[str, Tensor], names) -> float:
    """Euclidean distance between two states over the parameter ``names`` (buffers excluded)."""
    return float(torch.sqrt(tensor_sum(((first[n].double() - second[n].double()) ** 2).sum() for n in names)))


@torch.no_grad()
def logit_confidence(model: nn.Module, inputs: Tensor, targets: Tensor) -> Tensor:
    """phi = log p_y - log(1 - p_y) per example, computed stably as z_y - logsumexp(z without y)."""
    was = model.training
    model.eval()
    logits = model(inputs)
    model.train(was)
    chosen = logits.gather(1, targets.view(-1, 1)).squeeze(1)
    others = logits.scatter(1, targets.view(-1, 1), float("-inf"))
    return chosen - torch.logsumexp(others, dim=1)


def lira_offline(target: Tensor, shadows: Tensor) -> Tensor:
    """Offline LiRA scores (phi - mu_i) / sigma from ``shadows`` of shape (K, n) (module docstring)."""
    if shadows.ndim != 2 or shadows.shape[0] < 2 or shadows.shape[1] != target.shape[0]:
        raise ValueError(
            f"LiRA needs (K >= 2, n) shadow confidences for n = {target.shape[0]}, got {tuple(shadows.shape)}"
        )
    mean = shadows.mean(dim=0)
    sigma = float((shadows - mean).pow(2).sum() / (shadows.numel() - shadows.shape[1])) ** 0.5
    return (target - mean) / max(sigma, torch.finfo(target.dtype).tiny)
