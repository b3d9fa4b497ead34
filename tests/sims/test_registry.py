"""Sweeps (sims.sweeps.*, sims.registry): every cell runs on tiny parameters, and checks against closed forms."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sims.registry import SWEEP_LEMMAS, SWEEPS, get_sweep
from theory.checking.error_model import gamma

TINY = {
    "ascent-error": {
        "models": "linear,logistic,mlp",
        "lrs": "0.1",
        "input_scales": "1",
        "n_points": "4",
        "pretrain_epochs": "0",
        "hidden": "4",
    },
    "order-dependence": {
        "problems": "consistent,logistic",
        "lrs": "0.1",
        "dims": "3",
        "epochs_list": "1",
        "n_samples": "10",
        "n_perms": "3",
    },
    "interleaved-unlearning": {
        "forget_fractions": "0.1",
        "positions": "interleaved",
        "lrs": "0.05",
        "batch_sizes": "1",
        "n_samples": "20",
        "n_traj": "2",
        "epochs": "1",
    },
    "inversion": {"lr_Ls": "0.5", "terms_list": "3", "batch_sizes": "1", "n_points": "4"},
    "gradient-cosine": {
        "models": "mlp,linear",
        "n_batches_list": "2",
        "pretrain_epochs_list": "0",
        "n_points": "3",
        "hidden": "4",
        "batch_size": "4",
    },
    "poisoned-batches": {
        "amplitudes": "2",
        "aggregates": "mean,median",
        "batch_sizes": "4",
        "n_traj": "2",
        "epochs": "1",
    },
    "aggregator-efficiency": {"batch_sizes": "3,4", "dim": "2", "steps": "3", "n_traj": "2", "n_draws": "20"},
    "aggregator-poisoning": {"poison_fractions": "0.1", "n_samples": "24", "n_traj": "2"},
    "streaming-median": {"n_gradients_list": "50", "bins_list": "8", "dim": "3", "chunk": "7"},
}


def test_registry_names_and_lemma_ids():
    assert set(SWEEPS) == set(TINY) == set(SWEEP_LEMMAS)
    for name, lemmas in SWEEP_LEMMAS.items():
        assert lemmas and len(set(lemmas)) == len(lemmas)
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", lemma) for lemma in lemmas), name
    with pytest.raises(ValueError, match="known sweeps"):
        get_sweep("nope")


@pytest.mark.parametrize("name", sorted(TINY))
def test_every_cell_runs_and_returns_numbers(name):
    sweep = get_sweep(name)
    cells = sweep.cells(sweep.resolve({**TINY[name], "seeds": "1"}))
    assert cells
    for cell in cells:
        metrics = sweep.cell(dict(cell))
        assert metrics and not set(metrics) & set(cell)
        assert all(isinstance(value, (int, float)) for value in metrics.values())


def test_ascent_error_linear_matches_closed_form():
    """Linear regression: theta_2 - theta_0 = -lr^2 r |x|^2 x exactly (ga-linear-error), up to rounding."""
    sweep = get_sweep("ascent-error")
    cell = sweep.cells(sweep.resolve({**TINY["ascent-error"], "models": "linear", "seeds": "1"}))[0]
    metrics = sweep.cell(cell)
    # from theta_0 = 0 (no pre-training): |theta_1| = lr |y| |x| and |e| = lr^2 |x|^3 |y|, so the rounding of two
    # steps of depth p + 4 (p = 10 for diabetes), relative to |e|, is gamma(2 (p + 4)) (2 / (lr |x|^2) + 1)
    bound = gamma(2 * (10 + 4)) * (2 / metrics["lr_x_squared"] + 1)
    assert metrics["deviation_from_prediction"] <= bound
    assert abs(metrics["relative_error"] - metrics["lr_x_squared"]) <= bound * metrics["lr_x_squared"]


def test_interleaved_rewind_is_exact_and_costs_less_than_retraining():
    sweep = get_sweep("interleaved-unlearning")
    cell = sweep.cells(sweep.resolve({**TINY["interleaved-unlearning"], "seeds": "1"}))[0]
    metrics = sweep.cell(cell)
    assert metrics["distance_rewind_replay"] == 0.0  # same operations as retraining from the checkpoint
    assert 0 < metrics["cost_rewind_replay"] <= 1 and metrics["cost_amnesiac"] == 0


def test_parameter_spec_errors_name_the_parameter():
    sweep = get_sweep("inversion")
    with pytest.raises(ValueError, match="lr_Ls"):
        sweep.resolve({"lr_Ls": "x"})
    with pytest.raises(ValueError, match="n_points"):
        sweep.resolve({"n_points": "0"})
    with pytest.raises(ValueError, match="no parameter 'speed'"):
        sweep.resolve({"speed": "1"})
    paper = sweep.resolve(paper=True)
    assert paper["terms_list"] == sweep.param("terms_list").paper
    assert np.all(np.diff([c["seed"] for c in sweep.cells(sweep.resolve({"seeds": "3"}))][:3]) == 1)
