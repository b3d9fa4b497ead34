"""The poisoning experiments as :class:`empirical.checks.base.Check` entries (joined to CHECKS by one line).

=======================  =========================================================  ==================================
check                    lemma ids                                                  draft section
=======================  =========================================================  ==================================
poison-unlearning        unlearning-fails-poisons (the protocol: seeds, tuning,     adversarial poisons with high loss;
                         noise floor, attack success; empirical.poisoning.runner)   conclusion on gradient ascent
poison-unlearning-single unlearning-fails-poisons, gus-gaussian-null,               the same, one seed, untuned, with
                         gus-fgsm-variant-null, poisons-large-gradients,            the per-poison rows (loss, gradient,
                         three-hard-kinds-equivalent                                Hessian, ascent error)
hessian-poisons          hessian-poison-ascent-error                                poisons with irregular gradients
delta-influence-cost     delta-influence-defender-cost, delta-influence-attacker-  limitations of delta-influence
                         cost
=======================  =========================================================  ==================================

The runners are imported when a check runs (the experiments use :mod:`empirical.checks`' own helpers).
"""

from __future__ import annotations

from empirical.checks.base import Check, lazy_runner
from empirical.poisoning.settings import COST_DEFAULTS, HESSIAN_DEFAULTS, POISON_DEFAULTS, PROTOCOL_DEFAULTS

__all__ = ["POISONING_CHECKS"]


POISONING_CHECKS = {check.name: check for check in (
    Check("poison-unlearning", ("unlearning-fails-poisons",),
          "seeds x attacks x methods (draft and tuned settings) x calibrated measures against the retrain noise "
          "floor, with attack success", PROTOCOL_DEFAULTS, lazy_runner("empirical.poisoning.runner")),
    Check("poison-unlearning-single", ("unlearning-fails-poisons", "gus-gaussian-null", "gus-fgsm-variant-null",
                                "poisons-large-gradients", "three-hard-kinds-equivalent"),
          "attack x unlearning method x 10 poisons: distance to the retrained model, GUS, MIA, accuracy",
          POISON_DEFAULTS, lazy_runner("empirical.poisoning.experiments", "run_poison_unlearning"),
          optional_counts=frozenset({"n_shadow"})),  # 0 shadows: no LiRA
    Check("hessian-poisons", ("hessian-poison-ascent-error",),
          "Hessian attack over alpha: Hessian measure vs gradient norm, ascent error vs clean points",
          HESSIAN_DEFAULTS, lazy_runner("empirical.poisoning.experiments", "run_hessian_poisons")),
    Check("delta-influence-cost", ("delta-influence-defender-cost", "delta-influence-attacker-cost"),
          "defender's influence-with-transformations cost vs attacker's cost; fitted exponents",
          COST_DEFAULTS, lazy_runner("empirical.poisoning.cost")),
)}
