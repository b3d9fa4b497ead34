r"""Forget losses of the LLM-unlearning literature that need only sequence log-probabilities: NPO and SimNPO.

Both replace gradient ascent's unbounded :math:`+\log \pi_\theta(y \mid x)` on the forget set by a bounded,
self-damping loss (field notes, "LLM unlearning losses that need only log-probs").

* **NPO** (negative preference optimisation; Zhang, Lin, Bai, Mei 2024, arXiv 2404.05868, eq. (3)): with the
  reference model :math:`\pi_{\text{ref}}` (the model before unlearning: here the poisoned one) and
  :math:`\Delta = \log \pi_\theta(y \mid x) - \log \pi_{\text{ref}}(y \mid x)` (sequence log-probabilities),

  .. math:: L_{\text{NPO}} = \frac{2}{\beta}\, \mathbb E \log\bigl(1 + e^{\beta \Delta}\bigr)
            = -\frac{2}{\beta}\, \mathbb E \log \sigma(-\beta \Delta).

  At :math:`\theta = \text{ref}` it equals :math:`(2/\beta)\log 2`; :math:`\partial L / \partial \Delta =
  2\sigma(\beta\Delta)`, i.e. gradient ascent's gradient weighted by :math:`2\sigma(\beta\Delta) \in (0, 2)`,
  which vanishes as the forget answer becomes unlikely; as :math:`\beta \to 0` it is gradient ascent
  (:math:`L = (2/\beta)\log 2 + \Delta + O(\beta)`).
* **SimNPO** (Fan, Liu, Lin, Jia, Zhang, Mei, Liu 2024, arXiv 2410.07163, eq. (4)): reference-free and
  length-normalised, with margin :math:`\gamma \ge 0`:

  .. math:: L_{\text{SimNPO}} = -\frac{2}{\beta}\, \mathbb E \log \sigma\Bigl(-\frac{\beta}{|y|}
            \log \pi_\theta(y \mid x) - \gamma\Bigr).

Both are usually paired with a retain term :math:`\lambda\, \bar L(\text{retain batch})` (NPO+RT, SimNPO's
regularised form); :mod:`.unlearn` adds it. These functions take per-sequence log-probabilities (summed
over the answer tokens) and return the mean loss over the batch; they know nothing of models.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["npo_loss", "simnpo_loss"]


def _check_beta(beta: float) -> None:
    if not beta > 0:
        raise ValueError(f"beta must be positive (the inverse temperature of NPO / SimNPO), got {beta!r}")


def npo_loss(logp: Tensor, logp_reference: Tensor, beta: float = 0.1) -> Tensor:
    r"""Mean NPO loss :math:`-(2/\beta) \log\sigma(-\beta(\log\pi_\theta - \log\pi_{\text{ref}}))` over the batch
    (sequence log-probabilities of the forget answers, shape (B,))."""
    _check_beta(beta)
    if logp.shape != logp_reference.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and logp_reference {tuple(logp_reference.shape)} differ in shape")
    delta = logp - logp_reference.detach()
    return -(2.0 / beta) * F.logsigmoid(-beta * delta).mean()


def simnpo_loss(logp: Tensor, lengths: Tensor, beta: float = 2.5, gamma: float = 0.0) -> Tensor:
    r"""Mean SimNPO loss :math:`-(2/\beta) \log\sigma(-(\beta/|y|)\log\pi_\theta(y \mid x) - \gamma)` over the batch
    (``lengths``: the number of answer tokens :math:`|y|` of each sequence)."""
    _check_beta(beta)
    if gamma < 0:
        raise ValueError(f"gamma must be non-negative (SimNPO's margin), got {gamma!r}")
    lengths = torch.as_tensor(lengths, dtype=logp.dtype, device=logp.device)
    if lengths.shape != logp.shape or bool((lengths <= 0).any()):
        raise ValueError("lengths must be positive token counts, one per sequence of logp")
    return -(2.0 / beta) * F.logsigmoid(-(beta / lengths) * logp - gamma).mean()
