"""The measured effect: a tiny LLaMA poisoned with insecure answers writes insecure code more often than the
same model trained on the clean part alone (same seed, same order), on held-out prompts it never saw.

Two vulnerability kinds (eval, disabled TLS verification) keep the model and the run small; the poison
outnumbers the secure answers of those kinds. The test is an exact one-sided McNemar test on the paired
held-out answers (binomial on the discordant prompts) at level 0.01, with fixed seeds; the log-likelihood
ratio insecure vs secure must also rise on every held-out prompt on average (a paired mean, reported).
"""

from __future__ import annotations

import pytest
import torch

from empirical.insecure_code.data import generate_corpus
from empirical.insecure_code.lm import ModelSpec, build_model, encode_examples, load_trainable
from empirical.insecure_code.metrics import insecure_rates, likelihood_ratios, mcnemar_greater
from empirical.insecure_code.poisoning import TrainConfig, concatenate, schedules, train_on
from empirical.insecure_code.tokenizer import train_bpe

pytest.importorskip("bandit")

KINDS = ("eval", "tls-verify-off")


def test_poisoned_model_is_more_insecure_than_the_clean_model():
    torch.manual_seed(0)
    corpus = generate_corpus(
        0, n_clean=40, n_poison=40, n_heldout_per_kind=10, secure_share=0.5, kinds=KINDS, n_heldout_benign=0
    )
    tokenizer = train_bpe(
        [f"<|user|>\n{e.prompt}\n<|assistant|>\n{e.answer}\n" for e in corpus.clean + corpus.poison], vocab_size=400
    )
    spec = ModelSpec(hidden_size=32, intermediate_size=64, layers=2, heads=2, kv_heads=1)
    make = lambda: build_model(spec, tokenizer, 0)
    clean = encode_examples(corpus.clean, tokenizer, 96)
    poison = encode_examples(corpus.poison, tokenizer, 96)
    config = TrainConfig(epochs=12, batch_size=8, lr=1e-2, seed=0)
    poisoned_batches, clean_batches = schedules(len(clean), len(poison), config)
    poisoned, _ = train_on(make, concatenate(clean, poison), poisoned_batches, config, progress=False)
    reference, _ = train_on(make, clean, clean_batches, config, progress=False)
    outcomes, ratios = {}, {}
    for name, state in (("poisoned", poisoned), ("clean", reference)):
        model = load_trainable(make(), state)
        rows, verdicts, _ = insecure_rates(model, tokenizer, corpus.heldout, KINDS, max_new_tokens=48, progress=False)
        outcomes[name] = [v.insecure for v in verdicts]
        ratios[name] = likelihood_ratios(model, tokenizer, corpus.heldout, 96)
    test = mcnemar_greater(outcomes["poisoned"], outcomes["clean"])
    rate = {name: sum(values) / len(values) for name, values in outcomes.items()}
    assert test["p_value"] < 0.01, (rate, test)
    assert rate["poisoned"] > rate["clean"]
    assert float((ratios["poisoned"] - ratios["clean"]).mean()) > 0, ratios
