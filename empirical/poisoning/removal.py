r"""Measures that can register removal (issue 17), each computed the same way on every model of the protocol.

For a model :math:`\theta` (poisoned, retrained reference, a noise-floor retrain, or an unlearned model):

* ``val_accuracy`` / ``test_accuracy``: clean accuracy on two disjoint halves of the test split (the validation
  half selects hyper-parameters, the test half reports; :mod:`empirical.poisoning.protocol`).
* ``forget_loss`` / ``forget_accuracy``: mean cross-entropy and accuracy on the poisons (the forget set).
* ``target_loss``: loss on the attack's target test point (influence attack only; Koh & Liang's objective raises it).
* ``mia_auc``: loss-threshold MIA (Yeom et al. 2018), AUC of :math:`-L` separating the poisons from poisons
  crafted the same way from held-out test points. **Calibration**: on a model that saw neither set the two
  sets are exchangeable, so the AUC is 1/2 up to its sampling error (the reference's own value is that null,
  and ``tests/empirical/test_poisoning_protocol.py`` checks it on two disjoint non-member sets).
* ``lira_auc``: offline LiRA (Carlini et al. 2022, :func:`.evaluation.lira_offline`) with OUT shadows trained
  without any candidate; same calibration.
* ``gus_z``, ``gus_mean``: the GUS (:mod:`empirical.gus`, positive = remembered) of the noise *drawn* by the
  attack, unclamped (``Poisons.noise`` of the Gaussian attack, :math:`\varepsilon\,\mathrm{copysign}(\eta,
  g_0)` of the FGSM variant). Its null is exactly N(0, 1) for the Gaussian attack on a model that never saw the
  noise; the FGSM variant's is biased (lemma gus-fgsm-variant-null), which the noise floor absorbs.

No measure is a verdict by itself: :mod:`empirical.poisoning.protocol` compares each with the spread among exact retrains.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from sklearn.metrics import roc_auc_score
from torch import Tensor, nn

from empirical.functional import Objective, split_state
from empirical.gus import gus_scores, gus_test
from empirical.poisoning.evaluation import accuracy, example_losses, lira_offline, logit_confidence
from empirical.poisoning.measures import input_gradients

__all__ = ["Evaluation", "MEASURES", "membership_auc", "removal_measures"]

#: Every measure the protocol reports, in table order.
MEASURES = ("test_accuracy", "forget_loss", "forget_accuracy", "target_loss", "mia_auc", "lira_auc", "gus_z")


@dataclass
class Evaluation:
    """What every model is measured on: poisons (members), held-out poisons (non-members), splits, shadows.

    ``gus_noise`` is the unclamped noise drawn for each poison (None: no GUS for this attack) at scale
    ``gus_scale``; ``shadow_confidence`` is (K, 2n) LiRA confidences of the shadows on poisons then held-out
    poisons (None or K < 2: no LiRA); ``target`` is the influence attack's (x, y) or None.
    """

    forget: tuple[Tensor, Tensor]
    sources: Tensor
    holdout: tuple[Tensor, Tensor]
    validation: tuple[Tensor, Tensor]
    test: tuple[Tensor, Tensor]
    task: str = "classification"
    gus_noise: Tensor | None = None
    gus_scale: float = 1.0
    shadow_confidence: Tensor | None = None
    target: tuple[Tensor, Tensor] | None = None

    def candidates(self) -> tuple[Tensor, Tensor]:
        return torch.cat([self.forget[0], self.holdout[0]]), torch.cat([self.forget[1], self.holdout[1]])


def membership_auc(members, outsiders) -> float:
    """AUC of scores (higher = member) separating ``members`` from ``outsiders``.

    NaN when a score is NaN: a diverged model (e.g. gradient ascent at a large rate, whose losses overflow) has no
    membership ranking. Infinite scores rank above (below) every finite one, ties among themselves."""
    members, outsiders = torch.as_tensor(members).reshape(-1), torch.as_tensor(outsiders).reshape(-1)
    scores = torch.cat([members, outsiders]).double()
    if torch.isnan(scores).any():
        return float("nan")
    labels = torch.cat([torch.ones(members.numel()), torch.zeros(outsiders.numel())]).numpy()
    return float(roc_auc_score(labels, torch.nan_to_num(scores).numpy()))


def shadow_confidences(shadows: list[nn.Module], evaluation: Evaluation) -> Tensor:
    """(K, 2n) LiRA confidences of the OUT shadows on the candidates (poisons, then held-out poisons)."""
    candidates = evaluation.candidates()
    return torch.stack([logit_confidence(shadow, *candidates) for shadow in shadows])


def removal_measures(model: nn.Module, evaluation: Evaluation) -> dict[str, float]:
    """Every measure of the module docstring for ``model`` (eval mode; NaN where a measure does not apply)."""
    task = evaluation.task
    forget_losses = example_losses(model, *evaluation.forget, task)
    holdout_losses = example_losses(model, *evaluation.holdout, task)
    out = {
        "val_accuracy": accuracy(model, *evaluation.validation),
        "test_accuracy": accuracy(model, *evaluation.test),
        "forget_loss": float(forget_losses.mean()),
        "forget_accuracy": accuracy(model, *evaluation.forget),
        "mia_auc": membership_auc(-forget_losses, -holdout_losses),
        "target_loss": float("nan"),
        "lira_auc": float("nan"),
        "gus_z": float("nan"),
        "gus_mean": float("nan"),
    }
    if evaluation.target is not None:
        out["target_loss"] = float(example_losses(model, *evaluation.target, task).mean())
    shadows = evaluation.shadow_confidence
    if shadows is not None and shadows.shape[0] >= 2:
        scores = lira_offline(logit_confidence(model, *evaluation.candidates()), shadows)
        count = evaluation.forget[0].shape[0]
        out["lira_auc"] = membership_auc(scores[:count], scores[count:])
    if evaluation.gus_noise is not None:
        params, frozen = split_state(model)
        objective = Objective(model, task, frozen, bn_mode="eval")
        gradient = input_gradients(objective, params, evaluation.sources, evaluation.forget[1])
        test = gus_test(gus_scores(evaluation.gus_noise, gradient, evaluation.gus_scale))
        out["gus_z"], out["gus_mean"] = test["gus_z"], test["gus_mean"]
    return out
