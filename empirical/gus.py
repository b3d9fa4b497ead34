r"""The Gaussian unlearning score (GUS) of Pawelczyk et al. 2024, one sign convention for images and text.

A poison was trained as :math:`x_i + \xi_i` with :math:`\xi_i \sim N(0, \varepsilon^2 I)`. With
:math:`g_i = \nabla_x l(h_\theta(x_i), y_i)` at the *clean* input (pixels, or token embeddings for a language
model), the score is

.. math::  s_i = -\frac{\langle \xi_i, g_i \rangle}{\varepsilon \|g_i\|}.

* **Null.** When :math:`\theta` is independent of :math:`\xi_i` (a model that never saw the noise), :math:`s_i`
  is exactly :math:`N(0, 1)` whatever :math:`g_i` (a fixed unit direction of an isotropic Gaussian), so
  :math:`z = \sqrt n\,\bar s \sim N(0, 1)` for ``n`` independent poisons.
* **Sign.** A model that learned from :math:`x_i + \xi_i` lowered its loss along :math:`\xi_i`, so
  :math:`\langle \xi_i, g_i\rangle < 0` and :math:`s_i > 0`: positive means *remembered*. The test is
  two-sided (:func:`gus_test`): a negative z is reported, never read as "p close to 1".
* **Clamping.** The noise in the formula is the one *drawn* (unclamped :math:`\xi_i`). When the poisoned
  input is clamped to the valid range, the perturbation actually added is not Gaussian, and the score of the
  added perturbation has no N(0, 1) null (issue 17: mean 0.27, sd 1.32 on a model that never saw it); the drawn
  :math:`\xi_i` stays independent of a model that never saw the poison, so its null is exact.

:mod:`empirical.poisoning` (images) and :mod:`empirical.insecure_code.metrics` (token embeddings) both call
:func:`gus_scores`.
"""

from __future__ import annotations

import math

import torch
from scipy import stats
from torch import Tensor

__all__ = ["gus_scores", "gus_test"]


def gus_scores(noise: Tensor, gradient: Tensor, scale: float) -> Tensor:
    r"""Per-example :math:`s_i = -\langle \xi_i, g_i\rangle / (\varepsilon \|g_i\|)` (module docstring).

    ``noise`` and ``gradient`` have a leading example axis (any shape after it); ``scale`` is :math:`\varepsilon`.
    A zero gradient gives a zero score.
    """
    if not scale > 0:
        raise ValueError(f"GUS needs the noise scale > 0, got {scale}")
    if noise.shape[0] != gradient.shape[0]:
        raise ValueError(f"GUS needs one noise per gradient, got {noise.shape[0]} and {gradient.shape[0]}")
    gradient = gradient.reshape(gradient.shape[0], -1)
    noise = noise.reshape(noise.shape[0], -1).to(gradient)
    norm = gradient.norm(dim=1).clamp_min(torch.finfo(gradient.dtype).tiny)
    return (-(noise * gradient).sum(dim=1) / (scale * norm)).detach()


def gus_test(scores) -> dict[str, float]:
    """Two-sided z-test of mean 0 under the N(0, 1) null: ``gus_mean``, ``gus_z`` = sqrt(n) mean, ``gus_p``."""
    values = torch.as_tensor(scores, dtype=torch.float64).reshape(-1)
    if values.numel() == 0:
        raise ValueError("GUS test needs at least one score")
    z = float(values.mean()) * math.sqrt(values.numel())
    return {"gus_mean": float(values.mean()), "gus_z": z, "gus_p": float(2 * stats.norm.sf(abs(z)))}
