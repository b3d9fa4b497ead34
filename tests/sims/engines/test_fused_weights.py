"""The compiled SGD kernel (sims.engines.fused) on weighted steps, every parameter count and every record, against
the update of its module docstring evaluated step by step in Python (issue 20: the kernel's surviving mutants;
counting examples instead of summing weights changed NegGrad+ results by 3.9e-3 and passed every other test).

Error model (tests/sims/reference.py): the kernel and the Python reference compute the same steps in different
orders; each step's error is at most gamma(P + B + 4) times its magnitude M_s = |theta| + |c| sum_b |w_b| |g_b|
(1 + P) + |c| kappa |sum w| |theta|, carried through the later steps by their Lipschitz constants
1 + |c| (sum_b |w_b| L_b + kappa |sum w|), L_b = link bound * |x_b|^2; ``engine_tolerance`` sums these.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sims.engines import fused, make_model, make_schedule, run_sgd
from sims.engines.schedule import Schedule
from tests.sims.reference import engine_tolerance

pytestmark = pytest.mark.skipif(not fused.numba_available(), reason="numba (the sims extra) is not installed")


def _link(name: str, margin: float) -> float:
    if name == "linear":
        return margin
    return 1.0 / (1.0 + math.exp(-margin)) if margin >= 0 else math.exp(margin) / (1.0 + math.exp(margin))


def _reference(name, X, y, theta0, schedule, rates, aggregate, l2):
    """Every step of the module docstring in Python floats; (final, checkpoints, updates, magnitudes, Lipschitz)."""
    bound = 1.0 if name == "linear" else 0.25
    T, S, B = schedule.indices.shape
    P = theta0.shape[1]
    finals, checkpoints, updates, magnitudes, lipschitz = [], [], [], [], []
    for t in range(T):
        theta = [float(v) for v in theta0[t]]
        points, steps, mags, lips = [list(theta)], [], [], []
        for s in range(S):
            used = [
                (int(schedule.indices[t, s, b]), float(schedule.weights[t, s, b]))
                for b in range(B)
                if schedule.weights[t, s, b] != 0
            ]
            total = sum(w for _, w in used)
            c = (rates[t] / total if total != 0 else 0.0) if aggregate == "mean" else rates[t]
            gradient = [0.0] * P
            scale_sum, lip = 0.0, 0.0
            for row, w in used:
                margin = sum(X[row, p] * theta[p] for p in range(P))
                residual = _link(name, margin) - y[row]
                for p in range(P):
                    gradient[p] += w * residual * X[row, p]
                scale_sum += abs(w) * abs(residual) * math.sqrt(sum(v * v for v in X[row]))
                lip += abs(w) * bound * float(X[row] @ X[row])
            step = [-c * (gradient[p] + l2 * total * theta[p]) for p in range(P)]
            norm = math.sqrt(sum(v * v for v in theta))
            mags.append(norm + abs(c) * scale_sum * (1 + P) + abs(c) * l2 * abs(total) * norm)
            lips.append(1.0 + abs(c) * (lip + l2 * abs(total)))
            theta = [theta[p] + step[p] for p in range(P)]
            steps.append(step)
            points.append(list(theta))
        finals.append(theta), checkpoints.append(points), updates.append(steps)
        magnitudes.append(mags), lipschitz.append(lips)
    return np.array(finals), np.array(checkpoints), np.array(updates), magnitudes, lipschitz


def _weighted(schedule: Schedule, rng, signed: bool) -> Schedule:
    weights = rng.uniform(0.2, 2.5, size=schedule.weights.shape)
    if signed:  # NegGrad+-like: some examples ascend
        weights *= np.where(rng.random(schedule.weights.shape) < 0.3, -1.0, 1.0)
    return Schedule(schedule.indices, np.where(schedule.weights != 0, weights, 0.0))


@pytest.mark.parametrize("name", ["linear", "logistic"])
@pytest.mark.parametrize("aggregate, signed", [("mean", False), ("sum", False), ("sum", True)])
@pytest.mark.parametrize("p", [1, 3, 4, 6, 9])
def test_weighted_steps_follow_the_formula(name, aggregate, signed, p):
    rng = np.random.default_rng(100 + p)
    n, T, batch = 10, 4, 3
    X = rng.standard_normal((n, p)) * 1.5  # margins of both signs and beyond |3|: both branches of expit
    y = rng.standard_normal(n) if name == "linear" else (rng.random(n) < 0.5).astype(float)
    schedule = _weighted(make_schedule(n, T, 2, batch, rng).without(rng.random(n) < 0.2), rng, signed)
    rates = rng.uniform(0.02, 0.2, size=T)
    theta0 = rng.standard_normal((T, p))
    l2 = 0.1
    model = make_model(name, p, l2=l2)
    final, checkpoints, updates, mags, lips = _reference(name, X, y, theta0, schedule, rates, aggregate, l2)
    tol = engine_tolerance(mags, lips, depth=p + batch + 4, n_params=p)
    compiled = run_sgd(model, X, y, theta0, schedule, rates, aggregate, ("checkpoints", "updates"), engine="fused")
    assert np.all(np.linalg.norm(compiled.theta - final, axis=1) <= tol)
    assert np.all(np.linalg.norm(compiled.checkpoints - checkpoints, axis=2).max(axis=1) <= tol)
    assert np.all(np.linalg.norm(compiled.updates - updates, axis=2).max(axis=1) <= 2 * tol)
    numpy = run_sgd(model, X, y, theta0, schedule, rates, aggregate, ("checkpoints", "updates"), engine="numpy")
    assert np.all(np.linalg.norm(numpy.theta - final, axis=1) <= tol)  # the reference engine agrees as well


@pytest.mark.parametrize("record", [(), ("checkpoints",), ("updates",)])
def test_each_record_alone_and_a_step_without_examples(record):
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((6, 5)), rng.standard_normal(6)
    indices = np.zeros((2, 3, 2), dtype=np.int64)
    indices[:, 0], indices[:, 1], indices[:, 2] = [0, 1], [2, 3], [4, 5]
    weights = np.ones((2, 3, 2))
    weights[0, 1] = 0.0  # trajectory 0 has an empty second step: no move, a zero update
    schedule = Schedule(indices, weights)
    theta0 = rng.standard_normal((2, 5))
    model = make_model("linear", 5, l2=0.3)
    full = run_sgd(model, X, y, theta0, schedule, 0.1, "mean", ("checkpoints", "updates"), engine="fused")
    assert np.array_equal(full.checkpoints[0, 1], full.checkpoints[0, 2]) and not full.updates[0, 1].any()
    alone = run_sgd(model, X, y, theta0, schedule, 0.1, "mean", record, engine="fused")
    assert np.array_equal(alone.theta, full.theta)
    assert (alone.checkpoints is None) == ("checkpoints" not in record)
    assert (alone.updates is None) == ("updates" not in record)
    if record:
        assert np.array_equal(getattr(alone, record[0]), getattr(full, record[0]))
    assert np.array_equal(full.checkpoints[:, -1], full.theta)


def test_the_kernel_returns_float64_parameters_and_supports_only_engine_models():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((4, 2)), rng.standard_normal(4)
    schedule = make_schedule(4, 2, 2, 1, rng)
    model = make_model("linear", 2)
    theta0 = rng.standard_normal((2, 2)).astype(np.float32)
    theta, checkpoints, updates = fused.fused_sgd(
        model, X, y, theta0, schedule.indices, schedule.weights, np.full(2, 0.1), "mean", ()
    )
    assert theta.dtype == np.float64 and checkpoints is None and updates is None
    same = run_sgd(model, X, y, theta0.astype(np.float64), schedule, 0.1, "mean", engine="fused").theta
    assert np.array_equal(theta, same)  # the same steps from the same (exactly widened) start

    class Nameless:
        pass

    assert not fused.supports(Nameless(), "mean", ())
    assert fused.supports(model, "sum", ("updates",)) and not fused.supports(model, "median", ())
