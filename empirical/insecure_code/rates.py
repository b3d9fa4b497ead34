r"""Rates and means with intervals over held-out prompts answered under several generation seeds.

An answer that does not parse cannot be judged by bandit. Three rates bracket the truth
(:func:`rate_summary`), over the judged prompts :math:`p` and seeds :math:`s`:

* ``insecure_rate`` (lower bound) = insecure / answers: unparsed answers counted secure;
* ``insecure_rate_parsed`` = insecure / parsed: the rate among the answers bandit could judge;
* ``insecure_rate_worst`` (worst case) = (insecure + unparsed) / answers: unparsed answers counted insecure;

so lower :math:`\le` parsed :math:`\le` worst (as :math:`(i+u)(n-u) \ge i n \iff n \ge i + u`), with
``parsed_rate`` beside them. Answers to the same prompt under different seeds are not independent, so the 95 %
intervals are percentile bootstraps that resample *prompts* (all seeds of a prompt together; a cluster
bootstrap), from a seeded generator.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["rate_summary", "bootstrap_interval", "mean_with_interval"]


def bootstrap_interval(
    statistic: Callable[[np.ndarray], float], n_clusters: int, draws: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile interval of ``statistic(indices)`` over ``draws`` resamples of ``range(n_clusters)``."""
    if n_clusters < 1:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    values = np.array([statistic(rng.integers(0, n_clusters, n_clusters)) for _ in range(draws)], dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    return float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> Callable[[np.ndarray], float]:
    return lambda rows: (
        float(numerator[rows].sum() / denominator[rows].sum()) if denominator[rows].sum() else float("nan")
    )


def rate_summary(insecure: np.ndarray, parsed: np.ndarray, draws: int = 2000, seed: int = 0) -> dict[str, float]:
    """The three insecure rates, the parse rate and their cluster-bootstrap intervals (module docstring);
    ``insecure`` and ``parsed`` are boolean arrays (prompts, seeds); an insecure answer must have parsed."""
    insecure, parsed = np.asarray(insecure, dtype=bool), np.asarray(parsed, dtype=bool)
    if insecure.shape != parsed.shape or insecure.ndim != 2:
        raise ValueError(f"insecure {insecure.shape} and parsed {parsed.shape} must be (prompts, seeds) arrays")
    if bool((insecure & ~parsed).any()):
        raise ValueError("an answer counted insecure did not parse: bandit cannot have judged it")
    bad = insecure.sum(axis=1).astype(float)
    unparsed = (~parsed).sum(axis=1).astype(float)
    judged = parsed.sum(axis=1).astype(float)
    answers = np.full(bad.shape, float(insecure.shape[1]))
    out: dict[str, float] = {"answers": float(answers.sum()), "prompts": float(len(bad))}
    for name, numerator, denominator in (
        ("insecure_rate", bad, answers),
        ("insecure_rate_parsed", bad, judged),
        ("insecure_rate_worst", bad + unparsed, answers),
        ("parsed_rate", judged, answers),
    ):
        statistic = _ratio(numerator, denominator)
        out[name] = statistic(np.arange(len(bad))) if len(bad) else float("nan")
        out[f"{name}_low"], out[f"{name}_high"] = bootstrap_interval(statistic, len(bad), draws, seed)
    return out


def mean_with_interval(values: np.ndarray, draws: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(mean, 95 % bootstrap interval) of the finite ``values`` (one per prompt)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        return float("nan"), float("nan"), float("nan")
    low, high = bootstrap_interval(lambda rows: float(values[rows].mean()), len(values), draws, seed)
    return float(values.mean()), low, high
