"""empirical.poisoning against known truths: GUS nulls, MIA on an independent model, exact retrain and rewind,
closed-form Hessian measures of linear regression, the CG inverse-HVP against a dense solve, and clear errors."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from scipy import stats

from empirical.data import load_data
from empirical.functional import Objective, flatten, split_state, tree_like
from empirical.hvp import dense_hessian
from empirical.models import build_model
from empirical.poisoning.attacks import ATTACKS, craft
from empirical.poisoning.evaluation import (
    auc_standard_error,
    detection,
    example_losses,
    gus_statistic,
    lira_offline,
    logit_confidence,
)
from empirical.poisoning.influence import inverse_hvp
from empirical.poisoning.measures import hessian_probes, input_gradients, per_example_summary
from empirical.poisoning.methods import METHODS, image_problem, unlearn
from empirical.poisoning.training import train_with_poisons
from empirical.train import TrainConfig
from theory.checking.error_model import UNIT_ROUNDOFF, float64_tolerance

#: Level of every statistical test below: a correct implementation fails one with probability <= this (fixed seeds
#: make each run deterministic; the level says how unlucky a seed would have to be).
LEVEL = 0.01


def _poisons(setup, attack="fgsm-variant", count=6, **options):
    objective, params = setup.objective()
    indices = torch.arange(count)
    x, y = setup.batch(indices.numpy())
    return craft(
        attack,
        objective,
        params,
        x,
        y,
        indices,
        setup.data.lower,
        setup.data.upper,
        generator=torch.Generator().manual_seed(1),
        **options,
    )


# ----------------------------------------------------------------------------- GUS
def test_gus_on_a_model_that_never_saw_the_noise_is_standard_normal(mlp_setup):
    """T = <xi, g>/(eps |g|) with xi ~ N(0, eps^2 I) independent of the model is exactly N(0, 1): KS test."""
    objective, params = mlp_setup.objective()
    x, y = mlp_setup.batch(np.arange(50))
    generator = torch.Generator().manual_seed(0)
    eps = 0.05
    values = torch.cat(
        [
            gus_statistic(
                objective, params, x, y, eps * torch.randn(x.shape, generator=generator, dtype=torch.float64), eps
            )
            for _ in range(20)
        ]
    ).numpy()
    assert stats.kstest(values, "norm").pvalue > LEVEL


def test_gus_on_the_fgsm_variant_noise_has_the_predicted_biased_mean(mlp_setup):
    """Lemma gus-fgsm-variant-null: on the crafting model, E[T] = sqrt(2/pi) |g|_1/|g|_2 and Var T = 1 - 2/pi, for the
    lemma's T = -s (the package's score s is positive when remembered: empirical.gus)."""
    objective, params = mlp_setup.objective()
    x, y = mlp_setup.batch(np.arange(50))
    gradient = input_gradients(objective, params, x, y)
    flat = gradient.reshape(50, -1)
    predicted = math.sqrt(2 / math.pi) * flat.abs().sum(1) / flat.norm(dim=1)
    generator = torch.Generator().manual_seed(0)
    draws = 20
    values = torch.stack(
        [
            gus_statistic(
                objective,
                params,
                x,
                y,
                0.05 * torch.copysign(torch.randn(x.shape, generator=generator, dtype=torch.float64), gradient),
                0.05,
            )
            for _ in range(draws)
        ]
    )
    centred = (-values - predicted).reshape(-1).numpy()
    # The centred values are iid-per-point with variance 1 - 2/pi: their mean is within z_{LEVEL/2} standard errors.
    z = stats.norm.isf(LEVEL / 2)
    assert abs(centred.mean()) <= z * math.sqrt((1 - 2 / math.pi) / centred.size)
    assert (
        abs(centred.var() - (1 - 2 / math.pi)) <= 0.15
    )  # chi-square spread of 1000 draws: sd 0.4 * sqrt(2/999) ~ 0.02
    assert -values.mean() > math.sqrt(2 / math.pi) - 0.1  # so the N(0, 1) null is far off (mean 0)
    assert stats.kstest(values.reshape(-1).numpy(), "norm").pvalue < LEVEL


# ----------------------------------------------------------------------------- MIA
def test_loss_threshold_mia_on_an_independent_model_has_auc_one_half(mlp_setup):
    """An untrained model is independent of both splits (iid after a seeded shuffle): AUC = 1/2 within its CI."""
    model = mlp_setup.model
    members = -example_losses(model, mlp_setup.data.train_x[:200], mlp_setup.data.train_y[:200]).numpy()
    outsiders = -example_losses(model, mlp_setup.data.test_x[:200], mlp_setup.data.test_y[:200]).numpy()
    result = detection(members, outsiders, standard_normal_null=False)
    assert abs(result.auc - 0.5) <= stats.norm.isf(LEVEL / 2) * auc_standard_error(0.5, 200, 200)


def test_offline_lira_scores_are_standardised_confidences(mlp_setup):
    """phi = log p_y - log(1 - p_y) against softmax; LiRA scores of a model drawn like its shadows are N(0, 1)."""
    x, y = mlp_setup.data.train_x[:20], mlp_setup.data.train_y[:20]
    phi = logit_confidence(mlp_setup.model, x, y)
    with torch.no_grad():
        p = torch.softmax(mlp_setup.model(x), dim=1).gather(1, y.view(-1, 1)).squeeze(1)
    # log(p) - log1p(-p) evaluates ~6 roundings of magnitude |phi| + 1 (softmax, logs, subtraction)
    assert float((phi - (torch.log(p) - torch.log1p(-p))).abs().max()) <= float64_tolerance(
        32, float(phi.abs().max()) + 1
    )
    generator = torch.Generator().manual_seed(0)
    means = torch.randn(300, generator=generator, dtype=torch.float64) * 3
    shadows = means + torch.randn(8, 300, generator=generator, dtype=torch.float64)
    target = means + torch.randn(300, generator=generator, dtype=torch.float64)
    scores = lira_offline(target, shadows).numpy()
    # standardised by a pooled sigma estimated from 8 x 300 draws (and the mean from 8): near N(0, 1 + 1/8)
    assert stats.kstest(scores / math.sqrt(1 + 1 / 8), "norm").pvalue > LEVEL
    with pytest.raises(ValueError, match="shadow"):
        lira_offline(target, shadows[:1])


# ----------------------------------------------------------------------------- exact methods
@pytest.fixture(scope="module")
def small_run():
    data = load_data("digits", n_train=300).to(dtype=torch.float64)
    torch.manual_seed(0)
    model = build_model("small-cnn", data, channels=3).to(torch.float64)
    params, frozen = split_state(model)
    objective = Objective(model, data.task, frozen, bn_mode="eval")
    indices = torch.tensor([3, 50, 120, 200, 299])
    poisons = craft(
        "fgsm-variant", objective, params, data.train_x[indices], data.train_y[indices], indices, data.lower, data.upper
    )
    run = train_with_poisons(model, data, poisons, TrainConfig(epochs=2, batch_size=32, lr=0.1, seed=0))
    return data, poisons, run


def test_retrain_and_rewind_replay_are_exact(small_run):
    _, _, run = small_run
    problem = image_problem(run)
    retrained, rewound = unlearn("retrain", problem), unlearn("rewind-replay", problem)
    for name, value in run.reference.items():
        assert torch.equal(retrained.state[name], value), name
        assert torch.equal(rewound.state[name], value), name
    assert not all(torch.equal(run.poisoned[n], run.reference[n]) for n in run.reference)
    assert rewound.grad_evals == sum(int(b.numel()) for b in run.retain_plan.batches[rewound.info["rewound_to_step"] :])
    assert rewound.grad_evals <= retrained.grad_evals == run.retain_plan.examples


def test_every_method_runs_and_reports_its_cost(small_run):
    _, poisons, run = small_run
    problem = image_problem(run)
    for method in METHODS:
        result = unlearn(
            method,
            problem,
            **({"epochs": 1} if method in ("neggrad_plus", "neggrad_plus_aligned", "scrub", "finetune") else {}),
        )
        assert result.grad_evals > 0 and set(result.state) == set(run.reference)
    ascent = unlearn("gradient_ascent", problem)
    assert ascent.grad_evals == 4 * len(poisons)  # the draft's 4 epochs over the forget set


def test_missing_checkpoint_and_bad_inputs_give_clear_errors(small_run):
    data, poisons, run = small_run
    bare = copy.copy(run)
    bare.checkpoints = {}
    with pytest.raises(ValueError, match="checkpoint"):
        unlearn("rewind_replay", image_problem(bare))
    no_run = image_problem(run)
    no_run.record = None
    with pytest.raises(ValueError, match="needs the training run"):
        unlearn("retrain", no_run)
    with pytest.raises(ValueError, match="unknown unlearning method"):
        unlearn("amnesia", no_run)
    with pytest.raises(ValueError, match="poisons for a training set"):
        small = data.subset(n_train=3)
        train_with_poisons(copy.deepcopy(run.model), small, poisons, run.config)


def test_attack_errors(mlp_setup):
    with pytest.raises(ValueError, match="unknown attack"):
        _poisons(mlp_setup, "pgd")
    with pytest.raises(ValueError, match="must be > 0"):
        _poisons(mlp_setup, "fgsm", eps=0.0)
    with pytest.raises(ValueError, match="must be > 0"):
        _poisons(mlp_setup, "gaussian", eps=-1.0)
    with pytest.raises(ValueError, match="needs train_batch"):
        _poisons(mlp_setup, "influence")


# ----------------------------------------------------------------------------- attacks
@pytest.mark.parametrize("attack", ATTACKS)
def test_every_attack_keeps_range_budget_label_and_noise(mlp_setup, attack):
    options = {}
    if attack == "influence":
        options = {
            "train_batch": mlp_setup.batch(np.arange(40)),
            "test_batch": mlp_setup.batch([0], "test"),
            "steps": 2,
        }
    elif attack in ("hessian", "gradnorm"):
        options = {"steps": 2, "eps": 0.1}
    poisons = _poisons(mlp_setup, attack, **options)
    lower, upper = mlp_setup.data.lower, mlp_setup.data.upper
    assert bool((poisons.inputs >= lower).all() and (poisons.inputs <= upper).all())
    assert torch.equal(poisons.targets, mlp_setup.batch(np.arange(6))[1])
    if attack in ("fgsm", "influence", "hessian", "gradnorm"):
        # (s + eps) - s rounds twice, each within u (|s| + eps) (Higham 2.2): the budget up to that rounding
        slack = 2 * UNIT_ROUNDOFF * (float(poisons.sources.abs().max()) + poisons.eps)
        assert float(poisons.delta.abs().max()) <= poisons.eps + slack
    if attack == "fgsm-variant":
        objective, params = mlp_setup.objective()
        direction = input_gradients(objective, params, poisons.sources, poisons.targets)
        expected = (poisons.sources + 0.05 * torch.copysign(poisons.noise, direction)).clamp(0, 1)
        assert torch.equal(poisons.inputs, expected)
    if attack == "gaussian":
        assert torch.equal(poisons.inputs, (poisons.sources + poisons.noise).clamp(0, 1))
    assert poisons.noise.shape == poisons.sources.shape


def test_influence_attack_reports_its_cg_residual(mlp_setup):
    poisons = _poisons(
        mlp_setup,
        "influence",
        train_batch=mlp_setup.batch(np.arange(40)),
        test_batch=mlp_setup.batch([0], "test"),
        steps=1,
        damping=1.0,
    )
    assert 0 <= poisons.info["cg_residual"] and poisons.info["cg_hvps"] >= poisons.info["cg_iterations"]


# ----------------------------------------------------------------------------- closed forms
def test_hessian_measures_match_linear_regression_closed_forms(linear_setup):
    """Per-example Hessian x x^T: spectral norm = trace = |x|^2, diagonal norm (sum x_i^4)^(1/2) (rank-one lemma)."""
    objective, params = linear_setup.objective()
    x, y = linear_setup.batch(np.arange(5))
    p = x.shape[1]
    exact = hessian_probes(params, 0, exact=True)
    spectral = per_example_summary(
        objective, params, x, y, "spectral", power_iters=3, generator=torch.Generator().manual_seed(0)
    )["spectral"]
    trace = per_example_summary(objective, params, x, y, "trace", probes=exact)["trace"]
    diagonal = per_example_summary(objective, params, x, y, "diagonal", probes=exact)["diagonal"]
    norm_sq = (x**2).sum(1)
    # error model: an HVP of x x^T is two length-p dot products (depth 2p); the Rayleigh quotient and the trace
    # add a length-p sum each; the diagonal norm squares and sums p terms. Magnitude |x|^2 (times 2 for margin).
    tolerance = float64_tolerance(4 * p + 8, 2 * float(norm_sq.max()))
    assert float((spectral - norm_sq).abs().max()) <= tolerance
    assert float((trace - norm_sq).abs().max()) <= tolerance
    assert float((diagonal - (x**4).sum(1).sqrt()).abs().max()) <= tolerance


def test_hessian_attack_raises_the_hessian_within_the_box(linear_setup):
    """On linear regression the Hessian measure |x|^2 grows toward its box maximum sum_i (|x0_i| + eps)^2."""
    objective, params = linear_setup.objective()
    x, y = linear_setup.batch(np.arange(4))
    eps = 0.5
    poisons = craft(
        "hessian",
        objective,
        params,
        x,
        y,
        torch.arange(4),
        linear_setup.data.lower,
        linear_setup.data.upper,
        eps=eps,
        alpha=0.99,
        measure="spectral",
        steps=15,
        lr=0.05,
    )
    before, after = (x**2).sum(1), (poisons.inputs**2).sum(1)
    ceiling = ((x.abs() + eps) ** 2).sum(1)
    assert bool((after > before).all())
    assert bool((after <= ceiling * (1 + 8 * UNIT_ROUNDOFF)).all())


def test_inverse_hvp_matches_a_dense_solve():
    data = load_data("digits", n_train=30).to(dtype=torch.float64)
    torch.manual_seed(0)
    model = build_model("mlp", data, hidden=4).to(torch.float64)
    params, frozen = split_state(model)
    objective = Objective(model, data.task, frozen, bn_mode="eval")
    batch = (data.train_x, data.train_y)
    damping = 1.0
    vector = tree_like(params, torch.Generator().manual_seed(0))
    solve = inverse_hvp(objective, params, batch, vector, damping=damping, tol=1e-13, max_iter=1000)
    matrix = dense_hessian(objective, params, batch) + damping * torch.eye(flatten(params).numel(), dtype=torch.float64)
    eigenvalues = torch.linalg.eigvalsh(matrix)
    assert float(eigenvalues.min()) > 0
    b = flatten(vector)
    dense = torch.linalg.solve(matrix, b)
    # |s - s*| <= |A^{-1}| |A s - b| (the reported residual) plus the dense solve's backward error
    # (gamma_p * cond(A) * |s*|, Higham 9.2), and the HVP's own rounding (gamma_p |A| |s|, same order).
    condition = float(eigenvalues.max() / eigenvalues.min())
    tolerance = solve.residual * float(b.norm()) / float(eigenvalues.min()) + 2 * float64_tolerance(
        matrix.shape[0], condition * float(dense.norm())
    )
    assert float((flatten(solve.solution) - dense).norm()) <= tolerance
    assert solve.residual <= 1e-10 and solve.converged


# ----------------------------------------------------------------------------- the checks, tiny
def test_poison_unlearning_check_runs_tiny(cnn_setup):
    from empirical.poisoning.experiments import POISON_DEFAULTS, run_poison_unlearning

    settings = {
        **POISON_DEFAULTS,
        "attacks": ["fgsm-variant", "gaussian"],
        "methods": ["retrain", "gradient_ascent"],
        "n_poisons": 4,
        "epochs": 1,
        "gus_draws": 10,
        "n_clean": 3,
        "rerun_exact": True,
        "n_shadow": 2,
    }
    rows = run_poison_unlearning(cnn_setup, settings)
    measured = [r for r in rows if r.role == "measurement"]
    assert {r.params["method"] for r in measured} == {"poisoned", "reference", "retrain", "gradient_ascent"}
    for row in measured:
        if row.params["method"] in ("retrain", "reference"):
            assert row.metrics["distance_ratio"] == 0.0
    assert any(r.params.get("metric") == "gradient_methods_min_distance_ratio" for r in rows)
    assert all("lira_auc" in r.metrics and "gus_vs_law_auc" in r.metrics for r in measured)
    with pytest.raises(ValueError, match="exceeds the train set"):
        run_poison_unlearning(cnn_setup, {**settings, "n_poisons": 10**6})
    with pytest.raises(ValueError, match="unknown attack"):
        run_poison_unlearning(cnn_setup, {**settings, "attacks": ["pgd"]})


def test_hessian_poisons_and_cost_checks_run_tiny(mlp_setup):
    from empirical.poisoning.cost import DEFAULTS, fit_exponent, run
    from empirical.poisoning.experiments import HESSIAN_DEFAULTS, run_hessian_poisons

    rows = run_hessian_poisons(
        mlp_setup, {**HESSIAN_DEFAULTS, "alphas": [0.5], "n_poisons": 2, "steps": 2, "epochs": 1}
    )
    assert any(r.params.get("metric") == "max_alpha_median_ascent_error_over_clean" for r in rows)
    rows = run(
        mlp_setup,
        {
            **DEFAULTS,
            "n_train": [20, 40],
            "n_test": [1],
            "n_transformations": [1],
            "hidden": [4],
            "base_n_train": 20,
            "base_n_test": 1,
            "base_n_transformations": 1,
            "base_hidden": 4,
            "cg_iters": 2,
            "repeats": 1,
            "n_poisons": 2,
        },
    )
    work = [r for r in rows if r.params.get("metric") == "defender/exponent_n_train/work"]
    assert len(work) == 1 and abs(work[0].metrics["value"] - 1.0) < 0.05  # counted cost: linear in N_train
    # counted FLOPs (torch.utils.flop_counter), not a cost model: the defender's grow with N_train, the FGSM
    # attacker's do not (the draft's claims: exponents 1 and 0)
    flops = {r.params["metric"]: r.metrics["value"] for r in rows if r.params.get("measure") == "flops"}
    assert abs(flops["defender/exponent_n_train/flops"] - 1.0) < 0.1
    assert abs(flops["attacker_fgsm/exponent_n_train/flops"]) < 1e-9
    assert abs(fit_exponent([1, 2, 4], [3, 12, 48]) - 2.0) <= float64_tolerance(16, 4.0)
    from empirical.poisoning.cost import fit_exponent_interval

    slope, low, high = fit_exponent_interval([1, 2, 4, 8], [3, 12, 48, 192])
    assert abs(slope - 2.0) <= float64_tolerance(16, 4.0) and high - low <= 1e-6
    flat = fit_exponent_interval([1, 2, 4], [5.0, 5.0, 5.0])  # a constant cost: exponent 0, a rounding-wide interval
    assert all(abs(value) <= float64_tolerance(16, 4.0) for value in flat)
    slope, low, high = fit_exponent_interval([1, 2, 4, 8], [1.0, 1.9, 1.1, 2.0])  # noisy: a wide interval
    assert low < slope < high and high - low > 0.5


def test_cli_reports_a_bad_setting(capsys, tmp_path):
    from empirical.cli import main

    assert (
        main(
            [
                "run",
                "poison-unlearning",
                "--model",
                "mlp",
                "--set",
                "model.hidden=4",
                "--set",
                "attacks=pgd",
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert "unknown attack" in capsys.readouterr().err


def test_paper_preset_runs_on_cifar10_batches_read_from_a_local_folder(tmp_path):
    """--set preset=paper on ResNet18 / CIFAR-10 (fake batches in the real format, tiny width and overrides)."""
    from empirical.data import write_fake_cifar10
    from empirical.poisoning.experiments import POISON_DEFAULTS, _resolve, run_poison_unlearning
    from empirical.setup import prepare

    root = write_fake_cifar10(tmp_path / "cifar", per_batch=26)  # 130 training images: the preset's batch of 128 fits
    setup = prepare("resnet18", "cifar10", model_options={"width": 2}, data_options={"root": str(root)}, progress=False)
    settings = {
        **POISON_DEFAULTS,
        "preset": "paper",
        "attacks": ["fgsm-variant"],
        "methods": ["gradient_ascent"],
        "epochs": 1,
        "n_poisons": 2,
        "gus_draws": 5,
        "n_clean": 2,
        "n_shadow": 0,
    }
    resolved = _resolve(settings, POISON_DEFAULTS)
    assert resolved["epochs"] == 1 and resolved["batch_size"] == 128 and resolved["rerun_exact"] is True
    rows = run_poison_unlearning(setup, settings)
    assert {r.params["method"] for r in rows if r.role == "measurement"} == {"poisoned", "reference", "gradient_ascent"}
    with pytest.raises(ValueError, match="preset"):
        run_poison_unlearning(setup, {**settings, "preset": "huge"})


# ----------------------------------------------------------------------------- the Hessian attack trades its terms
def test_hessian_attack_optimum_on_a_model_where_it_is_known():
    """1-D linear regression theta x, loss (theta x - y)^2 / 2: H_z = x^2 (spectral norm), |g_z|^2 = (theta x - y)^2 x^2,
    so the draft's objective L(x) = -alpha x^4 + (1 - alpha)(theta x - y)^2 x^2 on [-1, 1] has its minimiser on a
    dense grid. For theta = 1, y = 0.5 it sits near x = 0.5 (gradient zero) at alpha 0.1 and at x = 1 (Hessian
    largest) at alpha 0.9: the optimiser must land on each, so alpha does trade the Hessian against the gradient."""
    from empirical.data import load_data

    data = load_data("regression", dim=1, n_train=4, n_test=2)
    torch.manual_seed(0)
    model = build_model("linear", data).double()
    with torch.no_grad():
        model.linear.weight.fill_(1.0)
    params, frozen = split_state(model)
    objective = Objective(model, "regression", frozen, bn_mode="eval")
    sources, targets = torch.full((1, 1), 0.3, dtype=torch.float64), torch.full((1,), 0.5, dtype=torch.float64)
    lower, upper = torch.tensor([-1.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64)
    grid = torch.linspace(-1, 1, 200_001, dtype=torch.float64)
    found = {}
    for alpha in (0.1, 0.9):
        optimum = float(grid[torch.argmin(-alpha * grid**4 + (1 - alpha) * (grid - 0.5) ** 2 * grid**2)])
        poisons = craft(
            "hessian",
            objective,
            params,
            sources,
            targets,
            torch.arange(1),
            lower,
            upper,
            generator=torch.Generator().manual_seed(0),
            alpha=alpha,
            steps=150,
            lr=0.02,
            power_iters=1,
        )
        found[alpha] = float(poisons.inputs)
        assert abs(found[alpha] - optimum) < 0.05, (alpha, found[alpha], optimum)  # Adam jitters by ~ lr near the end
    assert found[0.9] - found[0.1] > 0.3


def test_alpha_changes_the_hessian_poisons_when_the_terms_are_balanced(mlp_setup):
    """As the draft writes it, |H|^2 >> |g|^2 and Adam's scale invariance make alpha in (0, 1) nearly irrelevant
    (issue 17: identical poisons for 0.1 / 0.5 / 0.9); with each term relative to the source (balance="source")
    alpha 0.1 must give different poisons than 0.9, and smaller gradient norms (its objective weighs the gradient
    9 times more)."""
    objective, params = mlp_setup.objective()
    x, y = mlp_setup.batch(np.arange(4))
    made = {
        alpha: craft(
            "hessian",
            objective,
            params,
            x,
            y,
            torch.arange(4),
            mlp_setup.data.lower,
            mlp_setup.data.upper,
            generator=torch.Generator().manual_seed(0),
            alpha=alpha,
            steps=10,
            balance="source",
        )
        for alpha in (0.1, 0.9)
    }
    assert float((made[0.1].inputs - made[0.9].inputs).abs().max()) > 0.1
    norms = {
        alpha: per_example_summary(
            objective,
            params,
            p.inputs,
            p.targets,
            "spectral",
            power_iters=10,
            generator=torch.Generator().manual_seed(0),
        )["grad_norm"]
        for alpha, p in made.items()
    }
    assert float(norms[0.1].median()) < float(norms[0.9].median())
    with pytest.raises(ValueError, match="balance"):
        craft(
            "hessian",
            objective,
            params,
            x,
            y,
            torch.arange(4),
            mlp_setup.data.lower,
            mlp_setup.data.upper,
            balance="both",
        )
