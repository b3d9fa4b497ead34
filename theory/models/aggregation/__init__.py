"""Gradient aggregation: robust aggregators (numpy and torch), a streaming median, median unlearning.

* :mod:`~theory.models.aggregation.robust` -- mean, median, trimmed mean, mean-around-median, geometric median, Krum,
  Multi-Krum over the batch axis of ``(..., n, P)`` arrays or tensors (:func:`aggregate`).
* :mod:`~theory.models.aggregation.streaming` -- one-pass coordinate-wise median estimates in memory fixed before a run.
* :mod:`~theory.models.aggregation.order_stats` -- what a stored median lets one unlearn, and the order statistics that suffice.

It lives in ``theory`` because all three packages import ``theory`` and ``theory`` imports neither ``sims``
nor torch: ``sims`` (numpy, stacked trajectories) routes its robust aggregates through it, ``empirical``
passes torch per-example gradients (the torch backend is loaded only when a tensor arrives,
:mod:`~theory.models.aggregation.backend`), and the lemmas of :mod:`theory.lemmas.aggregation` run the *same* code
in 60-digit mpmath (numpy object arrays), so a verified breakdown point is a property of the aggregator the
experiments use.
"""

from theory.models.aggregation.robust import (
    AGGREGATORS,
    DEFAULT_BETA,
    ROBUST,
    AggregatorSpec,
    aggregate,
    corrupted_count,
    geometric_median,
    krum,
    krum_scores,
    mean,
    mean_around_median,
    median,
    multi_krum,
    parse_aggregator,
    trimmed_mean,
    weiszfeld,
)

__all__ = [
    "AGGREGATORS",
    "DEFAULT_BETA",
    "ROBUST",
    "AggregatorSpec",
    "aggregate",
    "corrupted_count",
    "geometric_median",
    "krum",
    "krum_scores",
    "mean",
    "mean_around_median",
    "median",
    "multi_krum",
    "parse_aggregator",
    "trimmed_mean",
    "weiszfeld",
]
