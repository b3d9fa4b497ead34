"""The lifted checks: each measures a lemma of `theory` on a network and records it against the lemma id.

========================  ===================================================  =================================
check                     lemma ids (linear model / network)                   draft section
========================  ===================================================  =================================
ascent-error              ga-linear-error / ascent-error-logistic              GA does not revert GD
commutator                lr-commutator-formula / commutator-logistic          steps do not commute
inversion-contraction     psi-contraction-iff, stable-but-not-invertible,      the fixed-point formulation
                          step-non-injective
gradient-cosine           span-dim-large                                       Experiment 1
orthogonal-craft          span-dim-large                                       Experiment 2
hard-points               hard-kinds-linear / three-hard-kinds-equivalent      towards the general case
aggregation               aggregator-breakdown                                 opening notes / poisoned batches
========================  ===================================================  =================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from empirical.checks import settings as defaults
from empirical.checks.base import (
    Check,
    Row,
    at_least,
    between,
    claim_results,
    lazy_runner,
    resolve_settings,
    summary,
    write_rows,
)

__all__ = ["CHECKS", "Check", "Row", "resolve_settings", "summary", "write_rows", "get_check", "run_check"]

CHECKS: dict[str, Check] = {
    check.name: check
    for check in (
        Check(
            "ascent-error",
            (
                "ga-linear-error",
                "ascent-error-quadratic",
                "ascent-error-logistic",
                "omniscient-defender-networks",
                "approx-small-shift",
            ),
            "one ascent after one descent vs -lr^2 H g over lr decades",
            defaults.ASCENT_ERROR_DEFAULTS,
            lazy_runner("empirical.checks.ascent_error"),
        ),
        Check(
            "commutator",
            ("lr-commutator-formula", "commutator-quadratic", "commutator-logistic", "different-classes-no-commute"),
            "two steps in both orders vs lr^2 (H_B g_A - H_A g_B)",
            defaults.COMMUTATOR_DEFAULTS,
            lazy_runner("empirical.checks.commutator"),
        ),
        Check(
            "inversion-contraction",
            (
                "psi-contraction-iff",
                "stable-but-not-invertible",
                "step-non-injective",
                "banach-not-contraction",
                "pathway-regularizer",
                "banach-not-contraction-likely",
                "pathway-regularizer-networks",
            ),
            "lr max|eig H_z| vs 1, fixed-point rate, Newton-Krylov inversion",
            defaults.INVERSION_DEFAULTS,
            lazy_runner("empirical.checks.inversion"),
        ),
        Check(
            "gradient-cosine",
            ("span-dim-large", "high-dim-orthogonal", "high-dim-orthogonal-gradients"),
            "Experiment 1: cos(g_z(theta0), g_z(theta1)) after 1..500 interleaved batches",
            defaults.GRADIENT_COSINE_DEFAULTS,
            lazy_runner("empirical.checks.gradient_cosine"),
        ),
        Check(
            "orthogonal-craft",
            ("span-dim-large",),
            "Experiment 2: Adam on the input to make g_z orthogonal after one step",
            defaults.ORTHOGONAL_CRAFT_DEFAULTS,
            lazy_runner("empirical.checks.orthogonal_craft"),
            rules={"steps": at_least(1)},
        ),
        Check(
            "hard-points",
            ("hard-kinds-linear", "three-hard-kinds-equivalent", "hessian-pd-convex", "hessian-psd-trace-proxy"),
            "loss, |g|, |H| and ascent error per point; Spearman correlations",
            defaults.HARD_POINTS_DEFAULTS,
            lazy_runner("empirical.checks.hard_points"),
        ),
        Check(
            "aggregation",
            (defaults.AGGREGATION_LEMMA,),
            "train with each aggregator on label flips; trace and unlearning",
            defaults.AGGREGATION_DEFAULTS,
            lazy_runner("empirical.checks.aggregation"),
            rules={"epochs": at_least(1, "the models must train"), "poison_fraction": between(0.0, 1.0)},
        ),
    )
}


def get_check(name: str) -> Check:
    """The check called ``name`` (ValueError listing the known ones otherwise)."""
    if name not in CHECKS:
        raise ValueError(f"unknown check {name!r}; known: {', '.join(CHECKS)}")
    return CHECKS[name]


from empirical.poisoning.checks import POISONING_CHECKS  # noqa: E402  (poison experiments, empirical/poisoning)

CHECKS.update(POISONING_CHECKS)


def run_check(name: str, setup: Any, settings: Mapping[str, Any] | None = None, out_dir: str = "results") -> list[Row]:
    """Run check ``name`` on ``setup`` with ``settings`` over its defaults; store and return the rows."""
    check = get_check(name)
    resolved = resolve_settings(check, settings)
    claim_results(check, setup, resolved, out_dir)  # refuse mixing parameters before computing
    rows = check.run(setup, resolved)
    write_rows(rows, check, setup, resolved, out_dir)
    return rows
