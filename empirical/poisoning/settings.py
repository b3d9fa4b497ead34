"""Default settings of the poisoning checks, kept apart from their code so that registering the checks in
:mod:`empirical.checks` imports nothing heavy (and no import cycle: the experiments use the checks' helpers)."""

from __future__ import annotations

__all__ = ["POISON_DEFAULTS", "PROTOCOL_DEFAULTS", "HESSIAN_DEFAULTS", "PRESETS", "COST_DEFAULTS"]

ATTACK_NAMES = ["fgsm-variant", "fgsm", "gaussian", "influence", "hessian", "gradnorm"]
METHOD_NAMES = [
    "retrain",
    "rewind_replay",
    "finetune",
    "gradient_ascent",
    "neggrad_plus",
    "neggrad_plus_aligned",
    "scrub",
]

POISON_DEFAULTS = {
    "attacks": list(ATTACK_NAMES),
    "methods": list(METHOD_NAMES),
    "n_poisons": 10,
    "epochs": 4,
    "batch_size": 64,
    "lr": 0.1,
    "eps": 0.0,
    "gus_draws": 100,
    "ascent_lr": 0.05,
    "n_clean": 10,
    "hessian_steps": 10,
    "influence_steps": 5,
    "damping": 0.1,
    "rerun_exact": False,
    "n_shadow": 4,
    "preset": "cpu",
    "point_seed": 0,
}
#: poison-unlearning, the protocol of empirical.poisoning.protocol (issue 17): seeds x attacks x approximate methods x
#: settings grid, tuned on ``tune_seeds`` other seeds within ``tolerance`` of the retrained model's accuracy.
PROTOCOL_DEFAULTS = {
    "attacks": list(ATTACK_NAMES),
    "methods": ["finetune", "gradient_ascent", "neggrad_plus", "scrub"],
    "seeds": 5,
    "tune_seeds": 1,
    "seed0": 0,
    "grid": "full",
    "tolerance": 0.02,
    "n_poisons": 10,
    "epochs": 4,
    "batch_size": 64,
    "lr": 0.1,
    "eps": 0.0,
    "n_shadow": 4,
    "influence_steps": 5,
    "hessian_steps": 10,
    "damping": 0.1,
    "backend": "loky",
    "jobs": 2,
    "scheduler": "",
}
HESSIAN_DEFAULTS = {
    "alphas": [0.1, 0.5, 0.9],
    "balance": "none",
    "measure": "spectral",
    "n_poisons": 6,
    "steps": 15,
    "epochs": 4,
    "batch_size": 64,
    "lr": 0.1,
    "ascent_lr": 0.05,
    "preset": "cpu",
    "point_seed": 0,
}
#: The draft's ResNet18 / CIFAR-10 settings (``--set preset=paper``): longer training, the draft's 10 poisons.
PRESETS = {
    "cpu": {},
    "paper": {
        "epochs": 30,
        "batch_size": 128,
        "n_poisons": 10,
        "gus_draws": 1000,
        "hessian_steps": 50,
        "influence_steps": 10,
        "steps": 50,
        "rerun_exact": True,
        "n_shadow": 8,
    },
}

#: delta-influence-cost: one factor varied at a time around the base point.
COST_DEFAULTS = {
    "n_train": [250, 500, 1000, 1500],
    "n_test": [1, 2, 4],
    "n_transformations": [1, 2, 4],
    "hidden": [16, 64, 256],
    "base_n_train": 500,
    "base_n_test": 2,
    "base_n_transformations": 2,
    "base_hidden": 64,
    "cg_iters": 10,
    "n_poisons": 10,
    "repeats": 2,
    "damping": 0.1,
}
