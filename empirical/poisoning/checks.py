"""The poisoning experiments as :class:`empirical.checks.base.Check` entries (joined to CHECKS by one line).

=======================  =========================================================  ==================================
check                    lemma ids                                                  draft section
=======================  =========================================================  ==================================
poison-unlearning        unlearning-fails-poisons, gus-gaussian-null,               adversarial poisons with high loss;
                         gus-fgsm-variant-null, three-hard-kinds-equivalent         conclusion on gradient ascent
hessian-poisons          hessian-poison-ascent-error                                poisons with irregular gradients
delta-influence-cost     delta-influence-defender-cost, delta-influence-attacker-  limitations of delta-influence
                         cost
=======================  =========================================================  ==================================
"""

from __future__ import annotations

from empirical.checks.base import Check
from empirical.poisoning import cost, experiments

__all__ = ["POISONING_CHECKS"]

POISONING_CHECKS = {check.name: check for check in (
    Check("poison-unlearning", ("unlearning-fails-poisons", "gus-gaussian-null", "gus-fgsm-variant-null",
                                "three-hard-kinds-equivalent"),
          "attack x unlearning method x 10 poisons: distance to the retrained model, GUS, MIA, accuracy",
          experiments.POISON_DEFAULTS, experiments.run_poison_unlearning),
    Check("hessian-poisons", ("hessian-poison-ascent-error",),
          "Hessian attack over alpha: Hessian measure vs gradient norm, ascent error vs clean points",
          experiments.HESSIAN_DEFAULTS, experiments.run_hessian_poisons),
    Check("delta-influence-cost", ("delta-influence-defender-cost", "delta-influence-attacker-cost"),
          "defender's influence-with-transformations cost vs attacker's cost; fitted exponents",
          cost.DEFAULTS, cost.run),
)}
