"""Linear and logistic engines (sims.engines.linear / logistic / glm / sgd) against a slow per-trajectory loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sims.engines import make_model, make_schedule, run_sgd
from sims.engines.schedule import Schedule
from tests.sims.reference import engine_tolerance, slow_sgd
from theory.checking.error_model import gamma
from theory.models.linear_regression import gradient as linear_gradient


def _logistic_gradient(theta, x, y):
    s = sum(a * b for a, b in zip(theta, x))
    sig = 1.0 / (1.0 + math.exp(-s))
    return [(sig - y) * v for v in x]


def _hessian_norm(link_bound):
    return lambda theta, x, y: link_bound * float(np.dot(x, x))


REFERENCES = {
    "linear": (lambda theta, x, y: list(linear_gradient(np.array(theta), x, y)), _hessian_norm(1.0)),
    "logistic": (_logistic_gradient, _hessian_norm(0.25)),
}


def _data(name, rng, n=12, p=4):
    X = rng.standard_normal((n, p)) / 2
    y = rng.standard_normal(n) if name == "linear" else (rng.random(n) < 0.5).astype(float)
    return X, y


@pytest.mark.parametrize("name", ["linear", "logistic"])
@pytest.mark.parametrize("aggregate", ["mean", "median"])
@pytest.mark.parametrize("batch_size", [1, 3])
def test_engine_matches_slow_loop(name, aggregate, batch_size):
    rng = np.random.default_rng(7)
    X, y = _data(name, rng)
    T, p = 5, X.shape[1]
    schedule = make_schedule(len(y), T, 2, batch_size, rng)
    # drop a few examples to exercise the weights (forgotten points, empty steps)
    schedule = schedule.without(rng.random(len(y)) < 0.25)
    lr = rng.uniform(0.05, 0.5, size=T)  # one learning rate per trajectory
    theta0 = rng.standard_normal((T, p))
    model = make_model(name, p)
    engine = run_sgd(model, X, y, theta0, schedule, lr, aggregate).theta
    grad_fn, hess_fn = REFERENCES[name]
    slow, mags, lips = slow_sgd(grad_fn, hess_fn, X, y, theta0, schedule.indices, schedule.weights, lr, aggregate)
    tol = engine_tolerance(mags, lips, depth=p + batch_size + 4, n_params=p)
    err = np.linalg.norm(engine - slow, axis=1)
    assert np.all(err <= tol), (err, tol)


def test_ascent_sign_and_records():
    rng = np.random.default_rng(3)
    X, y = _data("linear", rng)
    T, p = 3, X.shape[1]
    schedule = make_schedule(len(y), T, 1, 2, rng)
    model = make_model("linear", p)
    theta0 = rng.standard_normal((T, p))
    run = run_sgd(model, X, y, theta0, schedule, 0.1, record=("checkpoints", "updates", "per_example"), sign=-1.0)
    slow, mags, lips = slow_sgd(
        REFERENCES["linear"][0],
        REFERENCES["linear"][1],
        X,
        y,
        theta0,
        schedule.indices,
        schedule.weights,
        np.full(T, 0.1),
        "mean",
        sign=-1.0,
    )
    tol = engine_tolerance(mags, lips, depth=p + 6, n_params=p)
    assert np.all(np.linalg.norm(run.theta - slow, axis=1) <= tol)
    S, B = schedule.n_steps, schedule.batch_size
    # the checkpoints differ by the updates, up to the rounding of one addition and one subtraction
    before, after = run.checkpoints[:, :-1], run.checkpoints[:, 1:]
    bound = gamma(2) * (np.abs(before) + np.abs(run.updates) + np.abs(after))
    assert np.all(np.abs(after - before - run.updates) <= bound)
    np.testing.assert_array_equal(run.checkpoints[:, -1], run.theta)
    assert run.memory_bytes == 8 * (T * (S + 1) * p + T * S * p + T * S * B * p)
    assert run.memory_bytes == sum(a.nbytes for a in (run.checkpoints, run.updates, run.per_example))
    assert run.grad_evals == int(np.count_nonzero(schedule.weights))


def test_bad_engine_arguments():
    rng = np.random.default_rng(0)
    X, y = _data("linear", rng)
    model = make_model("linear", X.shape[1])
    schedule = make_schedule(len(y), 2, 1, 1, rng)
    theta0 = np.zeros((2, X.shape[1]))
    with pytest.raises(ValueError, match="lr"):
        run_sgd(model, X, y, theta0, schedule, -0.1)
    with pytest.raises(ValueError, match="aggregate"):
        run_sgd(model, X, y, theta0, schedule, 0.1, aggregate="trimmed")
    with pytest.raises(ValueError, match="theta0"):
        run_sgd(model, X, y, np.zeros((3, X.shape[1])), schedule, 0.1)
    with pytest.raises(ValueError, match="record"):
        run_sgd(model, X, y, theta0, schedule, 0.1, record=("hessians",))
    with pytest.raises(ValueError, match="weights"):
        Schedule(schedule.indices, schedule.weights[:, :, :0])
    with pytest.raises(ValueError, match="model"):
        make_model("svm", 3)
