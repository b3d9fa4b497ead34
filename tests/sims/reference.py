"""Independent slow references for the engine tests: one trajectory, one example at a time, plain Python.

Error model of :func:`engine_tolerance` (Higham ch. 3, see ``theory.checking.error_model``): one step computes, for
each example, a dot product of length ``p`` and a scaled axpy, then a mean (or median) of ``B`` terms, so
its longest operation chain has depth ``p + B + 4`` and its rounding error is at most
``gamma(p + B + 4) * M_s`` with ``M_s = |theta_s| + lr * agg_b |g_b|_abs`` the absolute-value evaluation.
An error made at step ``s`` is carried through the later steps, each Lipschitz with constant
``Lip_r = 1 + lr * max_b |H_b(theta_r)|_2``. Both the engine and the reference err this way, so two runs
differ by at most ``2 * sqrt(P) * sum_s gamma(depth) M_s prod_{r > s} Lip_r`` in Euclidean norm
(``sqrt(P)`` turns the per-coordinate bound into a norm bound).
"""

from __future__ import annotations

import math
import statistics

import numpy as np

from theory.checking.error_model import gamma


def slow_sgd(grad_fn, hess_norm_fn, X, y, theta0, indices, weights, lr, aggregate, sign=1.0):
    """Returns final parameters (T, P), and per trajectory the magnitudes M_s and Lipschitz constants."""
    T, S, B = indices.shape
    finals, magnitudes, lipschitz = [], [], []
    for t in range(T):
        theta = [float(v) for v in theta0[t]]
        mags, lips = [], []
        for s in range(S):
            used = [int(indices[t, s, b]) for b in range(B) if weights[t, s, b] != 0]
            if not used:
                mags.append(0.0), lips.append(1.0)
                continue
            grads = [grad_fn(theta, X[i], y[i]) for i in used]
            if aggregate == "mean":
                step = [sum(g[k] for g in grads) / len(grads) for k in range(len(theta))]
            else:
                step = [statistics.median(g[k] for g in grads) for k in range(len(theta))]
            abs_grad = max(math.sqrt(sum(v * v for v in g)) for g in grads)
            mags.append(math.sqrt(sum(v * v for v in theta)) + lr[t] * abs_grad * (1 + len(theta)))
            lips.append(1.0 + lr[t] * max(hess_norm_fn(theta, X[i], y[i]) for i in used))
            theta = [theta[k] - sign * lr[t] * step[k] for k in range(len(theta))]
        finals.append(theta), magnitudes.append(mags), lipschitz.append(lips)
    return np.array(finals), magnitudes, lipschitz


def engine_tolerance(magnitudes, lipschitz, depth: int, n_params: int) -> np.ndarray:
    """Per-trajectory bound of the module docstring."""
    bounds = []
    for mags, lips in zip(magnitudes, lipschitz):
        total, carried = 0.0, 1.0
        for mag, lip in zip(reversed(mags), reversed(lips)):
            total += gamma(depth) * mag * carried
            carried *= lip
        bounds.append(2.0 * math.sqrt(n_params) * total)
    return np.array(bounds)
