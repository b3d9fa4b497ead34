"""The poison-unlearning protocol (issue 17): calibrated membership nulls, the tuning rule, the noise floor, the
BatchNorm guard and a zero step, attack success, and the whole check on a tiny grid through the sims runner."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from empirical.poisoning.evaluation import example_losses, lira_offline, logit_confidence
from empirical.poisoning.grid import (
    GRID_SIZES,
    approximate_methods,
    attack_stage,
    draft,
    grid_settings,
    seed_stage,
    unlearned_state,
)
from empirical.poisoning.protocol import (
    attack_success,
    floor_gaps,
    floor_verdict,
    paired_test,
    seed_interval,
    select_setting,
)
from empirical.poisoning.removal import membership_auc, removal_measures
from empirical.poisoning.training import default_loss, run_steps, schedule
from empirical.train import TrainConfig

#: Level of the statistical checks below (fixed seeds make each run deterministic).
LEVEL = 0.01


# ----------------------------------------------------------------------------- calibration of MIA and LiRA
@pytest.fixture(scope="module")
def trained_cnn(cnn_setup):
    """The small CNN trained 2 epochs on the first 1,000 training points; the last 500 and the test set are
    non-members. Four OUT shadows trained on the first 1,000 with other orders."""
    x, y = cnn_setup.data.train_x[:1000], cnn_setup.data.train_y[:1000]
    models = []
    for seed in range(5):
        model = copy.deepcopy(cnn_setup.model)
        config = TrainConfig(epochs=2, batch_size=64, lr=0.1, seed=seed)
        run_steps(model, x, y, schedule(1000, config), config, default_loss("classification"))
        models.append(model)
    return models[0], models[1:]


def _auc_pairs(cnn_setup, trained_cnn, first, second):
    model, shadows = trained_cnn
    loss = membership_auc(-example_losses(model, *first), -example_losses(model, *second))
    candidates = (torch.cat([first[0], second[0]]), torch.cat([first[1], second[1]]))
    reference = torch.stack([logit_confidence(s, *candidates) for s in shadows])
    scores = lira_offline(logit_confidence(model, *candidates), reference)
    lira = membership_auc(scores[: first[0].shape[0]], scores[first[0].shape[0] :])
    return loss, lira


def test_mia_and_lira_auc_between_disjoint_non_members_is_one_half(cnn_setup, trained_cnn):
    """Two disjoint non-member sets (training points the model never saw vs test points) are exchangeable: over
    20 random pairs of 25 vs 25 the mean AUC is 1/2 within z_{LEVEL/2} standard errors (SE of one AUC under the
    null: sqrt((n1 + n2 + 1) / (12 n1 n2)), Mann-Whitney). Negative control: members vs non-members of the same
    model are separated (the calibrated measure can register membership)."""
    data = cnn_setup.data
    unseen = (data.train_x[1000:], data.train_y[1000:])
    generator = np.random.default_rng(0)
    pairs = []
    for _ in range(20):
        a, b = (
            generator.choice(unseen[0].shape[0], 25, replace=False),
            generator.choice(data.test_x.shape[0], 25, replace=False),
        )
        pairs.append(_auc_pairs(cnn_setup, trained_cnn, (unseen[0][a], unseen[1][a]), (data.test_x[b], data.test_y[b])))
    bound = 2.576 * math.sqrt((25 + 25 + 1) / (12 * 25 * 25)) / math.sqrt(20)  # draws share the model: conservative
    loss_mean, lira_mean = np.mean(pairs, axis=0)
    assert abs(loss_mean - 0.5) <= 2 * bound and abs(lira_mean - 0.5) <= 2 * bound
    memoriser = copy.deepcopy(cnn_setup.model)  # 50 points, 40 epochs: members have visibly lower loss
    config = TrainConfig(epochs=40, batch_size=10, lr=0.1, seed=0)
    run_steps(
        memoriser, data.train_x[:50], data.train_y[:50], schedule(50, config), config, default_loss("classification")
    )
    separated = membership_auc(
        -example_losses(memoriser, data.train_x[:50], data.train_y[:50]),
        -example_losses(memoriser, unseen[0][:50], unseen[1][:50]),
    )
    assert separated > 0.5 + 2.576 * math.sqrt(101 / (12 * 50 * 50))


def test_membership_auc_of_a_diverged_model_is_undefined_and_infinite_scores_rank():
    """Eval-mode gradient ascent at lr 0.1 overflows the losses (NaN): no ranking, NaN rather than an error.
    Negative control: infinite but ordered scores still give the AUC of their order."""
    assert math.isnan(membership_auc(torch.tensor([float("nan"), 1.0]), torch.tensor([0.0, 0.5])))
    assert membership_auc(torch.tensor([float("inf"), 2.0]), torch.tensor([-float("inf"), 1.0])) == 1.0
    assert membership_auc(torch.tensor([-float("inf"), 0.0]), torch.tensor([1.0, 2.0])) == 0.0


# ----------------------------------------------------------------------------- statistics and the tuning rule
def test_seed_interval_and_paired_test():
    mean, low, high = seed_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert mean == 3.0 and low < 3.0 < high and math.isclose(high - 3.0, 2.776445105 * math.sqrt(2.5 / 5), rel_tol=1e-8)
    assert seed_interval([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)
    assert math.isnan(seed_interval([1.0])[1])
    test = paired_test([1.0, 2.0, 3.0], [0.0, 1.0, 2.5])
    assert test["difference"] == pytest.approx(0.8333333333) and test["seeds"] == 3
    with pytest.raises(ValueError, match="one per seed"):
        paired_test([1.0], [1.0, 2.0])


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1), st.floats(-10, 0), st.integers(1, 10**6)), min_size=1, max_size=12),
    st.floats(0, 1),
    st.floats(0, 0.2),
)
def test_the_tuned_setting_respects_the_accuracy_tolerance(entries, reference, tolerance):
    """select_setting returns a setting whose validation accuracy is within the tolerance of the retrained model's,
    the best forget quality among those (ties: the cheaper), or None when no setting qualifies."""
    candidates = {
        f"s{i}": [{"val_accuracy": a, "forget_quality": q, "grad_evals": c}] for i, (a, q, c) in enumerate(entries)
    }
    chosen = select_setting(candidates, reference, tolerance)
    admissible = [(q, -c, f"s{i}") for i, (a, q, c) in enumerate(entries) if a >= reference - tolerance]
    if not admissible:
        assert chosen["setting"] is None
        return
    assert chosen["chosen"]["val_accuracy"] >= reference - tolerance
    best = max(admissible)
    assert (chosen["chosen"]["forget_quality"], -chosen["chosen"]["grad_evals"]) == best[:2]


def test_select_setting_rejects_a_negative_tolerance():
    with pytest.raises(ValueError, match="tolerance"):
        select_setting({}, 0.9, -0.01)


def test_attack_success_and_floor_verdict():
    reference = {s: {"forget_loss": 1.0 + 0.01 * s, "target_loss": 2.0} for s in range(5)}
    poisoned = {s: {"forget_loss": 0.5 + 0.02 * s, "target_loss": 2.0 + 0.001 * (-1) ** s} for s in range(5)}
    assert attack_success("gaussian", poisoned, reference)["significant"]
    assert not attack_success("influence", poisoned, reference)["significant"]  # its measure is the target loss
    floors = {"floor-seed": {s: {"forget_loss": 1.0 + 0.01 * s + 0.02 * (-1) ** s} for s in range(5)}}
    gaps = floor_gaps("forget_loss", reference, floors)
    assert all(math.isclose(g, 0.02) for g in gaps.values())
    assert floor_verdict("forget_loss", poisoned, reference, gaps)["verdict"] == "above floor"
    assert floor_verdict("forget_loss", floors["floor-seed"], reference, gaps)["verdict"] == "at floor"


# ----------------------------------------------------------------------------- the grid's stages and a zero step
@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory, cnn_setup):
    return {
        "model": "small-cnn",
        "data": "digits",
        "model_options": {"channels": 3, "batchnorm": True},
        "data_options": {},
        "dtype": "float64",
        "device": "cpu",
        "n_poisons": 4,
        "epochs": 1,
        "batch_size": 64,
        "lr": 0.1,
        "eps": 0.0,
        "n_shadow": 2,
        "influence_steps": 2,
        "hessian_steps": 2,
        "damping": 0.1,
        "cache": str(tmp_path_factory.mktemp("stages")),
    }


def test_noise_floor_rows_exist_and_differ_from_the_reference(tiny_config):
    stage = seed_stage(tiny_config, 0)
    names = [k for k in stage["reference"] if k.endswith("weight")]
    for floor in ("floor-seed", "floor-order", "floor-drop"):
        assert any(not torch.equal(stage[floor][k], stage["reference"][k]) for k in names), floor
    assert set(stage["validation"].tolist()).isdisjoint(stage["test"].tolist())
    assert set(stage["holdout"].tolist()).isdisjoint(stage["validation"].tolist() + stage["test"].tolist())


def test_a_zero_step_changes_no_measure(tiny_config, cnn_setup):
    """Every method at lr 0 and at lr 1e-300, run through the unlearning interface as the protocol's cells run it,
    leaves every measure exactly as on the poisoned model: the weights do not move and BatchNorm running statistics
    are not updated (the interface runs unlearning steps in eval mode). Negative control: the same method with
    ``batch_statistics=True`` (train-mode forward passes) changes the running statistics and the measures."""
    from empirical.poisoning.grid import _evaluation, _setup

    seed_data, attack_data = seed_stage(tiny_config, 0), attack_stage(tiny_config, 0, "gaussian")
    setup = _setup(tiny_config, 0)
    evaluation = _evaluation(tiny_config, seed_data, attack_data, setup, "gaussian")
    model = copy.deepcopy(setup.model)
    model.load_state_dict(attack_data["poisoned"])
    before = removal_measures(model, evaluation)
    methods = approximate_methods()
    assert {"gradient_ascent", "neggrad_plus", "finetune", "scrub"} <= set(methods)
    for method in methods:
        for rate in (0.0, 1e-300):
            state, evals = unlearned_state(
                setup, seed_data, attack_data, method, {**draft(method), "lr": rate, "epochs": 1}, 0, 64
            )
            model.load_state_dict(state)
            after = removal_measures(model, evaluation)
            assert evals > 0
            for key, value in before.items():
                assert (math.isnan(value) and math.isnan(after[key])) or after[key] == value, (method, rate, key)
            assert all(torch.equal(state[k], attack_data["poisoned"][k]) for k in state), (method, rate)
    stats = [k for k in attack_data["poisoned"] if k.endswith("running_mean")]
    assert stats, "the tiny CNN has BatchNorm"
    state, _ = unlearned_state(
        setup,
        seed_data,
        attack_data,
        "gradient_ascent",
        {**draft("gradient_ascent"), "lr": 0.0, "epochs": 1, "batch_statistics": True},
        0,
        64,
    )
    assert any(not torch.equal(state[k], attack_data["poisoned"][k]) for k in stats)
    model.load_state_dict(state)
    assert removal_measures(model, evaluation) != before


def test_every_grid_spans_four_decades_of_learning_rate_and_holds_the_draft_setting():
    for size in GRID_SIZES:
        for method in approximate_methods():
            settings = grid_settings(method, size)
            rates = [s["lr"] for s in settings]
            assert max(rates) / min(rates) >= 1e4 - 1e-6 and len(set(rates)) >= 5, (method, size)
            if size == "full":
                assert draft(method) in settings, method
                assert len({json.dumps(s, sort_keys=True) for s in settings}) == len(settings), method
    assert draft("gradient_ascent") == {"lr": 1e-5, "epochs": 4}
    assert draft("neggrad_plus") == {"lr": 1e-3, "beta": 0.995, "epochs": 4}
    with pytest.raises(ValueError, match="grid must be one of"):
        grid_settings("finetune", "huge")


# ----------------------------------------------------------------------------- the check, tiny
def test_poison_unlearning_protocol_runs_tiny(cnn_setup, tmp_path, capsys):
    from empirical.poisoning.runner import run
    from empirical.poisoning.settings import PROTOCOL_DEFAULTS

    setup = copy.copy(cnn_setup)
    setup.checkpoint_dir = str(tmp_path)
    settings = {
        **PROTOCOL_DEFAULTS,
        "attacks": ["gaussian", "influence"],
        "methods": ["gradient_ascent"],
        "seeds": 2,
        "tune_seeds": 1,
        "grid": "small",
        "n_poisons": 4,
        "epochs": 1,
        "n_shadow": 2,
        "jobs": 1,
        "influence_steps": 2,
    }
    rows = run(setup, settings)
    table = capsys.readouterr().out
    assert "| gaussian | floor |" in table and "attack" in table
    success = [r for r in rows if r.params.get("role") == "attack-success"]
    assert {r.params["attack"] for r in success} == {"gaussian", "influence"}
    tuning = [r for r in rows if r.params.get("role") == "tuning"]
    for row in tuning:
        if row.params["setting"] != "none within tolerance":
            assert row.metrics["val_accuracy"] >= row.metrics["reference_val_accuracy"] - settings["tolerance"]
    variants = {
        (r.params["unlearner"], r.params.get("variant"))
        for r in rows
        if "measure" in r.params and "unlearner" in r.params
    }
    assert {("poisoned", "-"), ("reference", "-"), ("gradient_ascent", "draft")} <= variants
    assert all(
        math.isfinite(r.metrics["floor"])
        for r in rows
        if r.params.get("measure") == "forget_loss" and "floor" in r.metrics
    )
    again = run(setup, settings)  # resumed: every cell is read back, nothing recomputed, the same numbers
    assert [json.dumps(r.metrics, sort_keys=True) for r in again] == [
        json.dumps(r.metrics, sort_keys=True) for r in rows
    ]
    with pytest.raises(ValueError, match="unknown attack"):
        run(setup, {**settings, "attacks": ["pgd"]})
    with pytest.raises(ValueError, match="exact retraining"):
        run(setup, {**settings, "methods": ["retrain"]})
