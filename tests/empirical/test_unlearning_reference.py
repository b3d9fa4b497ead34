"""The shared methods (sims.unlearning) on the torch image models and the tiny LLaMA reproduce the outputs the
separate implementations gave before issue 22's merge (tests/sims/unlearning/reference_problems.py).

Tolerance: none (bit for bit): the merge keeps every operation and its order (a signed sum of batch losses is
``w_0 L_0 + w_1 L_1`` where NegGrad+ wrote ``beta L_r - (1 - beta) L_f``, equal in IEEE arithmetic; ascent is
``-1.0 * L`` where it was ``-L``). The recording ran on one thread; so do these tests, since a different thread count
may change the order of a reduction.

One number changed on purpose: unlearning steps on the torch models now run with BatchNorm in eval mode (frozen
running statistics, protocol docstring). On the CNN with BatchNorm the old numbers are reproduced with
``batch_statistics=True`` (the old behaviour), and the default gives other weights and leaves the running
statistics of the poisoned model untouched.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from empirical.insecure_code.unlearn import lm_problem
from empirical.poisoning.methods import image_problem
from sims.unlearning import unlearn
from tests.sims.unlearning.reference_problems import LM_CASES, TORCH_CASES, lm_parts, load_reference, torch_run

REFERENCE = load_reference()
EXACT = ("retrain", "rewind_replay")


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module", params=[False, True], ids=["mlp", "bn-cnn"])
def torch_problem(request):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    run = torch_run(request.param)
    torch.set_num_threads(before)
    return request.param, run, image_problem(run, batch_size=16, seed=3)


def _same(state: dict, key: str) -> bool:
    return set(state) == {k.split("/state/")[1] for k in REFERENCE if k.startswith(f"{key}/state/")} and all(
        np.array_equal(value.detach().numpy(), REFERENCE[f"{key}/state/{name}"]) for name, value in state.items()
    )


@pytest.mark.parametrize("case,method,options", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_torch_methods_reproduce_the_recorded_outputs(torch_problem, case, method, options):
    batchnorm, run, problem = torch_problem
    key = f"torch-{'bn' if batchnorm else 'mlp'}/{case}"
    old_mode = {} if method in EXACT else {"batch_statistics": True}
    result = unlearn(method, problem, **options, **old_mode)
    assert _same(result.state, key)
    assert result.grad_evals == int(REFERENCE[f"{key}/grad_evals"])
    assert result.retrain_evals == run.retain_plan.examples
    if method in EXACT or not batchnorm:
        return
    frozen = unlearn(method, problem, **options)  # the default: BatchNorm statistics frozen
    assert not _same(frozen.state, key)
    buffers = [name for name, _ in problem.model.module.named_buffers()]
    assert buffers and all(torch.equal(frozen.state[name], run.poisoned[name]) for name in buffers)
    assert any(not torch.equal(result.state[name], run.poisoned[name]) for name in buffers)  # the old mode moved them


def test_language_model_methods_reproduce_the_recorded_outputs():
    make, state, clean, poison, config = lm_parts()
    problem = lm_problem(make, state, clean, poison, config, progress=False)
    for case, method, options in LM_CASES:
        result = unlearn(method, problem, **options)
        assert _same(result.state, f"lm/{case}"), case
        assert result.grad_evals == int(REFERENCE[f"lm/{case}/grad_evals"]), case
