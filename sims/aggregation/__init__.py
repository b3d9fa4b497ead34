"""Gradient aggregation: robust aggregators (numpy and torch), a streaming median, median unlearning.

* :mod:`~sims.aggregation.robust` -- mean, median, trimmed mean, mean-around-median, geometric median, Krum,
  Multi-Krum over the batch axis of ``(..., n, P)`` arrays or tensors (:func:`aggregate`).
* :mod:`~sims.aggregation.streaming` -- one-pass coordinate-wise median estimates in memory fixed before a run.
* :mod:`~sims.aggregation.order_stats` -- what a stored median lets one unlearn, and the order statistics that suffice.

It lives under ``sims`` because ``sims`` is numpy-only and ``empirical`` already depends on ``sims``: the
torch backend is loaded only when a tensor arrives (:mod:`~sims.aggregation.backend`), so importing this
package never imports torch.
"""

from sims.aggregation.robust import (AGGREGATORS, DEFAULT_BETA, ROBUST, AggregatorSpec, aggregate, corrupted_count,
                                     geometric_median, krum, krum_scores, mean, mean_around_median, median,
                                     multi_krum, parse_aggregator, trimmed_mean, weiszfeld)

__all__ = ["AGGREGATORS", "DEFAULT_BETA", "ROBUST", "AggregatorSpec", "aggregate", "corrupted_count",
           "geometric_median", "krum", "krum_scores", "mean", "mean_around_median", "median", "multi_krum",
           "parse_aggregator", "trimmed_mean", "weiszfeld"]
