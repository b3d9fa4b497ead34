"""A zero learning rate changes nothing: the state (parameters AND buffers) and every metric of the model stay
those of the trained model, for every approximate method, on a CNN with BatchNorm and on the tiny LLaMA.

Negative control: with ``batch_statistics=True`` (BatchNorm in train mode during unlearning, the behaviour before
issue 22) the same zero rate moves the running statistics, and with them the eval-mode metrics: the check is sharp.
"""

from __future__ import annotations

import pytest
import torch

from empirical.poisoning.evaluation import accuracy, example_losses, logit_confidence
from empirical.poisoning.methods import METHODS as IMAGE_METHODS
from empirical.poisoning.methods import image_problem
from sims.unlearning import method_spec, unlearn
from tests.sims.unlearning.reference_problems import lm_parts, torch_run

APPROXIMATE = [m for m in IMAGE_METHODS if not method_spec(m).exact]
ZERO = {"lr": 0.0, "epochs": 1}


@pytest.fixture(scope="module")
def bn_run():
    return torch_run(batchnorm=True)


def _metrics(run, state) -> dict:
    model = run.model_at(state).eval()
    x, y = run.inputs, run.targets
    return {
        "losses": example_losses(model, x, y),
        "accuracy": accuracy(model, x, y),
        "confidence": logit_confidence(model, x, y),
    }


def _same_metrics(first: dict, second: dict) -> bool:
    return all(torch.equal(torch.as_tensor(first[k]), torch.as_tensor(second[k])) for k in first)


@pytest.mark.parametrize("method", APPROXIMATE)
def test_zero_rate_leaves_parameters_buffers_and_metrics_unchanged(bn_run, method):
    problem = image_problem(bn_run, batch_size=16, seed=0)
    result = unlearn(method, problem, **ZERO)
    assert result.grad_evals > 0  # the steps ran
    assert set(result.state) == set(bn_run.poisoned)
    for name, value in bn_run.poisoned.items():
        assert torch.equal(result.state[name], value), name
    assert _same_metrics(_metrics(bn_run, result.state), _metrics(bn_run, bn_run.poisoned))


def test_batch_statistics_mode_moves_the_buffers_at_zero_rate(bn_run):
    """Negative control (module docstring)."""
    problem = image_problem(bn_run, batch_size=16, seed=0)
    moved = unlearn("finetune", problem, batch_statistics=True, **ZERO)
    names = [n for n, _ in problem.model.module.named_buffers() if "running" in n]
    assert names and any(not torch.equal(moved.state[n], bn_run.poisoned[n]) for n in names)
    for name, _ in problem.model.module.named_parameters():
        assert torch.equal(moved.state[name], bn_run.poisoned[name]), name
    assert not _same_metrics(_metrics(bn_run, moved.state), _metrics(bn_run, bn_run.poisoned))


def test_zero_rate_leaves_the_language_model_unchanged():
    from empirical.insecure_code.lm import load_trainable, sequence_log_likelihoods
    from empirical.insecure_code.unlearn import METHODS, lm_problem

    make, state, clean, poison, config = lm_parts()
    problem = lm_problem(make, state, clean, poison, config, progress=False)
    before = sequence_log_likelihoods(load_trainable(make(), state), clean)[0]
    for method in METHODS:
        if method_spec(method).exact:
            continue
        result = unlearn(method, problem, **ZERO)
        assert result.grad_evals > 0
        assert all(torch.equal(result.state[name], value) for name, value in state.items()), method
        assert torch.equal(sequence_log_likelihoods(load_trainable(make(), result.state), clean)[0], before), method
