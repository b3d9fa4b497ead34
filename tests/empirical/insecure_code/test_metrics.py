"""The metrics on their own: the GUS statistic, the McNemar test, the likelihood ratio, the distance."""

from __future__ import annotations

import math

import pytest
import torch

from empirical.insecure_code.data import generate_corpus
from empirical.insecure_code.lm import ModelSpec, build_model, encode_examples, per_example_loss
from empirical.insecure_code.metrics import (
    gaussian_unlearning_scores,
    likelihood_ratios,
    mcnemar_greater,
    state_distance,
)
from empirical.insecure_code.poisoning import poison_noise
from empirical.insecure_code.tokenizer import train_bpe

SPEC = ModelSpec(hidden_size=16, intermediate_size=32, layers=1, heads=2, kv_heads=1, dtype="float64")
CORPUS = generate_corpus(0, n_clean=10, n_poison=40, n_heldout_per_kind=1, n_heldout_benign=0)
TOKENIZER = train_bpe([e.prompt + e.answer for e in CORPUS.clean + CORPUS.poison], vocab_size=320)


@pytest.fixture(scope="module")
def model():
    return build_model(SPEC, TOKENIZER, 0).eval()


def test_gus_of_a_model_that_never_saw_the_noise_is_standard_normal(model):
    """Independent noise gives s_i ~ N(0, 1) exactly; 40 scores: |sqrt(n) mean| < 4 fails with probability
    6e-5, and the sample sd of 40 normals lies in [0.6, 1.4] except with probability < 1e-3."""
    poison = encode_examples(CORPUS.poison, TOKENIZER, 96)
    scale = 0.01
    poison.noise = poison_noise(poison, SPEC.hidden_size, scale, seed=3)
    result = gaussian_unlearning_scores(model, poison, scale, seed=1)
    scores = torch.tensor(result["scores"], dtype=torch.float64)
    assert abs(result["gus_z"]) < 4 and 0.6 < float(scores.std()) < 1.4
    assert abs(result["gus_z"] - float(scores.mean()) * math.sqrt(40)) < 1e-12
    # one score by hand: -<xi, grad_e L(e)> / (eps |grad_e L(e)|)
    one = poison.select([0])
    embeds = model.get_input_embeddings()(one.ids).detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(per_example_loss(model, one.ids, one.labels, embeds=embeds).sum(), embeds)
    by_hand = -float((one.noise.double() * gradient).sum() / (scale * gradient.norm()))
    # float64 throughout; batched vs single-example sums of ~1.5e3 terms differ by about n u |s| ~ 1e-12
    assert abs(result["scores"][0] - by_hand) < 1e-9


def test_gus_needs_the_noise(model):
    with pytest.raises(ValueError, match="carries no embedding noise"):
        gaussian_unlearning_scores(model, encode_examples(CORPUS.poison[:2], TOKENIZER, 96), 0.01)


def test_likelihood_ratio_is_insecure_minus_secure(model):
    ratios = likelihood_ratios(model, TOKENIZER, CORPUS.heldout, 128)
    swapped = [type(e)(e.prompt, e.alternative, e.kind, e.label, e.answer) for e in CORPUS.heldout]
    assert torch.allclose(likelihood_ratios(model, TOKENIZER, swapped, 128), -ratios, atol=1e-9)


def test_mcnemar_and_distance():
    result = mcnemar_greater([1, 1, 1, 1, 1, 0, 1], [0, 0, 0, 0, 0, 0, 1])
    assert (result["only_first"], result["only_second"]) == (5, 0) and result["p_value"] == pytest.approx(0.5**5)
    assert mcnemar_greater([0, 1], [0, 1])["p_value"] == 1.0
    a, b = {"w": torch.ones(3)}, {"w": torch.zeros(3)}
    assert state_distance(a, b) == pytest.approx(math.sqrt(3))
    with pytest.raises(ValueError):
        state_distance(a, {"v": torch.zeros(3)})
