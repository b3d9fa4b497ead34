"""Poisoning schedules and the unlearning methods: same order without the poison, weights change, costs counted."""

from __future__ import annotations

import pytest
import torch

from empirical.insecure_code.data import generate_corpus
from empirical.insecure_code.lm import ModelSpec, build_model, encode_examples, trainable_state
from empirical.insecure_code.metrics import state_distance
from empirical.insecure_code.poisoning import TrainConfig, concatenate, poison_noise, schedules, train_on
from empirical.insecure_code.tokenizer import train_bpe
from empirical.insecure_code.unlearn import METHODS, LMUnlearningProblem, unlearn

SPEC = ModelSpec(hidden_size=16, intermediate_size=32, layers=1, heads=2, kv_heads=1)


@pytest.fixture(scope="module")
def problem():
    corpus = generate_corpus(0, n_clean=12, n_poison=5, n_heldout_per_kind=1, n_heldout_benign=2)
    tokenizer = train_bpe([e.prompt + e.answer for e in corpus.clean + corpus.poison], vocab_size=320)
    clean = encode_examples(corpus.clean, tokenizer, 96)
    poison = encode_examples(corpus.poison, tokenizer, 96)
    poison.noise = poison_noise(poison, SPEC.hidden_size, 0.01, 0)
    config = TrainConfig(epochs=2, batch_size=4, lr=1e-2, seed=0)
    make = lambda: build_model(SPEC, tokenizer, 0)  # noqa: E731
    batches, _ = schedules(len(clean), len(poison), config)
    state, _ = train_on(make, concatenate(clean, poison), batches, config, progress=False)
    return LMUnlearningProblem(make, state, clean, poison, config, progress=False)


def test_the_clean_schedule_is_the_poisoned_order_without_the_poison():
    config = TrainConfig(epochs=3, batch_size=4, seed=5)
    poisoned, clean = schedules(10, 4, config)
    assert sorted(i for b in poisoned for i in b) == sorted(list(range(14)) * 3)
    flat_poisoned = [i for b in poisoned for i in b]
    assert [i for b in clean for i in b] == [i for i in flat_poisoned if i < 10]
    assert schedules(10, 4, config) == (poisoned, clean)  # seeded
    assert schedules(10, 4, TrainConfig(epochs=3, batch_size=4, seed=6))[0] != poisoned


def test_training_is_reproducible_from_the_seed(problem):
    again, _ = train_on(problem.make_model, concatenate(problem.clean, problem.poison),
                        schedules(len(problem.clean), len(problem.poison), problem.config)[0], problem.config,
                        progress=False)
    assert state_distance(again, problem.poisoned_state) == 0.0


def _preference_evals(n_poison: int, n_clean: int, batch: int, epochs: int = 2) -> int:
    forget = [min(batch, n_poison - start) for start in range(0, n_poison, batch)] * epochs
    retain = [min(batch, n_clean - start) for start in range(0, n_clean, batch)]
    return sum(forget) + sum(retain[i % len(retain)] for i in range(len(forget)))


@pytest.mark.parametrize("method", ["npo", "simnpo"])
def test_npo_and_simnpo_raise_the_forget_loss(problem, method):
    from empirical.insecure_code.lm import load_trainable, per_example_loss

    def forget_loss(state):
        model = load_trainable(problem.make_model(), state).eval()
        with torch.no_grad():
            return float(per_example_loss(model, problem.poison.ids, problem.poison.labels, problem.poison.noise).mean())

    result = unlearn(method, problem, epochs=2, lr=1e-3, retain_weight=0.0)
    assert forget_loss(result.state) > forget_loss(problem.poisoned_state)


@pytest.mark.parametrize("method", METHODS)
def test_unlearning_changes_the_weights_and_counts_gradient_evaluations(problem, method):
    result = unlearn(method, problem, **({} if method == "retrain" else {"epochs": 2, "lr": 1e-3}))
    assert result.method == method
    assert state_distance(result.state, problem.poisoned_state) > 0
    n_clean, n_poison, epochs = len(problem.clean), len(problem.poison), problem.config.epochs
    expected = {"retrain": epochs * n_clean, "finetune": 2 * n_clean, "gradient-ascent": 2 * n_poison,
                # one retain batch and one (cycled) forget batch of 4 per step; the last forget batch holds 1
                "neggrad-plus": 2 * n_clean + sum(min(4, n_poison - 4 * (i % 2)) for i in range(6)),
                # NPO / SimNPO: two passes over the forget batches, each step with a (cycled) retain batch
                "npo": _preference_evals(n_poison, n_clean, 4), "simnpo": _preference_evals(n_poison, n_clean, 4)}[method]
    assert result.grad_evals == expected
    assert result.steps > 0 and result.memory_bytes == sum(v.numel() * 4 for v in result.state.values())


def test_retrain_equals_the_clean_reference(problem):
    """retrain is the reference model: a fresh model on the clean part, same seed and order."""
    first, second = unlearn("retrain", problem), unlearn("retrain", problem)
    assert state_distance(first.state, second.state) == 0.0
    assert state_distance(first.state, problem.poisoned_state) > 0


def test_an_empty_poison_set_is_a_clear_error(problem):
    empty = problem.poison.select([])
    with pytest.raises(ValueError, match="the poison \\(forget\\) set is empty"):
        LMUnlearningProblem(problem.make_model, problem.poisoned_state, problem.clean, empty, problem.config)
    with pytest.raises(ValueError, match="unknown unlearning method"):
        unlearn("amnesia", problem)
    with pytest.raises(ValueError, match="beta must lie"):
        unlearn("neggrad-plus", problem, beta=2.0)


def test_lora_adapters_are_the_only_trainable_state():
    pytest.importorskip("peft")
    tokenizer = train_bpe(["def f(x):\n    return x\n"] * 4, vocab_size=300)
    spec = ModelSpec(hidden_size=16, intermediate_size=32, layers=1, heads=2, kv_heads=1, lora_rank=2)
    model = build_model(spec, tokenizer, 0)
    names = list(trainable_state(model))
    assert names and all("lora_" in name for name in names)
    assert torch.equal(trainable_state(build_model(spec, tokenizer, 0))[names[0]], trainable_state(model)[names[0]])
