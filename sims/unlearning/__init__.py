"""Unlearning methods on the engines; each returns the unlearned model and its cost (gradient evaluations).

One method per module, each naming its source: :mod:`retrain` (reference), :mod:`rewind_replay`,
:mod:`gradient_ascent`, :mod:`amnesiac` (Graves et al. 2021), :mod:`finetune`, :mod:`neggrad_plus`
(Kurmanji et al. 2023), :mod:`linear_inversion` (closed form, Neumann series, fixed point).
"""

from __future__ import annotations

from sims.unlearning.amnesiac import amnesiac
from sims.unlearning.finetune import finetune
from sims.unlearning.gradient_ascent import gradient_ascent
from sims.unlearning.linear_inversion import INVERSIONS, linear_inversion
from sims.unlearning.neggrad_plus import neggrad_plus
from sims.unlearning.problem import UnlearningProblem, UnlearningResult
from sims.unlearning.retrain import retrain
from sims.unlearning.rewind_replay import rewind_replay

__all__ = ["UnlearningProblem", "UnlearningResult", "retrain", "rewind_replay", "gradient_ascent", "amnesiac",
           "finetune", "neggrad_plus", "linear_inversion", "INVERSIONS"]
