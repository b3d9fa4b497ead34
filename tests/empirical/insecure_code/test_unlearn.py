"""Poisoning schedules and the unlearning methods: same order without the poison, weights change, costs counted."""

from __future__ import annotations

import pytest
import torch

from empirical.insecure_code.data import generate_corpus
from empirical.insecure_code.lm import ModelSpec, build_model, encode_examples, trainable_state
from empirical.insecure_code.metrics import state_distance
from empirical.insecure_code.poisoning import TrainConfig, concatenate, poison_noise, schedules, train_on
from empirical.insecure_code.tokenizer import train_bpe
from empirical.insecure_code.unlearn import METHODS, lm_problem, unlearn

SPEC = ModelSpec(hidden_size=16, intermediate_size=32, layers=1, heads=2, kv_heads=1)


@pytest.fixture(scope="module")
def problem():
    corpus = generate_corpus(0, n_clean=12, n_poison=5, n_heldout_per_kind=1, n_heldout_benign=2)
    tokenizer = train_bpe([e.prompt + e.answer for e in corpus.clean + corpus.poison], vocab_size=320)
    clean = encode_examples(corpus.clean, tokenizer, 96)
    poison = encode_examples(corpus.poison, tokenizer, 96)
    poison.noise = poison_noise(poison, SPEC.hidden_size, 0.01, 0)
    config = TrainConfig(epochs=2, batch_size=4, lr=1e-2, seed=0)
    make = lambda: build_model(SPEC, tokenizer, 0)
    batches, _ = schedules(len(clean), len(poison), config)
    state, _ = train_on(make, concatenate(clean, poison), batches, config, progress=False)
    return lm_problem(make, state, clean, poison, config, progress=False)


def test_the_clean_schedule_is_the_poisoned_order_without_the_poison():
    config = TrainConfig(epochs=3, batch_size=4, seed=5)
    poisoned, clean = schedules(10, 4, config)
    assert sorted(i for b in poisoned for i in b) == sorted(list(range(14)) * 3)
    flat_poisoned = [i for b in poisoned for i in b]
    assert [i for b in clean for i in b] == [i for i in flat_poisoned if i < 10]
    assert schedules(10, 4, config) == (poisoned, clean)  # seeded
    assert schedules(10, 4, TrainConfig(epochs=3, batch_size=4, seed=6))[0] != poisoned


def test_training_is_reproducible_from_the_seed(problem):
    model = problem.model
    again, _ = train_on(
        model.make_model,
        concatenate(problem.retain, problem.forget),
        schedules(len(problem.retain), len(problem.forget), model.config)[0],
        model.config,
        progress=False,
    )
    assert state_distance(again, problem.state) == 0.0


def _preference_evals(n_poison: int, n_clean: int, batch: int, epochs: int = 2) -> int:
    forget = [min(batch, n_poison - start) for start in range(0, n_poison, batch)] * epochs
    retain = [min(batch, n_clean - start) for start in range(0, n_clean, batch)]
    return sum(forget) + sum(retain[i % len(retain)] for i in range(len(forget)))


@pytest.mark.parametrize("method", ["npo", "simnpo"])
def test_npo_and_simnpo_raise_the_forget_loss(problem, method):
    from empirical.insecure_code.lm import load_trainable, per_example_loss

    def forget_loss(state):
        model = load_trainable(problem.model.make_model(), state).eval()
        forget = problem.forget
        with torch.no_grad():
            return float(per_example_loss(model, forget.ids, forget.labels, forget.noise).mean())

    result = unlearn(method, problem, epochs=2, lr=1e-3, retain_weight=0.0)
    assert forget_loss(result.state) > forget_loss(problem.state)


@pytest.mark.parametrize("method", METHODS)
def test_unlearning_changes_the_weights_and_counts_gradient_evaluations(problem, method):
    result = unlearn(method, problem, **({} if method == "retrain" else {"epochs": 2, "lr": 1e-3}))
    assert result.method == method.replace("-", "_")
    assert state_distance(result.state, problem.state) > 0
    n_clean, n_poison, epochs = len(problem.retain), len(problem.forget), problem.model.config.epochs
    expected = {
        "retrain": epochs * n_clean,
        "finetune": 2 * n_clean,
        "gradient_ascent": 2 * n_poison,
        # one retain batch and one (cycled) forget batch of 4 per step; the last forget batch holds 1
        "neggrad_plus": 2 * n_clean + sum(min(4, n_poison - 4 * (i % 2)) for i in range(6)),
        # NPO / SimNPO: two passes over the forget batches, each step with a (cycled) retain batch
        "npo": _preference_evals(n_poison, n_clean, 4),
        "simnpo": _preference_evals(n_poison, n_clean, 4),
    }[method]
    assert result.grad_evals == expected
    assert result.steps > 0 and result.info["state_bytes"] == sum(v.numel() * 4 for v in result.state.values())
    assert result.memory_bytes == 0  # nothing stored during training
    assert result.retrain_evals == epochs * n_clean and result.cost_fraction == expected / (epochs * n_clean)


def test_retrain_equals_the_clean_reference(problem):
    """retrain is the reference model: a fresh model on the clean part, same seed and order."""
    first, second = unlearn("retrain", problem), unlearn("retrain", problem)
    assert state_distance(first.state, second.state) == 0.0
    assert state_distance(first.state, problem.state) > 0


def test_an_empty_poison_set_is_a_clear_error(problem):
    empty = problem.forget.select([])
    with pytest.raises(ValueError, match="the poison \\(forget\\) set is empty"):
        lm_problem(problem.model.make_model, problem.state, problem.retain, empty, problem.model.config)
    with pytest.raises(ValueError, match="unknown unlearning method"):
        unlearn("amnesia", problem)
    with pytest.raises(ValueError, match="beta must lie"):
        unlearn("neggrad-plus", problem, beta=2.0)
    with pytest.raises(ValueError, match="rewind_replay cannot run on the lm models: it needs checkpoints"):
        unlearn("rewind-replay", problem)


def test_lora_adapters_are_the_only_trainable_state():
    pytest.importorskip("peft")
    tokenizer = train_bpe(["def f(x):\n    return x\n"] * 4, vocab_size=300)
    spec = ModelSpec(hidden_size=16, intermediate_size=32, layers=1, heads=2, kv_heads=1, lora_rank=2)
    model = build_model(spec, tokenizer, 0)
    names = list(trainable_state(model))
    assert names and all("lora_" in name for name in names)
    assert torch.equal(trainable_state(build_model(spec, tokenizer, 0))[names[0]], trainable_state(model)[names[0]])


def test_npo_and_simnpo_are_refused_where_no_sequence_log_probs_exist():
    """The registry's error on a family without the capability (the numpy engines), for both methods."""
    import numpy as np

    from sims.unlearning import UnlearningProblem
    from sims.unlearning.engine import EngineModel

    assert {"npo", "simnpo"} <= set(METHODS)
    for method in ("npo", "simnpo"):
        model = object.__new__(EngineModel)
        model.capabilities = frozenset()
        fake = UnlearningProblem(model, np.zeros(1), None, None, None, None, 0)
        with pytest.raises(ValueError, match=f"{method} cannot run on the numpy models: it needs sequence_preference"):
            unlearn(method, fake)
