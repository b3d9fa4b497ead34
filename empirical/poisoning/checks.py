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

from empirical.checks.base import Check, at_least, between, lazy_runner, zero_or_at_least
from empirical.poisoning.settings import COST_DEFAULTS, HESSIAN_DEFAULTS, POISON_DEFAULTS, PROTOCOL_DEFAULTS

__all__ = ["POISONING_CHECKS"]


POISONING_CHECKS = {
    check.name: check
    for check in (
        Check(
            "poison-unlearning",
            ("unlearning-fails-poisons",),
            "seeds x attacks x methods (draft and tuned settings) x calibrated measures against the retrain noise "
            "floor, with attack success",
            PROTOCOL_DEFAULTS,
            lazy_runner("empirical.poisoning.runner"),
            optional_counts=frozenset({"n_shadow"}),  # 0 shadows: no LiRA
            rules={
                "seeds": at_least(2, "a 95 % interval over seeds needs two or more"),
                "tune_seeds": at_least(1, "settings are selected on a tuning seed apart from the reported ones"),
                "tolerance": between(0.0, 1.0, open_low=False),
                "n_poisons": at_least(1),
                "eps": at_least(0, "0 takes each attack's own budget"),
                "epochs": at_least(1, "the poisoned model must train on its poisons"),
                "n_shadow": zero_or_at_least(
                    2, "offline LiRA pools the spread of two or more shadow models; 0 switches LiRA off"
                ),
                "hessian_steps": at_least(1),
                "influence_steps": at_least(1),
                "damping": at_least(0),
                "jobs": at_least(1),
            },
        ),
        Check(
            "poison-unlearning-single",
            (
                "unlearning-fails-poisons",
                "gus-gaussian-null",
                "gus-fgsm-variant-null",
                "poisons-large-gradients",
                "three-hard-kinds-equivalent",
            ),
            "attack x unlearning method x 10 poisons: distance to the retrained model, GUS, MIA, accuracy",
            POISON_DEFAULTS,
            lazy_runner("empirical.poisoning.experiments", "run_poison_unlearning"),
            optional_counts=frozenset({"n_shadow"}),  # 0 shadows: no LiRA
            rules={
                "eps": at_least(0, "0 takes each attack's own budget"),
                "epochs": at_least(1, "the poisoned model must train on its poisons"),
                "n_shadow": zero_or_at_least(
                    2, "offline LiRA pools the spread of two or more shadow models; 0 switches LiRA off"
                ),
                "hessian_steps": at_least(1),
                "influence_steps": at_least(1),
                "damping": at_least(0),
            },
        ),
        Check(
            "hessian-poisons",
            ("hessian-poison-ascent-error",),
            "Hessian attack over alpha: Hessian measure vs gradient norm, ascent error vs clean points",
            HESSIAN_DEFAULTS,
            lazy_runner("empirical.poisoning.experiments", "run_hessian_poisons"),
            rules={
                "epochs": at_least(1, "the surrogate model must train"),
                "steps": at_least(1),
                "alphas": between(0.0, 1.0),
            },
        ),
        Check(
            "delta-influence-cost",
            ("delta-influence-defender-cost", "delta-influence-attacker-cost"),
            "defender's influence-with-transformations cost vs attacker's cost; fitted exponents",
            COST_DEFAULTS,
            lazy_runner("empirical.poisoning.cost"),
            rules={"cg_iters": at_least(1), "repeats": at_least(1), "damping": at_least(0)},
        ),
    )
}
