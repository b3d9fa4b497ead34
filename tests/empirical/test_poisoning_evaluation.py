"""empirical.poisoning.evaluation by hand: every statistic against its formula on numbers small enough to follow
(issue 20: the surviving mutants of the GUS/MIA evaluation: Hanley-McNeil's standard error, TPR at 1 % FPR, the
scale of GUS's null). The input gradients are replaced by fixed ones, so the GUS formulas are judged alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from empirical.poisoning import evaluation
from empirical.poisoning.evaluation import (
    accuracy,
    auc_standard_error,
    detection,
    example_losses,
    gus_null,
    gus_statistic,
    lira_offline,
    logit_confidence,
    tpr_at_fpr,
    weight_distance,
)
from theory.checking.error_model import float64_tolerance

GRADIENT = torch.tensor([[3.0, 4.0, 0.0], [0.0, 0.0, 2.0], [1.0, -2.0, 2.0]], dtype=torch.float64)
OBJECTIVE, PARAMS, TARGETS = object(), {"w": torch.zeros(1)}, torch.tensor([0, 1, 2])


@pytest.fixture
def fixed_gradients(monkeypatch):
    """input_gradients -> GRADIENT (reshaped to the sources' shape) for the model and targets passed on."""

    def input_gradients(objective, params, sources, targets):
        assert objective is OBJECTIVE and params is PARAMS and targets is TARGETS and sources.shape[0] == 3
        return GRADIENT.reshape(sources.shape)

    monkeypatch.setattr(evaluation, "input_gradients", input_gradients)


def test_gus_statistic_is_the_projection_on_the_gradient_over_eps(fixed_gradients):
    sources = torch.zeros(3, 1, 3, dtype=torch.float64)
    noise = torch.tensor([[1.0, 1.0, 5.0], [2.0, 0.0, -1.0], [2.0, 0.0, 1.0]], dtype=torch.float64).reshape(3, 1, 3)
    eps = 0.5
    # the shared sign (empirical.gus): s = -<xi, g> / (eps |g|), positive when the poison is remembered
    expected = [-(3 + 4) / (eps * 5), 2 / (eps * 2), -(2 + 2) / (eps * 3)]
    values = gus_statistic(OBJECTIVE, PARAMS, sources, TARGETS, noise, eps)
    assert values.tolist() == pytest.approx(expected, rel=4 * float64_tolerance(3, 1.0))
    with pytest.raises(ValueError, match="noise scale > 0"):
        gus_statistic(OBJECTIVE, PARAMS, sources, TARGETS, noise, 0.0)


def test_gus_null_draws_fresh_noise_on_the_same_gradients_at_the_same_scale(fixed_gradients):
    sources = torch.zeros(3, 1, 3, dtype=torch.float64)  # (n, channels, features): n is not sources.shape[1]
    draws = [
        torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=torch.float64),
        torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]], dtype=torch.float64),
    ]
    sample = iter(draws)
    eps = 0.25
    generator = torch.Generator()

    def draw(given):
        assert given is generator
        return next(sample)

    values = gus_null(OBJECTIVE, PARAMS, sources, TARGETS, eps, draw, 2, generator)
    expected = [-3 / (eps * 5), -2 / (eps * 2), 2 / (eps * 3), -4 / (eps * 5), 0.0, 2 / (eps * 3)]  # shared sign
    assert values.tolist() == pytest.approx(expected, rel=4 * float64_tolerance(3, 1.0))


def test_gus_of_a_zero_gradient_is_zero_not_nan(monkeypatch):
    monkeypatch.setattr(
        evaluation, "input_gradients", lambda objective, params, sources, targets: torch.zeros_like(sources)
    )
    values = gus_statistic(
        None, {}, torch.zeros(2, 3, dtype=torch.float64), None, torch.ones(2, 3, dtype=torch.float64), 1.0
    )
    assert values.tolist() == [0.0, 0.0]


def test_tpr_at_fpr_counts_positives_above_the_negatives_quantile():
    negatives = np.arange(100.0)  # the 0.99 quantile is 98.01, the 0.95 quantile 94.05
    positives = np.array([98.0, 98.5, 99.0, 100.0, 94.0, 95.0, -1.0, 200.0])
    assert tpr_at_fpr(positives, negatives, 0.01) == 4 / 8  # 98.5, 99, 100, 200
    assert tpr_at_fpr(positives, negatives, 0.05) == 6 / 8  # and 98, 95
    assert tpr_at_fpr(np.array([95.0, 95.5]), np.arange(101.0), 0.05) == 0.5  # strictly above the quantile 95


def test_hanley_mcneil_standard_error_by_the_formula():
    # Hanley & McNeil (1982), eq. 2: SE^2 = [A(1-A) + (n_A - 1)(Q1 - A^2) + (n_N - 1)(Q2 - A^2)] / (n_A n_N),
    # Q1 = A/(2-A), Q2 = 2A^2/(1+A); here A = 0.8, n_A = 10 positives, n_N = 20 negatives
    q1, q2 = 0.8 / 1.2, 2 * 0.64 / 1.8
    expected = math.sqrt((0.8 * 0.2 + 9 * (q1 - 0.64) + 19 * (q2 - 0.64)) / 200)
    assert auc_standard_error(0.8, 10, 20) == pytest.approx(expected, rel=1e-14)
    assert auc_standard_error(0.8, 20, 10) != pytest.approx(expected, rel=1e-3)  # the roles are not symmetric
    assert auc_standard_error(0.5, 200, 200) == pytest.approx(
        math.sqrt((0.25 + 199 * (1 / 3 - 0.25) + 199 * (0.5 / 1.5 - 0.25)) / 40000), rel=1e-14
    )
    assert auc_standard_error(1.0, 5, 5) == 0.0


def test_detection_by_hand():
    positives = np.array([0.5, 2.0, 3.0, 4.0])
    negatives = np.linspace(-1.0, 1.0, 201)  # 0.99 quantile 0.98, 0.95 quantile 0.9
    result = detection(positives, negatives)
    pairs = np.mean([[float(p > q) + 0.5 * float(p == q) for q in negatives] for p in positives])
    assert result.mean_positive == 2.375
    assert result.auc == pytest.approx(pairs, rel=1e-14)
    assert result.auc_se == auc_standard_error(result.auc, 4, 201)
    assert result.tpr_at_1 == 0.75 and result.tpr_at_5 == 0.75
    assert result.p_mannwhitney == pytest.approx(
        stats.mannwhitneyu(positives, negatives, alternative="greater").pvalue, rel=1e-12
    )
    assert result.p_ztest == pytest.approx(2 * stats.norm.sf(2 * 2.375), rel=1e-12)  # two-sided
    assert math.isnan(detection(positives, negatives, standard_normal_null=False).p_ztest)
    shown = result.as_dict("gus")
    assert shown["gus_tpr_at_1"] == 0.75 and set(shown) == {f"gus_{k}" for k in result.__dict__}
    low = detection(np.array([0.97, 0.99, 0.95]), negatives)  # above the 0.95 quantile, not all above the 0.99 one
    assert low.tpr_at_1 == 1 / 3 and low.tpr_at_5 == 1.0


class _Affine(nn.Module):
    """Logits W x + b with a dropout whose mode shows in the output (eval mode: the identity)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 3).double()
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
            self.linear.bias.copy_(torch.tensor([0.0, 0.5, -1.0]))
        self.dropout = nn.Dropout(0.9)

    def forward(self, x):
        return self.dropout(self.linear(x))


def test_losses_accuracy_and_confidence_in_eval_mode_then_the_mode_restored():
    model = _Affine().train()
    x = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([0, 2, 1])
    logits = x @ torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64).T + torch.tensor(
        [0.0, 0.5, -1.0], dtype=torch.float64
    )
    log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    chosen = log_p[torch.arange(3), y]
    assert torch.allclose(example_losses(model, x, y), -chosen, rtol=1e-14) and model.training
    assert accuracy(model, x, y) == 2 / 3 and model.training  # argmaxes 0, 1, 1 against labels 0, 2, 1
    phi = logit_confidence(model, x, y)
    assert torch.allclose(phi, chosen - torch.log1p(-chosen.exp()), rtol=1e-12) and model.training
    targets = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=torch.float64)
    squared = 0.5 * ((logits - targets) ** 2).sum(dim=1)
    assert torch.allclose(example_losses(model, x, targets, task="regression"), squared, rtol=1e-14)


def test_weight_distance_uses_the_named_parameters_only():
    first = {"a": torch.tensor([1.0, 2.0]), "b": torch.tensor([[0.0]]), "buffer": torch.tensor([100.0])}
    second = {"a": torch.tensor([4.0, 6.0]), "b": torch.tensor([[12.0]]), "buffer": torch.tensor([0.0])}
    assert weight_distance(first, second, ["a", "b"]) == 13.0
    assert weight_distance(first, second, ["a"]) == 5.0


def test_lira_offline_is_the_standardised_confidence_with_a_pooled_spread():
    shadows = torch.tensor([[1.0, 2.0, 0.0], [3.0, 4.0, 2.0]], dtype=torch.float64)  # K = 2, n = 3
    target = torch.tensor([4.0, 3.0, 2.0], dtype=torch.float64)
    mean = torch.tensor([2.0, 3.0, 1.0], dtype=torch.float64)  # per example, not over all
    sigma = math.sqrt(6 * 1.0 / (6 - 3))  # pooled over the K n - n degrees of freedom
    assert torch.allclose(lira_offline(target, shadows), (target - mean) / sigma, rtol=1e-14)
    flat = torch.ones(2, 3, dtype=torch.float64)
    assert torch.isfinite(lira_offline(target, flat)).all()  # no spread: divided by the smallest normal
    for bad in (shadows[:1], shadows[:, :2], shadows.reshape(-1)):
        with pytest.raises(ValueError, match="shadow"):
            lira_offline(target, bad)
