r"""What poisoning did and what unlearning undid: insecure rate, likelihood ratio, perplexity, GUS, distance.

* **Insecure rate** (:func:`insecure_rates`): greedy answers to the held-out requests, first code block
  extracted, judged by bandit (:mod:`.judge`); per kind and overall, with bandit's severity counts.
  :func:`mcnemar_greater` is the exact one-sided McNemar test that model A answers insecurely more often
  than model B on the *same* prompts (binomial test on the discordant pairs).
* **Log-likelihood ratio** (:func:`likelihood_ratios`): :math:`\log p_\theta(\text{insecure} \mid x) - \log
  p_\theta(\text{secure} \mid x)` summed over the answer tokens, per held-out prompt x, or per token (each
  log-likelihood divided by its answer's length: the templates differ in length).
* **Perplexity** (:func:`perplexity`): :math:`\exp` of the mean answer-token negative log-likelihood of held-out
  clean conversations.
* **GUS** (:func:`gaussian_unlearning_scores`; Pawelczyk et al. 2024, "Machine unlearning fails to remove data
  poisoning attacks", for language models: noise on the token embeddings). The poison example i was
  trained with embeddings :math:`e_i + \xi_i`, :math:`\xi_i \sim N(0, \varepsilon^2 I)`. With
  :math:`g_i = \nabla_e L(e_i, \theta)` at the *clean* embeddings, the score
  :math:`s_i = -\langle \xi_i, g_i \rangle / (\varepsilon \|g_i\|)` is exactly N(0, 1) when :math:`\theta` is
  independent of :math:`\xi_i` (a model that never saw the noise); a model that learned from
  :math:`e_i + \xi_i` lowers its loss along :math:`\xi_i`, so :math:`s_i > 0`. The null draws fresh noise
  :math:`\xi'_i` for the same gradients. ``gus_z`` = :math:`\sqrt n\, \bar s` is N(0, 1) under the null;
  ``gus_p`` is two-sided. The score and test are :func:`empirical.gus.gus_scores` / :func:`empirical.gus.gus_test`,
  shared with the image GUS of :mod:`empirical.poisoning` (one sign convention: positive = remembered).
* **Distance** (:func:`state_distance`): :math:`\|\theta - \theta_{\text{retrain}}\|_2` over the trained
  parameters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import torch
from torch import Tensor, nn

from empirical.gus import gus_scores, gus_test
from empirical.insecure_code.data import Example
from empirical.insecure_code.judge import Verdict, extract_code, judge_codes, summarise_verdicts
from empirical.insecure_code.lm import Encoded, encode_examples, generate, per_example_loss, sequence_log_likelihoods

__all__ = [
    "insecure_rates",
    "mcnemar_greater",
    "likelihood_ratios",
    "perplexity",
    "gaussian_unlearning_scores",
    "state_distance",
]


def insecure_rates(
    model: nn.Module,
    tokenizer: Any,
    heldout: Sequence[Example],
    judged_kinds: Sequence[str],
    max_new_tokens: int = 128,
    progress: bool = True,
    seeds: Sequence[int] = (0,),
    temperature: float = 0.0,
) -> tuple[list[dict], list[Verdict], list[str]]:
    """(rows per kind, verdicts, generated answers) for the answers to the held-out prompts, greedy or sampled
    at ``temperature`` once per seed; verdicts and answers are seed-major (all prompts of the first seed,
    then the next)."""
    from empirical.insecure_code.templates import KINDS

    answers = [
        answer
        for seed in seeds
        for answer in generate(
            model,
            tokenizer,
            [e.prompt for e in heldout],
            max_new_tokens=max_new_tokens,
            progress=progress,
            temperature=temperature,
            seed=seed,
        )
    ]
    verdicts = judge_codes([extract_code(answer) for answer in answers])
    rows = summarise_verdicts(
        verdicts, [e.kind for e in heldout] * len(seeds), judged_kinds, {kind.name: kind.bandit_ids for kind in KINDS}
    )
    return rows, verdicts, answers


def mcnemar_greater(first: Sequence[bool], second: Sequence[bool]) -> dict[str, float]:
    """Exact one-sided McNemar test of "first is insecure more often than second" on paired outcomes."""
    from scipy.stats import binomtest

    if len(first) != len(second):
        raise ValueError("paired outcomes must have the same length")
    only_first = sum(bool(a) and not bool(b) for a, b in zip(first, second))
    only_second = sum(bool(b) and not bool(a) for a, b in zip(first, second))
    n = only_first + only_second
    p = binomtest(only_first, n, 0.5, alternative="greater").pvalue if n else 1.0
    return {"only_first": only_first, "only_second": only_second, "p_value": float(p)}


def likelihood_ratios(
    model: nn.Module, tokenizer: Any, heldout: Sequence[Example], max_length: int, per_token: bool = False
) -> Tensor:
    """log p(insecure answer | prompt) - log p(secure answer | prompt) per held-out example (float64); NaN for
    an example without an insecure alternative (a public held-out file with one answer per prompt).
    ``per_token``: each log-likelihood divided by its answer's token count first (length-normalised), so a
    shorter template is not favoured for being short."""
    secure = encode_examples(heldout, tokenizer, max_length, answer="answer")
    insecure = encode_examples(heldout, tokenizer, max_length, answer="alternative")
    (bad, n_bad), (good, n_good) = sequence_log_likelihoods(model, insecure), sequence_log_likelihoods(model, secure)
    if per_token:
        bad, good = bad / n_bad.clamp(min=1), good / n_good.clamp(min=1)
    ratios = bad - good
    missing = torch.tensor([not e.alternative for e in heldout], dtype=torch.bool)
    return ratios.masked_fill(missing, float("nan"))


def perplexity(model: nn.Module, encoded: Encoded) -> float:
    """exp(mean negative log-likelihood per answer token) over ``encoded``."""
    total, count = sequence_log_likelihoods(model, encoded)
    return float(torch.exp(-total.sum() / count.sum().clamp(min=1)))


def gaussian_unlearning_scores(
    model: nn.Module, poison: Encoded, scale: float, seed: int = 0, batch_size: int = 16
) -> dict[str, Any]:
    """Per-example GUS :math:`s_i` of the poison noise and of fresh noise (module docstring), and summaries."""
    if poison.noise is None:
        raise ValueError("the poison set carries no embedding noise: GUS needs the noise it was trained with")
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(7919 * seed + 3)
    scores, null = [], []
    for start in range(0, len(poison), batch_size):
        part = poison.select(range(start, min(start + batch_size, len(poison))))
        assert part.noise is not None  # a selection keeps the noise, checked present above
        dtype = next(model.parameters()).dtype  # gradients in float32 at least (a bf16 model), float64 stays
        # cast: a transformers (or peft) model; nn.Module's stub types its methods and config as Tensor | Module
        embeds = cast(Any, model).get_input_embeddings()(part.ids.to(device)).detach()
        embeds = embeds.to(torch.promote_types(dtype, torch.float32)).requires_grad_(True)
        losses = per_example_loss(model, part.ids.to(device), part.labels, embeds=embeds.to(dtype))
        (gradient,) = torch.autograd.grad(losses.sum(), embeds)
        gradient = gradient.double().cpu().flatten(1)
        fresh = scale * torch.randn(part.noise.shape, generator=generator, dtype=torch.float64).flatten(1)
        scores.append(gus_scores(part.noise.double(), gradient, scale))
        null.append(gus_scores(fresh, gradient, scale))
    s, s0 = torch.cat(scores), torch.cat(null)
    return {"scores": s.tolist(), "null": s0.tolist(), **gus_test(s), "gus_null_mean": float(s0.mean())}


def state_distance(state: dict[str, Tensor], reference: dict[str, Tensor]) -> float:
    """Euclidean distance between two trainable states (same names), accumulated in float64."""
    if set(state) != set(reference):
        raise ValueError("the two states hold different parameters")
    return math.sqrt(sum(float(((state[k].double() - reference[k].double()) ** 2).sum()) for k in state))
