"""Unlearning: one problem and result type, methods written once, a registry; what each model family implements.

* :mod:`~sims.unlearning.protocol`: :class:`UnlearnableModel`, the protocol every family implements (state copy,
  train/eval switch, batches, per-batch losses and gradient steps, replay of the training record);
* :mod:`~sims.unlearning.problem`: :class:`UnlearningProblem` and :class:`UnlearningResult`, defined once;
* :mod:`~sims.unlearning.registry`: :func:`unlearn`, :func:`methods` (each with what it requires, its defaults
  per family and its tuning grid), :func:`register`, :func:`grid_points` (a method's tuning settings) and
  :func:`draft_setting` (the draft's setting on a family);
* the methods, one module each, naming their source: :mod:`retrain` (reference), :mod:`rewind_replay`,
  :mod:`finetune`, :mod:`gradient_ascent`, :mod:`neggrad_plus` (Kurmanji et al. 2023; and the aligned variant),
  :mod:`scrub`, :mod:`amnesiac` (Graves et al. 2021), :mod:`linear_inversion` (closed form, Neumann series, fixed
  point);
* :mod:`~sims.unlearning.engine`: the numpy engines' family (:class:`EngineRun` trains and records,
  :meth:`EngineRun.problem` gives the shared problem). The torch image models' family is
  :mod:`empirical.poisoning.methods`, the language models' :mod:`empirical.insecure_code.unlearn`.

May import: :mod:`sims.engines`, :mod:`theory` (never :mod:`empirical`).
"""

from __future__ import annotations

from sims.unlearning.engine import EngineModel, EngineRun
from sims.unlearning.linear_inversion import INVERSIONS
from sims.unlearning.problem import UnlearningProblem, UnlearningResult
from sims.unlearning.protocol import CAPABILITIES, StepCost, Term, UnlearnableModel
from sims.unlearning.registry import (
    GRID_SIZES,
    FromTraining,
    MethodSpec,
    draft_setting,
    grid_points,
    method_names,
    method_spec,
    methods,
    register,
    unlearn,
)

__all__ = [
    "UnlearningProblem",
    "UnlearningResult",
    "UnlearnableModel",
    "Term",
    "StepCost",
    "CAPABILITIES",
    "EngineRun",
    "EngineModel",
    "unlearn",
    "methods",
    "method_names",
    "method_spec",
    "register",
    "MethodSpec",
    "FromTraining",
    "INVERSIONS",
    "grid_points",
    "draft_setting",
    "GRID_SIZES",
]
