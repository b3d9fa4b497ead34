r"""A compiled SGD kernel for the linear and logistic engines: every step of every trajectory in one call.

Why. The numpy engine (:func:`sims.engines.sgd.run_sgd`) advances all ``T`` trajectories together, one step
at a time, with about ten numpy calls per step. At the sizes of the permutation sweeps (``T = 1024``,
``p = 20``, batch 1) each call touches a few kilobytes, so a step costs ~280 µs of per-call overhead for
~0.1 MFLOP of work: 20x the per-trajectory Python loop, 1.3 % of numpy matmul (issue 12). No
rearrangement of numpy calls removes the per-step overhead (the steps are sequential), so the kernel below
is compiled with numba (a well-kept LLVM JIT for numpy code) and runs *all steps* of a trajectory in one
call: trajectory by trajectory, the parameters stay in L1 cache and each step is two length-``p`` loops (the
margin :math:`\theta\cdot x` and the update), with no temporary arrays. ``torch.compile`` on CPU was the
other candidate; it needs a C++ toolchain at run time and still dispatches per step.

What it computes: exactly the generalised-linear step of :mod:`sims.engines.glm` and
:mod:`sims.engines.sgd`, for aggregates ``mean`` and ``sum``,

.. math::
    \theta_{s+1} = \theta_s - \sigma c_s \Big(\sum_b w_b\,(\mu(\theta_s\cdot x_b) - y_b)\,x_b
    + \kappa \big(\textstyle\sum_b w_b\big) \theta_s\Big),

with :math:`c_s = \lambda_t / \sum_b w_b` (``mean``, and 0 for an empty step) or :math:`\lambda_t` (``sum``),
:math:`\mu` the identity (linear) or the sigmoid (logistic, evaluated as numpy's ``expit``:
:math:`1/(1+e^{-s})` for :math:`s \ge 0` and :math:`e^{s}/(1+e^{s})` below), and the records
``checkpoints`` / ``updates`` of :func:`run_sgd`. The numpy engine stays the reference: the two differ only
in the order of floating-point operations (the sums over ``p`` and ``B``), and the error bound
:math:`\gamma_n \sum |a_i b_i|` of a sum holds for every order, so they agree within the rounding-error model
of ``tests/sims/reference.py`` (tested in ``tests/sims/engines/test_fused.py``). The kernel is compiled with
strict IEEE semantics (no ``fastmath``): with reassociation and contraction LLVM chose different summation
orders for different array layouts, so retraining and rewind-replay, which perform the same steps, differed in
the last bit (1.8e-17), and the exactness of rewind-replay is a claim the sweeps test bit for bit. Strict
semantics make the margin :math:`\theta\cdot x` one chain of ``P`` dependent additions, so the kernel sums it
in four partial sums over ``p mod 4``, added as ``(s0 + s1) + (s2 + s3)``: an order fixed in the source, the
same for every trajectory and array layout, with a quarter of the latency (1.3x at ``p = 20``, 1.8x at
``p = 100``; ``benchmarks/bench_sims_permutations.py``).

The kernel is compiled on first use (about a second, cached on disk by numba) and numba is imported only
then. :func:`supports` says whether a run can take this path; :func:`run_sgd` takes it by default when it can
(``engine="auto"``) and ``engine="numpy"`` forces the reference.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["supports", "fused_sgd", "numba_available", "FUSED_AGGREGATES", "FUSED_RECORDS"]

FUSED_AGGREGATES = ("mean", "sum")
FUSED_RECORDS = ("checkpoints", "updates")
_LINKS = {"linear": 0, "logistic": 1}


def numba_available() -> bool:
    """Whether numba can be imported (the ``sims`` extra installs it)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def supports(model: Any, aggregate: str, record: tuple[str, ...]) -> bool:
    """Whether :func:`fused_sgd` computes this run: a linear or logistic engine model, ``mean``/``sum``
    aggregation, records among checkpoints/updates, and numba installed."""
    return (
        getattr(model, "name", None) in _LINKS
        and type(model).__module__.startswith("sims.engines.")
        and aggregate in FUSED_AGGREGATES
        and set(record) <= set(FUSED_RECORDS)
        and numba_available()
    )


def sgd_kernel(
    theta, X, y, indices, weights, rates, mean, link, l2, checkpoints, updates, keep_checkpoints, keep_updates
):
    """Every step of every trajectory, in place on ``theta`` (the update of the module docstring).

    Plain Python that :func:`_kernel` compiles with ``numba.njit``; with ``NUMBA_DISABLE_JIT=1`` the same source
    runs as Python, which is how mutation testing mutates the kernel (``.ci/mutation``).
    """
    T, S, B = indices.shape
    P = theta.shape[1]
    head = P - P % 4
    gradient = np.empty(P)
    for t in range(T):
        current = theta[t]
        for s in range(S):
            if keep_checkpoints:
                for p in range(P):
                    checkpoints[t, s, p] = current[p]
            for p in range(P):
                gradient[p] = 0.0
            total = 0.0
            for b in range(B):
                w = weights[t, s, b]
                if w == 0.0:
                    continue
                row = indices[t, s, b]
                # the margin in four partial sums (p mod 4) added as (s0 + s1) + (s2 + s3): one fixed order
                # for every trajectory and layout, four dependency chains instead of one of length P
                s0 = 0.0
                s1 = 0.0
                s2 = 0.0
                s3 = 0.0
                for p in range(0, head, 4):
                    s0 += X[row, p] * current[p]
                    s1 += X[row, p + 1] * current[p + 1]
                    s2 += X[row, p + 2] * current[p + 2]
                    s3 += X[row, p + 3] * current[p + 3]
                for p in range(head, P):
                    s0 += X[row, p] * current[p]
                margin = (s0 + s1) + (s2 + s3)
                if link == 1:  # numpy's expit
                    if margin >= 0.0:
                        value = 1.0 / (1.0 + np.exp(-margin))
                    else:
                        e = np.exp(margin)
                        value = e / (1.0 + e)
                else:
                    value = margin
                scale = w * (value - y[row])
                for p in range(P):
                    gradient[p] += scale * X[row, p]
                total += w
            rate = rates[t]
            if mean:
                rate = rate / total if total != 0.0 else 0.0
            for p in range(P):
                step = -rate * (gradient[p] + l2 * total * current[p])
                if keep_updates:
                    updates[t, s, p] = step
                current[p] += step
        if keep_checkpoints:
            for p in range(P):
                checkpoints[t, S, p] = current[p]


@lru_cache(maxsize=1)
def _kernel():
    """:func:`sgd_kernel` compiled with numba (strict IEEE, cached on disk); itself when ``NUMBA_DISABLE_JIT=1``."""
    import numba

    return numba.njit(cache=True, nogil=True)(sgd_kernel)


def fused_sgd(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    theta: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    rates: np.ndarray,
    aggregate: str,
    record: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Run the kernel in place on ``theta`` ``(T, P)`` (float64, C-contiguous) with signed rates ``(T,)``;
    returns (theta, checkpoints, updates). Inputs are validated by :func:`sims.engines.sgd.run_sgd`."""
    theta = np.ascontiguousarray(theta, dtype=np.float64)
    T, S, _ = indices.shape
    P = theta.shape[1]
    keep_checkpoints, keep_updates = "checkpoints" in record, "updates" in record
    nothing = np.empty((0, 0, 0))  # the kernel takes an array of rank 3 where nothing is recorded
    checkpoints = np.empty((T, S + 1, P)) if keep_checkpoints else nothing
    updates = np.empty((T, S, P)) if keep_updates else nothing
    X, y, weights, rates = (np.ascontiguousarray(a, dtype=np.float64) for a in (X, y, weights, rates))
    _kernel()(
        theta,
        X,
        y,
        np.ascontiguousarray(indices, dtype=np.int64),
        weights,
        rates,
        aggregate == "mean",
        _LINKS[model.name],
        float(model.l2),
        checkpoints,
        updates,
        keep_checkpoints,
        keep_updates,
    )
    return theta, (checkpoints if keep_checkpoints else None), (updates if keep_updates else None)
