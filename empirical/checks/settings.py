"""Default settings of the lifted checks, apart from their code: registering the checks
(:mod:`empirical.checks`) and listing their ``--set`` keys (``python -m empirical run --help``) import no
torch. Each check module re-exports its entry as ``DEFAULTS``."""

from __future__ import annotations

from theory.models.aggregation import AGGREGATORS

__all__ = [
    "ASCENT_ERROR_DEFAULTS",
    "COMMUTATOR_DEFAULTS",
    "INVERSION_DEFAULTS",
    "GRADIENT_COSINE_DEFAULTS",
    "ORTHOGONAL_CRAFT_DEFAULTS",
    "HARD_POINTS_DEFAULTS",
    "AGGREGATION_DEFAULTS",
    "AGGREGATION_LEMMA",
]

ASCENT_ERROR_DEFAULTS = {"n_points": 4, "lr_min": 1e-9, "lr_max": 10.0, "n_lrs": 21, "tolerance": 0.1, "point_seed": 0}
COMMUTATOR_DEFAULTS = {
    "n_pairs": 4,
    "lr_min": 1e-9,
    "lr_max": 10.0,
    "n_lrs": 21,
    "tolerance": 0.1,
    "point_seed": 1,
    "same_class": False,
}
INVERSION_DEFAULTS = {
    "n_points": 3,
    "lr": 0.05,
    "rho_targets": [0.5, 1.5, 3.0],
    "fp_iterations": 40,
    "newton_iterations": 10,
    "krylov_iterations": 50,
    "lanczos_tol": 1e-6,
    "point_seed": 2,
}
GRADIENT_COSINE_DEFAULTS = {
    "pretrain_epochs": [0, 1, 2, 5],
    "interleaved": [1, 2, 5, 10, 20, 50, 100, 200, 500],
    "n_points": 3,
    "lr": 0.05,
    "batch_size": 32,
    "train_lr": 0.1,
    "train_batch_size": 64,
    "steps_per_epoch": 0,
    "point_seed": 3,
}
ORTHOGONAL_CRAFT_DEFAULTS = {
    "n_points": 3,
    "lr": 0.05,
    "steps": 30,
    "adam_lr": 0.02,
    "record_every": 5,
    "point_seed": 4,
}
HARD_POINTS_DEFAULTS = {"n_points": 12, "lr": 0.05, "fgsm_eps": 0.05, "lanczos_tol": 1e-4, "point_seed": 5}
AGGREGATION_DEFAULTS = {
    "aggregators": list(AGGREGATORS),
    "n_train": 512,
    "poison_fraction": 0.2,
    "batch_size": 16,
    "epochs": 4,
    "lr": 0.5,
    "order_seed": 3,
    "max_epochs": 32,
}
AGGREGATION_LEMMA = "aggregator-breakdown"
